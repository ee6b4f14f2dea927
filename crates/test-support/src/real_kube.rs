//! A real kube-apiserver (with Debian's etcd) on loopback, for the tier of tests that proves our
//! Kubernetes client code and the in-process [`crate::kube_server`] agree with the real server.
//!
//! It runs `../shared/tools/kube-apiserver/up.sh` in a fresh temporary `REAL_KUBE_DIR` on free
//! loopback ports and stops it with `down.sh --purge` when the [`RealKube`] is dropped, which
//! happens on a failing (panicking) test too, after printing the tail of the server's log.
//! Start it once per test binary, in one test that runs its cases in turn: startup takes
//! seconds. Without `etcd` or the shared tool the test is skipped with a notice and recorded
//! (`test_fixtures::skip_missing_prerequisite`); under `CI=true` it fails instead.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where the tool lives inside the shared directory.
const TOOL: &str = "tools/kube-apiserver";

/// A running kube-apiserver and etcd; both are stopped (and their state removed) when dropped.
pub struct RealKube {
    tool: PathBuf,
    state_dir: PathBuf,
    kubeconfig: PathBuf,
    port: u16,
    stopped: bool,
    // Declared last: removed after down.sh has run.
    _tmp: tempfile::TempDir,
}

impl RealKube {
    /// Starts the server, or returns `None` (after a notice and a recorded skip) when `etcd` or
    /// the shared tool is missing outside CI.
    ///
    /// # Panics
    /// When a prerequisite is missing under `CI=true`, or when `up.sh` fails (with its output
    /// and the servers' logs).
    pub fn start(test_name: &str) -> Option<RealKube> {
        let up = test_fixtures::shared_path(test_name, &format!("{TOOL}/up.sh"))?;
        let tool = up.parent().expect("up.sh has a directory").to_path_buf();
        let Some(etcd) = etcd_binary() else {
            test_fixtures::skip_missing_prerequisite(
                test_name,
                "etcd is not installed (apt-get install -y etcd-server, or set ETCD_BIN)",
            );
            return None;
        };
        let tmp = tempfile::Builder::new()
            .prefix("real-kube-")
            .tempdir()
            .expect("creating a temporary directory");
        let state_dir = tmp.path().join("state");
        let [port, etcd_port, etcd_peer_port] = free_ports();
        let output = Command::new(&up)
            .env("REAL_KUBE_DIR", &state_dir)
            .env("REAL_KUBE_PORT", port.to_string())
            .env("REAL_KUBE_ETCD_PORT", etcd_port.to_string())
            .env("REAL_KUBE_ETCD_PEER_PORT", etcd_peer_port.to_string())
            .env("REAL_KUBE_READY_TIMEOUT", "120")
            .env("ETCD_BIN", &etcd)
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", up.display()));
        let mut kube = RealKube {
            tool,
            state_dir,
            kubeconfig: PathBuf::new(),
            port,
            stopped: false,
            _tmp: tmp,
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        match stdout.lines().last().map(str::trim) {
            Some(last) if output.status.success() && Path::new(last).is_file() => {
                kube.kubeconfig = PathBuf::from(last);
                Some(kube)
            }
            _ => {
                let report = kube.failure_report(&output);
                kube.stop();
                panic!("{test_name}: up.sh failed ({}):\n{report}", output.status);
            }
        }
    }

    /// The kubeconfig `up.sh` wrote: the `https://127.0.0.1:PORT` server, the CA that signed its
    /// certificate, and a bearer token of a `system:masters` user.
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The state directory (`pki/ca.crt`, `token`, the logs).
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// The last lines of the kube-apiserver's log, to explain a failure.
    pub fn log_tail(&self) -> String {
        tail(&self.state_dir.join("kube-apiserver.log"), 30)
    }

    /// Stops both servers and removes their state (`down.sh --purge`); also done on drop.
    pub fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let result = Command::new(self.tool.join("down.sh"))
            .arg("--purge")
            .env("REAL_KUBE_DIR", &self.state_dir)
            .output();
        match result {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!(
                "real-kube: down.sh failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("real-kube: running down.sh: {e}"),
        }
    }

    fn failure_report(&self, output: &Output) -> String {
        format!(
            "--- up.sh stderr ---\n{}\n--- etcd.log (tail) ---\n{}\n--- kube-apiserver.log (tail) ---\n{}",
            String::from_utf8_lossy(&output.stderr),
            tail(&self.state_dir.join("etcd.log"), 15),
            self.log_tail()
        )
    }
}

impl Drop for RealKube {
    fn drop(&mut self) {
        if std::thread::panicking() && !self.stopped {
            // The state directory goes with the servers: show the log while it is there.
            eprintln!("--- kube-apiserver.log (tail) ---\n{}", self.log_tail());
        }
        self.stop();
    }
}

/// `ETCD_BIN` when set, else `etcd` on `PATH`.
fn etcd_binary() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("ETCD_BIN") {
        let bin = PathBuf::from(bin);
        return bin.is_file().then_some(bin);
    }
    crate::kubectl::on_path("etcd")
}

/// Three distinct loopback ports free right now (held together while choosing, so they differ).
fn free_ports() -> [u16; 3] {
    let bind = || TcpListener::bind("127.0.0.1:0").expect("binding a loopback port");
    let held = [bind(), bind(), bind()];
    held.map(|l| l.local_addr().expect("bound address").port())
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_distinct_and_bindable() {
        let ports = free_ports();
        assert!(ports[0] != ports[1] && ports[1] != ports[2] && ports[0] != ports[2]);
        for p in ports {
            TcpListener::bind(("127.0.0.1", p)).expect("the port is free again");
        }
    }
}
