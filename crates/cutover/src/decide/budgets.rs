//! PodDisruptionBudgets: which budget selects which pod, which budgets would block an eviction
//! now, and, when a drain times out, which budget holds which pods.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::pods::PodInfo;

/// One `matchExpressions` term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectorTerm {
    /// Label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub operator: String,
    /// Values for `In` / `NotIn`.
    pub values: Vec<String>,
}

/// A label selector.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// `matchLabels`.
    pub match_labels: BTreeMap<String, String>,
    /// `matchExpressions`.
    pub match_expressions: Vec<SelectorTerm>,
}

impl LabelSelector {
    /// Whether these labels are selected (every term must hold; an empty selector selects all).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|t| {
                let value = labels.get(&t.key);
                match t.operator.as_str() {
                    "In" => value.is_some_and(|v| t.values.contains(v)),
                    "NotIn" => value.is_none_or(|v| !t.values.contains(v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    // An operator we do not know selects nothing rather than everything.
                    _ => false,
                }
            })
    }
}

/// The parts of a PodDisruptionBudget the drain reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetInfo {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `spec.selector`; `None` selects no pod (policy/v1).
    pub selector: Option<LabelSelector>,
    /// `status.disruptionsAllowed`.
    pub disruptions_allowed: i32,
    /// `status.currentHealthy`.
    pub current_healthy: i32,
    /// `status.desiredHealthy`.
    pub desired_healthy: i32,
}

impl BudgetInfo {
    /// Whether this budget covers `pod`.
    pub fn selects(&self, pod: &PodInfo) -> bool {
        self.namespace == pod.namespace
            && self
                .selector
                .as_ref()
                .is_some_and(|s| s.matches(&pod.labels))
    }
}

/// A budget and the pods it holds (or would hold).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetHold {
    /// `namespace/name` of the budget.
    pub budget: String,
    /// `status.disruptionsAllowed` when read.
    pub disruptions_allowed: i32,
    /// `status.currentHealthy`.
    pub current_healthy: i32,
    /// `status.desiredHealthy`.
    pub desired_healthy: i32,
    /// `namespace/name` of each pod held.
    pub pods: Vec<String>,
}

impl fmt::Display for BudgetHold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PodDisruptionBudget {} (allows {} disruptions, {} of {} desired healthy) holds {}",
            self.budget,
            self.disruptions_allowed,
            self.current_healthy,
            self.desired_healthy,
            self.pods.join(", ")
        )
    }
}

fn hold(b: &BudgetInfo, pods: Vec<String>) -> BudgetHold {
    BudgetHold {
        budget: format!("{}/{}", b.namespace, b.name),
        disruptions_allowed: b.disruptions_allowed,
        current_healthy: b.current_healthy,
        desired_healthy: b.desired_healthy,
        pods,
    }
}

/// Budgets that would block some of `to_evict` now: each selects more of them than it allows
/// disruptions. Each lists every pod of `to_evict` it selects.
pub fn blocking_now(budgets: &[BudgetInfo], to_evict: &[PodInfo]) -> Vec<BudgetHold> {
    budgets
        .iter()
        .filter_map(|b| {
            let pods: Vec<String> = to_evict
                .iter()
                .filter(|p| !p.terminated() && b.selects(p))
                .map(PodInfo::key)
                .collect();
            let allowed = usize::try_from(b.disruptions_allowed.max(0)).unwrap_or(0);
            (pods.len() > allowed).then(|| hold(b, pods))
        })
        .collect()
}

