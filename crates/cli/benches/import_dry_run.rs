//! `import --dry-run` of the multi-pool fixture as a user runs it (a whole process), next to
//! `jq -c .` over the same three files: the floor for "read and print this much JSON".

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented `pub fn`"
)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

use criterion::{Criterion, criterion_group, criterion_main};

fn multi_pool() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = std::env::var_os("SPOTINST_AKS_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or(root.join("../shared"));
    let dir = shared.join("fixtures/aks-engine/multi-pool");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "NOTICE: import_dry_run bench skipped: {} not found",
            dir.display()
        );
        None
    }
}

fn run(cmd: &mut Command) {
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn");
    assert!(status.success());
}

fn bench(c: &mut Criterion) {
    let Some(dir) = multi_pool() else { return };
    let mut g = c.benchmark_group("multi-pool");
    g.sample_size(30);
    g.bench_function("spotinst-aks-engine import --dry-run", |b| {
        b.iter(|| {
            run(Command::new(env!("CARGO_BIN_EXE_spotinst-aks-engine"))
                .args([
                    "import",
                    "--dry-run",
                    "-s",
                    "6a2f2d3c-1b4e-4f5a-9c8d-0e1f2a3b4c5d",
                    "-o",
                ])
                .arg(&dir)
                .env_remove("SPOTINST_TOKEN"))
        })
    });
    if Command::new("jq").arg("--version").output().is_ok() {
        g.bench_function("jq -c . (same three files)", |b| {
            b.iter(|| {
                run(Command::new("jq")
                    .arg("-c")
                    .arg(".")
                    .arg(dir.join("apimodel.json"))
                    .arg(dir.join("azuredeploy.json"))
                    .arg(dir.join("azuredeploy.parameters.json")))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
