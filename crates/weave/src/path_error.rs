//! The error of a file or process operation: the system's error, with
//! the operation and the path (or program) it was about.

use std::error::Error;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// An `io::Error` of the same kind as `err`, whose message names `what`
/// was done to `path`, and whose source is `err`.
pub(crate) fn with_path(err: io::Error, what: &'static str, path: &Path) -> io::Error {
    io::Error::new(
        err.kind(),
        PathError {
            what,
            path: path.to_owned(),
            source: err,
        },
    )
}

#[derive(Debug)]
struct PathError {
    what: &'static str,
    path: PathBuf,
    source: io::Error,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}: {}", self.what, self.path, self.source)
    }
}

impl Error for PathError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}
