//! `weave::fs`: large round trips through `AsyncRead` / `AsyncWrite` /
//! `AsyncSeek`, errors that name their path, deferred write errors,
//! dropped files and futures, directories as streams, many files at once.

use futures::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt, StreamExt};
use std::future::Future;
use std::io::{self, SeekFrom};
use std::path::PathBuf;
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};
use weave::fs::{self, File, OpenOptions};

/// A fresh directory for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("weave-fs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

#[weave::test]
async fn a_large_file_round_trips_through_the_io_traits() {
    let dir = TempDir::new("large");
    let path = dir.join("big.bin");
    let data = pattern(9 * 1024 * 1024 + 123);
    let mut file = File::create(&path).await.unwrap();
    for chunk in data.chunks(700_001) {
        file.write_all(chunk).await.unwrap();
    }
    file.flush().await.unwrap();
    drop(file);
    assert_eq!(std::fs::read(&path).unwrap(), data);

    let mut file = File::open(&path).await.unwrap();
    let mut back = Vec::new();
    file.read_to_end(&mut back).await.unwrap();
    assert!(back == data, "read back differs");

    // Seeks, also relative to a position inside a read-ahead buffer.
    let mut small = [0u8; 10];
    assert_eq!(file.seek(SeekFrom::Start(1_000)).await.unwrap(), 1_000);
    file.read_exact(&mut small).await.unwrap();
    assert_eq!(small, data[1_000..1_010]);
    assert_eq!(file.seek(SeekFrom::Current(5)).await.unwrap(), 1_015);
    file.read_exact(&mut small).await.unwrap();
    assert_eq!(small, data[1_015..1_025]);
    assert_eq!(
        file.seek(SeekFrom::End(-4)).await.unwrap(),
        data.len() as u64 - 4
    );
    let mut tail = Vec::new();
    file.read_to_end(&mut tail).await.unwrap();
    assert_eq!(tail, data[data.len() - 4..]);
    assert_eq!(file.metadata().await.unwrap().len(), data.len() as u64);
}

#[weave::test]
async fn a_write_after_a_partial_read_lands_where_the_reader_stopped() {
    let dir = TempDir::new("rw");
    let path = dir.join("rw.txt");
    fs::write(&path, "0123456789").await.unwrap();
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .await
        .unwrap();
    let mut two = [0u8; 2];
    // The read fetches ahead; the write must go at offset 2, not 10.
    file.read_exact(&mut two).await.unwrap();
    file.write_all(b"ab").await.unwrap();
    file.flush().await.unwrap();
    assert_eq!(fs::read_to_string(&path).await.unwrap(), "01ab456789");
    file.set_len(3).await.unwrap();
    file.sync_all().await.unwrap();
    assert_eq!(fs::read_to_string(&path).await.unwrap(), "01a");
    let std = file.into_std().await.unwrap();
    assert_eq!(std.metadata().unwrap().len(), 3);
}

#[weave::test]
async fn errors_are_io_errors_naming_the_path() {
    let dir = TempDir::new("errors");
    let missing = dir.join("missing.txt");
    let err = File::open(&missing).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert!(err.to_string().contains("missing.txt"), "{err}");
    assert!(err.to_string().starts_with("open "), "{err}");
    let source = std::error::Error::source(err.get_ref().unwrap()).unwrap();
    assert!(source.downcast_ref::<io::Error>().is_some());
    let err = fs::read(&missing).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert!(err.to_string().contains("missing.txt"), "{err}");
    let err = fs::metadata(&missing).await.unwrap_err();
    assert!(err.to_string().contains("missing.txt"), "{err}");

    // A directory where a file is expected.
    let err = fs::read(&dir.0).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
    assert!(err.to_string().contains(&*dir.0.to_string_lossy()), "{err}");
    let mut as_file = File::open(&dir.0).await.unwrap();
    let mut buf = [0u8; 4];
    let err = as_file.read(&mut buf).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::IsADirectory);
    assert!(err.to_string().contains("read "), "{err}");
    let err = File::create(&dir.0).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::IsADirectory);

    // Permission denied: a file without permissions, or (root reads
    // those) a read-only kernel setting.
    let denied = if rustix::process::geteuid().is_root() {
        PathBuf::from("/proc/sys/kernel/osrelease")
    } else {
        let p = dir.join("locked");
        std::fs::write(&p, "x").unwrap();
        std::fs::set_permissions(
            &p,
            <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o000),
        )
        .unwrap();
        p
    };
    let err = OpenOptions::new()
        .write(true)
        .open(&denied)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
    assert!(
        err.to_string().contains(&*denied.to_string_lossy()),
        "{err}"
    );
}

