//! Locating the read-only `../shared` directory (fixtures, Spot OpenAPI, Azure specs) for tests.
//!
//! Kept apart from `test-support`'s servers so tests that only read fixtures build no HTTP stack.
//!
//! The directory sits beside the repository root. `SPOTINST_AKS_SHARED_DIR` overrides it.
//! When it (or the part of it a test reads) is absent, tests fail under `CI=true` (CI always has
//! it) and otherwise skip with a notice on stderr, so a user's clone still passes. libtest hides
//! that notice from the summary of a passing test, so each skip is also recorded in the directory
//! `SPOTINST_AKS_SKIP_LOG_DIR` names, when set: `scripts/test` counts them there and says so.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The environment variable that overrides where `shared/` is.
pub const SHARED_DIR_ENV: &str = "SPOTINST_AKS_SHARED_DIR";

/// The environment variable naming a directory where each skipped test is recorded (one line per
/// skip, `<test binary> <test name>`, in `skipped-<pid>.txt`).
pub const SKIP_LOG_DIR_ENV: &str = "SPOTINST_AKS_SKIP_LOG_DIR";

/// The repository root (the workspace directory).
pub fn repo_root() -> PathBuf {
    // crates/test-fixtures -> repo root
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crate lives two levels below the repository root")
        .to_path_buf()
}

/// The `shared/` directory, or `None` (after printing a notice) when it is missing outside CI.
///
/// # Panics
/// When the directory is missing and `CI=true`.
pub fn shared_dir(test_name: &str) -> Option<PathBuf> {
    shared_path(test_name, "")
}

/// `shared/<relative>` (a file or directory), or `None` (after printing a notice and recording
/// the skip) when it is missing outside CI. A `shared/` directory without the part a test reads
/// (an empty directory, say) counts as missing.
///
/// # Panics
/// When the path is missing and `CI=true`.
pub fn shared_path(test_name: &str, relative: &str) -> Option<PathBuf> {
    let env = Env::from_process();
    locate(test_name, relative, &env)
}

/// What [`locate`] reads from the process environment; apart so tests can give their own.
struct Env {
    shared_dir: Option<PathBuf>,
    ci: bool,
    skip_log_dir: Option<PathBuf>,
}

impl Env {
    fn from_process() -> Self {
        Env {
            shared_dir: std::env::var_os(SHARED_DIR_ENV).map(PathBuf::from),
            ci: std::env::var("CI")
                .map(|v| v == "true" || v == "1")
                .unwrap_or(false),
            skip_log_dir: std::env::var_os(SKIP_LOG_DIR_ENV).map(PathBuf::from),
        }
    }
}

fn locate(test_name: &str, relative: &str, env: &Env) -> Option<PathBuf> {
    let dir = match &env.shared_dir {
        Some(d) => d.clone(),
        None => repo_root().join("../shared"),
    };
    let path = if relative.is_empty() {
        dir.clone()
    } else {
        dir.join(relative)
    };
    if dir.is_dir() && path.exists() {
        return Some(path.canonicalize().unwrap_or(path));
    }
    if env.ci {
        panic!(
            "{test_name}: {} is missing; CI must provide the shared directory (or set {SHARED_DIR_ENV})",
            path.display()
        );
    }
    skip_with_notice(
        test_name,
        &format!(
            "{} not found (set {SHARED_DIR_ENV} to run it)",
            path.display()
        ),
        env,
    );
    None
}

/// Skips the calling test because something outside the repository that it needs is missing
/// (`missing` says what, and how to get it): a `NOTICE` on stderr and a recorded skip, which
/// `scripts/test` counts. The caller returns at once after this.
///
/// # Panics
/// Under `CI=true`: CI must provide everything the tests need.
pub fn skip_missing_prerequisite(test_name: &str, missing: &str) {
    let env = Env::from_process();
    if env.ci {
        panic!("{test_name}: {missing}; CI must provide it");
    }
    skip_with_notice(test_name, missing, &env);
}

fn skip_with_notice(test_name: &str, why: &str, env: &Env) {
    eprintln!("NOTICE: {test_name} skipped: {why}");
    if let Some(log) = &env.skip_log_dir {
        record_skip(log, test_name);
    }
}

