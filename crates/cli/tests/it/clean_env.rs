//! The binary runs with a cleared environment (`common::bin`): a developer's Spot credentials in
//! the test process's environment never reach it, so the tests never use their account.

use crate::common::{SUBSCRIPTION, bin, spot_server};
use crate::import_create::{Workdir, run};

/// Set in the child test process this test starts; tells the two halves apart.
const PROBE: &str = "SPOTINST_AKS_TEST_CLEAN_ENV_PROBE";
const LEAKED_TOKEN: &str = "leaked-developer-token";

/// The test runs itself again in a child process whose environment holds a developer's
/// credentials (a token, an account, a credentials file and a profile), as a developer's shell
/// would; setting them in this process instead would race with the tests running beside it.
#[test]
fn a_developers_spot_credentials_do_not_reach_the_binary() {
    if std::env::var_os(PROBE).is_some() {
        probe();
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("credentials");
    std::fs::write(
        &file,
        format!(
            "[default]\ntoken = {LEAKED_TOKEN}\naccount = act-leaked0\n[dev]\ntoken = {LEAKED_TOKEN}\naccount = act-leaked0\n"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "clean_env::a_developers_spot_credentials_do_not_reach_the_binary",
            "--test-threads=1",
        ])
        .env(PROBE, "1")
        .env("SPOTINST_TOKEN", LEAKED_TOKEN)
        .env("SPOTINST_ACCOUNT", "act-leaked0")
        .env("SPOTINST_SHARED_CREDENTIALS_FILE", &file)
        .env("SPOTINST_CREDENTIALS_FILE", &file)
        .env("SPOTINST_PROFILE", "dev")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // The child really ran the probe (a filter that matched nothing would pass too).
    assert!(stdout.contains("1 passed"), "{stdout}\n{stderr}");
}

/// The child's half: the credentials are in this process's environment, the binary finds none.
fn probe() {
    assert_eq!(std::env::var("SPOTINST_TOKEN").as_deref(), Ok(LEAKED_TOKEN));
    let server = spot_server();
    let work = Workdir::example();
    let mut cmd = bin();
    cmd.env("SPOTINST_BASE_URL", &server.base_url)
        .args(["import", "-s", SUBSCRIPTION, "-o"])
        .arg(&work.dir);
    let r = run(cmd);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stderr.contains("no Spot API credentials found"),
        "{}",
        r.stderr
    );
    // Neither the developer's file nor their profile was looked at.
    assert!(!r.stderr.contains("[dev]"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "{}/.spotinst/credentials",
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("empty-home")
                .display()
        )),
        "{}",
        r.stderr
    );
    assert!(server.requests().is_empty());
}
