//! Run queues: a worker's local FIFO deque, the handles other workers steal
//! from it with, and the shared injector.
//!
//! Thin wrappers over `crossbeam-deque`, so that under `--cfg loom` a
//! mutex-protected `VecDeque` (which loom can model) stands in for them.

use crate::task::Notified;

#[cfg(not(loom))]
mod imp {
    use super::Notified;
    use crossbeam_deque::Steal;

    /// Retries a steal that lost a race, a bounded number of times.
    fn retry<T>(mut f: impl FnMut() -> Steal<T>) -> Option<T> {
        for _ in 0..8 {
            match f() {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
        None
    }

    /// A worker's own queue: push and pop at the owner, steal elsewhere.
    pub(crate) struct Local(crossbeam_deque::Worker<Notified>);

    /// Another worker's view of a [`Local`] queue.
    pub(crate) struct Stealer(crossbeam_deque::Stealer<Notified>);

    /// The shared queue for work from outside the workers.
    pub(crate) struct Injector(crossbeam_deque::Injector<Notified>);

    impl Local {
        pub(crate) fn new() -> Local {
            Local(crossbeam_deque::Worker::new_fifo())
        }
        pub(crate) fn stealer(&self) -> Stealer {
            Stealer(self.0.stealer())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task)
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.pop()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }

    impl Stealer {
        /// Moves a batch into `dest` and returns one task of it.
        pub(crate) fn steal_into(&self, dest: &Local) -> Option<Notified> {
            retry(|| self.0.steal_batch_and_pop(&dest.0))
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }

    impl Injector {
        pub(crate) fn new() -> Injector {
            Injector(crossbeam_deque::Injector::new())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task)
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            retry(|| self.0.steal())
        }
        /// Moves a batch into `dest` and returns one task of it.
        pub(crate) fn steal_into(&self, dest: &Local) -> Option<Notified> {
            retry(|| self.0.steal_batch_and_pop(&dest.0))
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }
}

#[cfg(loom)]
mod imp {
    use super::Notified;
    use crate::loom::{Arc, Mutex};
    use std::collections::VecDeque;

    pub(crate) struct Local(Arc<Mutex<VecDeque<Notified>>>);
    pub(crate) struct Stealer(Arc<Mutex<VecDeque<Notified>>>);
    pub(crate) struct Injector(Mutex<VecDeque<Notified>>);

    impl Local {
        pub(crate) fn new() -> Local {
            Local(Arc::new(Mutex::new(VecDeque::new())))
        }
        pub(crate) fn stealer(&self) -> Stealer {
            Stealer(self.0.clone())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.lock().push_back(task)
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.lock().pop_front()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
    }

    impl Stealer {
        pub(crate) fn steal_into(&self, _dest: &Local) -> Option<Notified> {
            self.0.lock().pop_front()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
    }

    impl Injector {
        pub(crate) fn new() -> Injector {
            Injector(Mutex::new(VecDeque::new()))
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.lock().push_back(task)
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.lock().pop_front()
        }
        pub(crate) fn steal_into(&self, _dest: &Local) -> Option<Notified> {
            self.pop()
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
    }
}

pub(crate) use imp::{Injector, Local, Stealer};
