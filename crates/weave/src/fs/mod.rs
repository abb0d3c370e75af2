//! Files and directories (aiofiles, `tokio::fs`): each operation runs on
//! the blocking pool, so a worker never waits on the disk.
//!
//! | aiofiles / os / shutil         | weave                                   |
//! |--------------------------------|-----------------------------------------|
//! | `async with aiofiles.open(p)`  | [`File::open`]`(p).await?`               |
//! | `aiofiles.open(p, "w")`        | [`File::create`]`(p).await?`             |
//! | `aiofiles.open(p, "a")`        | [`OpenOptions::new`]`().append(true).open(p)` |
//! | `f.read()`, `f.write(b)`       | `AsyncReadExt::read_to_end`, `AsyncWriteExt::write_all` (the futures crate) |
//! | `pathlib.Path.read_bytes()`    | [`read`]`(p).await?`                     |
//! | `os.makedirs`, `os.remove`, `shutil.rmtree`, `os.rename` | [`create_dir_all`], [`remove_file`], [`remove_dir_all`], [`rename`] |
//! | `os.scandir`                   | [`read_dir`] (a `Stream`)               |
//!
//! ```
//! weave::run(async {
//!     let dir = std::env::temp_dir().join(format!("weave-fs-doc-{}", std::process::id()));
//!     weave::fs::create_dir_all(&dir).await?;
//!     let path = dir.join("hello.txt");
//!     weave::fs::write(&path, "hello").await?;
//!     assert_eq!(weave::fs::read_to_string(&path).await?, "hello");
//!     weave::fs::remove_dir_all(&dir).await
//! })
//! .unwrap();
//! ```
//!
//! Every error of the system names the operation and the path (`open
//! "/no/such/file": No such file or directory (os error 2)`; a `File`
//! made with `File::from_std` has no path to name), keeps the
//! [`io::ErrorKind`] and carries the system's error as its
//! [`source`](std::error::Error::source) — `raw_os_error()` is on that
//! source (`err.get_ref()` then `source()`), not on the error itself. If
//! the runtime shuts down before the operation ran, it fails with
//! [`io::ErrorKind::Other`] saying so; so does any call on a thread
//! outside a weave runtime.

mod dir;
mod file;
mod open_options;

pub use dir::{read_dir, DirEntry, ReadDir};
pub use file::File;
pub use open_options::OpenOptions;

use crate::path_error::with_path;
use std::io;
use std::path::{Path, PathBuf};

/// Runs `op` on the blocking pool; its error names `what` and `path`.
pub(crate) async fn blocking<T, F>(what: &'static str, path: PathBuf, op: F) -> io::Result<T>
where
    F: FnOnce(&Path) -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    run_blocking(move || op(&path).map_err(|err| with_path(err, what, &path))).await
}

/// Runs `op` on the blocking pool: its panic resumes here, a runtime shut
/// down before it ran is an error.
pub(crate) async fn run_blocking<T, F>(op: F) -> io::Result<T>
where
    F: FnOnce() -> io::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match spawn_job(op)?.await {
        Ok(result) => result,
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(_) => Err(shut_down()),
    }
}

/// The runtime this thread is inside (whose pool runs the blocking
/// jobs), or an error naming the fix.
pub(crate) fn current_runtime() -> io::Result<crate::Handle> {
    crate::Handle::try_current().map_err(|_| no_runtime())
}

fn no_runtime() -> io::Error {
    io::Error::other(
        "weave::fs needs a weave runtime for its blocking jobs: call it from inside `run(...)`, \
         `Runtime::block_on` or a task",
    )
}

/// Starts `job` on the current runtime's blocking pool; an error (not a
/// panic) on a thread outside any runtime.
pub(crate) fn spawn_job<R: Send + 'static>(
    job: impl FnOnce() -> R + Send + 'static,
) -> io::Result<crate::JoinHandle<R>> {
    Ok(current_runtime()?.spawn_blocking(job))
}

/// The error of an operation the runtime's shutdown cancelled.
pub(crate) fn shut_down() -> io::Error {
    io::Error::other("the file operation did not run: the runtime is shutting down")
}

/// Reads the whole file (`Path.read_bytes()`).
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    blocking("read", path.as_ref().to_owned(), |p| std::fs::read(p)).await
}

/// Reads the whole file as UTF-8 (`Path.read_text()`); invalid UTF-8 is
/// an [`io::ErrorKind::InvalidData`] error.
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    blocking("read", path.as_ref().to_owned(), |p| {
        std::fs::read_to_string(p)
    })
    .await
}

/// Writes `contents` as the whole file, creating or truncating it
/// (`Path.write_bytes()`).
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let contents = contents.as_ref().to_owned();
    blocking("write", path.as_ref().to_owned(), move |p| {
        std::fs::write(p, contents)
    })
    .await
}

/// Creates a directory (`os.mkdir`).
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    blocking("create directory", path.as_ref().to_owned(), |p| {
        std::fs::create_dir(p)
    })
    .await
}

/// Creates a directory and its missing parents (`os.makedirs(exist_ok=True)`).
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    blocking("create directory", path.as_ref().to_owned(), |p| {
        std::fs::create_dir_all(p)
    })
    .await
}

/// Removes a file (`os.remove`).
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    blocking("remove", path.as_ref().to_owned(), |p| {
        std::fs::remove_file(p)
    })
    .await
}

/// Removes an empty directory (`os.rmdir`).
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    blocking("remove directory", path.as_ref().to_owned(), |p| {
        std::fs::remove_dir(p)
    })
    .await
}

/// Removes a directory and everything in it (`shutil.rmtree`).
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    blocking("remove directory", path.as_ref().to_owned(), |p| {
        std::fs::remove_dir_all(p)
    })
    .await
}

/// Renames `from` to `to`, replacing `to` if it is a file (`os.replace`).
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let to = to.as_ref().to_owned();
    blocking("rename", from.as_ref().to_owned(), move |p| {
        std::fs::rename(p, to)
    })
    .await
}

/// Copies the contents and permissions of `from` to `to`; returns the
/// bytes copied (`shutil.copy`).
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let to = to.as_ref().to_owned();
    blocking("copy", from.as_ref().to_owned(), move |p| {
        std::fs::copy(p, to)
    })
    .await
}

/// The metadata of `path`, following symbolic links (`os.stat`).
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    blocking("metadata of", path.as_ref().to_owned(), |p| {
        std::fs::metadata(p)
    })
    .await
}

/// The metadata of `path` itself, not following a symbolic link
/// (`os.lstat`).
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    blocking("metadata of", path.as_ref().to_owned(), |p| {
        std::fs::symlink_metadata(p)
    })
    .await
}

/// The absolute path with every symbolic link resolved (`os.path.realpath`).
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    blocking("canonicalize", path.as_ref().to_owned(), |p| {
        std::fs::canonicalize(p)
    })
    .await
}

/// Whether `path` exists; an error when that cannot be told (a permission
/// error on a parent), unlike `os.path.exists`, which says `False`.
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    blocking("look up", path.as_ref().to_owned(), |p| p.try_exists()).await
}
