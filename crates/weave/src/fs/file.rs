//! [`File`]: an open file whose reads, writes and seeks run on the
//! blocking pool, one at a time.
//!
//! The state machine: a `File` is `Idle`, holding its buffer, or `Busy`
//! with one blocking job that owns the buffer until it hands it back.
//! - A read starts a job that fills the buffer (up to [`MAX_BUF`]) and
//!   copies out of it once it is back; what the caller did not take is
//!   served to the next read.
//! - A write copies the caller's bytes into the buffer, starts a job that
//!   writes them all, and returns at once: the data is on its way, and an
//!   error comes back from the next operation — read, write, seek, flush
//!   or close. So a `File` buffers at most one write in flight, and
//!   `flush` waits for it.
//! - A seek (and any write after a read) first takes back the bytes read
//!   ahead and not consumed, so the file position is what the caller has
//!   seen.
//! - Dropping a future that waits on a `File` leaves its job running: the
//!   next operation waits for it first, so nothing is lost or done twice.

use super::shut_down;
use crate::path_error::with_path;
use crate::JoinHandle;
use futures_io::{AsyncRead, AsyncSeek, AsyncWrite};
use std::any::Any;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// The most a single read or write job moves (as `tokio::fs`).
pub(crate) const MAX_BUF: usize = 2 * 1024 * 1024;

/// An open file (aiofiles' file object, `tokio::fs::File`):
/// [`futures_io::AsyncRead`], [`AsyncWrite`] and [`AsyncSeek`], so the
/// `futures` crate's `AsyncReadExt` / `AsyncWriteExt` / `AsyncSeekExt`
/// methods work on it.
///
/// Writes are buffered off the worker: `write` returns once the bytes are
/// copied, and a blocking job writes them. Call [`flush`] (or `close`) to
/// wait for that and see its error; an error not seen that way comes back
/// from the next operation. A `File` dropped with a write in flight does
/// not cancel it: the blocking pool still writes the bytes (unless the
/// runtime shuts down before the job starts), but its error is lost — as
/// with `tokio::fs::File`, flush before you drop when the error matters.
///
/// ```
/// use futures::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
/// use std::io::SeekFrom;
///
/// weave::run(async {
///     let path = std::env::temp_dir().join(format!("weave-file-doc-{}", std::process::id()));
///     let mut file = weave::fs::File::create(&path).await?;
///     file.write_all(b"hello, file").await?;
///     file.flush().await?;
///
///     let mut file = weave::fs::OpenOptions::new().read(true).open(&path).await?;
///     file.seek(SeekFrom::Start(7)).await?;
///     let mut text = String::new();
///     file.read_to_string(&mut text).await?;
///     assert_eq!(text, "file");
///     weave::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
///
/// [`flush`]: https://docs.rs/futures/latest/futures/io/trait.AsyncWriteExt.html#method.flush
pub struct File {
    std: Arc<std::fs::File>,
    /// For error messages; `None` for a file made with [`File::from_std`].
    path: Option<Arc<Path>>,
    state: State,
}

enum State {
    Idle(Buf),
    Busy {
        job: JoinHandle<(Op, Buf)>,
        /// The request of the seek in flight, if it is one.
        seek: Option<SeekFrom>,
    },
}

/// What a finished job did.
enum Op {
    Read(io::Result<()>),
    Write(io::Result<()>),
    Seek(io::Result<u64>),
    /// One of the methods (`sync_all`, `set_len`, ...): its typed result.
    Call(io::Result<Box<dyn Any + Send>>),
}

/// The bytes in `data[pos..len]`: read ahead and not yet taken, or about
/// to be written.
#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
    len: usize,
}

impl Buf {
    fn unread(&self) -> usize {
        self.len - self.pos
    }

    fn clear(&mut self) {
        self.pos = 0;
        self.len = 0;
    }

