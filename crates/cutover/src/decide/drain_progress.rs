//! Where a drain stands and whether to go on: each pod to evict is pending (its eviction not yet
//! accepted), evicting (accepted, not yet gone) or gone.

use std::collections::BTreeMap;
use std::time::Duration;

/// One pod's state in the drain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PodDrainState {
    /// The eviction was not accepted yet; the last refusal, if any (a budget's 429).
    Pending(Option<String>),
    /// Accepted; waiting until the pod is gone.
    Evicting,
    /// Gone.
    Gone,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrainDecision {
    /// Every pod is gone.
    Done,
    /// Keep going: retry pending evictions, check evicting pods.
    Continue,
    /// The drain timeout passed with pods left.
    TimedOut,
}

/// The drain's pods by `namespace/name`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrainProgress {
    pods: BTreeMap<String, PodDrainState>,
}

impl DrainProgress {
    /// Adds a pod to evict, unless already tracked.
    pub fn track(&mut self, pod: &str) {
        self.pods
            .entry(pod.to_owned())
            .or_insert(PodDrainState::Pending(None));
    }

    /// Records a pod's new state.
    pub fn set(&mut self, pod: &str, state: PodDrainState) {
        self.pods.insert(pod.to_owned(), state);
    }

    /// Whether `pod` is tracked.
    pub fn tracks(&self, pod: &str) -> bool {
        self.pods.contains_key(pod)
    }

    /// Pods whose eviction is still to be accepted.
    pub fn pending(&self) -> Vec<&str> {
        self.in_state(|s| matches!(s, PodDrainState::Pending(_)))
    }

    /// Pods evicted and not yet gone.
    pub fn evicting(&self) -> Vec<&str> {
        self.in_state(|s| *s == PodDrainState::Evicting)
    }

    /// Pods gone.
    pub fn gone(&self) -> Vec<&str> {
        self.in_state(|s| *s == PodDrainState::Gone)
    }

    /// The last refusal of a pending pod.
    pub fn refusal(&self, pod: &str) -> Option<&str> {
        match self.pods.get(pod) {
            Some(PodDrainState::Pending(msg)) => msg.as_deref(),
            _ => None,
        }
    }

    fn in_state(&self, f: impl Fn(&PodDrainState) -> bool) -> Vec<&str> {
        self.pods
            .iter()
            .filter(|(_, s)| f(s))
            .map(|(k, _)| k.as_str())
            .collect()
    }

    /// Done when nothing is pending or evicting; timed out when time is up with pods left.
    pub fn decide(&self, elapsed: Duration, timeout: Duration) -> DrainDecision {
        if self.pending().is_empty() && self.evicting().is_empty() {
            DrainDecision::Done
        } else if elapsed >= timeout {
            DrainDecision::TimedOut
        } else {
            DrainDecision::Continue
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn nothing_to_evict_is_done_at_once() {
        assert_eq!(
            DrainProgress::default().decide(Duration::ZERO, MIN),
            DrainDecision::Done
        );
        assert_eq!(
            DrainProgress::default().decide(MIN * 2, MIN),
            DrainDecision::Done,
            "done wins over a passed deadline"
        );
    }

    #[test]
    fn pending_or_evicting_pods_continue_until_the_timeout() {
        let mut d = DrainProgress::default();
        d.track("ns/a");
        d.track("ns/b");
        assert_eq!(d.pending(), ["ns/a", "ns/b"]);
        d.set("ns/a", PodDrainState::Evicting);
        d.set("ns/b", PodDrainState::Pending(Some("budget".into())));
        assert_eq!(d.refusal("ns/b"), Some("budget"));
        assert_eq!(d.refusal("ns/a"), None);
        assert_eq!(d.decide(MIN / 2, MIN), DrainDecision::Continue);
        assert_eq!(d.decide(MIN, MIN), DrainDecision::TimedOut);
        d.set("ns/b", PodDrainState::Gone);
        assert_eq!(d.decide(MIN, MIN), DrainDecision::TimedOut, "a is evicting");
        d.set("ns/a", PodDrainState::Gone);
        assert_eq!(d.decide(MIN * 5, MIN), DrainDecision::Done);
        assert_eq!(d.gone(), ["ns/a", "ns/b"]);
    }

    #[test]
    fn tracking_again_keeps_the_state() {
        let mut d = DrainProgress::default();
        d.track("ns/a");
        d.set("ns/a", PodDrainState::Gone);
        d.track("ns/a");
        assert!(d.tracks("ns/a"));
        assert_eq!(d.gone(), ["ns/a"]);
    }
}
