//! channel and oneshot.

mod support;

use support::{block_on, spawn};
use weave_sync::{channel, oneshot, TryRecvError, TrySendError};

#[test]
fn messages_flow_and_the_channel_closes_with_its_senders() {
    let (tx, rx) = channel(2);
    let tx2 = tx.clone();
    tx.try_send(1).unwrap();
    tx2.try_send(2).unwrap();
    assert!(matches!(tx.try_send(3), Err(TrySendError::Full(3))));
    drop(tx);
    assert_eq!(rx.try_recv(), Ok(1));
    drop(tx2);
    assert_eq!(block_on(rx.recv()), Ok(2), "what was sent drains first");
    assert!(block_on(rx.recv()).is_err());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn sends_fail_once_every_receiver_is_gone() {
    let (tx, rx) = channel(0);
    let rx2 = rx.clone();
    drop(rx);
    tx.try_send(1).unwrap();
    drop(rx2);
    assert!(tx.is_closed());
    assert_eq!(block_on(tx.send(5)).unwrap_err().into_inner(), 5);
}

#[test]
fn a_waiting_receiver_is_woken_by_a_send() {
    let (tx, rx) = channel(0);
    let mut recv = spawn(async move { rx.recv().await });
    recv.pending();
    tx.try_send("x").unwrap();
    assert!(recv.is_woken());
    assert_eq!(recv.ready(), Ok("x"));
}

#[test]
fn oneshot_delivers_or_reports_a_dropped_sender() {
    let (tx, rx) = oneshot();
    let mut rx = spawn(rx);
    rx.pending();
    tx.send(3).unwrap();
    assert!(rx.is_woken());
    assert_eq!(rx.ready(), Ok(3));

    let (tx, rx) = oneshot::<u8>();
    let mut rx = spawn(rx);
    rx.pending();
    drop(tx);
    assert!(rx.is_woken(), "a dropped sender wakes the receiver");
    assert!(rx.ready().is_err());

    let (tx, rx) = oneshot();
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(9), Err(9), "the value comes back");
}

#[test]
fn oneshot_from_another_thread() {
    let (tx, rx) = oneshot();
    std::thread::spawn(move || tx.send(String::from("done")).unwrap());
    assert_eq!(block_on(rx).unwrap(), "done");
}

#[test]
fn a_receiver_woken_by_the_last_sender_leaving_steals_no_message() {
    let (tx, rx) = weave_sync::channel(0);
    let mut r1 = spawn(rx.recv());
    let mut r2 = spawn(rx.recv());
    r1.pending();
    r2.pending();
    tx.try_send(5).unwrap();
    drop(tx); // closes: wakes r2 too
    drop(r2);
    assert_eq!(r1.ready(), Ok(5));
    assert!(rx.try_recv().is_err());
}