/// Why the pods still waiting for eviction wait: the budgets holding them (those selecting a
/// pod and allowing no disruption; when none of a pod's budgets reads 0, all its budgets), and
/// the pods no budget selects.
pub fn holds(budgets: &[BudgetInfo], waiting: &[PodInfo]) -> (Vec<BudgetHold>, Vec<String>) {
    let mut by_budget: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut unexplained = Vec::new();
    for pod in waiting {
        let selecting: Vec<usize> = (0..budgets.len())
            .filter(|&i| budgets[i].selects(pod))
            .collect();
        if selecting.is_empty() {
            unexplained.push(pod.key());
            continue;
        }
        let exhausted: Vec<usize> = selecting
            .iter()
            .copied()
            .filter(|&i| budgets[i].disruptions_allowed <= 0)
            .collect();
        let chosen = if exhausted.is_empty() {
            selecting
        } else {
            exhausted
        };
        for i in chosen {
            by_budget.entry(i).or_default().push(pod.key());
        }
    }
    let holds = by_budget
        .into_iter()
        .map(|(i, pods)| hold(&budgets[i], pods))
        .collect();
    (holds, unexplained)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn pod(ns: &str, name: &str, app: &str) -> PodInfo {
        PodInfo {
            namespace: ns.into(),
            name: name.into(),
            labels: labels(&[("app", app)]),
            controller_kind: Some("ReplicaSet".into()),
            phase: Some("Running".into()),
            ..Default::default()
        }
    }

    fn budget(ns: &str, name: &str, app: &str, allowed: i32) -> BudgetInfo {
        BudgetInfo {
            namespace: ns.into(),
            name: name.into(),
            selector: Some(LabelSelector {
                match_labels: labels(&[("app", app)]),
                match_expressions: vec![],
            }),
            disruptions_allowed: allowed,
            current_healthy: 2,
            desired_healthy: 2,
        }
    }

    fn term(key: &str, op: &str, values: &[&str]) -> SelectorTerm {
        SelectorTerm {
            key: key.into(),
            operator: op.into(),
            values: values.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn selector_terms() {
        let l = labels(&[("app", "web"), ("tier", "front")]);
        let sel = |terms: Vec<SelectorTerm>| LabelSelector {
            match_labels: BTreeMap::new(),
            match_expressions: terms,
        };
        assert!(LabelSelector::default().matches(&l), "empty selects all");
        assert!(sel(vec![term("app", "In", &["web", "api"])]).matches(&l));
        assert!(!sel(vec![term("app", "In", &["api"])]).matches(&l));
        assert!(sel(vec![term("app", "NotIn", &["api"])]).matches(&l));
        assert!(sel(vec![term("zone", "NotIn", &["a"])]).matches(&l));
        assert!(sel(vec![term("tier", "Exists", &[])]).matches(&l));
        assert!(!sel(vec![term("tier", "DoesNotExist", &[])]).matches(&l));
        assert!(!sel(vec![term("tier", "Gt", &["1"])]).matches(&l));
        assert!(
            !sel(vec![
                term("app", "In", &["web"]),
                term("tier", "In", &["back"])
            ])
            .matches(&l),
            "every term must hold"
        );
    }

    #[test]
    fn a_budget_selects_only_its_namespace_and_none_without_selector() {
        let b = budget("shop", "web-pdb", "web", 0);
        assert!(b.selects(&pod("shop", "web-1", "web")));
        assert!(!b.selects(&pod("other", "web-1", "web")));
        assert!(!b.selects(&pod("shop", "api-1", "api")));
        let none = BudgetInfo {
            selector: None,
            ..b
        };
        assert!(!none.selects(&pod("shop", "web-1", "web")));
    }

    #[test]
    fn blocking_now_counts_pods_against_allowed_disruptions() {
        let budgets = vec![
            budget("shop", "web-pdb", "web", 1),
            budget("shop", "api-pdb", "api", 0),
            budget("shop", "db-pdb", "db", 3),
        ];
        let pods = vec![
            pod("shop", "web-1", "web"),
            pod("shop", "web-2", "web"),
            pod("shop", "api-1", "api"),
            pod("shop", "db-1", "db"),
        ];
        let blocking = blocking_now(&budgets, &pods);
        let names: Vec<&str> = blocking.iter().map(|h| h.budget.as_str()).collect();
        assert_eq!(names, ["shop/web-pdb", "shop/api-pdb"]);
        assert_eq!(blocking[0].pods, ["shop/web-1", "shop/web-2"]);
        assert_eq!(
            blocking[1].to_string(),
            "PodDisruptionBudget shop/api-pdb (allows 0 disruptions, 2 of 2 desired healthy) holds shop/api-1"
        );
    }

    #[test]
    fn terminated_pods_never_count_against_a_budget() {
        let budgets = vec![budget("shop", "web-pdb", "web", 0)];
        let done = PodInfo {
            phase: Some("Succeeded".into()),
            ..pod("shop", "web-1", "web")
        };
        assert!(blocking_now(&budgets, &[done]).is_empty());
    }

    #[test]
    fn holds_names_the_exhausted_budget_and_unexplained_pods() {
        let budgets = vec![
            budget("shop", "web-pdb", "web", 0),
            budget("shop", "all-web", "web", 2),
            budget("shop", "api-pdb", "api", 1),
        ];
        let waiting = vec![
            pod("shop", "web-1", "web"),
            pod("shop", "api-1", "api"),
            pod("shop", "lonely", "none"),
        ];
        let (holds, unexplained) = holds(&budgets, &waiting);
        let summary: Vec<(String, Vec<String>)> = holds
            .iter()
            .map(|h| (h.budget.clone(), h.pods.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("shop/web-pdb".to_string(), vec!["shop/web-1".to_string()]),
                ("shop/api-pdb".to_string(), vec!["shop/api-1".to_string()]),
            ]
        );
        assert_eq!(unexplained, ["shop/lonely"]);
    }
}
