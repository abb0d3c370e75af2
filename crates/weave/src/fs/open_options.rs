//! [`OpenOptions`]: `std::fs::OpenOptions`, opening on the blocking pool.

use super::{blocking, File};
use std::io;
use std::path::Path;
use std::sync::Arc;

/// How to open a file: `std::fs::OpenOptions`'s builder (Python's `open`
/// modes: `"r"` is `read(true)`, `"w"` is `write(true).create(true)
/// .truncate(true)`, `"a"` is `append(true).create(true)`, `"x"` adds
/// `create_new(true)`), whose [`open`](Self::open) is awaited.
///
/// ```
/// use futures::AsyncWriteExt;
///
/// weave::run(async {
///     let path = std::env::temp_dir().join(format!("weave-append-doc-{}", std::process::id()));
///     for line in ["one\n", "two\n"] {
///         let mut log = weave::fs::OpenOptions::new().append(true).create(true).open(&path).await?;
///         log.write_all(line.as_bytes()).await?;
///         log.close().await?;
///     }
///     assert_eq!(weave::fs::read_to_string(&path).await?, "one\ntwo\n");
///     weave::fs::remove_file(&path).await
/// })
/// .unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct OpenOptions(std::fs::OpenOptions);

impl OpenOptions {
    /// Every option off (then set `read`, `write` or `append`).
    pub fn new() -> OpenOptions {
        OpenOptions(std::fs::OpenOptions::new())
    }

    /// Open for reading.
    pub fn read(&mut self, read: bool) -> &mut Self {
        self.0.read(read);
        self
    }

    /// Open for writing.
    pub fn write(&mut self, write: bool) -> &mut Self {
        self.0.write(write);
        self
    }

    /// Open for appending: every write goes to the end.
    pub fn append(&mut self, append: bool) -> &mut Self {
        self.0.append(append);
        self
    }

    /// Truncate the file to 0 bytes when it is opened (needs `write`).
    pub fn truncate(&mut self, truncate: bool) -> &mut Self {
        self.0.truncate(truncate);
        self
    }

    /// Create the file if it does not exist (needs `write` or `append`).
    pub fn create(&mut self, create: bool) -> &mut Self {
        self.0.create(create);
        self
    }

    /// Create the file, failing if it exists (`"x"`).
    pub fn create_new(&mut self, create_new: bool) -> &mut Self {
        self.0.create_new(create_new);
        self
    }

    /// The permission bits of a file this creates (before the umask).
    #[cfg(unix)]
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        std::os::unix::fs::OpenOptionsExt::mode(&mut self.0, mode);
        self
    }

    /// Extra `open(2)` flags (`libc::O_NOFOLLOW`, ...).
    #[cfg(unix)]
    pub fn custom_flags(&mut self, flags: i32) -> &mut Self {
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut self.0, flags);
        self
    }

    /// Opens `path` with these options on the blocking pool. The error
    /// names the path (and `std`'s `InvalidInput` for a combination that
    /// cannot work, such as `truncate` without `write`).
    pub async fn open(&self, path: impl AsRef<Path>) -> io::Result<File> {
        let options = self.0.clone();
        let path: Arc<Path> = Arc::from(path.as_ref());
        let named = path.clone();
        let std = blocking("open", path.to_path_buf(), move |p| options.open(p)).await?;
        Ok(File::new(std, Some(named)))
    }
}

impl Default for OpenOptions {
    fn default() -> OpenOptions {
        OpenOptions::new()
    }
}

impl From<std::fs::OpenOptions> for OpenOptions {
    fn from(options: std::fs::OpenOptions) -> OpenOptions {
        OpenOptions(options)
    }
}
