//! Dry runs and read-only commands write nothing into the output directory: no lock file, no
//! temporary file removed, no saved catalog or prices, no state file. They run in a read-only
//! copy of the directory and while another run holds the lock. A real `sync` with nothing to
//! change rewrites none of the tool's files either.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::cutover_world::{World, run, text};

/// Every entry under `dir` (the directory itself included): its bytes (`None` for a
/// directory) and modification time.
type Listing = BTreeMap<String, (Option<Vec<u8>>, SystemTime)>;

fn listing(dir: &Path) -> Listing {
    let mut all = Listing::new();
    fn walk(root: &Path, dir: &Path, all: &mut Listing) {
        let meta = std::fs::symlink_metadata(dir).unwrap();
        let name = dir.strip_prefix(root).unwrap().display().to_string();
        all.insert(format!("{name}/"), (None, meta.modified().unwrap()));
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                walk(root, &path, all);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                all.insert(
                    name,
                    (
                        Some(std::fs::read(&path).unwrap()),
                        meta.modified().unwrap(),
                    ),
                );
            }
        }
    }
    walk(dir, dir, &mut all);
    all
}

/// The entries added, removed or changed between two listings.
fn changed(before: &Listing, after: &Listing) -> Vec<String> {
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter(|n| before.get(*n) != after.get(*n))
        .cloned()
        .collect()
}

/// chmod 0555 on every directory and 0444 on every file under `dir` (`read_only`), or back to
/// 0755 / 0644.
fn set_read_only(dir: &Path, read_only: bool) {
    let (d, f) = if read_only {
        (0o555, 0o444)
    } else {
        (0o755, 0o644)
    };
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            set_read_only(&path, read_only);
        } else {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(f)).unwrap();
        }
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(d)).unwrap();
}

/// Whether the permissions are enforced for this process (not for root).
fn writes_refused(dir: &Path) -> bool {
    let probe = dir.join(".write-probe");
    match std::fs::write(&probe, "x") {
        Ok(()) => {
            std::fs::remove_file(&probe).unwrap();
            false
        }
        Err(_) => true,
    }
}

/// The binary with the world's credentials and `args` as they are (no `-o` added).
fn world_cmd(w: &World, args: &[&str]) -> assert_cmd::Command {
    let mut cmd: assert_cmd::Command = w.credentialed_bin().into();
    cmd.args(args);
    cmd
}

