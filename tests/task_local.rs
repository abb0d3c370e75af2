//! `spawn_local` with the whole runtime: local tasks that sleep, read
//! sockets and take locks — their wakes come from the driver, on their own
//! worker or another one — and the macros' runtimes.

use std::cell::RefCell;
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};

#[test]
fn local_tasks_in_run_sleep_and_share_an_rc() {
    let (log, elapsed) = weave::run(async {
        let start = Instant::now();
        let log = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = [30u64, 10, 20]
            .into_iter()
            .map(|ms| {
                let log = log.clone();
                weave::spawn_local(async move {
                    weave::sleep(Duration::from_millis(ms)).await;
                    log.borrow_mut().push(ms);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        (Rc::try_unwrap(log).unwrap().into_inner(), start.elapsed())
    });
    assert_eq!(log, [10, 20, 30]);
    // A timer is never early.
    assert!(elapsed >= Duration::from_millis(30));
}

#[test]
fn worker_local_tasks_wait_on_timers_sockets_and_locks_on_their_worker() {
    let rt = weave::Builder::new().worker_threads(2).build().unwrap();
    let ok = rt.block_on(async {
        let listener = weave::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let lock = weave::sync::Lock::new(0u32);
        let held = lock.lock().await;
        let lock2 = lock.clone();
        // A global task spawns local ones on its worker.
        // A global task spawns a local one on its worker, which spawns
        // more; the Rc lives in local tasks only.
        let on_worker = weave::spawn(async move {
            weave::spawn_local(async move {
                let home = thread::current().id();
                let state = Rc::new(RefCell::new(Vec::new()));
                let mut tasks = Vec::new();
                {
                    let state = state.clone();
                    tasks.push(weave::spawn_local(async move {
                        weave::sleep(Duration::from_millis(5)).await;
                        state
                            .borrow_mut()
                            .push(("sleep", thread::current().id() == home));
                    }));
                }
                {
                    let state = state.clone();
                    tasks.push(weave::spawn_local(async move {
                        let (mut stream, _) = listener.accept().await.unwrap();
                        let mut buf = [0u8; 16];
                        let mut n = 0;
                        while n < 5 {
                            n += stream.read(&mut buf[n..]).await.unwrap();
                        }
                        state
                            .borrow_mut()
                            .push(("read", thread::current().id() == home && n == 5));
                    }));
                }
                {
                    let state = state.clone();
                    tasks.push(weave::spawn_local(async move {
                        *lock2.lock().await += 1;
                        state
                            .borrow_mut()
                            .push(("lock", thread::current().id() == home));
                    }));
                }
                for task in tasks {
                    task.await.unwrap();
                }
                let state = state.borrow();
                state.len() == 3 && state.iter().all(|(_, home)| *home)
            })
            .await
            .unwrap()
        });
        let mut client = weave::net::TcpStream::connect(addr).await.unwrap();
        client.write_all(b"hello").await.unwrap();
        weave::sleep(Duration::from_millis(2)).await;
        drop(held);
        on_worker.await.unwrap()
    });
    assert!(ok);
}

#[weave::test]
async fn the_test_macro_runs_local_tasks() {
    let rc = Rc::new(41);
    let task = weave::spawn_local(async move {
        weave::yield_now().await;
        *rc + 1
    });
    assert_eq!(task.await.unwrap(), 42);
}
