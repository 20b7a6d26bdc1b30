//! `canopy exec`, end to end: each child runs with its own account's credentials, placeholders
//! filled, output in files; timeouts, failures and the failure budget; suspended accounts never
//! targeted.

use serde_json::{Value, json};

use super::{Sandbox, succeeded};
use canopy_testkit::scenario::{account, org, suspended};

fn estate(s: &Sandbox) -> Value {
    s.moto.seed(&json!({"organizations": [org(
        "123456789012",
        vec![account("alpha"), account("beta"), account("gamma"), suspended("old")],
        vec![],
    )]}))
}

/// The JSON lines of a run, by (account name, region).
fn lines(stdout: &[u8]) -> Vec<Value> {
    let mut out: Vec<Value> = String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    out.sort_by_key(|l| {
        (
            l["account_name"].as_str().unwrap_or_default().to_owned(),
            l["region"].as_str().unwrap_or_default().to_owned(),
        )
    });
    out
}

#[test]
fn exec_runs_each_target_with_its_own_account_and_writes_its_output_to_files() {
    let s = Sandbox::new();
    let seeded = estate(&s);
    s.json(&["org", "sync", "--format", "json"]);
    let out_dir = s.dir.path().join("results");
    let python = canopy_testkit::venv_python();
    let script = "import boto3, os, sys; \
        print(boto3.client('sts').get_caller_identity()['Account'], os.environ['CANOPY_ACCOUNT_NAME'], \
        os.environ['AWS_REGION'], sys.argv[1], 'AWS_PROFILE' in os.environ)";
    let out = succeeded(
        s.canopy()
            .env("AWS_PROFILE", "someone-else")
            .args(["exec", "--regions", "us-east-1,eu-west-1", "--out"])
            .arg(&out_dir)
            .args([
                "--",
                python.to_str().unwrap(),
                "-c",
                script,
                "{account_id}/{region}",
            ]),
    );
    let results = lines(&out.stdout);
    // the management account and three members, two regions each; never the suspended one
    assert_eq!(results.len(), 8, "{results:?}");
    for r in &results {
        assert_eq!(r["status"], "ok", "{r}");
        let id = r["account_id"].as_str().unwrap();
        let region = r["region"].as_str().unwrap();
        let written =
            std::fs::read_to_string(out_dir.join(id).join(region).join("stdout")).unwrap();
        assert_eq!(
            written.trim(),
            format!(
                "{id} {} {region} {id}/{region} False",
                r["account_name"].as_str().unwrap()
            )
        );
        assert_eq!(r["stdout_bytes"], written.len());
    }
    let old = &seeded["organizations"][0]["accounts"];
    let old_id = old
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "old")
        .unwrap()["id"]
        .as_str()
        .unwrap();
    assert!(!results.iter().any(|r| r["account_id"] == old_id));
    // the same rows, to query
    assert_eq!(
        s.query("select status, count(*) as n from canopy_exec_results group by status"),
        [json!({"status": "ok", "n": 8})]
    );
}

