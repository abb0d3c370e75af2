#!/usr/bin/env bash
# The loom model tests: the scheduler's lock-free state machines (task
# state word, park/notify protocol), the driver's park and poller hand-off (the
# real code over a model poller) and the sync primitives' waiter lists
# (semaphore, lock, queue hand-offs and cancellation). A separate target
# directory keeps the `--cfg loom` build from invalidating the normal one.
#
# LOOM_MAX_PREEMPTIONS bounds the interleavings explored: 2 in CI; raise it
# (3 or more) for a deeper local run.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
cargo test -p weave-scheduler -p weave-sync -p weave-driver --lib --release --target-dir target/loom -- loom
