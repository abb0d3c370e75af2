//! Address resolution off the async workers.

use crate::context::run_blocking;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Resolves `addr` to socket addresses. Literal addresses resolve at once;
/// anything that may need a name lookup runs on the blocking pool (or a
/// thread of its own outside a runtime), never on an async worker.
pub(crate) async fn resolve<A: ToSocketAddrs + Send + 'static>(
    addr: A,
) -> io::Result<Vec<SocketAddr>> {
    if let Some(literal) = literal(&addr) {
        return Ok(vec![literal]);
    }
    let (tx, rx) = weave_sync::oneshot();
    run_blocking(Box::new(move || {
        let _ = tx.send(addr.to_socket_addrs().map(Iterator::collect));
    }));
    let addrs: Vec<SocketAddr> = rx
        .await
        .map_err(|_| io::Error::other("the name resolution job was dropped"))??;
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