    fn copy_to(&mut self, out: &mut [u8]) -> usize {
        let n = self.unread().min(out.len());
        out[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    fn copy_from(&mut self, src: &[u8]) -> usize {
        let n = src.len().min(MAX_BUF);
        self.data.clear();
        self.data.extend_from_slice(&src[..n]);
        self.pos = 0;
        self.len = n;
        n
    }

    /// One read of at most `want` bytes into the buffer.
    fn read_from(&mut self, file: &std::fs::File, want: usize) -> io::Result<()> {
        if self.data.len() < want {
            self.data.resize(want, 0);
        }
        self.clear();
        let n = loop {
            match (&*file).read(&mut self.data[..want]) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        self.len = n;
        Ok(())
    }

    /// Forgets the bytes read ahead; returns how far to seek back so the
    /// file position matches what the caller consumed.
    fn discard_unread(&mut self) -> Option<i64> {
        let unread = self.unread();
        self.clear();
        (unread > 0).then(|| -(unread as i64))
    }
}

/// Whether a job needs the file position to be where the caller has read
/// to (the read-ahead given back first), or runs at any position (the
/// read-ahead kept: a pipe cannot seek back).
#[derive(Clone, Copy)]
enum Position {
    Settle,
    Any,
}

/// Moves the file position back over bytes read ahead, if any.
fn seek_back(mut file: &std::fs::File, back: Option<i64>) -> io::Result<()> {
    if let Some(back) = back {
        file.seek(SeekFrom::Current(back))?;
    }
    Ok(())
}

impl File {
    /// Opens `path` for reading (`aiofiles.open(path, "rb")`).
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        super::OpenOptions::new().read(true).open(path).await
    }

    /// Creates `path` for writing, truncating it if it exists
    /// (`aiofiles.open(path, "wb")`).
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        super::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .await
    }

    /// A builder with every option off; see [`OpenOptions`](super::OpenOptions).
    pub fn options() -> super::OpenOptions {
        super::OpenOptions::new()
    }

    pub(crate) fn new(std: std::fs::File, path: Option<Arc<Path>>) -> File {
        File {
            std: Arc::new(std),
            path,
            state: State::Idle(Buf::default()),
        }
    }

    /// Wraps an open `std::fs::File`.
    pub fn from_std(std: std::fs::File) -> File {
        File::new(std, None)
    }

    /// Waits for the operation in flight and returns the `std::fs::File`,
    /// its position where this `File`'s reads and writes left it. The
    /// error of a write not seen yet comes back here.
    pub async fn into_std(mut self) -> io::Result<std::fs::File> {
        self.call("seek in", Position::Settle, |_| Ok(())).await?;
        let std = self.std.clone();
        drop(self);
        // No job is in flight, so no other reference is left.
        Arc::try_unwrap(std).or_else(|std| std.try_clone())
    }

    /// A second `File` for the same open file (`dup`): they share the
    /// position (after the operation in flight), not the buffer.
    pub async fn try_clone(&mut self) -> io::Result<File> {
        let path = self.path.clone();
        let dup = self
            .call("clone", Position::Settle, |f| f.try_clone())
            .await?;
        Ok(File::new(dup, path))
    }

    /// Waits for the write in flight, then flushes the file's data and
    /// metadata to the disk (`os.fsync`).
    pub async fn sync_all(&mut self) -> io::Result<()> {
        self.call("sync", Position::Any, |f| f.sync_all()).await
    }

    /// As [`sync_all`](Self::sync_all), without the metadata that reading
    /// the data back does not need (`os.fdatasync`).
    pub async fn sync_data(&mut self) -> io::Result<()> {
        self.call("sync", Position::Any, |f| f.sync_data()).await
    }

    /// Truncates or extends the file to `len` bytes (`os.ftruncate`),
    /// after the write in flight. The position stays where the caller
    /// had it.
    pub async fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.call("set the length of", Position::Settle, move |f| {
            f.set_len(len)
        })
        .await
    }

    /// The file's metadata (`os.fstat`). It does not wait for a write in
    /// flight (flush first for a size that counts it).
    pub async fn metadata(&self) -> io::Result<std::fs::Metadata> {
        let std = self.std.clone();
        super::run_blocking(move || std.metadata())
            .await
            .map_err(|e| self.err(e, "metadata of"))
    }

