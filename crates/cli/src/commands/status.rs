//! `spotinst-aks-engine status`: renders the view `importer::status` returns, as a table or as
//! JSON, and says the health in the exit code: 0 healthy, 1 unhealthy (a VM older than
//! `--join-grace` is not a Ready node, or drift: see `importer::status::drift`), 3 could not check (Spot or Kubernetes could not be asked
//! about something, or status could not run at all; the error lines say what).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use crate::duration::format_elapsed;
use anyhow::Result;
use cutover::{Health, NodeHealth};
use importer::error_chain;
use importer::status::{GroupError, GroupView, StatusOptions, StatusView, VmView};

use super::access;
use crate::cli::{OutputFormat, StatusArgs};

/// The exit code when a check could not be made (as monitoring plugins use 3 for UNKNOWN).
pub const COULD_NOT_CHECK: u8 = 3;

pub fn run(args: StatusArgs) -> Result<ExitCode> {
    let view = match look(&args) {
        Ok(view) => view,
        Err(e) => {
            eprintln!("error: {}", error_chain(e.as_ref()));
            return Ok(ExitCode::from(COULD_NOT_CHECK));
        }
    };
    let mut stdout = std::io::stdout().lock();
    match args.state.output {
        OutputFormat::Text => write!(stdout, "{}", table(&view))?,
        OutputFormat::Json => writeln!(stdout, "{}", serde_json::to_string_pretty(&view)?)?,
    }
    stdout.flush()?;
    for line in error_lines(&view, args.join_grace) {
        eprintln!("error: {line}");
    }
    Ok(exit_code(view.health))
}

/// The status operation with the flags' settings.
fn look(args: &StatusArgs) -> Result<StatusView> {
    let spot = access::spot_access(&args.state.spot).client()?;
    let options = StatusOptions {
        kubeconfig: args.kubeconfig.clone(),
        // `-r` or AZURE_RESOURCE_GROUP (clap reads it), checked against the recorded one first
        resource_group: args
            .state
            .resource_group
            .resource_group
            .clone()
            .filter(|s| !s.is_empty()),
        join_grace: args.join_grace,
        azure: Some(access::azure_access(&args.azure)),
        ..StatusOptions::default()
    };
    let runtime = access::runtime()?;
    let out = &args.state.output_directory;
    Ok(runtime.block_on(importer::status::status(out, &spot, &options))?)
}

fn exit_code(health: Health) -> ExitCode {
    match health {
        Health::Healthy => ExitCode::SUCCESS,
        Health::Unhealthy => ExitCode::FAILURE,
        Health::Unknown => ExitCode::from(COULD_NOT_CHECK),
    }
}

/// Why the health is not `healthy`, one line each: the reads that failed, the nodes not
/// checked, the VMs overdue.
fn error_lines(view: &StatusView, grace: Duration) -> Vec<String> {
    let mut out = Vec::new();
    for g in &view.groups {
        for e in &g.errors {
            out.push(format!("agent pool `{}`: {}", g.pool, error_chain(e)));
        }
    }
    if let Some(e) = &view.kubernetes.error {
        out.push(format!(
            "the nodes were not checked (health unknown; Spot's view only): {}",
            error_chain(e)
        ));
    }
    for g in &view.groups {
        for d in &g.drift {
            out.push(format!(
                "agent pool `{}`: drift: {}: {}",
                g.pool, d.detail, d.remedy
            ));
        }
        for vm in g.unmatched() {
            out.push(format!(
                "agent pool `{}`: the Node of {} cannot be told (health unknown): {}",
                g.pool,
                vm.vm_name.as_deref().unwrap_or("-"),
                vm.unmatched.as_deref().unwrap_or_default()
            ));
        }
        for u in &g.drift_unchecked {
            out.push(format!(
                "agent pool `{}`: drift not checked (health unknown): {}",
                g.pool, u.reason
            ));
        }
    }
    for (g, vm) in view.overdue() {
        let age = vm.age_seconds.map_or_else(
            || "of unknown age".into(),
            |a| format!("{} old", format_elapsed(Duration::from_secs(a))),
        );
        out.push(format!(
            "agent pool `{}`: VM {} is {} ({age}, --join-grace {})",
            g.pool,
            vm.vm_name.as_deref().unwrap_or("-"),
            describe(vm.node_health),
            format_elapsed(grace)
        ));
    }
    out
}

fn describe(h: NodeHealth) -> &'static str {
    match h {
        NodeHealth::Ready => "a Ready node",
        NodeHealth::NotReady => "a NotReady node",
        NodeHealth::NotANode => "not a node",
        NodeHealth::Unknown => "not checked",
    }
}

