//! [`read_dir`]: a directory's entries as a stream (`os.scandir`), read
//! in batches on the blocking pool.

use super::{blocking, run_blocking, shut_down, spawn_job};
use crate::path_error::with_path;
use crate::JoinHandle;
use futures_core::Stream;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// Entries read per blocking job.
const BATCH: usize = 32;

/// Opens the directory at `path` for listing (`os.scandir`).
///
/// ```
/// weave::run(async {
///     let dir = std::env::temp_dir().join(format!("weave-read-dir-doc-{}", std::process::id()));
///     weave::fs::create_dir_all(&dir).await?;
///     weave::fs::write(dir.join("a.txt"), "a").await?;
///     let mut entries = weave::fs::read_dir(&dir).await?;
///     let mut names = Vec::new();
///     while let Some(entry) = entries.next_entry().await? {
///         names.push(entry.file_name());
///     }
///     assert_eq!(names, ["a.txt"]);
///     weave::fs::remove_dir_all(&dir).await
/// })
/// .unwrap();
/// ```
pub async fn read_dir(path: impl AsRef<Path>) -> io::Result<ReadDir> {
    let path: Arc<Path> = Arc::from(path.as_ref());
    let std = blocking("read directory", path.to_path_buf(), |p| {
        std::fs::read_dir(p)
    })
    .await?;
    Ok(ReadDir {
        path,
        state: DirState::Idle(Some(Batch {
            std,
            entries: VecDeque::new(),
            done: false,
        })),
    })
}

/// The entries of a directory, from [`read_dir`]:
/// [`next_entry`](Self::next_entry), or a [`futures_core::Stream`] of
/// `io::Result<DirEntry>`. `.` and `..` are not listed; the order is the
/// file system's.
pub struct ReadDir {
    path: Arc<Path>,
    state: DirState,
}

enum DirState {
    /// `None` after a blocking job was lost (a shutdown): the next poll
    /// reports it, the ones after end the stream.
    Idle(Option<Batch>),
    Busy(JoinHandle<Batch>),
    /// Ended after an error that loses the listing.
    Done,
}

struct Batch {
    std: std::fs::ReadDir,
    entries: VecDeque<io::Result<std::fs::DirEntry>>,
    done: bool,
}

impl ReadDir {
    /// The next entry, `None` at the end. Cancel-safe: an entry read for
    /// a dropped call is kept for the next.
    pub async fn next_entry(&mut self) -> io::Result<Option<DirEntry>> {
        poll_fn(|cx| self.poll_next_entry(cx)).await.transpose()
    }

    /// Polls for the next entry (`None` at the end).
    pub fn poll_next_entry(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Result<DirEntry>>> {
        loop {
            match &mut self.state {
                DirState::Done => return Poll::Ready(None),
                DirState::Idle(None) => {
                    self.state = DirState::Done;
                    return Poll::Ready(Some(Err(shut_down())));
                }
                DirState::Idle(Some(batch)) => {
                    if let Some(entry) = batch.entries.pop_front() {
                        return Poll::Ready(Some(match entry {
                            Ok(std) => Ok(DirEntry(Arc::new(std))),
                            Err(err) => Err(with_path(err, "read directory", &self.path)),
                        }));
                    }
                    if batch.done {
                        return Poll::Ready(None);
                    }
                    let Some(mut batch) = self.take_batch() else {
                        unreachable!("an idle listing holds its batch")
                    };
                    let job = spawn_job(move || {
                        for _ in 0..BATCH {
                            match batch.std.next() {
                                Some(entry) => batch.entries.push_back(entry),
                                None => {
                                    batch.done = true;
                                    break;
                                }
                            }
                        }
                        batch
                    });
                    match job {
                        Ok(job) => self.state = DirState::Busy(job),
                        Err(err) => {
                            self.state = DirState::Done;
                            return Poll::Ready(Some(Err(err)));
                        }
                    }
                }
                DirState::Busy(job) => match ready!(Pin::new(job).poll(cx)) {
                    Ok(batch) => self.state = DirState::Idle(Some(batch)),
                    Err(err) => {
                        self.state = DirState::Idle(None);
                        if err.is_panic() {
                            std::panic::resume_unwind(err.into_panic());
                        }
                    }
                },
            }
        }
    }

    fn take_batch(&mut self) -> Option<Batch> {
        match std::mem::replace(&mut self.state, DirState::Idle(None)) {
            DirState::Idle(batch) => batch,
            DirState::Busy(_) | DirState::Done => None,
        }
    }
}

impl Stream for ReadDir {
    type Item = io::Result<DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next_entry(cx)
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadDir").field("path", &self.path).finish()
    }
}

/// One entry of a [`ReadDir`] (`os.DirEntry`).
#[derive(Debug, Clone)]
pub struct DirEntry(Arc<std::fs::DirEntry>);

impl DirEntry {
    /// The full path: the directory's path joined with the name.
    pub fn path(&self) -> PathBuf {
        self.0.path()
    }

    /// The name, without the directory.
    pub fn file_name(&self) -> OsString {
        self.0.file_name()
    }

    /// The entry's metadata, not following a symbolic link (`DirEntry.stat(follow_symlinks=False)`).
    pub async fn metadata(&self) -> io::Result<std::fs::Metadata> {
        let entry = self.0.clone();
        run_blocking(move || {
            entry
                .metadata()
                .map_err(|e| with_path(e, "metadata of", &entry.path()))
        })
        .await
    }

    /// The entry's file type (from the directory listing where the file
    /// system gives it, else a `stat`), through one blocking job.
    pub async fn file_type(&self) -> io::Result<std::fs::FileType> {
        let entry = self.0.clone();
        run_blocking(move || {
            entry
                .file_type()
                .map_err(|e| with_path(e, "file type of", &entry.path()))
        })
        .await
    }
}
