//! No library: this crate holds the real kube-apiserver tier (`tests/real_kube.rs`), which runs
//! the same cases against the real API server (`test_support::real_kube`) and against the
//! in-process fake (`test_support::kube_server`) and asserts the same observable outcomes.
//! See `docs/testing.md`.
