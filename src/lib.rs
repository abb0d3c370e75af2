//! Examples, integration tests and benchmarks of the weave runtime.