#[test]
fn exec_ends_a_child_that_outlives_its_timeout_and_stops_when_failures_exceed_the_budget() {
    let s = Sandbox::new();
    estate(&s);
    s.json(&["org", "sync", "--format", "json"]);
    // beta sleeps past the timeout (its group is ended), gamma fails
    let out = s
        .canopy()
        .args([
            "exec", "--global", "--timeout", "1s", "--shell", "--",
            "if [ {account_name} = beta ]; then sleep 60; elif [ {account_name} = gamma ]; then exit 3; fi",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let by_name: Vec<(String, String, Value)> = lines(&out.stdout)
        .iter()
        .map(|r| {
            (
                r["account_name"].as_str().unwrap().to_owned(),
                r["status"].as_str().unwrap().to_owned(),
                r["exit_code"].clone(),
            )
        })
        .filter(|(name, _, _)| name != "alpha" && !name.is_empty())
        .filter(|(name, _, _)| name == "beta" || name == "gamma")
        .collect();
    assert_eq!(
        by_name,
        [
            ("beta".to_owned(), "timed_out".to_owned(), Value::Null),
            ("gamma".to_owned(), "failed".to_owned(), json!(3)),
        ]
    );

    // every child fails: one at a time, the budget of 1 failure lets two run, the rest skipped
    let out = s
        .canopy()
        .args([
            "exec",
            "--global",
            "--children",
            "1",
            "--max-failures",
            "1",
            "--",
            "false",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let statuses: Vec<String> = lines(&out.stdout)
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| *s == "failed").count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| *s == "skipped").count(),
        2,
        "{statuses:?}"
    );

    // no role can be assumed: nothing starts, exit 2
    s.moto.faults(
        &json!({"rules": [{"service": "sts", "action": "AssumeRole", "code": "AccessDenied"}]}),
    );
    let out = s
        .canopy()
        .args(["exec", "--global", "--accounts"])
        .arg(
            s.query("select id from aws_organizations_account where name = 'alpha'")[0]["id"]
                .as_str()
                .unwrap(),
        )
        .args(["--", "true"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines(&out.stdout)[0]["status"], "not_started");
}

#[test]
fn exec_serves_refreshing_credentials_from_a_loopback_endpoint_with_a_token_per_child() {
    let s = Sandbox::new();
    estate(&s);
    s.json(&["org", "sync", "--format", "json"]);
    s.moto.reset_calls();
    let python = canopy_testkit::venv_python();
    // the child sees no key in its environment, only the endpoint and its token; the SDK's
    // container provider fetches from it; a wrong token is refused
    // (the management account is reached with the caller's own keys, which never expire: those
    // go in the environment)
    let script = "import boto3, os, urllib.request, urllib.error\n\
        if os.environ['CANOPY_ACCOUNT_ID'] == '123456789012':\n    print(True, 'own keys'); raise SystemExit\n\
        assert 'AWS_ACCESS_KEY_ID' not in os.environ and 'AWS_SESSION_TOKEN' not in os.environ\n\
        uri = os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI']\n\
        assert uri.startswith('http://127.0.0.1:'), uri\n\
        try:\n    urllib.request.urlopen(urllib.request.Request(uri, headers={'Authorization': 'guess'}))\n    wrong = 200\n\
        except urllib.error.HTTPError as e:\n    wrong = e.code\n\
        account = boto3.client('sts').get_caller_identity()['Account']\n\
        print(account == os.environ['CANOPY_ACCOUNT_ID'], wrong)";
    let out = succeeded(
        s.canopy()
            .args(["exec", "--global", "--credentials", "server", "--out"])
            .arg(s.dir.path().join("out"))
            .args(["--", python.to_str().unwrap(), "-c", script]),
    );
    let results = lines(&out.stdout);
    assert_eq!(results.len(), 4, "{results:?}");
    for r in &results {
        let id = r["account_id"].as_str().unwrap();
        let written = std::fs::read_to_string(
            s.dir
                .path()
                .join("out")
                .join(id)
                .join("us-east-1")
                .join("stdout"),
        )
        .unwrap();
        let want = if id == "123456789012" {
            "True own keys"
        } else {
            "True 401"
        };
        assert_eq!(written.trim(), want, "{id}: {r}");
    }
    assert_eq!(
        s.moto.count("AssumeRole"),
        3,
        "one role per member account, shared by the endpoint's answers"
    );
}

/// Whether process `pid` is gone (or a zombie no one has reaped yet).
fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn ctrl_c_ends_what_the_children_started_too() {
    let s = Sandbox::new();
    estate(&s);
    s.json(&["org", "sync", "--format", "json"]);
    let marks = s.dir.path().join("marks");
    std::fs::create_dir_all(&marks).unwrap();
    // each child starts a grandchild in its own group and waits on it
    let line = format!(
        "sleep 300 & echo $! > {}/{{account_id}}; wait",
        marks.display()
    );
    let mut canopy = s
        .process()
        .args(["exec", "--global", "--shell", "--", &line])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut pids = Vec::new();
    for _ in 0..200 {
        pids = std::fs::read_dir(&marks)
            .unwrap()
            .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        if pids.len() == 4 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(pids.len(), 4, "every child started its grandchild");
    std::process::Command::new("kill")
        .args(["-INT", &canopy.id().to_string()])
        .status()
        .unwrap();
    let status = canopy.wait().unwrap();
    assert_eq!(status.code(), Some(1), "interrupted: partial");
    for _ in 0..50 {
        if pids.iter().all(|p| gone(p)) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        pids.iter().all(|p| gone(p)),
        "grandchildren left running: {pids:?}"
    );
}
