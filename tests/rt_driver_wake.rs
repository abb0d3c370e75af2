//! Wake-ups across the driver: a worker asleep in the I/O poller must be
//! woken when work arrives, even while the other worker runs a yielding
//! task and polls the driver without blocking (a zero-timeout poll must
//! not swallow the notification meant for the sleeper).

#[test]
fn cancelling_a_yielding_task_while_the_other_worker_sleeps_in_the_poller() {
    let rt = weave::Builder::new().worker_threads(2).build().unwrap();
    for i in 0..3000 {
        rt.block_on(async {
            let forever = weave::spawn(async {
                loop {
                    weave::yield_now().await;
                }
            });
            if i % 2 == 0 {
                weave::yield_now().await;
            }
            forever.cancel();
            assert!(forever.await.unwrap_err().is_cancelled());
        });
    }
}
