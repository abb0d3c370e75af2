//! The `futures` crate on weave, as a user writes it: `select!` over a
//! `Sleep` without `.fuse()`, `Interval` and `sync::Receiver` as streams
//! (with `StreamExt` combinators and `buffer_unordered`), `io::copy`
//! between weave sockets; and the hostile cases of the receiver stream
//! (dropped while woken for a message, two receivers, the end of stream).

mod support;

use futures::future::FusedFuture;
use futures::stream::{FusedStream, StreamExt};
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};
use support::watchdog;
use weave::net::{TcpListener, TcpStream};

#[test]
fn select_takes_a_sleep_as_it_is() {
    watchdog("select!", || {
        weave::run(async {
            let mut short = weave::sleep(Duration::from_millis(5));
            let mut long = weave::sleep(Duration::from_secs(3600));
            assert!(!short.is_terminated());
            let winner = futures::select! {
                () = short => "short",
                () = long => "long",
            };
            assert_eq!(winner, "short");
            assert!(short.is_terminated() && !long.is_terminated());
            // A terminated branch is skipped: the loop ends at the other.
            let (tx, rx) = weave::sync::oneshot::<u32>();
            weave::spawn(async move { tx.send(7).unwrap() })
                .await
                .unwrap();
            let mut rx = futures::FutureExt::fuse(rx);
            let got = futures::select! {
                () = short => unreachable!("a completed sleep is not polled again"),
                v = rx => v.unwrap(),
            };
            assert_eq!(got, 7);
            // A reset sleep is live again.
            short.reset(Instant::now() + Duration::from_millis(1));
            assert!(!short.is_terminated());
            short.await;
        })
    });
}

#[test]
fn interval_is_a_stream() {
    watchdog("interval stream", || {
        weave::run(async {
            let period = Duration::from_millis(3);
            let start = Instant::now();
            let ticks: Vec<Instant> = weave::interval(period).take(4).collect().await;
            assert_eq!(ticks.len(), 4);
            for pair in ticks.windows(2) {
                assert!(pair[1] >= pair[0] + period, "ticks on the period grid");
            }
            assert!(
                start.elapsed() >= 3 * period,
                "the fourth tick comes after three periods"
            );
            assert!(!weave::interval(period).is_terminated());
        })
    });
}

#[test]
fn receiver_is_a_stream_that_ends_with_its_senders() {
    watchdog("receiver stream", || {
        weave::run(async {
            let (tx, rx) = weave::sync::channel::<u32>(4);
            let producer = weave::spawn(async move {
                for i in 0..100 {
                    tx.send(i).await.unwrap();
                }
            });
            // buffer_unordered over the received values.
            let mut doubled: Vec<u32> = rx
                .map(|i| async move {
                    weave::yield_now().await;
                    i * 2
                })
                .buffer_unordered(8)
                .collect()
                .await;
            producer.await.unwrap();
            doubled.sort_unstable();
            assert_eq!(doubled, (0..100).map(|i| i * 2).collect::<Vec<_>>());
        })
    });
}

/// A receiver stream woken for a message and dropped before it takes it
/// passes the message on to the other receiver; an ended stream stays
/// ended (`FusedStream`).
#[test]
fn a_receiver_stream_dropped_while_woken_loses_nothing() {
    watchdog("receiver stream drop", || {
        weave::run(async {
            let (tx, rx) = weave::sync::channel::<u32>(0);
            let mut first = rx.clone();
            let mut second = rx;
            // `first` waits (its place in line is kept), then `second`.
            assert!(futures::poll!(first.next()).is_pending());
            assert!(futures::poll!(second.next()).is_pending());
            tx.send(1).await.unwrap(); // woken: `first`, which never takes it
            drop(first);
            assert_eq!(
                second.next().await,
                Some(1),
                "the message went on to the next receiver"
            );
            drop(tx);
            assert_eq!(second.next().await, None);
            assert!(second.is_terminated());
            assert_eq!(second.next().await, None, "ended stays ended");
        })
    });
}

/// The last receiver dropped while its stream waits: senders see the
/// channel closed and get their message back.
#[test]
fn dropping_the_last_waiting_stream_closes_the_channel() {
    watchdog("last receiver", || {
        weave::run(async {
            let (tx, mut rx) = weave::sync::channel::<u32>(1);
            {
                // The receive waits, keeping its place in line in `rx`.
                let mut next = pin!(std::future::poll_fn(|cx| match rx.poll_recv(cx) {
                    Poll::Ready(r) => Poll::Ready(r.ok()),
                    Poll::Pending => Poll::Pending,
                }));
                assert!(futures::poll!(next.as_mut()).is_pending());
            }
            drop(rx);
            assert_eq!(tx.send(5).await.unwrap_err().into_inner(), 5);
        })
    });
}

#[test]
fn futures_io_copy_between_weave_sockets() {
    use futures::io::{AsyncReadExt, AsyncWriteExt};
    watchdog("io::copy", || {
        weave::run(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // A proxy-like echo: the server copies the stream back to itself.
            let server = weave::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let (reader, mut writer) = (&stream, &stream);
                let n = futures::io::copy(reader, &mut writer).await.unwrap();
                writer.close().await.unwrap();
                n
            });
            let client = std::sync::Arc::new(TcpStream::connect(addr).await.unwrap());
            let data: Vec<u8> = (0..1_000_000u32).map(|i| i as u8).collect();
            let send = {
                let (data, client) = (data.clone(), client.clone());
                weave::spawn(async move {
                    let mut writer = &*client;
                    writer.write_all(&data).await.unwrap();
                    writer.close().await.unwrap(); // end of stream
                })
            };
            let mut back = Vec::new();
            let mut reader = &*client;
            reader.read_to_end(&mut back).await.unwrap();
            send.await.unwrap();
            assert_eq!(server.await.unwrap(), data.len() as u64);
            assert!(back == data, "every byte came back in order");
        })
    });
}

/// A stream receive abandoned while pending (its `next()` dropped, as a
/// lost `select!` branch does) does not hold the next message back from a
/// later `recv` or `try_recv` on the same receiver.
#[test]
fn an_abandoned_next_does_not_block_a_later_recv() {
    watchdog("abandoned next", || {
        weave::run(async {
            let (tx, mut rx) = weave::sync::channel::<u32>(0);
            let other = rx.clone();
            assert!(futures::poll!(rx.next()).is_pending());
            tx.send(1).await.unwrap(); // held for `rx`'s place in line
            assert_eq!(rx.try_recv(), Ok(1));
            assert!(futures::poll!(rx.next()).is_pending());
            tx.send(2).await.unwrap();
            assert_eq!(rx.recv().await, Ok(2));
            // The same through a timeout instead of a manual poll.
            assert!(weave::wait_for(rx.next(), Duration::from_millis(1))
                .await
                .is_err());
            tx.send(3).await.unwrap();
            assert_eq!(rx.recv().await, Ok(3));
            // Held for `rx` while another receive waits behind it: still
            // `rx`'s to take.
            assert!(futures::poll!(rx.next()).is_pending());
            {
                let mut behind = pin!(other.recv());
                assert!(futures::poll!(behind.as_mut()).is_pending());
                tx.send(5).await.unwrap();
                assert_eq!(rx.try_recv(), Ok(5), "the message held for rx");
                tx.send(6).await.unwrap();
                assert_eq!(behind.await, Ok(6));
            }
            // A dropped clone's held message goes to the others.
            let mut third = other.clone();
            assert!(futures::poll!(third.next()).is_pending());
            tx.send(4).await.unwrap();
            drop(third);
            assert_eq!(other.recv().await, Ok(4));
        })
    });
}