    /// Changes the file's permissions (`os.fchmod`).
    pub async fn set_permissions(&self, perm: std::fs::Permissions) -> io::Result<()> {
        let std = self.std.clone();
        super::run_blocking(move || std.set_permissions(perm))
            .await
            .map_err(|e| self.err(e, "set the permissions of"))
    }

    /// Runs `op` as this file's next job, after the one in flight (whose
    /// write error it reports) and after giving back the bytes read ahead;
    /// its error names `what` and the path. Dropped before the job ends,
    /// the job still runs, and the next operation waits for it.
    async fn call<T, F>(&mut self, what: &'static str, at: Position, op: F) -> io::Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&std::fs::File) -> io::Result<T> + Send + 'static,
    {
        let rt = super::current_runtime()?;
        let back = match at {
            Position::Settle => poll_fn(|cx| self.poll_idle_for_seek(cx)).await?,
            // The read-ahead stays in the buffer, which the job carries.
            Position::Any => {
                poll_fn(|cx| self.poll_idle(cx)).await?;
                None
            }
        };
        let buf = self.take_buf();
        self.start(&rt, buf, None, move |file, buf| {
            let out = seek_back(file, back).and_then(|()| op(file));
            (
                Op::Call(out.map(|v| Box::new(v) as Box<dyn Any + Send>)),
                buf,
            )
        });
        let out = poll_fn(|cx| match ready!(self.poll_job(cx)) {
            Ok((Op::Call(out), _)) => Poll::Ready(out),
            Ok(_) => unreachable!("the job in flight is the call's own: it waited for the others"),
            Err(err) => Poll::Ready(Err(err)),
        })
        .await
        .map_err(|e| self.err(e, what))?;
        Ok(*out
            .downcast::<T>()
            .expect("a call's job returns its own type"))
    }

    /// `err`, naming the path if the file has one.
    fn err(&self, err: io::Error, what: &'static str) -> io::Error {
        match &self.path {
            Some(path) => with_path(err, what, path),
            None => err,
        }
    }

    /// Polls the job in flight; `Ready` once it finished (the buffer is
    /// back), with its outcome.
    fn poll_job(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<(Op, Option<SeekFrom>)>> {
        let State::Busy { job, seek } = &mut self.state else {
            unreachable!("poll_job on an idle file");
        };
        let seek = *seek;
        let finished = ready!(Pin::new(job).poll(cx));
        match finished {
            Ok((op, buf)) => {
                self.state = State::Idle(buf);
                Poll::Ready(Ok((op, seek)))
            }
            Err(err) => {
                self.state = State::Idle(Buf::default());
                if err.is_panic() {
                    std::panic::resume_unwind(err.into_panic());
                }
                Poll::Ready(Err(shut_down()))
            }
        }
    }

    /// Waits until no job is in flight. A failed write's error is
    /// returned; other outcomes are dropped (their callers went away).
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let State::Busy { .. } = self.state {
            if let (Op::Write(Err(err)), _) = ready!(self.poll_job(cx))? {
                return Poll::Ready(Err(self.err(err, "write")));
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Waits until idle, then gives up the bytes read ahead; returns how
    /// far back the file position must move. The caller starts a job that
    /// moves it back before this returns to its own caller, so the
    /// position is never left ahead.
    fn poll_idle_for_seek(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<i64>>> {
        ready!(self.poll_idle(cx))?;
        let State::Idle(buf) = &mut self.state else {
            unreachable!("poll_idle returned with a job in flight")
        };
        Poll::Ready(Ok(buf.discard_unread()))
    }

    /// Starts `job` on the blocking pool of `rt` with the buffer; the file
    /// is busy until it ends. (The callers look the runtime up before they
    /// give up the read-ahead, so a missing one leaves the position right.)
    fn start(
        &mut self,
        rt: &crate::Handle,
        buf: Buf,
        seek: Option<SeekFrom>,
        job: impl FnOnce(&std::fs::File, Buf) -> (Op, Buf) + Send + 'static,
    ) {
        let std = self.std.clone();
        let job = rt.spawn_blocking(move || job(&std, buf));
        self.state = State::Busy { job, seek };
    }

    fn take_buf(&mut self) -> Buf {
        match std::mem::replace(&mut self.state, State::Idle(Buf::default())) {
            State::Idle(buf) => buf,
            State::Busy { .. } => unreachable!("take_buf on a busy file"),
        }
    }
}

impl AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                State::Idle(buf) => {
                    if buf.unread() > 0 || out.is_empty() {
                        return Poll::Ready(Ok(buf.copy_to(out)));
                    }
                    let rt = super::current_runtime()?;
                    let want = out.len().min(MAX_BUF);
                    let buf = this.take_buf();
                    this.start(&rt, buf, None, move |file, mut buf| {
                        let res = buf.read_from(file, want);
                        (Op::Read(res), buf)
                    });
                }
                State::Busy { .. } => match ready!(this.poll_job(cx))? {
                    (Op::Read(Ok(())), _) => {
                        let State::Idle(buf) = &mut this.state else {
                            unreachable!("poll_job returned with a job in flight")
                        };
                        // An empty read is the end of the file.
                        return Poll::Ready(Ok(buf.copy_to(out)));
                    }
                    (Op::Read(Err(err)), _) => return Poll::Ready(Err(this.err(err, "read"))),
                    (Op::Write(Err(err)), _) => return Poll::Ready(Err(this.err(err, "write"))),
                    (Op::Write(Ok(())) | Op::Seek(_) | Op::Call(_), _) => {}
                },
            }
        }
    }
}

impl AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        src: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if src.is_empty() {
            // Nothing to write: only the error of the last write to report.
            return this.poll_idle(cx).map_ok(|()| 0);
        }
        let rt = super::current_runtime()?;
        let back = ready!(this.poll_idle_for_seek(cx))?;
        let mut buf = this.take_buf();
        let n = buf.copy_from(src);
        this.start(&rt, buf, None, move |mut file, mut buf| {
            let res = seek_back(file, back).and_then(|()| file.write_all(&buf.data[..buf.len]));
            buf.clear();
            (Op::Write(res), buf)
        });
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_idle(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().poll_idle(cx)
    }
}

