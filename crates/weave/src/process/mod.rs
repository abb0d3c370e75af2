//! Subprocesses (`asyncio.create_subprocess_exec`): [`Command`] is
//! `std::process::Command`'s builder, whose [`spawn`](Command::spawn)
//! gives a [`Child`] with non-blocking pipes and an awaitable exit.
//!
//! | asyncio                                        | weave                                  |
//! |------------------------------------------------|----------------------------------------|
//! | `await create_subprocess_exec(prog, *args, stdout=PIPE)` | `Command::new(prog).args(args).stdout(Stdio::piped()).spawn()?` |
//! | `await proc.wait()`, `proc.returncode`         | [`Child::wait`]`().await?`, [`Child::try_wait`] |
//! | `await proc.communicate()`                     | [`Child::wait_with_output`]`().await?` |
//! | `proc.stdin.write`, `proc.stdout.read`         | [`ChildStdin`] (`AsyncWrite`), [`ChildStdout`] / [`ChildStderr`] (`AsyncRead`) |
//! | `proc.kill()`, `proc.pid`                      | [`Child::kill`], [`Child::id`]          |
//!
//! ```
//! weave::run(async {
//!     let out = weave::process::Command::new("echo").arg("hello").output().await?;
//!     assert!(out.status.success());
//!     assert_eq!(out.stdout, b"hello\n");
//!     std::io::Result::Ok(())
//! })
//! .unwrap();
//! ```
//!
//! **How exits are seen.** The reactor watches each child: on Linux a
//! `pidfd` becomes readable when the child exits; elsewhere (or where the
//! kernel has no pidfd) a SIGCHLD handler wakes the watchers. No thread
//! waits per child.
//!
//! **Every child is reaped.** A `Child` dropped before its exit was seen
//! hands the process to the reaper: one thread per process (started with
//! the first such child) that waits for all of them through the reactor
//! and reaps each as it exits, whatever became of the runtime. With
//! [`Command::kill_on_drop`] the drop kills the child first. Without it
//! the child runs on, as with `std`.
//!
//! **Process ids.** As with `std`, the `Child` signals its process by id.
//! If something else in the process reaps children behind its back
//! (`waitpid(-1)`, SIGCHLD set to `SIG_IGN`), that id may be reused; weave
//! checks with a non-blocking wait before it kills on its own account.

mod child;
mod command;
mod pipe;
mod reap;

pub use child::Child;
pub use command::Command;
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};
pub use std::process::{ExitStatus, Output, Stdio};
