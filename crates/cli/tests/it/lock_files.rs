//! The output directory's lock file and the state file's temporary files: a run that fails on
//! its arguments leaves no lock file behind, a symlink in the lock's place is refused without
//! touching its target, and a temporary file a killed write left is removed by the next run.

use crate::common::bin;
use crate::import_create::{Workdir, import, run, spot_cmd};

fn lock_file(work: &Workdir) -> std::path::PathBuf {
    work.dir.join("spot-elastigroups.json.lock")
}

#[test]
fn runs_that_fail_on_their_arguments_leave_no_lock_file() {
    let server = crate::common::spot_server();
    let work = Workdir::example();
    // a real import without Spot credentials
    let mut cmd = bin();
    cmd.args(["import", "-s", crate::common::SUBSCRIPTION, "-o"])
        .arg(&work.dir);
    let r = run(cmd);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(!lock_file(&work).exists(), "{}", r.stderr);

    // delete of a pool that is not recorded
    assert!(import(&server, &work.dir, &[]).ok);
    std::fs::remove_file(lock_file(&work)).unwrap();
    let mut cmd = spot_cmd(&server);
    cmd.args(["delete", "--yes", "--pool", "nope", "-o"])
        .arg(&work.dir);
    let r = run(cmd);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("pool `nope`"), "{}", r.stderr);
    assert!(!lock_file(&work).exists());
}

#[cfg(unix)]
#[test]
fn a_symlinked_lock_file_is_refused_and_its_target_untouched() {
    let server = crate::common::spot_server();
    let work = Workdir::example();
    let target = work.dir.join("apimodel.json");
    let before = std::fs::read(&target).unwrap();
    std::os::unix::fs::symlink(&target, lock_file(&work)).unwrap();
    let r = import(&server, &work.dir, &[]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("is a symlink; refusing to follow or write it"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&target).unwrap(), before);
    assert!(server.groups().is_empty());
}

#[test]
fn a_temporary_file_left_by_a_killed_write_is_removed_by_the_next_run() {
    let server = crate::common::spot_server();
    let work = Workdir::example();
    let stale = work.dir.join(".spot-elastigroups.json.Ab12Cd.tmp");
    std::fs::write(&stale, "{\"version\": 1, \"gro").unwrap();
    assert!(import(&server, &work.dir, &[]).ok);
    assert!(!stale.exists());
    assert_eq!(work.records().len(), 1);
}
