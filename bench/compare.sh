#!/usr/bin/env bash
# `import --dry-run` side by side with `jq -c .` over the same three files, per fixture:
# median wall time of N runs each (interleaved, so machine load hits both alike), the ratio, and
# the peak RSS of one run (`/usr/bin/time -f %M`). Needs jq, python3 and GNU time.
#
#   bench/compare.sh [RUNS]          (default 30; fixtures from ../shared or $SPOTINST_AKS_SHARED_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
shared=${SPOTINST_AKS_SHARED_DIR:-../shared}
fixtures="$shared/fixtures/aks-engine"
[ -d "$fixtures" ] || { echo "no fixtures at $fixtures (set SPOTINST_AKS_SHARED_DIR)" >&2; exit 1; }
cargo build --release --locked -q -p spotinst-aks-engine
bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release/spotinst-aks-engine

python3 - "$bin" "$fixtures" "$runs" <<'PY'
import os, statistics, subprocess, sys, time
bin, fixtures, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
sub = "00000000-0000-0000-0000-000000000000"
files = ["apimodel.json", "azuredeploy.json", "azuredeploy.parameters.json"]

def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t

def peak_kib(cmd):
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, check=True)
    return int(r.stderr.strip().splitlines()[-1])

print(f"{'fixture':<16} {'pools':>5} {'import --dry-run':>17} {'jq -c .':>10} {'ratio':>6} {'peak RSS':>10}")
for case in ["azurenet-simple", "multi-pool", "pools-50"]:
    d = os.path.join(fixtures, case)
    ours = [bin, "import", "--dry-run", "-o", d, "-s", sub]
    jq = ["jq", "-c", "."] + [os.path.join(d, f) for f in files]
    a, b = [], []
    for _ in range(runs):
        a.append(timed(ours))
        b.append(timed(jq))
    pools = subprocess.run(ours, capture_output=True, check=True).stdout.count(b'"group"')
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"{case:<16} {pools:>5} {ma*1e3:>14.1f} ms {mb*1e3:>7.1f} ms {ma/mb:>5.2f}x {peak_kib(ours)/1024:>6.1f} MiB")
PY
