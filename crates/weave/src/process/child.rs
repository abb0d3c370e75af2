//! [`Child`]: a running child process, its pipes, and its exit as a
//! future.

use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use super::reap;
use futures_io::AsyncRead;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::process::{ExitStatus, Output};
use std::task::{Context, Poll};
use weave_reactor::ChildExit;

/// A child process (asyncio's `Process`), from
/// [`Command::spawn`](super::Command::spawn).
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// use weave::process::{Command, Stdio};
///
/// weave::run(async {
///     let mut child = Command::new("tr")
///         .arg("a-z")
///         .arg("A-Z")
///         .stdin(Stdio::piped())
///         .stdout(Stdio::piped())
///         .spawn()?;
///     let mut stdin = child.stdin.take().unwrap();
///     stdin.write_all(b"shout").await?;
///     stdin.close().await?; // the end of tr's input
///     let mut out = String::new();
///     child.stdout.take().unwrap().read_to_string(&mut out).await?;
///     assert_eq!(out, "SHOUT");
///     assert!(child.wait().await?.success());
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct Child {
    /// The write end of the child's stdin, if it was piped.
    pub stdin: Option<ChildStdin>,
    /// The read end of the child's stdout, if it was piped.
    pub stdout: Option<ChildStdout>,
    /// The read end of the child's stderr, if it was piped.
    pub stderr: Option<ChildStderr>,
    /// `None` once reaped.
    live: Option<Live>,
    status: Option<ExitStatus>,
    kill_on_drop: bool,
}

/// A child not reaped yet, and its exit watcher.
struct Live {
    std: std::process::Child,
    exit: ChildExit,
}

impl Child {
    pub(crate) fn new(
        std: std::process::Child,
        exit: ChildExit,
        pipes: (Option<ChildStdin>, Option<ChildStdout>, Option<ChildStderr>),
        kill_on_drop: bool,
    ) -> Child {
        Child {
            stdin: pipes.0,
            stdout: pipes.1,
            stderr: pipes.2,
            live: Some(Live { std, exit }),
            status: None,
            kill_on_drop,
        }
    }

    /// The process id; `None` once the child has been reaped (its id may
    /// then belong to another process), as `asyncio`'s `pid` would be
    /// stale.
    pub fn id(&self) -> Option<u32> {
        self.live.as_ref().map(|live| live.std.id())
    }

    /// Waits for the child to exit and reaps it (`await proc.wait()`).
    /// Closes the child's stdin first (if still here), so a child that
    /// reads to its end of input is not left waiting on us. Cancel-safe:
    /// dropped and called again, it waits on; after the exit it returns
    /// the same status every time.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| self.poll_wait(cx)).await
    }

    /// Polls for the exit; see [`wait`](Self::wait).
    pub fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        if let Some(status) = self.status {
            return Poll::Ready(Ok(status));
        }
        let live = self
            .live
            .as_mut()
            .expect("a child without a status is live");
        let status = std::task::ready!(live.exit.poll_wait(cx, || live.std.try_wait()))?;
        Poll::Ready(Ok(self.reaped(status)))
    }

    /// The exit status if the child has exited (reaping it), else `None`
    /// (`proc.returncode`); does not wait.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if let Some(status) = self.status {
            return Ok(Some(status));
        }
        let live = self
            .live
            .as_mut()
            .expect("a child without a status is live");
        Ok(live.std.try_wait()?.map(|status| self.reaped(status)))
    }

    fn reaped(&mut self, status: ExitStatus) -> ExitStatus {
        self.status = Some(status);
        self.live = None;
        status
    }

    /// Sends SIGKILL (`proc.kill()`); `wait` then reports the signal.
    /// Ok if the child has already exited.
    pub fn kill(&mut self) -> io::Result<()> {
        match &mut self.live {
            Some(live) => live.std.kill(),
            None => Ok(()),
        }
    }

    /// Waits for the exit while reading all of stdout and stderr (those
    /// that were piped), concurrently, so neither pipe fills up and stalls
    /// the child (`await proc.communicate()`). Closes stdin first.
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        drop(self.stdin.take());
        let mut stdout = self.stdout.take();
        let mut stderr = self.stderr.take();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let (mut out_done, mut err_done) = (stdout.is_none(), stderr.is_none());
        let mut status = None;
        poll_fn(|cx| {
            if !out_done {
                out_done = ready_or_pending(read_to_end(cx, stdout.as_mut().unwrap(), &mut out))?;
            }
            if !err_done {
                err_done = ready_or_pending(read_to_end(cx, stderr.as_mut().unwrap(), &mut err))?;
            }
            if status.is_none() {
                if let Poll::Ready(s) = self.poll_wait(cx) {
                    status = Some(s?);
                }
            }
            match status {
                Some(status) if out_done && err_done => Poll::Ready(Ok(status)),
                _ => Poll::Pending,
            }
        })
        .await
        .map(|status| Output {
            status,
            stdout: out,
            stderr: err,
        })
    }
}

/// `Ok(true)` when done, `Ok(false)` while pending.
fn ready_or_pending(poll: Poll<io::Result<()>>) -> io::Result<bool> {
    match poll {
        Poll::Ready(result) => result.map(|()| true),
        Poll::Pending => Ok(false),
    }
}

/// Reads `from` into `into` until the end, or `Pending`.
fn read_to_end(
    cx: &mut Context<'_>,
    from: &mut (impl AsyncRead + Unpin),
    into: &mut Vec<u8>,
) -> Poll<io::Result<()>> {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match std::task::ready!(Pin::new(&mut *from).poll_read(cx, &mut buf)) {
            Ok(0) => return Poll::Ready(Ok(())),
            Ok(n) => into.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Poll::Ready(Err(err)),
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if let Some(mut live) = self.live.take() {
            if self.kill_on_drop {
                let _ = live.std.kill();
            }
            // Its watcher belongs to this thread's reactor; the reaper
            // makes its own.
            drop(live.exit);
            reap::adopt(live.std);
        }
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Child")
            .field("id", &self.id())
            .field("status", &self.status)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}
