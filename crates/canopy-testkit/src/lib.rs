//! Test harness: a private AWS emulator (moto, wrapped by `testkit/moto_server.py`) on a free
//! loopback port per test, scenario seeding (`testkit/seed.py`), fault injection and call
//! counting through the wrapper's control endpoints.
//!
//! Every test gets its own server, so tests run in parallel without sharing state. The
//! emulator is installed into the project-local venv by `scripts/emulator-env` on first use.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

mod postgres;

pub use postgres::{Postgres, postgres_bin};

use serde::Deserialize;
use serde_json::Value;

/// The workspace root: the one the running test belongs to (cargo sets `CARGO_MANIFEST_DIR` for
/// it), else where this crate was built. The build-time path alone is not enough: cargo reuses
/// a build of this crate from another checkout of the same workspace that shares the target
/// folder (CI's cache), and its scripts would then be that checkout's.
pub fn workspace_root() -> PathBuf {
    let runtime = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    runtime
        .iter()
        .chain([PathBuf::from(env!("CARGO_MANIFEST_DIR"))].iter())
        .flat_map(|dir| dir.ancestors().map(Path::to_owned).collect::<Vec<_>>())
        .find(|dir| dir.join("testkit/moto_server.py").is_file())
        .expect("the workspace holds testkit/moto_server.py")
}

/// Steampipe's table list and the plugin docs' example queries: `../shared/steampipe` beside the
/// checkout, or where `CANOPY_STEAMPIPE_DIR` says, when that folder is there. The suite passes
/// without it: each case that reads it is skipped with one line saying so.
pub fn steampipe_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("CANOPY_STEAMPIPE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/steampipe"));
    dir.is_dir().then_some(dir)
}

/// The plugin docs' example queries under `dir` (`doc_examples/*.sql`), in name order.
pub fn doc_examples(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("doc_examples"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "sql"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// The venv's python, with boto3 and the emulator installed (for ad-hoc changes in tests).
pub fn venv_python() -> PathBuf {
    let out = Command::new(workspace_root().join("scripts/emulator-env"))
        .stderr(Stdio::inherit())
        .output()
        .expect("scripts/emulator-env runs");
    assert!(out.status.success(), "scripts/emulator-env failed");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim()).join("bin/python")
}

/// One emulator process; killed when dropped.
pub struct Moto {
    child: Child,
    port: u16,
}

/// One counted call.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Call {
    pub service: String,
    pub action: String,
    pub account: String,
    pub region: String,
    pub count: u64,
}

impl Moto {
    /// Starts a fresh emulator on a free loopback port.
    pub fn start() -> Self {
        let mut child = Command::new(venv_python())
            .arg(workspace_root().join("testkit/moto_server.py"))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the emulator starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the emulator prints its port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from the emulator: {line:?}"));
        Self { child, port }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Environment for a process (canopy, the AWS CLI) talking to this emulator with dummy
    /// credentials, fast-failing retries and no user configuration.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("CANOPY_RETRY_MAX_ATTEMPTS", "4".into()),
            ("CANOPY_RETRY_BASE_DELAY_MS", "1".into()),
        ]
    }

    /// Seeds a scenario (see `testkit/seed.py`) and returns what was made.
    pub fn seed(&self, scenario: &Value) -> Value {
        let mut child = Command::new(venv_python())
            .arg(workspace_root().join("testkit/seed.py"))
            .args(["--endpoint", &self.endpoint()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the seeder starts");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(scenario.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "seeding failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn request(&self, method: &str, path: &str, body: &str) -> Value {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, payload) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(" 200 "), "{method} {path}: {head}");
        serde_json::from_str(payload).unwrap()
    }

    /// Replaces the injected faults: `{"latency_ms": 0, "rules": [...]}`.
    pub fn faults(&self, spec: &Value) {
        self.request("POST", "/_canopy/faults", &spec.to_string());
    }

    /// Every call the emulator answered (or refused) since the last reset.
    pub fn calls(&self) -> Vec<Call> {
        let v = self.request("GET", "/_canopy/calls", "");
        serde_json::from_value(v["calls"].clone()).unwrap()
    }

    /// How many TCP connections AWS requests arrived on since the last reset (the emulator keeps
    /// connections alive, so a client that pools them opens few).
    pub fn connections(&self) -> u64 {
        self.request("GET", "/_canopy/calls", "")["connections"]
            .as_u64()
            .unwrap()
    }

    /// The requests of the actions named in the faults' `record` list, oldest first.
    pub fn requests(&self) -> Vec<Value> {
        let v = self.request("GET", "/_canopy/requests", "");
        v["requests"].as_array().cloned().unwrap_or_default()
    }

    pub fn reset_calls(&self) {
        self.request("POST", "/_canopy/calls/reset", "");
    }

    /// Calls of one action (any account, region).
    pub fn count(&self, action: &str) -> u64 {
        self.calls()
            .iter()
            .filter(|c| c.action == action)
            .map(|c| c.count)
            .sum()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Scenario builders.
pub mod scenario {
    use serde_json::{Value, json};

    /// An account spec.
    pub fn account(name: &str) -> Value {
        json!({ "name": name })
    }

    /// A suspended account spec.
    pub fn suspended(name: &str) -> Value {
        json!({ "name": name, "state": "SUSPENDED" })
    }

    /// An account with tags.
    pub fn tagged(name: &str, tags: &[(&str, &str)]) -> Value {
        let tags: serde_json::Map<String, Value> = tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect();
        json!({ "name": name, "tags": tags })
    }

    /// An OU with accounts and child OUs.
    pub fn ou(name: &str, accounts: Vec<Value>, ous: Vec<Value>) -> Value {
        json!({ "name": name, "accounts": accounts, "ous": ous })
    }

    /// An organization managed by `management` with a tree.
    pub fn org(management: &str, accounts: Vec<Value>, ous: Vec<Value>) -> Value {
        json!({
            "management_account_id": management,
            "tree": { "accounts": accounts, "ous": ous },
        })
    }

    /// The AnyCompany estate of the seeds: Root -> Media, Sports -> Baseball/Basketball/Football,
    /// Governance; a second, acquired organization; suspended accounts and awkward names.
    pub fn anycompany() -> Value {
        serde_json::from_str(include_str!("../../../testkit/scenarios/anycompany.json"))
            .expect("the AnyCompany scenario is valid JSON")
    }
}