/// Rows as aligned columns, two spaces apart, each line prefixed with `indent`.
fn columns(rows: &[Vec<String>], indent: &str) -> String {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(indent);
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The text form: a header line per group, then its VMs; when the nodes were checked, the
/// header gains the capacity and the Ready count, each VM its node and age, and the source
/// scale set's remaining nodes follow. Then one line per drift, with what to do.
fn table(view: &StatusView) -> String {
    let nodes = view.kubernetes.nodes_checked;
    let mut out = String::new();
    for (i, g) in view.groups.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let head = format!(
            "{}: Spot Elastigroup {} ({}, {})",
            g.pool, g.group_id, g.name, g.generation
        );
        if g.errors
            .iter()
            .any(|e| matches!(e, GroupError::Status { .. }))
        {
            out.push_str(&format!("{head}: status unavailable (see error)\n"));
            continue;
        }
        out.push_str(&format!(
            "{head}: {}, {} VM(s){}\n",
            g.status.as_deref().unwrap_or("-"),
            g.vms.len(),
            if nodes {
                header_suffix(g)
            } else {
                String::new()
            }
        ));
        if !g.vms.is_empty() {
            let mut titles = vec!["VM", "SIZE", "LIFECYCLE", "PRIVATE IP", "STATE"];
            if nodes {
                titles.extend(["NODE", "AGE"]);
            }
            let mut rows = vec![titles.into_iter().map(String::from).collect()];
            for vm in &g.vms {
                let mut row = vec![
                    dash(&vm.vm_name),
                    dash(&vm.vm_size),
                    dash(&vm.life_cycle),
                    dash(&vm.private_ip),
                    dash(&vm.power_state),
                ];
                if nodes {
                    row.extend(node_cells(vm));
                }
                rows.push(row);
            }
            out.push_str(&columns(&rows, "  "));
        }
        if let Some(line) = source_line(g) {
            out.push_str(&format!("  {line}\n"));
        }
        for d in &g.drift {
            out.push_str(&format!("  drift: {}: {}\n", d.detail, d.remedy));
        }
    }
    out
}

fn dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "-".into())
}

/// `; capacity target 2 (min 0, max 3); 2 Ready node(s)` after the group's header line.
fn header_suffix(g: &GroupView) -> String {
    let show = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), |n| n.to_string());
    let capacity = match g.capacity {
        Some(c) => format!(
            "; capacity target {} (min {}, max {})",
            show(c.target),
            show(c.minimum),
            show(c.maximum)
        ),
        None => String::new(),
    };
    format!("{capacity}; {} Ready node(s)", g.ready_nodes())
}

/// The NODE and AGE cells of a VM.
fn node_cells(vm: &VmView) -> [String; 2] {
    let mut node = match vm.node_health {
        NodeHealth::Ready => "Ready".to_owned(),
        NodeHealth::NotReady => "NotReady".to_owned(),
        NodeHealth::NotANode => "not a node".to_owned(),
        NodeHealth::Unknown if vm.unmatched.is_some() => "unknown".to_owned(),
        NodeHealth::Unknown => "-".to_owned(),
    };
    if let Some(n) = vm.node.as_deref().filter(|n| {
        vm.vm_name
            .as_deref()
            .is_none_or(|v| !n.eq_ignore_ascii_case(v))
    }) {
        node.push_str(&format!(" ({n})"));
    }
    if vm.overdue {
        node.push_str(" (overdue)");
    }
    let age = vm
        .age_seconds
        .map_or_else(|| "-".into(), |a| format_elapsed(Duration::from_secs(a)));
    [node, age]
}

