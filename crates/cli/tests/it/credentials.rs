//! Where a real import's Spot credentials come from, and that the token is never printed.

use test_support::spot_server::{SpotServer, SpotServerOptions, TEST_ACCOUNT};

use crate::common::{SUBSCRIPTION, bin};
use crate::import_create::{Run, Workdir, run};

/// A token distinctive enough to grep for in the output.
const TOKEN: &str = "tok-5f0c1e0b9d8a7c6b";

fn server() -> SpotServer {
    SpotServer::start(
        SpotServerOptions {
            token: TOKEN.into(),
            ..SpotServerOptions::default()
        }
        .with_schema_check(elastigroup::schema::validate_request),
    )
}

/// `import -vv` against `server` with an empty HOME and only `env` set.
fn import_with(server: &SpotServer, work: &Workdir, env: &[(&str, &str)], flags: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = bin();
    cmd.env("HOME", home.path())
        .env("SPOTINST_BASE_URL", &server.base_url)
        .args(["-vv", "import", "-s", SUBSCRIPTION, "-o"])
        .arg(&work.dir)
        .args(flags);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let r = run(cmd);
    assert!(
        !r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN),
        "the token was printed:\n{}\n{}",
        r.stdout,
        r.stderr
    );
    r
}

#[test]
fn missing_credentials_list_every_source_tried() {
    let server = server();
    let work = Workdir::example();
    let r = import_with(&server, &work, &[], &[]);
    assert!(!r.ok);
    for part in [
        "no Spot API credentials found",
        "--token/--account flags",
        "environment SPOTINST_TOKEN/SPOTINST_ACCOUNT",
        "credentials file",
        ".spotinst/credentials",
    ] {
        assert!(
            r.stderr.contains(part),
            "stderr lacks {part:?}:\n{}",
            r.stderr
        );
    }
    assert!(server.requests().is_empty(), "nothing sent");
    assert!(!work.state_file().exists());
}

#[test]
fn an_account_without_a_token_is_named() {
    let server = server();
    let work = Workdir::example();
    let r = import_with(&server, &work, &[("SPOTINST_ACCOUNT", TEST_ACCOUNT)], &[]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains(&format!(
            "a Spot account ({TEST_ACCOUNT}, from the environment) was found but no token"
        )),
        "{}",
        r.stderr
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_credentials_file_profile_is_used() {
    let server = server();
    let work = Workdir::example();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials");
    std::fs::write(
        &file,
        format!("[default]\ntoken = wrong-token\naccount = act-00000000\n\n[ci]\ntoken = {TOKEN}\naccount = {TEST_ACCOUNT}\n"),
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let r = import_with(
        &server,
        &work,
        &[
            ("SPOTINST_CREDENTIALS_FILE", file),
            ("SPOTINST_CREDENTIALS_PROFILE", "ci"),
        ],
        &[],
    );
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(server.groups().len(), 1);

    // The default profile's wrong token is refused by the API, with the API's words.
    let other = Workdir::example();
    let r = import_with(&server, &other, &[("SPOTINST_CREDENTIALS_FILE", file)], &[]);
    assert!(!r.ok);
    assert!(r.stderr.contains("401"), "{}", r.stderr);
    assert!(!r.stderr.contains("wrong-token"), "{}", r.stderr);
}

#[test]
fn flags_win_over_the_environment() {
    let server = server();
    let work = Workdir::example();
    let r = import_with(
        &server,
        &work,
        &[
            ("SPOTINST_TOKEN", "env-token-that-is-wrong"),
            ("SPOTINST_ACCOUNT", "act-99999999"),
        ],
        &["--token", TOKEN, "--account", TEST_ACCOUNT],
    );
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stderr.contains("token from command-line flags"),
        "{}",
        r.stderr
    );
    assert_eq!(server.groups().len(), 1);
    for req in server.requests() {
        assert_eq!(req.query_param("accountId").as_deref(), Some(TEST_ACCOUNT));
    }
}
