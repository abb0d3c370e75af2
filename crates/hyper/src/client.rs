//! The client side: [`Connector`] (TCP on weave as a tower service, what
//! hyper-util's pooled client connects with) and [`client`].

use crate::{WeaveExecutor, WeaveIo, WeaveTimer};
use http::Uri;
use hyper::body::Body;
use hyper_util::client::legacy::{Builder, Client};
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use weave::net::TcpStream;

/// Opens plain TCP connections on weave for hyper-util's client: a tower
/// `Service<Uri>` answering with a [`WeaveIo`]`<TcpStream>` (`TCP_NODELAY`
/// set). Names are resolved off the workers; `http://` only (wrap it in a
/// TLS connector for `https://`).
///
/// ```
/// use tower_service::Service;
///
/// weave::run(async {
///     let listener = weave::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let uri = format!("http://{}/", listener.local_addr().unwrap()).parse().unwrap();
///     let io = weave_hyper::Connector::new().call(uri).await.unwrap();
///     assert!(io.inner().nodelay().unwrap());
///
///     let https = "https://example.invalid/".parse().unwrap();
///     let err = weave_hyper::Connector::new().call(https).await.unwrap_err();
///     assert!(err.to_string().contains("TLS"), "{err}");
/// });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Connector;

impl Connector {
    /// A connector.
    pub fn new() -> Connector {
        Connector
    }
}

/// The future of [`Connector::call`](tower_service::Service::call).
#[must_use = "futures do nothing unless awaited"]
pub struct Connecting(Pin<Box<dyn Future<Output = io::Result<WeaveIo<TcpStream>>> + Send>>);

impl Future for Connecting {
    type Output = io::Result<WeaveIo<TcpStream>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for Connecting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connecting").finish_non_exhaustive()
    }
}

impl tower_service::Service<Uri> for Connector {
    type Response = WeaveIo<TcpStream>;
    type Error = io::Error;
    type Future = Connecting;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Connecting {
        let target = target(&uri);
        Connecting(Box::pin(async move {
            let stream = TcpStream::connect(target?).await?;
            stream.set_nodelay(true)?;
            Ok(WeaveIo::new(stream))
        }))
    }
}

/// The host and port `uri` names, or an error that says what is wrong.
fn target(uri: &Uri) -> io::Result<(String, u16)> {
    let invalid = |msg: String| io::Error::new(io::ErrorKind::InvalidInput, msg);
    match uri.scheme_str() {
        None | Some("http") => {}
        Some(scheme) => {
            return Err(invalid(format!(
                "weave_hyper::Connector opens plain TCP (http://), but {uri} is {scheme}://: \
                 wrap the Connector in a TLS connector (e.g. hyper-rustls's HttpsConnector) for it"
            )))
        }
    }
    let Some(host) = uri.host() else {
        return Err(invalid(format!(
            "the URI {uri:?} names no host: the client needs an absolute URI such as \
             http://127.0.0.1:8080/path"
        )));
    };
    // An IPv6 literal comes bracketed ("[::1]").
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host.to_owned(), uri.port_u16().unwrap_or(80)))
}

/// hyper-util's client builder with weave's executor and timer (for the
/// connection tasks, the pool's idle expiry and HTTP/2 keep-alive): set
/// what you need (e.g. `http2_only(true)`), then `build(Connector::new())`.
///
/// ```
/// let client = weave_hyper::client_builder()
///     .http2_only(true)
///     .build::<_, String>(weave_hyper::Connector::new());
/// # drop(client);
/// ```
pub fn client_builder() -> Builder {
    let mut builder = Client::builder(WeaveExecutor);
    builder.timer(WeaveTimer).pool_timer(WeaveTimer);
    builder
}

/// A pooled keep-alive HTTP client on weave (aiohttp's `ClientSession`):
/// hyper-util's `Client` over [`Connector`], idle connections reused per
/// host. `B` is the request body type (`String`, `http_body_util::Full`,
/// `Empty`, ...).
///
/// ```
/// weave::run(async {
///     let client = weave_hyper::client::<String>();
///     // Nothing listens on port 9 of localhost (discard): the error
///     // says the connection failed.
///     let err = client.get("http://127.0.0.1:9/".parse().unwrap()).await.unwrap_err();
///     assert!(err.is_connect(), "{err:?}");
/// });
/// ```
pub fn client<B>() -> Client<Connector, B>
where
    B: Body + Send,
    B::Data: Send,
{
    client_builder().build(Connector::new())
}
