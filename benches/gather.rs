//! gather of 100,000 futures: weave's `gather` against
//! `futures::future::join_all` (on tokio and on smol) and tokio's
//! `JoinSet`. Each future waits on its own oneshot; another task fires the
//! oneshots one at a time, yielding after each, so every step wakes one
//! child. A combinator that re-polls all children on each wake costs
//! O(N) per step (O(N²) in all); per-child wakers keep it O(wakes).
//!
//! ```text
//! cargo bench --bench gather
//! ```
//!
//! Columns: weave = `weave::gather` on weave; tokio = `JoinSet` of spawned
//! tasks on tokio (a task per child, tokio's idiom); smol = `join_all` on
//! smol. A second row runs `join_all` on tokio.

#[path = "harness/mod.rs"]
mod harness;

use harness::{compare, Row, Runtimes};

const N: usize = 100_000;

/// weave's side of both rows: `weave::gather` of the receivers.
fn weave_gather(rt: &weave::Runtime) {
    rt.block_on(async {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..N).map(|_| weave::sync::oneshot::<usize>()).unzip();
        let firing = weave::spawn(async move {
            for (i, tx) in txs.into_iter().enumerate() {
                let _ = tx.send(i);
                weave::yield_now().await;
            }
        });
        let out = weave::gather(rxs.into_iter().map(|rx| async move { rx.await.unwrap() })).await;
        assert_eq!(out.len(), N);
        firing.await.unwrap();
    })
}

/// smol's side of both rows: `futures::future::join_all` of the receivers.
fn smol_join_all(smol: &harness::Smol) {
    let ex = smol.ex.clone();
    smol.block_on(async move {
        let (txs, rxs): (Vec<_>, Vec<_>) =
            (0..N).map(|_| async_channel::bounded::<usize>(1)).unzip();
        let firing = ex.spawn(async move {
            for (i, tx) in txs.into_iter().enumerate() {
                let _ = tx.try_send(i);
                futures_lite::future::yield_now().await;
            }
        });
        let out = futures::future::join_all(
            rxs.into_iter()
                .map(|rx| async move { rx.recv().await.unwrap() }),
        )
        .await;
        assert_eq!(out.len(), N);
        firing.await;
    })
}

/// tokio's side: `N` oneshot receivers and a task firing their senders
/// one at a time; `collect` gathers the receivers (the part a row varies).
/// It is called before the firing starts, so any tasks it spawns exist by
/// then.
fn tokio_rows<Fut>(rt: &tokio::runtime::Runtime, collect: impl FnOnce(Vec<Oneshot>) -> Fut)
where
    Fut: std::future::Future<Output = usize>,
{
    rt.block_on(async {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..N)
            .map(|_| tokio::sync::oneshot::channel::<usize>())
            .unzip();
        // Set up before the firing starts (the JoinSet row spawns here).
        let collecting = collect(rxs);
        let firing = tokio::spawn(async move {
            for (i, tx) in txs.into_iter().enumerate() {
                let _ = tx.send(i);
                tokio::task::yield_now().await;
            }
        });
        assert_eq!(collecting.await, N);
        firing.await.unwrap();
    })
}

type Oneshot = tokio::sync::oneshot::Receiver<usize>;

fn main() {
    println!(
        "gather benchmarks: {} workers each, median of {} rounds\n",
        harness::workers(),
        harness::samples()
    );
    Row::print_header();
    let rts = Runtimes::new();
    compare(
        "gather 100k (JoinSet)",
        || weave_gather(&rts.weave),
        || {
            tokio_rows(&rts.tokio, |rxs| {
                let mut set = tokio::task::JoinSet::new();
                for rx in rxs {
                    set.spawn(async move { rx.await.unwrap() });
                }
                async move {
                    let mut n = 0;
                    while let Some(r) = set.join_next().await {
                        r.unwrap();
                        n += 1;
                    }
                    n
                }
            })
        },
        || smol_join_all(&rts.smol),
    );
    compare(
        "gather 100k (join_all)",
        || weave_gather(&rts.weave),
        || {
            tokio_rows(&rts.tokio, |rxs| async move {
                futures::future::join_all(
                    rxs.into_iter().map(|rx| async move { rx.await.unwrap() }),
                )
                .await
                .len()
            })
        },
        || smol_join_all(&rts.smol),
    );
}
