//! The client side: [`Connector`] (TCP on weave as a tower service, what
//! hyper-util's pooled client connects with) and [`client`].

use crate::{WeaveExecutor, WeaveIo, WeaveTimer};
use http::Uri;
use hyper::body::Body;
use hyper_util::client::legacy::{Builder, Client};
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
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
            let stream = match target? {
                // An address literal connects at once; a name is resolved
                // off the workers first.
                Target::Addr(addr) => TcpStream::connect(addr).await?,
                Target::Name(host, port) => TcpStream::connect((host, port)).await?,
            };
            stream.set_nodelay(true)?;
            Ok(WeaveIo::new(stream))
        }))
    }
}

/// Where a URI points.
#[derive(Debug, PartialEq)]
enum Target {
    Addr(SocketAddr),
    Name(String, u16),
}

/// The host and port `uri` names, or an error that says what is wrong.
fn target(uri: &Uri) -> io::Result<Target> {
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
    let port = uri.port_u16().unwrap_or(80);
    Ok(match host.parse::<IpAddr>() {
        Ok(ip) => Target::Addr(SocketAddr::new(ip, port)),
        Err(_) => Target::Name(host.to_owned(), port),
    })
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
///     // A port nobody listens on any more: the error says the connection
///     // failed.
///     let listener = weave::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     drop(listener);
///     let client = weave_hyper::client::<String>();
///     let err = client.get(format!("http://{addr}/").parse().unwrap()).await.unwrap_err();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn of(uri: &str) -> io::Result<Target> {
        target(&uri.parse().unwrap())
    }

    #[test]
    fn targets_of_uris() {
        let addr = |s: &str| Target::Addr(s.parse().unwrap());
        assert_eq!(
            of("http://127.0.0.1:8080/x").unwrap(),
            addr("127.0.0.1:8080")
        );
        assert_eq!(of("http://[::1]:9/").unwrap(), addr("[::1]:9"));
        assert_eq!(of("http://10.0.0.1/").unwrap(), addr("10.0.0.1:80"));
        assert_eq!(
            of("http://localhost:3000/").unwrap(),
            Target::Name("localhost".into(), 3000)
        );
        assert_eq!(
            of("example.com:81").unwrap(),
            Target::Name("example.com".into(), 81)
        );
        let https = of("https://example.com/").unwrap_err();
        assert!(https.to_string().contains("TLS connector"), "{https}");
        let relative = of("/just/a/path").unwrap_err();
        assert!(relative.to_string().contains("absolute URI"), "{relative}");
    }
}
