//! What an accept loop does with an accept error: the policy of
//! [`start_server`](crate::net::start_server), public so that other
//! servers on weave (`weave-hyper`'s `serve`) keep the same one.
//!
//! Running out of file descriptors (`EMFILE`, `ENFILE`) or kernel memory
//! (`ENOMEM`, `ENOBUFS`) backs off, 1 ms doubling to 1 s, with one message
//! on stderr per episode: the pending connection stays in the backlog and
//! accepting resumes once descriptors are freed, instead of spinning on
//! the same error. A peer that gave up before the accept
//! (`ECONNABORTED`, `ECONNRESET`) or a signal (`EINTR`) is skipped at
//! once; anything else is reported and retried after 10 ms.

use std::io;
use std::time::Duration;

/// The accept-error policy of one accept loop: running out of file
/// descriptors (`EMFILE`, `ENFILE`) or kernel memory (`ENOMEM`,
/// `ENOBUFS`) backs off, 1 ms doubling to 1 s, with one message on stderr
/// per episode (the pending connection stays in the backlog); a peer that
/// gave up before the accept, or a signal, is skipped at once; anything
/// else is reported and retried after 10 ms. [`start_server`] and
/// `weave-hyper`'s `serve` use it.
///
/// [`start_server`]: crate::net::start_server
///
/// ```
/// use weave::net::{AcceptBackoff, TcpListener};
///
/// weave::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     let client = weave::spawn(weave::net::TcpStream::connect(addr));
///     let mut backoff = AcceptBackoff::new();
///     let stream = loop {
///         match listener.accept().await {
///             Ok((stream, _peer)) => {
///                 backoff.accepted();
///                 break stream;
///             }
///             Err(e) => backoff.failed(e).await,
///         }
///     };
///     drop((stream, client.await));
/// });
/// ```
#[derive(Debug, Default)]
pub struct AcceptBackoff {
    /// The current wait of a resource-exhaustion episode (zero: none).
    wait: Duration,
}

impl AcceptBackoff {
    /// No episode under way.
    pub fn new() -> AcceptBackoff {
        AcceptBackoff::default()
    }

    /// An accept succeeded: a later exhaustion starts again at 1 ms.
    pub fn accepted(&mut self) {
        self.wait = Duration::ZERO;
    }

    /// Handles the accept error `e`: returns at once for a peer's abort,
    /// after the episode's next wait when the process is out of
    /// resources, after 10 ms for anything else.
    ///
    /// # Panics
    /// Outside a runtime (it may sleep).
    pub async fn failed(&mut self, e: io::Error) {
        if exhausted(&e) {
            if self.wait.is_zero() {
                eprintln!("weave: accept failed ({e}); backing off until resources free up");
                self.wait = Duration::from_millis(1);
            } else {
                self.wait = (self.wait * 2).min(Duration::from_secs(1));
            }
            crate::sleep(self.wait).await;
            return;
        }
        match e.kind() {
            // The peer gave up before we accepted: nothing to do.
            io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted => {}
            _ => {
                eprintln!("weave: accept failed: {e}");
                crate::sleep(Duration::from_millis(10)).await;
            }
        }
    }

    /// The wait of the current exhaustion episode (zero when none).
    pub fn current_wait(&self) -> Duration {
        self.wait
    }
}

/// True for accept errors that mean "out of resources, try later":
/// EMFILE (24), ENFILE (23), ENOMEM (12) everywhere, and ENOBUFS, whose
/// number differs between Linux (105) and the BSDs (55).
fn exhausted(e: &io::Error) -> bool {
    const ENOBUFS: i32 = if cfg!(any(target_os = "linux", target_os = "android")) {
        105
    } else {
        55
    };
    matches!(e.raw_os_error(), Some(24 | 23 | 12)) || e.raw_os_error() == Some(ENOBUFS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exhaustion_doubles_up_to_a_second_and_resets_on_success() {
        crate::run(async {
            let mut backoff = AcceptBackoff::new();
            let emfile = || io::Error::from_raw_os_error(24);
            backoff.failed(emfile()).await;
            assert_eq!(backoff.current_wait(), Duration::from_millis(1));
            backoff.failed(emfile()).await;
            assert_eq!(backoff.current_wait(), Duration::from_millis(2));
            backoff.wait = Duration::from_millis(800);
            backoff.failed(io::Error::from_raw_os_error(23)).await;
            assert_eq!(backoff.current_wait(), Duration::from_secs(1));
            backoff.accepted();
            assert_eq!(backoff.current_wait(), Duration::ZERO);
            // A peer's abort neither waits nor starts an episode.
            backoff
                .failed(io::ErrorKind::ConnectionAborted.into())
                .await;
            assert_eq!(backoff.current_wait(), Duration::ZERO);
        });
    }
}
