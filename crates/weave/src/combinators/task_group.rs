//! `TaskGroup`: asyncio's structured concurrency. Tasks spawned into a
//! group never outlive it.

use super::children::Children;
use crate::{JoinError, JoinHandle};
use std::future::Future;

/// A set of tasks that live and die together (asyncio's `TaskGroup`).
///
/// - [`spawn`](Self::spawn) starts a task in the group (on the workers);
/// - [`join_next`](Self::join_next) gives results as tasks finish;
///   [`join_all`](Self::join_all) gives them all, in spawn order;
/// - when a member panics or is cancelled, the group cancels the others
///   (as soon as the group is awaited) and reports that error;
/// - dropping the group cancels every task still in it. A group held by a
///   task that is cancelled is dropped with it, so its members are
///   cancelled too: no orphan outlives its group.
///
/// ```
/// weave::run(async {
///     let mut group = weave::TaskGroup::new();
///     for i in 0..3u64 {
///         group.spawn(async move { i * 10 });
///     }
///     assert_eq!(group.join_all().await.unwrap(), vec![0, 10, 20]);
/// });
/// ```
pub struct TaskGroup<T> {
    children: Children<JoinHandle<T>>,
    /// Set once a member failed and the rest were cancelled.
    failed: bool,
}

impl<T: Send + 'static> Default for TaskGroup<T> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<T: Send + 'static> TaskGroup<T> {
    /// An empty group.
    pub fn new() -> Self {
        TaskGroup {
            children: Children::new(std::iter::empty()),
            failed: false,
        }
    }

    /// Spawns `future` as a task of the group.
    ///
    /// # Panics
    /// Outside a runtime, as [`spawn`](crate::spawn).
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F)
    where
        F: Future<Output = T> + Send + 'static,
    {
        let handle = crate::spawn(future);
        if self.failed {
            // The group has already failed: new members are cancelled too.
            handle.cancel();
        }
        self.children.push(handle);
    }

    /// Tasks spawned and not yet handed out by `join_next` / `join_all`.
    pub fn len(&self) -> usize {
        self.children.remaining() + self.children.finished_len()
    }

    /// True if no task is left to join.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The result of the next task to finish; `None` when the group is
    /// empty. A panic or cancellation of a member cancels the others.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.join_next_indexed().await.map(|(_, result)| result)
    }

    async fn join_next_indexed(&mut self) -> Option<(usize, Result<T, JoinError>)> {
        std::future::poll_fn(|cx| {
            let mut failure = false;
            let next = self
                .children
                .poll_next(cx, |result| failure |= result.is_err());
            if failure && !self.failed {
                self.failed = true;
                self.cancel_all();
            }
            next
        })
        .await
    }

    /// Waits for every task and returns their outputs in spawn order (those
    /// already handed out by `join_next` are not repeated); the first
    /// member that panics or is cancelled cancels the rest, and its error
    /// is returned.
    ///
    /// # Errors
    /// The `JoinError` of the first member that failed.
    pub async fn join_all(mut self) -> Result<Vec<T>, JoinError> {
        // Members already handed out by `join_next` are not in here.
        let mut outputs = Vec::with_capacity(self.len());
        let mut first_error = None;
        while let Some((index, result)) = self.join_next_indexed().await {
            match result {
                Ok(value) => outputs.push((index, value)),
                Err(e) => {
                    // The first failure; the cancellations it caused follow.
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => {
                outputs.sort_unstable_by_key(|&(index, _)| index);
                Ok(outputs.into_iter().map(|(_, value)| value).collect())
            }
        }
    }
}

impl<T> TaskGroup<T> {
    /// Cancels every member still running.
    fn cancel_all(&mut self) {
        self.children.for_each_pending(|handle| {
            handle.cancel();
        });
    }
}

impl<T> Drop for TaskGroup<T> {
    /// Cancels every task still in the group.
    fn drop(&mut self) {
        self.cancel_all();
    }
}

impl<T> std::fmt::Debug for TaskGroup<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskGroup")
            .field("running", &self.children.remaining())
            .field("finished", &self.children.finished_len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_reaped_as_it_goes_holds_slots_for_its_live_members_only() {
        crate::Builder::new()
            .worker_threads(2)
            .build()
            .unwrap()
            .block_on(async {
                let mut group = TaskGroup::new();
                for i in 0..20_000u64 {
                    group.spawn(async move { i });
                    if i % 4 == 3 {
                        for _ in 0..4 {
                            group.join_next().await.unwrap().unwrap();
                        }
                    }
                }
                assert!(group.is_empty());
                assert!(
                    group.children.slots() <= 8,
                    "{} slots kept for a group that never held more than 4 tasks",
                    group.children.slots()
                );
            });
    }

    #[test]
    fn join_all_keeps_spawn_order_when_slots_are_reused() {
        crate::run(async {
            let mut group = TaskGroup::new();
            for i in 0..3u64 {
                group.spawn(async move { i });
            }
            // Frees slots, which the next members reuse.
            for _ in 0..2 {
                group.join_next().await.unwrap().unwrap();
            }
            let (tx, rx) = crate::sync::oneshot::<()>();
            group.spawn(async move {
                rx.await.unwrap();
                100
            });
            for i in 0..3u64 {
                group.spawn(async move { 200 + i });
            }
            tx.send(()).unwrap();
            let mut rest = group.join_all().await.unwrap();
            // The one member left from the first three, then the rest in
            // spawn order, whatever slots they landed in.
            let first = rest.remove(0);
            assert!(first < 3);
            assert_eq!(rest, vec![100, 200, 201, 202]);
        });
    }
}