/// The example's templates are the model's (a copy may leave `apimodel.json` newer, which
/// would make `sync` generate them again), and ARM serves the live Resource SKUs catalog, which
/// a run that saves it would write over the saved one (with other bytes).
fn prepare(w: &World) {
    let old = SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(w.work.dir.join("apimodel.json"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let saved: serde_json::Value = serde_json::from_slice(
        &std::fs::read(w.work.dir.join("resource-skus-westeurope.json")).unwrap(),
    )
    .unwrap();
    // In another order: saved, it would differ from the saved file.
    let mut records = saved["value"].as_array().unwrap().clone();
    records.reverse();
    w.arm.serve_resource_skus(records, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_runs_write_nothing_in_a_read_only_directory_while_another_run_holds_the_lock() {
    let w = World::start(2).await;
    w.join(0, true);
    w.join(1, true);
    prepare(&w);
    let dir = w.work.dir.clone();
    let sub = w.arm.config().subscription_id.clone();
    // A temporary file of a killed write (the lock's taker removes it), and a run holding the
    // lock (as an import or sync in progress would).
    let held = group_sync::StateLock::acquire(&dir).unwrap();
    std::fs::write(dir.join(".spot-elastigroups.json.Ab12Cd.tmp"), "{\"ver").unwrap();
    set_read_only(&dir, true);
    let enforced = writes_refused(&dir);
    let before = listing(&dir);

    let d = dir.to_str().unwrap();
    let capacity = "capacity.target=1";
    let runs: Vec<(&str, assert_cmd::Command)> = vec![
        ("import --dry-run", w.cmd("import", &["--dry-run"])),
        (
            "import --update --dry-run",
            w.cmd(
                "import",
                &["--update", "--dry-run", "-s", &sub, "--set", capacity],
            ),
        ),
        (
            "sync --dry-run",
            w.cmd("sync", &["--dry-run", "--set", capacity]),
        ),
        (
            "sync --dry-run --output json",
            w.cmd("sync", &["--dry-run", "--output", "json"]),
        ),
        ("cutover --dry-run", w.cmd("cutover", &["--dry-run"])),
        ("status", w.cmd("status", &[])),
        ("estimate", w.cmd("estimate", &[])),
        (
            "export terraform --file -",
            world_cmd(&w, &["export", "terraform", "-o", d, "--file", "-"]),
        ),
        (
            "node-agent install --dry-run",
            world_cmd(
                &w,
                &[
                    "node-agent",
                    "install",
                    "--dry-run",
                    "-o",
                    d,
                    "--image",
                    "example/agent:1",
                ],
            ),
        ),
    ];
    let mut outputs = Vec::new();
    for (name, cmd) in runs {
        let out = run(cmd).await;
        let after = listing(&dir);
        outputs.push((
            name,
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr),
        ));
        if after != before {
            set_read_only(&dir, false);
        }
        assert!(
            after == before,
            "{name} changed the output directory (read-only enforced: {enforced}): {:?}\n{}",
            changed(&before, &after),
            text(&out.stderr),
        );
    }
    set_read_only(&dir, false);
    drop(held);
    for (name, code, stdout, stderr) in &outputs {
        // Without price data (none saved, the Retail Prices API unreachable) `estimate` exits 1,
        // as documented, naming the file a real import would save.
        let expected = if *name == "estimate" { 1 } else { 0 };
        assert_eq!(*code, Some(expected), "{name}:\n{stdout}\n{stderr}");
    }
    assert!(
        outputs[6].3.contains("no VM prices for westeurope"),
        "{}",
        outputs[6].3
    );
    let stdout = |name: &str| {
        outputs
            .iter()
            .find(|o| o.0 == name)
            .map(|o| o.2.clone())
            .unwrap()
    };
    // The comparisons were made: with the live catalog, against the live group.
    for name in ["import --update --dry-run", "sync --dry-run"] {
        assert!(
            stdout(name).contains(&format!(
                "Spot Elastigroup {} differs:\n  capacity.target: 2 → 1",
                w.group_id
            )),
            "{name}: {}",
            stdout(name)
        );
    }
    let doc: serde_json::Value =
        serde_json::from_str(&stdout("sync --dry-run --output json")).unwrap();
    assert_eq!(doc["groups"][0]["groupId"], w.group_id.as_str(), "{doc}");
    assert!(
        !w.arm
            .requests_to("/providers/Microsoft.Compute/skus")
            .is_empty(),
        "the update's dry run reads the live catalog"
    );
    assert!(stdout("export terraform --file -").contains("spotinst_elastigroup_azure_v3"));
    assert!(stdout("node-agent install --dry-run").contains("kind: DaemonSet"));
    assert!(w.spot.requests_matching("PUT", "/").is_empty());
    assert!(w.kube_writes().is_empty(), "{:?}", w.kube_writes());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_with_nothing_to_change_rewrites_none_of_the_tools_files() {
    let w = World::start(2).await;
    prepare(&w);
    let dir = w.work.dir.clone();
    let sync = || w.cmd("sync", &["--yes", "--no-roll"]);
    // The first sync saves the live catalog (in the saved one's place); from then on, nothing
    // differs.
    let first = run(sync()).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    let before = listing(&dir);
    let puts = w.spot.requests_matching("PUT", "/").len();
    let again = run(sync()).await;
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(
        text(&again.stdout),
        format!(
            "agent pool `agentpool1`: Spot Elastigroup {} is up to date\n",
            w.group_id
        )
    );
    assert_eq!(w.spot.requests_matching("PUT", "/").len(), puts, "no write");
    let after = listing(&dir);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (name, (bytes, modified)) in &before {
        let (bytes_after, modified_after) = &after[name];
        assert_eq!(bytes, bytes_after, "{name}: its content changed");
        // The lock file gets the holder's pid and is blanked again (the same bytes); the
        // directory sees the writability probe come and go.
        if name != "spot-elastigroups.json.lock" && name != "/" {
            assert_eq!(modified, modified_after, "{name} was written again");
        }
    }
}