#[weave::test]
async fn a_failed_write_is_reported_by_flush_and_by_the_next_operation() {
    let dir = TempDir::new("deferred");
    let path = dir.join("ro.txt");
    fs::write(&path, "abc").await.unwrap();
    // Opened read-only: the write itself fails (EBADF) on the pool.
    let mut file = File::open(&path).await.unwrap();
    assert_eq!(
        file.write(b"xyz").await.unwrap(),
        3,
        "the write is buffered"
    );
    let err = file.flush().await.unwrap_err();
    assert!(err.to_string().contains("write "), "{err}");
    assert!(err.to_string().contains("ro.txt"), "{err}");
    // Reported once; the file works on.
    file.flush().await.unwrap();
    let mut s = String::new();
    file.read_to_string(&mut s).await.unwrap();
    assert_eq!(s, "abc");

    let mut file = File::open(&path).await.unwrap();
    file.write_all(b"xyz").await.unwrap();
    let mut buf = [0u8; 3];
    let err = file.read(&mut buf).await.unwrap_err();
    assert!(err.to_string().contains("write "), "{err}");
}

#[weave::test]
async fn a_file_dropped_with_a_write_in_flight_still_writes_it() {
    let dir = TempDir::new("dropped");
    let path = dir.join("dropped.bin");
    let data = pattern(1024 * 1024);
    let mut file = File::create(&path).await.unwrap();
    file.write_all(&data).await.unwrap();
    drop(file);
    // Wait for the condition, with a bound far above a correct run.
    let deadline = Instant::now() + Duration::from_secs(30);
    while fs::metadata(&path).await.unwrap().len() < data.len() as u64 {
        assert!(
            Instant::now() < deadline,
            "the dropped file's write never landed"
        );
        weave::sleep(Duration::from_millis(1)).await;
    }
    assert!(fs::read(&path).await.unwrap() == data);
}

#[weave::test]
async fn a_read_dropped_mid_flight_loses_no_bytes() {
    let dir = TempDir::new("cancel");
    let path = dir.join("c.bin");
    let data = pattern(300_000);
    fs::write(&path, &data).await.unwrap();
    let mut file = File::open(&path).await.unwrap();
    let mut back = Vec::new();
    for _ in 0..3 {
        // Start a read and drop it at its first await. (If the job of an
        // earlier dropped read has finished by then, this poll completes
        // with its bytes: they are the caller's.)
        let mut buf = [0u8; 1000];
        let polled = pin!(file.read(&mut buf)).poll(&mut Context::from_waker(Waker::noop()));
        if let std::task::Poll::Ready(n) = polled {
            back.extend_from_slice(&buf[..n.unwrap()]);
        }
    }
    file.read_to_end(&mut back).await.unwrap();
    // The dropped reads took nothing: every byte comes back, in order.
    assert!(back == data);

    // A seek dropped mid-flight, then another: the second one counts.
    {
        let mut seek = pin!(file.seek(SeekFrom::Start(10)));
        let _ = seek.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    }
    assert_eq!(file.seek(SeekFrom::Start(20)).await.unwrap(), 20);
    let mut one = [0u8; 1];
    file.read_exact(&mut one).await.unwrap();
    assert_eq!(one[0], data[20]);
}

#[weave::test]
async fn read_dir_lists_every_entry_as_a_stream_and_by_next_entry() {
    let dir = TempDir::new("dir");
    for i in 0..100 {
        fs::write(dir.join(&format!("f{i:03}")), [i as u8])
            .await
            .unwrap();
    }
    fs::create_dir(dir.join("sub")).await.unwrap();
    let mut names = Vec::new();
    let mut entries = fs::read_dir(&dir.0).await.unwrap();
    while let Some(entry) = entries.next_entry().await.unwrap() {
        assert_eq!(entry.path(), dir.0.join(entry.file_name()));
        names.push(entry.file_name().into_string().unwrap());
    }
    names.sort();
    assert_eq!(names.len(), 101);
    assert_eq!(names[0], "f000");
    assert_eq!(names[100], "sub");

    let stream = fs::read_dir(&dir.0).await.unwrap();
    let entries: Vec<_> = stream.map(|e| e.unwrap()).collect().await;
    assert_eq!(entries.len(), 101);
    let mut dirs = 0;
    for entry in &entries {
        if entry.file_type().await.unwrap().is_dir() {
            dirs += 1;
        } else {
            assert_eq!(entry.metadata().await.unwrap().len(), 1);
        }
    }
    assert_eq!(dirs, 1);
    let err = fs::read_dir(dir.join("nope")).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert!(err.to_string().contains("nope"));
}

#[weave::test]
async fn many_files_at_once() {
    let dir = TempDir::new("many");
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            let path = dir.join(&format!("f{i}"));
            weave::spawn(async move {
                let data = pattern(10_000 + i);
                let mut file = File::create(&path).await.unwrap();
                file.write_all(&data).await.unwrap();
                file.close().await.unwrap();
                let mut back = Vec::new();
                File::open(&path)
                    .await
                    .unwrap()
                    .read_to_end(&mut back)
                    .await
                    .unwrap();
                back == data
            })
        })
        .collect();
    for task in weave::gather(tasks).await {
        assert!(task.unwrap());
    }
}

