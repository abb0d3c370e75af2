//! [`Command`]: `std::process::Command`'s builder, spawning a [`Child`]
//! whose exit and pipes the reactor watches.

use super::child::Child;
use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use super::reap;
use crate::path_error::with_path;
use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::Path;
use std::process::{ExitStatus, Output, Stdio};
use weave_reactor::ChildExit;

/// A process to start (`asyncio.create_subprocess_exec`'s arguments):
/// the program, its arguments, environment, directory and standard
/// streams, as `std::process::Command` has them, plus
/// [`kill_on_drop`](Self::kill_on_drop).
///
/// ```
/// use weave::process::Command;
///
/// weave::run(async {
///     let status = Command::new("sh").args(["-c", "exit 3"]).status().await?;
///     assert_eq!(status.code(), Some(3));
///     let err = Command::new("no-such-program-here").spawn().unwrap_err();
///     assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
///     assert!(err.to_string().contains("no-such-program-here"));
///     std::io::Result::Ok(())
/// })
/// .unwrap();
/// ```
pub struct Command {
    std: std::process::Command,
    kill_on_drop: bool,
    /// Whether `stdin` was set (`output` makes an unset one null, as
    /// `std` does).
    stdin_set: bool,
}

impl Command {
    /// A command to run `program` (looked up in `PATH` if it has no
    /// slash), with no arguments, this process's environment and
    /// directory, and the standard streams inherited.
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command::from(std::process::Command::new(program))
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Command {
        self.std.env(key, value);
        self
    }

    /// Sets environment variables.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Starts from an empty environment.
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// The child's working directory.
    pub fn current_dir(&mut self, dir: impl AsRef<Path>) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// The child's stdin (`Stdio::piped()` gives [`Child::stdin`]).
    pub fn stdin(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.stdin_set = true;
        self.std.stdin(cfg);
        self
    }

    /// The child's stdout (`Stdio::piped()` gives [`Child::stdout`]).
    pub fn stdout(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// The child's stderr (`Stdio::piped()` gives [`Child::stderr`]).
    pub fn stderr(&mut self, cfg: impl Into<Stdio>) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Kill the child (SIGKILL) when its [`Child`] is dropped before the
    /// child exited; it is reaped either way. Off by default, as in `std`.
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// The `std::process::Command` inside, for what this builder does not
    /// cover (`std::os::unix::process::CommandExt`: `uid`, `process_group`,
    /// `pre_exec`, ...).
    pub fn as_std_mut(&mut self) -> &mut std::process::Command {
        &mut self.std
    }

    /// Starts the process. Its piped streams are non-blocking and in the
    /// reactor; its exit is watched by the reactor.
    ///
    /// # Errors
    /// The system's error, naming the program (`NotFound` for a program
    /// that is not there, `PermissionDenied` for one that is not
    /// executable); or the reactor's, if the pipes or the exit watch
    /// cannot be registered (the child is then killed and reaped).
    pub fn spawn(&mut self) -> io::Result<Child> {
        let program = Path::new(self.std.get_program()).to_owned();
        let mut std = self
            .std
            .spawn()
            .map_err(|err| with_path(err, "spawn", &program))?;
        let watched = (|| {
            let exit = ChildExit::new(std.id())?;
            let stdin = std.stdin.take().map(ChildStdin::new).transpose()?;
            let stdout = std.stdout.take().map(ChildStdout::new).transpose()?;
            let stderr = std.stderr.take().map(ChildStderr::new).transpose()?;
            io::Result::Ok((exit, (stdin, stdout, stderr)))
        })();
        match watched {
            Ok((exit, pipes)) => Ok(Child::new(std, exit, pipes, self.kill_on_drop)),
            Err(err) => {
                // Unless someone else reaped it already (its id may be
                // another process's by now), kill it; the reaper waits.
                if let Ok(None) = std.try_wait() {
                    let _ = std.kill();
                    reap::adopt(std);
                }
                Err(err)
            }
        }
    }

    /// Runs the process to its end and collects its output
    /// (`communicate()` after `create_subprocess_exec(..., stdout=PIPE,
    /// stderr=PIPE)`): stdout and stderr are piped; stdin reads nothing
    /// unless set (as with `std`'s `output`; a piped one is closed at
    /// once). As with tokio, these settings stay on this `Command` for
    /// later spawns.
    pub async fn output(&mut self) -> io::Result<Output> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        if !self.stdin_set {
            self.stdin(Stdio::null());
        }
        self.spawn()?.wait_with_output().await
    }

    /// Runs the process to its end and returns its exit status; its
    /// streams are inherited unless set.
    pub async fn status(&mut self) -> io::Result<ExitStatus> {
        let mut child = self.spawn()?;
        // Nobody reads a piped stdout or stderr here: closed, a chatty
        // child gets EPIPE instead of filling the pipe and waiting for
        // good. (`wait` closes a piped stdin.)
        drop(child.stdout.take());
        drop(child.stderr.take());
        child.wait().await
    }
}

impl From<std::process::Command> for Command {
    fn from(std: std::process::Command) -> Command {
        Command {
            std,
            kill_on_drop: false,
            stdin_set: false,
        }
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Command")
            .field("std", &self.std)
            .field("kill_on_drop", &self.kill_on_drop)
            .finish()
    }
}
