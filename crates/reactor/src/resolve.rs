//! Address resolution off the async workers.

use crate::reactor::run_blocking;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

/// The result slot shared with the resolving thread.
struct Slot {
    result: Option<io::Result<Vec<SocketAddr>>>,
    waker: Option<Waker>,
}

struct Resolve(Arc<Mutex<Slot>>);

impl Future for Resolve {
    type Output = io::Result<Vec<SocketAddr>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match slot.result.take() {
            Some(result) => Poll::Ready(result),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Resolves `addr` to socket addresses. Literal addresses resolve at once;
/// anything that may need a name lookup runs on the blocking pool (or a
/// thread of its own outside a runtime), never on an async worker.
pub(crate) async fn resolve<A: ToSocketAddrs + Send + 'static>(
    addr: A,
) -> io::Result<Vec<SocketAddr>> {
    if let Some(literal) = literal(&addr) {
        return Ok(vec![literal]);
    }
    let slot = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
    }));
    let shared = slot.clone();
    run_blocking(Box::new(move || {
        let result = addr.to_socket_addrs().map(Iterator::collect);
        let waker = {
            let mut slot = shared.lock().unwrap_or_else(|e| e.into_inner());
            slot.result = Some(result);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }));
    let addrs = Resolve(slot).await?;
    if addrs.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolved to no socket address",
        ));
    }
    Ok(addrs)
}

/// `addr` as one socket address if that needs no lookup: a `SocketAddr`,
/// or a string that parses as one.
fn literal<A: ToSocketAddrs + 'static>(addr: &A) -> Option<SocketAddr> {
    let any = addr as &dyn std::any::Any;
    if let Some(a) = any.downcast_ref::<SocketAddr>() {
        return Some(*a);
    }
    if let Some(s) = any.downcast_ref::<&str>() {
        return s.parse().ok();
    }
    if let Some(s) = any.downcast_ref::<String>() {
        return s.parse().ok();
    }
    if let Some((ip, port)) = any.downcast_ref::<(std::net::IpAddr, u16)>() {
        return Some(SocketAddr::new(*ip, *port));
    }
    if let Some((ip, port)) = any.downcast_ref::<(std::net::Ipv4Addr, u16)>() {
        return Some(SocketAddr::new((*ip).into(), *port));
    }
    None
}

/// Tries `connect` on each address in turn; the last error if none works.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: A, mut f: F) -> io::Result<T>
where
    A: ToSocketAddrs + Send + 'static,
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for a in resolve(addr).await? {
        match f(a).await {
            Ok(t) => return Ok(t),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to use")))
}
