//! `status` and `delete` on the groups a real import recorded.

use serde_json::Value;
use test_support::spot_server::SpotServer;

use crate::common::spot_server;
use crate::import_create::{Run, Workdir, import, run, spot_cmd};

fn cmd(server: &SpotServer, work: &Workdir, args: &[&str]) -> Run {
    let mut c = spot_cmd(server);
    c.args([args[0], "-o"]).arg(&work.dir).args(&args[1..]);
    run(c)
}

/// An imported example and its group id.
fn imported(server: &SpotServer) -> (Workdir, String) {
    let work = Workdir::example();
    let r = import(server, &work.dir, &[]);
    assert!(r.ok, "{}", r.stderr);
    let id = server.groups()[0].id().to_owned();
    (work, id)
}

#[test]
fn status_lists_each_group_and_its_vms() {
    let server = spot_server();
    let (work, id) = imported(&server);
    // Spot's view only: without a kubeconfig the nodes are not checked, so the health is
    // unknown (exit 3), never healthy.
    std::fs::remove_dir_all(work.dir.join("kubeconfig")).unwrap();

    let r = cmd(&server, &work, &["status"]);
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines[0],
        format!("agentpool1: Spot Elastigroup {id} (spotdemo-agentpool1, v3): ready, 2 VM(s)")
    );
    assert!(
        lines[1]
            .split_whitespace()
            .eq(["VM", "SIZE", "LIFECYCLE", "PRIVATE", "IP", "STATE"])
    );
    assert_eq!(lines.len(), 4, "{}", r.stdout);
    assert!(lines[2].contains(&format!("vm-{id}-0")) && lines[2].contains("spot"));
    assert!(lines[2].contains("10.240.0.4") && lines[2].trim_end().ends_with("running"));
    assert_eq!(
        server
            .requests_matching("GET", &format!("/azure/compute/group/{id}/status"))
            .len(),
        1
    );

    let r = cmd(&server, &work, &["status", "--output", "json"]);
    assert_eq!(r.code, Some(3), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["health"], "unknown");
    let g = &v["groups"][0];
    assert_eq!(g["health"], "unknown");
    assert_eq!(g["pool"], "agentpool1");
    assert_eq!(g["groupId"], id.as_str());
    assert_eq!(g["name"], "spotdemo-agentpool1");
    assert_eq!(g["generation"], "v3");
    assert_eq!(g["status"], "ready");
    assert_eq!(g["vms"].as_array().unwrap().len(), 2);
    assert_eq!(g["vms"][1]["privateIp"], "10.240.0.5");
    assert_eq!(g["vms"][1]["powerState"], "running");
    assert_eq!(g["vms"][1]["lifeCycle"], "spot");
}

#[test]
fn status_of_a_group_gone_from_spot_fails_with_the_api_error() {
    let server = spot_server();
    let (work, id) = imported(&server);
    let mut del = spot_cmd(&server);
    del.args(["delete", "--yes", "-o"]).arg(&work.dir);
    // Forget nothing locally: remove the group on the server behind the tool's back.
    let state = std::fs::read(work.state_file()).unwrap();
    assert!(run(del).ok);
    std::fs::write(work.state_file(), state).unwrap();

    let r = cmd(&server, &work, &["status"]);
    // Spot could not say: not healthy, and not known to be unhealthy either.
    assert_eq!(r.code, Some(3));
    assert!(r.stdout.contains(&format!(
        "{id} (spotdemo-agentpool1, v3): status unavailable"
    )));
    assert!(r.stderr.contains("GROUP_DOESNT_EXIST"), "{}", r.stderr);
}

#[test]
fn without_a_state_file_status_and_delete_say_run_import_first() {
    let server = spot_server();
    let work = Workdir::example();
    // status could not check anything (3); delete failed (1).
    for (args, code) in [(&["status"][..], 3), (&["delete", "--yes"][..], 1)] {
        let r = cmd(&server, &work, args);
        assert_eq!(r.code, Some(code));
        assert!(
            r.stderr.contains(&format!(
                "no Elastigroups recorded in {} (run import first)",
                work.dir.display()
            )),
            "{}",
            r.stderr
        );
    }
    assert!(server.requests().is_empty());
}

#[test]
fn delete_without_yes_and_without_a_terminal_refuses() {
    let server = spot_server();
    let (work, id) = imported(&server);
    let r = cmd(&server, &work, &["delete"]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("refusing to delete without --yes when not interactive"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&id),
        "lists what would be deleted: {}",
        r.stderr
    );
    assert!(server.requests_matching("DELETE", "/").is_empty());
    assert_eq!(server.groups().len(), 1);
    assert_eq!(work.records().len(), 1);
}

#[test]
fn delete_with_yes_deletes_and_forgets_the_group() {
    let server = spot_server();
    let (work, id) = imported(&server);

    let unknown = cmd(&server, &work, &["delete", "--yes", "--pool", "nope"]);
    assert_eq!(unknown.code, Some(1));
    assert!(unknown.stderr.contains("pool `nope`") && unknown.stderr.contains("agentpool1"));
    assert_eq!(server.groups().len(), 1);

    let r = cmd(&server, &work, &["delete", "--yes", "--pool", "agentpool1"]);
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        format!("Spot Elastigroup {id} deleted (pool agentpool1)\n")
    );
    assert_eq!(
        server
            .requests_matching("DELETE", &format!("/azure/compute/group/{id}"))
            .len(),
        1
    );
    assert!(server.groups().is_empty());
    assert!(work.state_file().exists());
    assert!(work.records().is_empty());

    // The directory can be imported again from scratch.
    let again = import(&server, &work.dir, &[]);
    assert!(
        again.ok && again.stdout.contains("successfully created"),
        "{}",
        again.stderr
    );
}

#[test]
fn delete_reports_an_api_failure_and_keeps_the_record() {
    let server = spot_server();
    let (work, id) = imported(&server);
    server.inject(
        "DELETE",
        "/azure/compute/group/*",
        test_support::spot_server::Fault::error(403, "FORBIDDEN", "not allowed", None),
    );
    let r = cmd(&server, &work, &["delete", "--yes", "--output", "json"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("FORBIDDEN: not allowed"), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["groups"][0]["outcome"], "failed");
    assert_eq!(v["groups"][0]["groupId"], id.as_str());
    assert_eq!(work.records().len(), 1);
    assert_eq!(server.groups().len(), 1);
}
