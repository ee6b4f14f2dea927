//! Never lose, hijack or duplicate a group: the output directory's lock, a group name shared by
//! pools, a recorded group deleted outside the tool, Ctrl-C during a create, a read-only output
//! directory.

use std::time::{Duration, Instant};

use group_sync::StateLock;
use test_support::spot_server::{TEST_ACCOUNT, TEST_TOKEN};

use crate::common::{SUBSCRIPTION, bin, spawnable_bin};
use crate::import_create::{Run, Workdir, import, run, spot_cmd};

#[test]
fn import_and_delete_refuse_a_locked_directory_naming_the_holder() {
    let server = crate::common::spot_server();
    let work = Workdir::example();
    let held = StateLock::acquire(&work.dir).unwrap();
    let pid = std::process::id();

    let r = import(&server, &work.dir, &[]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("pid {pid}")) && r.stderr.contains("in use by another run"),
        "{}",
        r.stderr
    );
    assert!(server.requests().is_empty(), "nothing sent");
    assert!(server.groups().is_empty());
    assert!(!work.state_file().exists());

    // Released: the import goes through; then delete is refused while the lock is held again.
    drop(held);
    assert!(import(&server, &work.dir, &[]).ok);
    let held = StateLock::acquire(&work.dir).unwrap();
    let mut cmd = spot_cmd(&server);
    cmd.args(["delete", "--yes", "-o"]).arg(&work.dir);
    let r = run(cmd);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("pid {pid}")), "{}", r.stderr);
    assert!(server.requests_matching("DELETE", "/").is_empty());
    assert_eq!(server.groups().len(), 1);
    assert_eq!(work.records().len(), 1);
    drop(held);
}