/// What remains of the source scale set in Kubernetes.
fn source_line(g: &GroupView) -> Option<String> {
    let scale_set = g.scale_set.as_deref()?;
    let nodes = g.source_nodes.as_ref()?;
    if nodes.is_empty() {
        return Some(format!("source scale set {scale_set}: no nodes left"));
    }
    let list: Vec<String> = nodes
        .iter()
        .map(|n| {
            let mut s = n.name.clone();
            match (n.cordoned, n.ready) {
                (true, true) => s.push_str(" (cordoned)"),
                (true, false) => s.push_str(" (cordoned, NotReady)"),
                (false, false) => s.push_str(" (NotReady)"),
                (false, true) => {}
            }
            s
        })
        .collect();
    Some(format!(
        "source scale set {scale_set}: {} node(s) left: {}",
        nodes.len(),
        list.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cutover::SourceNode;
    use elastigroup::ApiGeneration;
    use importer::status::{Capacity, KubernetesView};

    fn vm(name: &str, health: NodeHealth, age: u64, overdue: bool) -> VmView {
        VmView {
            vm_name: Some(name.into()),
            vm_size: Some("standard_d2_v2".into()),
            life_cycle: Some("spot".into()),
            private_ip: None,
            power_state: Some("running".into()),
            node: (health != NodeHealth::NotANode).then(|| name.to_owned()),
            node_health: health,
            age_seconds: Some(age),
            overdue,
            unmatched: None,
        }
    }

    fn view(nodes_checked: bool) -> StatusView {
        StatusView {
            state_file: "spot-elastigroups.json".into(),
            health: Health::Unhealthy,
            join_grace_seconds: 600,
            kubernetes: KubernetesView {
                kubeconfig: Some("k".into()),
                nodes_checked,
                error: None,
            },
            groups: vec![GroupView {
                pool: "agentpool1".into(),
                group_id: "sig-1".into(),
                name: "demo-agentpool1".into(),
                generation: ApiGeneration::V3,
                health: Health::Unhealthy,
                status: Some("ready".into()),
                capacity: Some(Capacity {
                    minimum: Some(0),
                    target: Some(2),
                    maximum: Some(3),
                }),
                scale_set: Some("vmss".into()),
                vms: vec![
                    vm("vm-0", NodeHealth::Ready, 125, false),
                    vm("vm-long-name", NodeHealth::NotANode, 3600, true),
                ],
                source_nodes: Some(vec![
                    SourceNode {
                        name: "n0".into(),
                        cordoned: true,
                        ready: true,
                    },
                    SourceNode {
                        name: "n1".into(),
                        cordoned: false,
                        ready: true,
                    },
                ]),
                errors: Vec::new(),
                drift: Vec::new(),
                drift_unchecked: Vec::new(),
            }],
        }
    }

    #[test]
    fn the_table_shows_capacity_nodes_ages_and_the_source_when_nodes_were_checked() {
        assert_eq!(
            table(&view(true)),
            "agentpool1: Spot Elastigroup sig-1 (demo-agentpool1, v3): ready, 2 VM(s); capacity target 2 (min 0, max 3); 1 Ready node(s)\n\
             \x20 VM            SIZE            LIFECYCLE  PRIVATE IP  STATE    NODE                  AGE\n\
             \x20 vm-0          standard_d2_v2  spot       -           running  Ready                 2m05s\n\
             \x20 vm-long-name  standard_d2_v2  spot       -           running  not a node (overdue)  1h00m\n\
             \x20 source scale set vmss: 2 node(s) left: n0 (cordoned), n1\n"
        );
        assert_eq!(
            error_lines(&view(true), Duration::from_secs(600)),
            [
                "agent pool `agentpool1`: VM vm-long-name is not a node (1h00m old, --join-grace 10m00s)"
            ]
        );
    }

    #[test]
    fn each_drift_is_a_line_saying_what_to_do() {
        let mut v = view(true);
        v.groups[0].drift = vec![importer::status::Drift {
            kind: importer::status::DriftKind::ScaleSetRevived,
            detail: "scale set vmss has 1 instance(s) again".into(),
            vm: None,
            remedy: "run `sync` or `cutover`",
        }];
        let t = table(&v);
        assert!(
            t.ends_with(
                "  drift: scale set vmss has 1 instance(s) again: run `sync` or `cutover`\n"
            ),
            "{t}"
        );
        assert!(
            error_lines(&v, Duration::from_secs(600)).contains(
                &"agent pool `agentpool1`: drift: scale set vmss has 1 instance(s) again: run `sync` or `cutover`"
                    .to_owned()
            )
        );
    }

    #[test]
    fn without_the_nodes_the_table_is_spots_view() {
        let mut v = view(false);
        v.groups[0].source_nodes = None;
        assert_eq!(
            table(&v),
            "agentpool1: Spot Elastigroup sig-1 (demo-agentpool1, v3): ready, 2 VM(s)\n\
             \x20 VM            SIZE            LIFECYCLE  PRIVATE IP  STATE\n\
             \x20 vm-0          standard_d2_v2  spot       -           running\n\
             \x20 vm-long-name  standard_d2_v2  spot       -           running\n"
        );
    }

    #[test]
    fn the_exit_code_says_the_health() {
        assert_eq!(exit_code(Health::Healthy), ExitCode::SUCCESS);
        assert_eq!(exit_code(Health::Unhealthy), ExitCode::FAILURE);
        assert_eq!(exit_code(Health::Unknown), ExitCode::from(3));
    }
}
