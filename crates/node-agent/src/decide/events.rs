//! Azure's scheduled events (Instance Metadata Service, api-version 2020-07-01): which of them
//! ask this VM to be drained. A `Preempt` (Spot eviction) or `Terminate` event whose
//! `Resources` name this VM, acted on once per `EventId`; any other event, or another VM's, is
//! only counted.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Azure's minimum notice before a Spot eviction: the deadline when `NotBefore` is unreadable.
pub const MINIMUM_NOTICE: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

/// `GET /metadata/scheduledevents`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduledEvents {
    /// Changes whenever the events change.
    #[serde(default)]
    pub document_incarnation: i64,
    /// The events scheduled for this VM's placement (they may name other VMs).
    #[serde(default)]
    pub events: Vec<ScheduledEvent>,
}

/// One scheduled event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduledEvent {
    /// Unique per event.
    #[serde(default)]
    pub event_id: String,
    /// `Preempt`, `Terminate`, `Reboot`, `Redeploy`, `Freeze`.
    #[serde(default)]
    pub event_type: String,
    /// `VirtualMachine`.
    #[serde(default)]
    pub resource_type: String,
    /// The VM names affected.
    #[serde(default)]
    pub resources: Vec<String>,
    /// `Scheduled` or `Started`.
    #[serde(default)]
    pub event_status: String,
    /// RFC 1123 time after which Azure may start it; empty once started.
    #[serde(default)]
    pub not_before: String,
    /// Free text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Platform` or `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_source: Option<String>,
}

impl ScheduledEvent {
    /// Whether it names `vm_name` (Azure names compare case-insensitively).
    pub fn names_vm(&self, vm_name: &str) -> bool {
        !vm_name.is_empty()
            && self
                .resources
                .iter()
                .any(|r| r.trim().eq_ignore_ascii_case(vm_name))
    }

    /// A `Preempt` or `Terminate`: the VM is going away.
    pub fn removes_vm(&self) -> bool {
        self.event_type.eq_ignore_ascii_case("Preempt")
            || self.event_type.eq_ignore_ascii_case("Terminate")
    }

    /// Whether this event asks `vm_name` to be drained.
    pub fn is_actionable_for(&self, vm_name: &str) -> bool {
        self.removes_vm() && self.names_vm(vm_name)
    }

    /// When the VM may be gone: `NotBefore`, else [`MINIMUM_NOTICE`] after `seen_at` (an event
    /// already started has an empty `NotBefore`).
    pub fn deadline(&self, seen_at: DateTime<Utc>) -> DateTime<Utc> {
        DateTime::parse_from_rfc2822(self.not_before.trim())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(seen_at + MINIMUM_NOTICE)
    }
}

/// What one look at the document found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Observed<'a> {
    /// Events seen for the first time (any VM, any type).
    pub new: Vec<&'a ScheduledEvent>,
    /// Of those, the ones to drain this VM for.
    pub to_drain: Vec<&'a ScheduledEvent>,
}

/// The event ids seen so far: each event is acted on once. Kept in memory only: after a
/// restart an event still listed is acted on again, which is harmless (cordoning a cordoned node
/// and evicting gone pods change nothing).
#[derive(Debug, Default)]
pub struct EventTracker {
    seen: BTreeSet<String>,
}

