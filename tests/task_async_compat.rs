//! The guide's recipe for a tokio-only library: `async_compat::Compat`
//! around code that calls tokio's timer, sockets and `tokio::spawn`,
//! inside weave tasks on several workers; and what the guide says about
//! where such `tokio::spawn`ed tasks run.

mod support;

use async_compat::Compat;
use std::time::{Duration, Instant};
use support::watchdog;

/// A "library" that only works inside a tokio context.
async fn tokio_only_echo(payload: Vec<u8>) -> std::io::Result<Vec<u8>> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await?;
        s.write_all(&buf).await?;
        Ok::<_, std::io::Error>(std::thread::current().name().map(str::to_owned))
    });
    let mut client = tokio::net::TcpStream::connect(addr).await?;
    client.write_all(&payload).await?;
    client.shutdown().await?;
    let mut back = Vec::new();
    client.read_to_end(&mut back).await?;
    let spawned_on = server.await.expect("the tokio task")?;
    assert!(
        !spawned_on.unwrap_or_default().starts_with("weave-worker"),
        "tokio::spawn runs on async-compat's tokio thread, not a weave worker"
    );
    Ok(back)
}

#[test]
fn tokio_timer_sockets_and_spawn_run_inside_weave_tasks() {
    watchdog("async-compat", || {
        weave::run(async {
            let tasks: Vec<_> = (0..8u8)
                .map(|i| {
                    weave::spawn(Compat::new(async move {
                        let start = Instant::now();
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        assert!(start.elapsed() >= Duration::from_millis(5));
                        tokio_only_echo(vec![i; 100_000]).await.unwrap()
                    }))
                })
                .collect();
            for (i, task) in tasks.into_iter().enumerate() {
                assert_eq!(task.await.unwrap(), vec![i as u8; 100_000]);
            }
        })
    });
}

/// weave's `wait_for` and cancellation apply to the wrapped future as a
/// whole: a tokio sleep inside is cut short by a weave deadline. (The
/// tokio future is made inside the wrapped block: tokio looks for its
/// runtime when `tokio::time::sleep` is called, not when it is polled.)
#[test]
fn a_weave_deadline_cancels_the_wrapped_tokio_future() {
    watchdog("async-compat deadline", || {
        weave::run(async {
            let slow = Compat::new(async { tokio::time::sleep(Duration::from_secs(3600)).await });
            assert!(weave::wait_for(slow, Duration::from_millis(10))
                .await
                .is_err());
        })
    });
}