#[weave::test]
async fn the_path_functions_do_what_their_names_say() {
    let dir = TempDir::new("paths");
    let a = dir.join("a");
    let b = dir.join("b");
    fs::write(&a, "hello").await.unwrap();
    assert_eq!(fs::copy(&a, &b).await.unwrap(), 5);
    fs::rename(&b, dir.join("c")).await.unwrap();
    assert!(!fs::try_exists(&b).await.unwrap());
    assert!(fs::try_exists(dir.join("c")).await.unwrap());
    fs::remove_file(dir.join("c")).await.unwrap();
    fs::create_dir_all(dir.join("x/y/z")).await.unwrap();
    assert!(fs::metadata(dir.join("x/y/z")).await.unwrap().is_dir());
    fs::remove_dir(dir.join("x/y/z")).await.unwrap();
    fs::remove_dir_all(dir.join("x")).await.unwrap();
    assert_eq!(
        fs::canonicalize(&a).await.unwrap(),
        std::fs::canonicalize(&a).unwrap()
    );
    assert!(fs::symlink_metadata(&a).await.unwrap().is_file());
    let err = fs::write(dir.join("no/such/dir/f"), "x").await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert!(err.to_string().contains("no/such/dir"), "{err}");
}

#[weave::test]
async fn a_set_len_dropped_mid_flight_still_runs_before_the_next_write() {
    let dir = TempDir::new("setlen");
    let path = dir.join("t.txt");
    fs::write(&path, "0123456789").await.unwrap();
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .await
        .unwrap();
    let mut two = [0u8; 2];
    file.read_exact(&mut two).await.unwrap(); // reads ahead
    {
        let mut truncate = pin!(file.set_len(0));
        let _ = truncate
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()));
    }
    // The truncate was started before this write: it cannot land after it.
    file.write_all(b"ab").await.unwrap();
    file.flush().await.unwrap();
    // Written at offset 2 (where the reader stopped), after the truncate.
    assert_eq!(fs::read(&path).await.unwrap(), b"\0\0ab");
}

#[weave::test]
async fn an_empty_write_after_a_read_ahead_keeps_the_position() {
    let dir = TempDir::new("emptywrite");
    let path = dir.join("e.txt");
    fs::write(&path, "abcdef").await.unwrap();
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .await
        .unwrap();
    let mut one = [0u8; 1];
    file.read_exact(&mut one).await.unwrap();
    assert_eq!(file.write(&[]).await.unwrap(), 0);
    file.read_exact(&mut one).await.unwrap();
    assert_eq!(&one, b"b");
    // A relative seek and into_std count from what was consumed.
    assert_eq!(file.seek(SeekFrom::Current(1)).await.unwrap(), 3);
    file.read_exact(&mut one).await.unwrap();
    assert_eq!(&one, b"d");
    let mut std = file.into_std().await.unwrap();
    assert_eq!(std::io::Seek::stream_position(&mut std).unwrap(), 4);
    let err = std::io::Seek::seek(&mut std, SeekFrom::Current(0)).map(|_| ());
    assert!(err.is_ok());
}

#[test]
fn a_file_polled_outside_a_runtime_fails_instead_of_panicking() {
    let dir = TempDir::new("outside");
    let path = dir.join("o.txt");
    std::fs::write(&path, "x").unwrap();
    let mut file = File::from_std(std::fs::File::open(&path).unwrap());
    let mut buf = [0u8; 1];
    let polled = pin!(file.read(&mut buf)).poll(&mut Context::from_waker(Waker::noop()));
    match polled {
        std::task::Poll::Ready(Err(err)) => {
            assert!(err.to_string().contains("needs a weave runtime"), "{err}")
        }
        other => panic!("expected an error, got {other:?}"),
    }
    let read = pin!(fs::read(&path)).poll(&mut Context::from_waker(Waker::noop()));
    assert!(matches!(read, std::task::Poll::Ready(Err(_))));
}

#[weave::test]
async fn a_seek_that_overflows_is_refused_and_leaves_the_position() {
    let dir = TempDir::new("overflow");
    let path = dir.join("o.txt");
    fs::write(&path, "abcdef").await.unwrap();
    let mut file = File::open(&path).await.unwrap();
    let mut one = [0u8; 1];
    file.read_exact(&mut one).await.unwrap(); // reads ahead
    let err = file.seek(SeekFrom::Current(i64::MIN)).await.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    file.read_exact(&mut one).await.unwrap();
    assert_eq!(&one, b"b");
    // sync and metadata keep the read-ahead too.
    let mut file2 = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .await
        .unwrap();
    file2.read_exact(&mut one).await.unwrap();
    file2.sync_all().await.unwrap();
    assert_eq!(file2.metadata().await.unwrap().len(), 6);
    file2.read_exact(&mut one).await.unwrap();
    assert_eq!(&one, b"b");
}
