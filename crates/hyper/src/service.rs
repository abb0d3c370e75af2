//! `service_fn`: a closure as a tower service, so that a plain function
//! can be given to [`serve`](crate::serve) (hyper's own `service_fn`
//! makes a hyper service, which `serve` does not take).

use std::fmt;
use std::future::Future;
use std::task::{Context, Poll};

/// Makes a tower `Service` of `f`, called once per request; it is `Clone`
/// when `f` is (tower's `service_fn`, for `weave_hyper::serve`).
///
/// ```
/// use http::{Request, Response};
/// use hyper::body::Incoming;
/// use std::convert::Infallible;
///
/// let hello = weave_hyper::service_fn(|_req: Request<Incoming>| async {
///     Ok::<_, Infallible>(Response::new("Hello, world!".to_owned()))
/// });
/// # async fn run(listener: weave::net::TcpListener, hello: impl Clone) {}
/// # drop(hello);
/// ```
pub fn service_fn<F>(f: F) -> ServiceFn<F> {
    ServiceFn { f }
}

/// The service of [`service_fn`].
#[derive(Clone, Copy)]
pub struct ServiceFn<F> {
    f: F,
}

impl<F> fmt::Debug for ServiceFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceFn").finish_non_exhaustive()
    }
}

impl<F, Req, Fut, R, E> tower_service::Service<Req> for ServiceFn<F>
where
    F: FnMut(Req) -> Fut,
    Fut: Future<Output = Result<R, E>>,
{
    type Response = R;
    type Error = E;
    type Future = Fut;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), E>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Req) -> Fut {
        (self.f)(req)
    }
}