impl EventTracker {
    /// Looks at a document for `vm_name`. Events without an id cannot be tracked and are
    /// ignored.
    pub fn observe<'a>(&mut self, doc: &'a ScheduledEvents, vm_name: &str) -> Observed<'a> {
        let mut out = Observed::default();
        for ev in &doc.events {
            if ev.event_id.is_empty() || !self.seen.insert(ev.event_id.clone()) {
                continue;
            }
            out.new.push(ev);
            if ev.is_actionable_for(vm_name) {
                out.to_drain.push(ev);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str, kind: &str, resources: &[&str]) -> ScheduledEvent {
        ScheduledEvent {
            event_id: id.into(),
            event_type: kind.into(),
            resource_type: "VirtualMachine".into(),
            resources: resources.iter().map(|s| s.to_string()).collect(),
            event_status: "Scheduled".into(),
            not_before: "Mon, 07 Dec 2026 21:00:30 GMT".into(),
            ..Default::default()
        }
    }

    fn doc(events: Vec<ScheduledEvent>) -> ScheduledEvents {
        ScheduledEvents {
            document_incarnation: 1,
            events,
        }
    }

    #[test]
    fn preempt_and_terminate_of_this_vm_are_actionable() {
        for kind in ["Preempt", "Terminate", "preempt"] {
            assert!(
                event("e", kind, &["vm-a"]).is_actionable_for("vm-a"),
                "{kind}"
            );
        }
        for kind in ["Reboot", "Redeploy", "Freeze", ""] {
            assert!(
                !event("e", kind, &["vm-a"]).is_actionable_for("vm-a"),
                "{kind}"
            );
        }
    }

    #[test]
    fn vm_names_compare_case_insensitively_and_exactly() {
        let e = event("e", "Preempt", &["other", "SpotPool-0001"]);
        assert!(e.is_actionable_for("spotpool-0001"));
        assert!(
            !e.is_actionable_for("spotpool-000"),
            "a prefix is not the VM"
        );
        assert!(!e.is_actionable_for("spotpool-00011"));
        assert!(!e.is_actionable_for(""), "an unknown name matches nothing");
        assert!(!event("e", "Preempt", &[]).is_actionable_for("vm"));
    }

    #[test]
    fn each_event_is_acted_on_once_and_others_only_counted() {
        let mut t = EventTracker::default();
        let d = doc(vec![
            event("mine", "Preempt", &["vm-a"]),
            event("theirs", "Preempt", &["vm-b"]),
            event("reboot", "Reboot", &["vm-a"]),
            event("", "Preempt", &["vm-a"]),
        ]);
        let first = t.observe(&d, "vm-a");
        let ids = |v: &[&ScheduledEvent]| v.iter().map(|e| e.event_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&first.new), ["mine", "theirs", "reboot"]);
        assert_eq!(ids(&first.to_drain), ["mine"]);
        let again = t.observe(&d, "vm-a");
        assert_eq!(again, Observed::default());
        let later = doc(vec![
            event("mine", "Preempt", &["vm-a"]),
            event("next", "Terminate", &["VM-A"]),
        ]);
        assert_eq!(ids(&t.observe(&later, "vm-a").to_drain), ["next"]);
    }

    #[test]
    fn deadline_is_not_before_else_thirty_seconds() {
        let seen: DateTime<Utc> = "2026-12-07T21:00:00Z".parse().unwrap();
        let e = event("e", "Preempt", &["vm"]);
        assert_eq!(
            e.deadline(seen),
            "2026-12-07T21:00:30Z".parse::<DateTime<Utc>>().unwrap()
        );
        for not_before in ["", "soon", "2026-12-07T21:00:30Z"] {
            let e = ScheduledEvent {
                not_before: not_before.into(),
                ..e.clone()
            };
            assert_eq!(e.deadline(seen), seen + MINIMUM_NOTICE, "{not_before:?}");
        }
    }

    #[test]
    fn the_imds_document_reads_as_azure_writes_it() {
        let d: ScheduledEvents = serde_json::from_str(
            r#"{"DocumentIncarnation": 3, "Events": [{"EventId": "A1B2", "EventType": "Preempt",
              "ResourceType": "VirtualMachine", "Resources": ["vm-a"], "EventStatus": "Scheduled",
              "NotBefore": "Mon, 07 Dec 2026 21:00:30 GMT", "Description": "", "EventSource": "Platform",
              "DurationInSeconds": -1}]}"#,
        )
        .unwrap();
        assert_eq!(d.document_incarnation, 3);
        assert_eq!(d.events[0].event_id, "A1B2");
        assert!(d.events[0].is_actionable_for("VM-A"));
        let empty: ScheduledEvents = serde_json::from_str("{}").unwrap();
        assert!(empty.events.is_empty());
    }
}
