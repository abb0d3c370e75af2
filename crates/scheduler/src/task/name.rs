//! Task names, kept beside the tasks rather than in them: most tasks have
//! no name, so the header carries only the `NAMED` state bit, and the names
//! of named tasks live in this process-wide table from spawn until the task
//! is freed.

use super::TaskId;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

static NAMES: LazyLock<Mutex<HashMap<TaskId, Arc<str>>>> = LazyLock::new(Default::default);

/// Records the name of task `id`.
pub(crate) fn insert(id: TaskId, name: &str) {
    NAMES.lock().insert(id, Arc::from(name));
}

/// The name of task `id`, if it has one.
pub(crate) fn get(id: TaskId) -> Option<Arc<str>> {
    NAMES.lock().get(&id).cloned()
}

/// Forgets the name of task `id` (it is being freed).
pub(crate) fn remove(id: TaskId) {
    NAMES.lock().remove(&id);
}