/// A seek that was polled, dropped, and asked for again with the same
/// `SeekFrom` is taken to be the same request: for `Start` and `End` that
/// is exact; for `Current`, a dropped relative seek may have moved the
/// position once, and the repeated request returns that result rather
/// than moving it again.
impl AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let this = self.get_mut();
        loop {
            match &this.state {
                State::Busy { seek, .. } => {
                    let mine = *seek == Some(pos);
                    match ready!(this.poll_job(cx))? {
                        // The seek this call (or an earlier call with the
                        // same request, whose future went away) started.
                        (Op::Seek(res), _) if mine => {
                            return Poll::Ready(res.map_err(|e| this.err(e, "seek in")));
                        }
                        (Op::Write(Err(err)), _) => {
                            return Poll::Ready(Err(this.err(err, "write")))
                        }
                        _ => {}
                    }
                }
                State::Idle(buf) => {
                    // Checked before the read-ahead is given up, so an
                    // error leaves the position as it was.
                    let unread = buf.unread() as i64;
                    let target = match pos {
                        SeekFrom::Current(n) => match n.checked_sub(unread) {
                            Some(n) => SeekFrom::Current(n),
                            None => {
                                return Poll::Ready(Err(io::Error::new(
                                    io::ErrorKind::InvalidInput,
                                    "seek: SeekFrom::Current offset overflows an i64",
                                )))
                            }
                        },
                        _ => pos,
                    };
                    let rt = super::current_runtime()?;
                    ready!(this.poll_idle_for_seek(cx))?;
                    let buf = this.take_buf();
                    this.start(&rt, buf, Some(pos), move |mut file, buf| {
                        (Op::Seek(file.seek(target)), buf)
                    });
                }
            }
        }
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File")
            .field("path", &self.path)
            .field("busy", &matches!(self.state, State::Busy { .. }))
            .finish()
    }
}
