//! Files and subprocesses: weave's `fs` and `process` against tokio's
//! `fs` / `process` and smol's async-fs / async-process.
//!
//! ```text
//! cargo bench --bench io
//! ```
//!
//! Rows:
//! - `fs read 1000 x 64 KiB`: 1,000 tasks, each reading a whole 64 KiB
//!   file (`fs::read`), all at once; the files are written once, before
//!   the first round, so they are in the page cache.
//! - `fs write 1000 x 64 KiB`: 1,000 tasks, each writing its own 64 KiB
//!   file through a `File` (`create`, `write_all`, `flush`).
//! - `process 500 x true`: 500 tasks, each spawning `true` and waiting
//!   for its exit status.
//!
//! Every task is spawned on the runtime (not gathered in one task), as
//! an application serving requests would do it.

#[path = "harness/mod.rs"]
mod harness;

use harness::{compare, Row, Runtimes};
use std::path::{Path, PathBuf};

const FILES: usize = 1_000;
const FILE_LEN: usize = 64 * 1024;
const CHILDREN: usize = 500;

fn paths(dir: &Path, kind: &str) -> Vec<PathBuf> {
    (0..FILES)
        .map(|i| dir.join(format!("{kind}-{i}")))
        .collect()
}

fn main() {
    println!(
        "io benchmarks: {} workers each, median of {} rounds\n",
        harness::workers(),
        harness::samples()
    );
    let dir = std::env::temp_dir().join(format!("weave-io-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = vec![7u8; FILE_LEN];
    let inputs = paths(&dir, "in");
    for p in &inputs {
        std::fs::write(p, &data).unwrap();
    }
    let outputs = paths(&dir, "out");
    Row::print_header();
    let rts = Runtimes::new();

    if harness::selected("fs read") {
        compare(
            "fs read 1000 x 64 KiB",
            || {
                rts.weave.block_on(async {
                    let tasks: Vec<_> = inputs
                        .iter()
                        .map(|p| {
                            let p = p.clone();
                            weave::spawn(async move { weave::fs::read(p).await.unwrap().len() })
                        })
                        .collect();
                    for t in tasks {
                        assert_eq!(t.await.unwrap(), FILE_LEN);
                    }
                })
            },
            || {
                rts.tokio.block_on(async {
                    let tasks: Vec<_> = inputs
                        .iter()
                        .map(|p| {
                            let p = p.clone();
                            tokio::spawn(async move { tokio::fs::read(p).await.unwrap().len() })
                        })
                        .collect();
                    for t in tasks {
                        assert_eq!(t.await.unwrap(), FILE_LEN);
                    }
                })
            },
            || {
                let ex = rts.smol.ex.clone();
                let inputs = inputs.clone();
                rts.smol.block_on(async move {
                    let tasks: Vec<_> = inputs
                        .iter()
                        .map(|p| {
                            let p = p.clone();
                            ex.spawn(async move { async_fs::read(p).await.unwrap().len() })
                        })
                        .collect();
                    for t in tasks {
                        assert_eq!(t.await, FILE_LEN);
                    }
                })
            },
        );
    }

    if harness::selected("fs write") {
        compare(
            "fs write 1000 x 64 KiB",
            || {
                rts.weave.block_on(async {
                    use futures::AsyncWriteExt;
                    let tasks: Vec<_> = outputs
                        .iter()
                        .map(|p| {
                            let (p, data) = (p.clone(), data.clone());
                            weave::spawn(async move {
                                let mut f = weave::fs::File::create(p).await.unwrap();
                                f.write_all(&data).await.unwrap();
                                f.flush().await.unwrap();
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.unwrap();
                    }
                })
            },
            || {
                rts.tokio.block_on(async {
                    use tokio::io::AsyncWriteExt;
                    let tasks: Vec<_> = outputs
                        .iter()
                        .map(|p| {
                            let (p, data) = (p.clone(), data.clone());
                            tokio::spawn(async move {
                                let mut f = tokio::fs::File::create(p).await.unwrap();
                                f.write_all(&data).await.unwrap();
                                f.flush().await.unwrap();
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.unwrap();
                    }
                })
            },
            || {
                let ex = rts.smol.ex.clone();
                let (outputs, data) = (outputs.clone(), data.clone());
                rts.smol.block_on(async move {
                    use futures_lite::AsyncWriteExt;
                    let tasks: Vec<_> = outputs
                        .iter()
                        .map(|p| {
                            let (p, data) = (p.clone(), data.clone());
                            ex.spawn(async move {
                                let mut f = async_fs::File::create(p).await.unwrap();
                                f.write_all(&data).await.unwrap();
                                f.flush().await.unwrap();
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await;
                    }
                })
            },
        );
    }

    if harness::selected("process") {
        compare(
            "process 500 x true",
            || {
                rts.weave.block_on(async {
                    let tasks: Vec<_> = (0..CHILDREN)
                        .map(|_| {
                            weave::spawn(async {
                                weave::process::Command::new("true").status().await.unwrap()
                            })
                        })
                        .collect();
                    for t in tasks {
                        assert!(t.await.unwrap().success());
                    }
                })
            },
            || {
                rts.tokio.block_on(async {
                    let tasks: Vec<_> = (0..CHILDREN)
                        .map(|_| {
                            tokio::spawn(async {
                                tokio::process::Command::new("true").status().await.unwrap()
                            })
                        })
                        .collect();
                    for t in tasks {
                        assert!(t.await.unwrap().success());
                    }
                })
            },
            || {
                let ex = rts.smol.ex.clone();
                rts.smol.block_on(async move {
                    let tasks: Vec<_> = (0..CHILDREN)
                        .map(|_| {
                            ex.spawn(async {
                                async_process::Command::new("true").status().await.unwrap()
                            })
                        })
                        .collect();
                    for t in tasks {
                        assert!(t.await.success());
                    }
                })
            },
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
