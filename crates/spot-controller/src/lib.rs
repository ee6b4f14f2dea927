//! The Spot Kubernetes cluster controller: manifests, server-side apply, rollout wait.