#[test]
fn pools_sharing_a_group_name_are_refused_in_the_dry_run_too() {
    let Some(work) = Workdir::fixture(
        "multi-pool",
        "pools_sharing_a_group_name_are_refused_in_the_dry_run_too",
    ) else {
        return;
    };
    let out = bin()
        .args(["import", "--dry-run", "-s", SUBSCRIPTION, "-o"])
        .arg(&work.dir)
        .args(["--set", "name=shared"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains(
            "agent pools `agentpool1`, `zonalpool`, `labeled` would all get the Elastigroup name `shared`"
        ),
        "{stderr}"
    );

    let server = crate::common::spot_server();
    let r = import(&server, &work.dir, &["--set", "name=shared"]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("`shared`"), "{}", r.stderr);
    assert!(server.requests().is_empty(), "nothing sent");
    // One pool may take the name.
    let one = import(
        &server,
        &work.dir,
        &["--set", "name=shared", "--pool", "zonalpool"],
    );
    assert!(one.ok, "{}", one.stderr);
    assert_eq!(server.groups_named("shared").len(), 1);
}

#[test]
fn a_recorded_group_deleted_outside_the_tool_is_reported_by_pool_and_id() {
    let first = crate::common::spot_server();
    let work = Workdir::example();
    assert!(import(&first, &work.dir, &[]).ok);
    let id = work.records()[0]["groupId"].as_str().unwrap().to_owned();

    // Another Spot (as if the group had been deleted in the console): the record is stale.
    let server = crate::common::spot_server();
    let r = import(&server, &work.dir, &[]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    for part in [
        "agent pool `agentpool1`",
        &format!("the recorded group {id} no longer exists in Spot"),
        "delete --pool agentpool1",
        "created 0, existing 0, updated 0, failed 1",
    ] {
        assert!(r.stderr.contains(part), "lacks {part:?}:\n{}", r.stderr);
    }
    // The failure is printed once: one error line, no warning before it.
    let mentions: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains(&id) || l.contains("no longer exists"))
        .collect();
    assert_eq!(mentions.len(), 1, "{}", r.stderr);
    assert!(mentions[0].starts_with("error:"), "{}", r.stderr);
    assert!(
        server.requests_matching("POST", "/").is_empty(),
        "no second group"
    );
    assert_eq!(work.records()[0]["groupId"], id.as_str(), "record kept");
}

#[test]
fn an_unwritable_state_file_is_refused_before_anything_is_sent() {
    let server = crate::common::spot_server();
    let work = Workdir::example();
    // Something that is not a file where the state file goes: fails for root too.
    std::fs::create_dir(work.state_file()).unwrap();
    let r = import(&server, &work.dir, &[]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("could not be written (checked before any call to Spot"),
        "{}",
        r.stderr
    );
    assert!(server.requests().is_empty(), "nothing sent");
    assert!(server.groups().is_empty());
}

#[cfg(unix)]
#[test]
fn a_read_only_output_directory_is_refused_before_anything_is_sent() {
    use std::os::unix::fs::PermissionsExt;
    let server = crate::common::spot_server();
    let work = Workdir::example();
    std::fs::set_permissions(&work.dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root writes through permission bits; an immutable directory (chattr +i) refuses even root.
    let mut immutable = false;
    if std::fs::write(work.dir.join("probe"), b"").is_ok() {
        std::fs::remove_file(work.dir.join("probe")).unwrap();
        immutable = std::process::Command::new("chattr")
            .arg("+i")
            .arg(&work.dir)
            .status()
            .is_ok_and(|s| s.success());
    }
    let restore = || {
        if immutable {
            let _ = std::process::Command::new("chattr")
                .arg("-i")
                .arg(&work.dir)
                .status();
        }
        std::fs::set_permissions(&work.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    if std::fs::write(work.dir.join("probe"), b"").is_ok() {
        restore();
        eprintln!(
            "NOTICE: the output directory stays writable here (root without chattr); skipped"
        );
        return;
    }
    let r: Run = import(&server, &work.dir, &[]);
    restore();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("could not be written (checked before any call to Spot")
            && (r.stderr.contains("Permission denied")
                || r.stderr.contains("Operation not permitted")),
        "{}",
        r.stderr
    );
    assert!(server.requests().is_empty(), "nothing sent");
}

#[cfg(unix)]
#[test]
fn ctrl_c_during_a_multi_pool_create_records_what_was_created_and_exits_130() {
    let Some(work) = Workdir::fixture(
        "multi-pool",
        "ctrl_c_during_a_multi_pool_create_records_what_was_created_and_exits_130",
    ) else {
        return;
    };
    let server = crate::common::spot_server();
    server.set_response_delay(Duration::from_millis(600));
    let child = spawnable_bin()
        .env("SPOTINST_TOKEN", TEST_TOKEN)
        .env("SPOTINST_ACCOUNT", TEST_ACCOUNT)
        .env("SPOTINST_BASE_URL", &server.base_url)
        .args(["import", "-s", SUBSCRIPTION, "--concurrency", "1", "-o"])
        .arg(&work.dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    // Interrupt while the first create is in flight.
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.requests_matching("POST", "/").is_empty() {
        assert!(Instant::now() < deadline, "no create was sent");
        std::thread::sleep(Duration::from_millis(20));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");

    // The create in flight finished and was recorded; nothing else was started.
    let groups = server.groups();
    assert_eq!(groups.len(), 1, "{stderr}");
    assert_eq!(server.requests_matching("POST", "/").len(), 1);
    let records = work.records();
    assert_eq!(records.len(), 1, "every created group is recorded");
    assert_eq!(records[0]["groupId"], groups[0].id());
    assert_eq!(
        stdout,
        format!("Spot Elastigroup {} successfully created\n", groups[0].id())
    );
    assert!(
        stderr.contains("interrupted: no new request starts"),
        "{stderr}"
    );
    assert!(
        stderr.contains("created 1, existing 0, updated 0, failed 0, not started 2"),
        "{stderr}"
    );

    // A re-run finishes the job.
    server.set_response_delay(Duration::ZERO);
    let again = import(&server, &work.dir, &[]);
    assert!(again.ok, "{}", again.stderr);
    assert_eq!(server.groups().len(), 3);
    assert_eq!(work.records().len(), 3);
}