/// Appends `<test binary> <test name>` to `skipped-<pid>.txt` in `log_dir`. libtest names each
/// test's thread after the test, which tells apart tests that pass the same `test_name`; one
/// test that skips twice is one line after `sort -u`. A log that cannot be written is reported,
/// never a test failure.
fn record_skip(log_dir: &Path, test_name: &str) {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown".into());
    let thread = std::thread::current();
    let test = match thread.name() {
        Some(name) if name != "main" => name.to_owned(),
        _ => test_name.to_owned(),
    };
    let file = log_dir.join(format!("skipped-{}.txt", std::process::id()));
    let written = std::fs::create_dir_all(log_dir).and_then(|()| {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&file)?;
        // One write per line: appends of a short line do not interleave between threads.
        f.write_all(format!("{binary} {test}\n").as_bytes())
    });
    if let Err(e) = written {
        eprintln!(
            "NOTICE: could not record the skip in {}: {e}",
            file.display()
        );
    }
}

/// `shared/fixtures/aks-engine`, when present.
pub fn aks_engine_fixtures(test_name: &str) -> Option<PathBuf> {
    shared_path(test_name, "fixtures/aks-engine")
}

/// Every case directory under `shared/fixtures/aks-engine`, sorted by name.
pub fn aks_engine_cases(test_name: &str) -> Vec<(String, PathBuf)> {
    let Some(root) = aks_engine_fixtures(test_name) else {
        return Vec::new();
    };
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("reading {}: {e}", root.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("azuredeploy.json").is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    cases.sort();
    cases
}

/// `shared/spec/spot/openapi`, when present.
pub fn spot_openapi_dir(test_name: &str) -> Option<PathBuf> {
    shared_path(test_name, "spec/spot/openapi")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(shared: &Path, ci: bool, log: Option<&Path>) -> Env {
        Env {
            shared_dir: Some(shared.to_path_buf()),
            ci,
            skip_log_dir: log.map(Path::to_path_buf),
        }
    }

    fn skip_lines(log: &Path) -> Vec<String> {
        let mut lines = Vec::new();
        for entry in std::fs::read_dir(log).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            lines.extend(text.lines().map(str::to_owned));
        }
        lines
    }

    #[test]
    fn an_empty_shared_directory_skips_the_test_and_records_it() {
        let tmp = tempfile::tempdir().unwrap();
        let shared = tmp.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        let log = tmp.path().join("skips");
        let e = env(&shared, false, Some(&log));
        assert_eq!(locate("t", "fixtures/aks-engine", &e), None);
        assert_eq!(locate("t", "spec/spot/openapi", &e), None);
        let lines = skip_lines(&log);
        assert_eq!(lines.len(), 2, "{lines:?}");
        // The thread's name is this test's path: both skips are one test after `sort -u`.
        let expected = "tests::an_empty_shared_directory_skips_the_test_and_records_it";
        assert!(lines.iter().all(|l| l.ends_with(expected)), "{lines:?}");
    }

    #[test]
    fn a_present_path_is_found_and_nothing_is_recorded() {
        let tmp = tempfile::tempdir().unwrap();
        let shared = tmp.path().join("shared");
        std::fs::create_dir_all(shared.join("fixtures/aks-engine")).unwrap();
        let log = tmp.path().join("skips");
        let e = env(&shared, false, Some(&log));
        let found = locate("t", "fixtures/aks-engine", &e).unwrap();
        assert!(
            found.ends_with("fixtures/aks-engine"),
            "{}",
            found.display()
        );
        assert!(locate("t", "", &e).is_some());
        assert!(!log.exists());
    }

    #[test]
    fn a_missing_directory_without_a_log_just_skips() {
        let tmp = tempfile::tempdir().unwrap();
        let e = env(&tmp.path().join("absent"), false, None);
        assert_eq!(locate("t", "", &e), None);
    }

    #[test]
    #[should_panic(expected = "CI must provide the shared directory")]
    fn under_ci_a_missing_path_fails_the_test() {
        let tmp = tempfile::tempdir().unwrap();
        let e = env(tmp.path(), true, Some(&tmp.path().join("skips")));
        locate("t", "fixtures/aks-engine", &e);
    }
}
