//! A runtime and its driver: which driver is current where, what a
//! runtime without one sees inside a runtime with one, and what a driver
//! given to two runtimes gets.

use std::io::ErrorKind;
use std::sync::Arc;
use weave_reactor::Reactor;
use weave_scheduler::{Driver, Runtime};

fn with_driver(workers: usize) -> (Runtime, Arc<Driver>) {
    let driver = Arc::new(Driver::new(workers).unwrap());
    let rt = Runtime::builder()
        .worker_threads(workers)
        .driver(driver.clone())
        .build()
        .unwrap();
    (rt, driver)
}

fn is_current(driver: &Arc<Driver>) -> bool {
    Driver::current().is_some_and(|d| Arc::ptr_eq(&d, driver))
        && Arc::ptr_eq(&Reactor::current(), driver.reactor())
}

#[test]
fn the_driver_is_current_wherever_the_runtime_is() {
    let (rt, driver) = with_driver(2);
    assert!(Driver::current().is_none());
    let d = driver.clone();
    assert!(rt.block_on(async move { is_current(&d) }));
    let d = driver.clone();
    assert!(rt
        .block_on(rt.spawn(async move { is_current(&d) }))
        .unwrap());
    let d = driver.clone();
    assert!(rt
        .block_on(rt.spawn_blocking(move || is_current(&d)))
        .unwrap());
    let guard = rt.handle().enter();
    assert!(is_current(&driver));
    drop(guard);
    assert!(Driver::current().is_none());
}

#[test]
fn a_runtime_without_a_driver_inside_one_with_sees_no_driver() {
    let (outer, driver) = with_driver(1);
    let inner = Runtime::builder().worker_threads(1).build().unwrap();
    let _outer = outer.handle().enter();
    {
        let _inner = inner.handle().enter();
        assert!(
            Driver::current().is_none(),
            "the outer runtime's driver leaked in"
        );
        assert!(!Arc::ptr_eq(&Reactor::current(), driver.reactor()));
        // As on the inner runtime's own workers.
        assert!(inner
            .block_on(inner.spawn(async { Driver::current().is_none() }))
            .unwrap());
    }
    assert!(is_current(&driver));
}

#[test]
fn guards_dropped_out_of_order_leave_name_resolution_working() {
    let (with, _driver) = with_driver(1);
    let without = Runtime::builder().worker_threads(1).build().unwrap();
    let inner = without.handle().enter();
    let outer = with.handle().enter();
    // Out of order: no runtime is current now, but the driver still is.
    drop(inner);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Name resolution runs off the thread; with no runtime to run it on,
    // a thread of its own (it used to panic in `spawn_blocking`).
    let refused = weave_sync::__block_on(weave_reactor::TcpStream::connect(("localhost", port)));
    assert!(refused.is_err(), "nothing listens on port {port}");
    drop(outer);
}

#[test]
fn a_driver_drives_one_runtime_only() {
    let (first, driver) = with_driver(1);
    let err = Runtime::builder()
        .worker_threads(1)
        .driver(driver.clone())
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("Driver::new"), "{err}");
    drop(first);
    let again = Runtime::builder().worker_threads(1).driver(driver).build();
    assert_eq!(again.unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[test]
fn a_driver_for_another_worker_count_is_refused_with_the_fix() {
    let driver = Arc::new(Driver::new(2).unwrap());
    let err = Runtime::builder()
        .worker_threads(3)
        .driver(driver)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(err.to_string().contains("Driver::new(3)"), "{err}");
}
