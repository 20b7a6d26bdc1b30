//! `canopy account plan` / `apply`, end to end: batches applied, applied again, killed and
//! resumed, refused whole; every write call counted.
//!
//! Over 600 lines: end-to-end tests of one command family; each test stands alone.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::Sandbox;
use canopy_testkit::scenario::{account, org, ou};

/// The calls that change something, of every service a batch touches.
const WRITES: &[&str] = &[
    "CreateAccount",
    "MoveAccount",
    "TagResource",
    "CreateUser",
    "CreateAccountAssignment",
    "CloseAccount",
    "InviteAccountToOrganization",
];

const HEADER: &str = "AccountName,SSOUserEmail,AccountEmail,SSOUserFirstName,SSOUserLastName,OrgUnit,Status,AccountId,ErrroMsg,Tags,SSOGroup,PermissionSet";

/// One organization: Sports/{Baseball,Football}, Media, two accounts; Identity Center with two
/// permission sets, a group and a user.
fn estate(s: &Sandbox) -> Value {
    let mut spec = org(
        "123456789012",
        vec![account("shared-services")],
        vec![
            ou(
                "Sports",
                vec![],
                vec![
                    ou("Baseball", vec![account("baseball-legacy")], vec![]),
                    ou("Football", vec![], vec![]),
                ],
            ),
            ou("Media", vec![], vec![]),
        ],
    );
    spec["identity_center"] = json!({
        "region": "us-east-1",
        "permission_sets": ["AWSAdministratorAccess", "ReadOnlyAccess"],
        "groups": ["Platform"],
        "users": [{"email": "jane.doe@example.com", "given": "Jane", "family": "Doe"}],
    });
    let seeded = s.moto.seed(&json!({ "organizations": [spec] }));
    s.moto.faults(&timing(json!({})));
    seeded
}

/// Creations and assignments take a while, as in AWS; the organization's quota is raised to 50.
fn timing(mut faults: Value) -> Value {
    faults["account_creation_s"] = json!(0.3);
    faults["assignment_s"] = json!(0.2);
    if faults.get("account_quota").is_none() {
        faults["account_quota"] = json!(50);
    }
    faults
}

/// Twelve rows: three OUs and the root, tags, a known and a new SSO user, the group.
fn twelve_rows() -> String {
    let mut text = format!("{HEADER}\n");
    let places = ["Sports/Baseball", "Sports/Football", "Media", ""];
    for i in 0..12 {
        let user = if i % 3 == 0 {
            "jane.doe@example.com,Jane,Doe".to_owned()
        } else if i % 3 == 1 {
            "sam.poe@example.com,Sam,Poe".to_owned()
        } else {
            ",,".to_owned()
        };
        let (user_email, names) = user.split_once(',').unwrap();
        let group = if i % 2 == 0 {
            "Platform,ReadOnlyAccess"
        } else {
            ","
        };
        text.push_str(&format!(
            "team-{i:02},{user_email},AWS+Team-{i:02}@Example.com,{names},{},,,,env=dev;n={i},{group}\n",
            places[i % 4]
        ));
    }
    text
}

fn write(s: &Sandbox, name: &str, text: &str) -> PathBuf {
    let path = s.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn apply(s: &Sandbox, file: &Path) -> std::process::Output {
    s.canopy()
        .env("CANOPY_POLL_MS", "50")
        .args(["account", "apply", "--yes"])
        .arg(file)
        .output()
        .unwrap()
}

/// `apply` run to success.
fn applied(s: &Sandbox, file: &Path) {
    let out = apply(s, file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

fn writes(s: &Sandbox) -> u64 {
    WRITES.iter().map(|a| s.moto.count(a)).sum()
}

/// The rows of a results file without commas inside cells (no error messages), by column.
fn results(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

/// Accounts of the organization now, by lower-cased email.
fn accounts(s: &Sandbox) -> Vec<Value> {
    s.json(&["accounts", "list", "--format", "json", "--refresh"])
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn twelve_rows_applied_then_applied_again_without_a_single_write() {
    let s = Sandbox::new();
    estate(&s);
    let file = write(&s, "accounts.csv", &twelve_rows());

    // plan reads only
    s.moto.reset_calls();
    let plan = s.json(&[
        "account",
        "plan",
        "--format",
        "json",
        file.to_str().unwrap(),
    ]);
    assert_eq!(writes(&s), 0);
    let actions: Vec<String> = plan["rows"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["steps"].as_array().unwrap().iter())
        .map(|s| s["action"].as_str().unwrap().to_owned())
        .collect();
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    assert_eq!(count("create"), 12);
    assert_eq!(count("move"), 9, "every row but the root's three");
    assert_eq!(
        count("create-user"),
        1,
        "sam is made once for his four rows"
    );
    assert_eq!(count("assign"), 8 + 6);

    s.moto.reset_calls();
    applied(&s, &file);
    assert_eq!(s.moto.count("CreateAccount"), 12);
    assert_eq!(s.moto.count("MoveAccount"), 9);
    assert_eq!(s.moto.count("CreateUser"), 1);
    assert_eq!(s.moto.count("CreateAccountAssignment"), 14);
    assert_eq!(s.moto.count("TagResource"), 0, "tags go with CreateAccount");
    assert!(
        s.moto.count("DescribeCreateAccountStatus") >= 12,
        "creations are polled"
    );

    let written = results(&s.dir.path().join("accounts.results.csv"));
    assert_eq!(written.len(), 12);
    for row in &written {
        assert_eq!(row["Status"], "SUCCEEDED", "{row:?}");
        assert_eq!(row["AccountId"].len(), 12);
    }
    let now = accounts(&s);
    let made: Vec<&Value> = now
        .iter()
        .filter(|a| a["name"].as_str().unwrap().starts_with("team-"))
        .collect();
    assert_eq!(made.len(), 12);
    let team = |n: &str| made.iter().find(|a| a["name"] == n).unwrap();
    assert_eq!(team("team-00")["ou_names"], "Root/Sports/Baseball");
    assert_eq!(team("team-03")["ou_names"], "Root");
    assert_eq!(team("team-05")["tags"]["n"], "5");

    // the same file again: nothing to change, not one write
    s.moto.reset_calls();
    applied(&s, &file);
    assert_eq!(writes(&s), 0, "{:?}", s.moto.calls());
    // and the results file, applied as input, says done
    let again = s.json(&[
        "account",
        "plan",
        "--format",
        "json",
        s.dir.path().join("accounts.results.csv").to_str().unwrap(),
    ]);
    assert_eq!(again["writes"], 0);
    assert_eq!(again["rows"][0]["steps"][0]["action"], "skip: done");
    assert_eq!(accounts(&s).len(), now.len());
}

#[test]
fn a_run_killed_after_the_third_creation_is_resumed_to_twelve_accounts_not_thirteen() {
    let s = Sandbox::new();
    estate(&s);
    let before = accounts(&s).len();
    let file = write(&s, "accounts.csv", &twelve_rows());
    // the fourth CreateAccount is made by AWS, but its answer never reaches canopy
    s.moto.faults(&timing(json!({
        "rules": [{"service": "organizations", "action": "CreateAccount", "after": 3, "delay_response_s": 30}],
    })));
    s.moto.reset_calls();
    let mut child = s
        .process()
        .env("CANOPY_POLL_MS", "50")
        .args(["account", "apply", "--yes"])
        .arg(&file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while s.moto.count("CreateAccount") < 4 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the fourth creation never came"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(s.moto.count("CreateAccount"), 4);

    s.moto.faults(&timing(json!({})));
    applied(&s, &file);
    assert_eq!(
        s.moto.count("CreateAccount"),
        12,
        "4 before the kill, 8 after"
    );
    assert_eq!(accounts(&s).len(), before + 12);
}

#[test]
fn an_invalid_file_is_refused_whole_with_every_bad_row_named_and_nothing_done() {
    let s = Sandbox::new();
    estate(&s);
    let text = format!(
        "{HEADER}\n\
         good-one,,good-one@example.com,,,Media,,,,,,\n\
         bad-email,,not-an-email,,,Media,,,,,,\n\
         lost,,lost@example.com,,,Sports/Curling,,,,,,\n\
         twin-a,,Twin@Example.com,,,Media,,,,,,\n\
         twin-b,,twin@example.com,,,Media,,,,,,\n"
    );
    let file = write(&s, "bad.csv", &text);
    s.moto.reset_calls();
    for args in [vec!["account", "plan"], vec!["account", "apply", "--yes"]] {
        let mut args = args;
        args.push(file.to_str().unwrap());
        let stderr = s.refused(&args, 2);
        assert!(stderr.contains("line 3, AccountEmail"), "{stderr}");
        assert!(stderr.contains("line 6, AccountEmail"), "{stderr}");
        assert!(stderr.contains("nothing was done"), "{stderr}");
    }
    // the OU is checked against the organization once the file itself is clean
    let text = format!("{HEADER}\nlost,,lost@example.com,,,Sports/Curling,,,,,,\n");
    let file = write(&s, "lost.csv", &text);
    let stderr = s.refused(&["account", "apply", "--yes", file.to_str().unwrap()], 2);
    assert!(
        stderr.contains("line 2, OrgUnit: no OU `Sports/Curling`"),
        "{stderr}"
    );
    assert_eq!(writes(&s), 0);
    assert!(!s.dir.path().join("bad.results.csv").exists());
}

#[test]
fn email_already_exists_fails_its_row_while_the_others_complete() {
    let s = Sandbox::new();
    estate(&s);
    s.moto.faults(&timing(
        json!({"foreign_emails": ["elsewhere@example.com"]}),
    ));
    let text = format!(
        "{HEADER}\n\
         first,,first@example.com,,,Media,,,,,,\n\
         taken,,Elsewhere@example.com,,,Media,,,,,,\n\
         third,,third@example.com,,,,,,,,,\n"
    );
    let file = write(&s, "batch.csv", &text);
    s.moto.reset_calls();
    let out = apply(&s, &file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("EMAIL_ALREADY_EXISTS: the address belongs to an account outside this organization; use another address or invite that account"),
        "{stdout}"
    );
    assert_eq!(s.moto.count("CreateAccount"), 3);
    assert_eq!(
        s.moto.count("MoveAccount"),
        1,
        "the failed row is not moved"
    );
    let written = std::fs::read_to_string(s.dir.path().join("batch.results.csv")).unwrap();
    let statuses: Vec<&str> = written
        .lines()
        .skip(1)
        .map(|l| {
            if l.contains(",SUCCEEDED,") {
                "ok"
            } else if l.contains(",FAILED,") {
                "failed"
            } else {
                "?"
            }
        })
        .collect();
    assert_eq!(statuses, ["ok", "failed", "ok"], "{written}");
    assert!(
        written
            .lines()
            .nth(2)
            .unwrap()
            .contains("EMAIL_ALREADY_EXISTS")
    );
}

#[test]
fn the_account_quota_refuses_the_rows_beyond_it_before_anything_is_made() {
    let s = Sandbox::new();
    estate(&s);
    let now = accounts(&s).len();
    s.moto.faults(&timing(json!({"account_quota": now + 1})));
    let text = format!(
        "{HEADER}\n\
         fits,,fits@example.com,,,Media,,,,,,\n\
         over,,over@example.com,,,Media,,,,,,\n"
    );
    let file = write(&s, "quota.csv", &text);
    s.moto.reset_calls();
    let stderr = s.refused(&["account", "apply", "--yes", file.to_str().unwrap()], 2);
    assert!(stderr.contains("line 3: organization"), "{stderr}");
    assert!(
        stderr.contains(&format!("a quota of {}", now + 1)),
        "{stderr}"
    );
    assert!(!stderr.contains("line 2:"), "{stderr}");
    assert_eq!(writes(&s), 0);
}

#[test]
fn move_and_tag_one_account_change_only_what_differs() {
    let s = Sandbox::new();
    estate(&s);
    s.moto.reset_calls();
    // stdin is not a terminal: without --yes nothing is sent
    let stderr = s.refused(&["account", "move", "baseball-legacy", "--to", "Media"], 2);
    assert!(stderr.contains("move baseball-legacy"), "{stderr}");
    assert!(stderr.contains("pass --yes"), "{stderr}");
    assert_eq!(writes(&s), 0);

    let move_it = [
        "account",
        "move",
        "baseball-legacy",
        "--to",
        "Media",
        "--yes",
    ];
    s.ok(&move_it);
    assert_eq!(s.moto.count("MoveAccount"), 1);
    assert!(s.ok(&move_it).contains("nothing to do"));
    assert_eq!(s.moto.count("MoveAccount"), 1);

    let tag_it = [
        "account",
        "tag",
        "baseball-legacy",
        "env=prod",
        "owner=media",
        "--yes",
    ];
    s.ok(&tag_it);
    assert!(s.ok(&tag_it).contains("nothing to do"));
    assert_eq!(
        s.moto.count("TagResource"),
        1,
        "the second run finds both tags"
    );
    let legacy = accounts(&s)
        .into_iter()
        .find(|a| a["name"] == "baseball-legacy")
        .unwrap();
    assert_eq!(legacy["ou_names"], "Root/Media");
    assert_eq!(legacy["tags"]["owner"], "media");
    assert_eq!(writes(&s), 2);

    let stderr = s.refused(
        &["account", "tag", "baseball-legacy", "aws:x=1", "--yes"],
        2,
    );
    assert!(stderr.contains("aws:"), "{stderr}");
    let stderr = s.refused(&["account", "move", "nobody", "--to", "Media", "--yes"], 2);
    assert!(
        stderr.contains("no synced account has the id or name `nobody`"),
        "{stderr}"
    );
}

#[test]
fn bootstrap_role_twice_makes_one_role_per_account() {
    let s = Sandbox::new();
    estate(&s);
    let iam_writes = |s: &Sandbox| {
        ["CreateRole", "UpdateAssumeRolePolicy", "AttachRolePolicy"]
            .iter()
            .map(|a| s.moto.count(a))
            .sum::<u64>()
    };
    let mut args = vec![
        "account",
        "bootstrap-role",
        "--role",
        "security-audit",
        "--trust",
        "999988887777",
        "--format",
        "json",
    ];
    s.moto.reset_calls();
    let stderr = s.refused(&args, 2);
    assert!(stderr.contains("pass --yes"), "{stderr}");
    assert_eq!(iam_writes(&s), 0);

    args.push("--yes");
    let first = s.json(&args);
    let first = first.as_array().unwrap();
    // the management account (own credentials) and the two members (through
    // OrganizationAccountAccessRole)
    assert_eq!(first.len(), 3);
    assert!(first.iter().all(|a| a["done"] == true), "{first:?}");
    assert_eq!(s.moto.count("CreateRole"), 3);
    assert_eq!(s.moto.count("AttachRolePolicy"), 6);

    s.moto.reset_calls();
    let second = s.json(&args);
    assert!(
        second
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["changes"].as_array().unwrap().is_empty()),
        "{second}"
    );
    assert_eq!(iam_writes(&s), 0);

    // one role per account, trusting the given account, with both policies
    s.ok(&[
        "collect",
        "--tables",
        "aws_iam_role",
        "--regions",
        "us-east-1",
    ]);
    let roles = s.query(
        "select account_id, assume_role_policy -> 'Statement' -> 0 -> 'Principal' ->> 'AWS' as trusted, json_array_length(attached_policy_arns) as policies from aws_iam_role where name = 'security-audit'",
    );
    assert_eq!(roles.len(), 3, "{roles:?}");
    for role in &roles {
        assert_eq!(role["trusted"], "arn:aws:iam::999988887777:root");
        assert_eq!(role["policies"], 2);
    }
}

#[test]
fn access_assign_and_revoke_change_only_what_differs() {
    let s = Sandbox::new();
    let seeded = estate(&s);
    let legacy = super::ids_named(&seeded, "baseball-legacy").remove(0);
    s.moto.reset_calls();
    let assign = [
        "access",
        "assign",
        "--principal",
        "group:Platform",
        "--permission-set",
        "ReadOnlyAccess",
        "--yes",
    ];
    // every active account: the management account and the two members; Identity Center
    // refuses one request with a conflict (another operation in progress): it is sent again
    s.moto.faults(&timing(json!({"rules": [
        {"service": "sso", "action": "CreateAccountAssignment", "code": "ConflictException", "times": 1},
    ]})));
    s.ok(&assign);
    assert_eq!(
        s.moto.count("CreateAccountAssignment"),
        4,
        "3 made + 1 refused"
    );
    assert!(
        s.ok(&assign).is_empty(),
        "nothing to change the second time"
    );
    assert_eq!(s.moto.count("CreateAccountAssignment"), 4);

    let revoke = [
        "access",
        "revoke",
        "--principal",
        "group:Platform",
        "--permission-set",
        "ReadOnlyAccess",
        "--accounts",
        &legacy,
        "--yes",
    ];
    s.ok(&revoke);
    s.ok(&revoke);
    assert_eq!(s.moto.count("DeleteAccountAssignment"), 1);
    // the other two keep it: assigning again makes one, on the account it was taken from
    s.ok(&assign);
    assert_eq!(s.moto.count("CreateAccountAssignment"), 5);

    let stderr = s.refused(
        &[
            "access",
            "assign",
            "--principal",
            "group:Nobody",
            "--permission-set",
            "ReadOnlyAccess",
            "--yes",
        ],
        2,
    );
    assert!(stderr.contains("no group:Nobody"), "{stderr}");
    let stderr = s.refused(
        &[
            "access",
            "assign",
            "--principal",
            "team:x",
            "--permission-set",
            "ReadOnlyAccess",
        ],
        2,
    );
    assert!(stderr.contains("write user:NAME or group:NAME"), "{stderr}");
}

#[test]
fn invitations_and_closures_are_sent_once_and_the_management_account_is_never_closed() {
    let s = Sandbox::new();
    let seeded = estate(&s);
    let member = super::ids_named(&seeded, "shared-services").remove(0);
    s.moto.reset_calls();
    let invite = [
        "account",
        "invite",
        "444455556666",
        "new-owner@example.com",
        &member,
        "--notes",
        "welcome",
        "--yes",
    ];
    s.ok(&invite);
    assert_eq!(
        s.moto.count("InviteAccountToOrganization"),
        2,
        "not the member"
    );
    s.ok(&invite);
    assert_eq!(
        s.moto.count("InviteAccountToOrganization"),
        2,
        "both are open"
    );
    let listed = s.json(&["account", "invitations", "--format", "json"]);
    let mut targets: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["target"].as_str().unwrap(), i["state"].as_str().unwrap()))
        .collect();
    targets.sort_unstable();
    assert_eq!(
        targets,
        [("444455556666", "OPEN"), ("new-owner@example.com", "OPEN")]
    );
    assert_eq!(listed[0]["notes"], "welcome");

    let stderr = s.refused(
        &["account", "close", "master", "--confirm", "master", "--yes"],
        2,
    );
    assert!(stderr.contains("is the management account"), "{stderr}");
    let stderr = s.refused(
        &[
            "account",
            "close",
            "shared-services",
            "--confirm",
            "baseball-legacy",
            "--yes",
        ],
        2,
    );
    assert!(
        stderr.contains("--confirm `baseball-legacy` does not name"),
        "{stderr}"
    );
    let close = [
        "account",
        "close",
        "shared-services",
        "--confirm",
        "shared-services",
        "--yes",
    ];
    s.ok(&close);
    assert!(s.ok(&close).contains("already"));
    assert_eq!(s.moto.count("CloseAccount"), 1);
}

#[test]
fn refused_creations_are_retried_and_an_unknown_outcome_is_never_sent_again_blindly() {
    let s = Sandbox::new();
    estate(&s);
    let before = accounts(&s).len();
    // AWS refuses the first two asks outright: sent again
    s.moto.faults(&timing(json!({"rules": [
        {"service": "organizations", "action": "CreateAccount", "code": "ConcurrentModificationException", "times": 1},
        {"service": "organizations", "action": "CreateAccount", "code": "TooManyRequestsException", "times": 1},
    ]})));
    let text = format!(
        "{HEADER}\n\
         one,,one@example.com,,,Media,,,,,,\n\
         two,,two@example.com,,,Media,,,,,,\n"
    );
    let file = write(&s, "retry.csv", &text);
    s.moto.reset_calls();
    applied(&s, &file);
    assert_eq!(s.moto.count("CreateAccount"), 4, "2 refused + 2 made");
    assert_eq!(accounts(&s).len(), before + 2);

    // a 5xx leaves the outcome unknown: looked up, not sent again
    s.moto.faults(&timing(json!({"rules": [
        {"service": "organizations", "action": "CreateAccount", "code": "InternalFailure", "status": 500, "times": 1},
    ]})));
    let text = format!("{HEADER}\nthree,,three@example.com,,,Media,,,,,,\n");
    let file = write(&s, "unknown.csv", &text);
    s.moto.reset_calls();
    let out = apply(&s, &file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("outcome is unknown"), "{stdout}");
    assert_eq!(s.moto.count("CreateAccount"), 1);
    assert!(
        s.moto.count("ListCreateAccountStatus") >= 2,
        "looked up by name"
    );
    applied(&s, &file);
    assert_eq!(s.moto.count("CreateAccount"), 2);
    assert_eq!(accounts(&s).len(), before + 3);
}

#[test]
fn identity_center_names_that_do_not_resolve_are_row_problems() {
    let s = Sandbox::new();
    estate(&s);
    let text = format!(
        "{HEADER}\n\
         a,,a@example.com,,,Media,,,,,Nobodies,ReadOnlyAccess\n\
         b,,b@example.com,,,Media,,,,,Platform,NoSuchSet\n\
         c,new.person@example.com,c@example.com,,,Media,,,,,,\n\
         d,,d@example.com,,,Media,,,,,Platform,\n\
         e,jane.doe@example.com,e@example.com,,,Media,,,,,Platform,ReadOnlyAccess\n"
    );
    let file = write(&s, "names.csv", &text);
    s.moto.reset_calls();
    let stderr = s.refused(&["account", "plan", file.to_str().unwrap()], 2);
    assert!(
        stderr.contains("line 2, SSOGroup: no group `Nobodies`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 3, PermissionSet: no permission set `NoSuchSet`"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "line 4, SSOUserFirstName: user `new.person@example.com` is not in Identity Center"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 5, PermissionSet: no permission set for group `Platform`"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("line 6"),
        "jane and Platform resolve: {stderr}"
    );
    assert_eq!(writes(&s), 0);
}

#[test]
fn with_two_organizations_the_payer_named_for_the_batch_places_rows_that_name_none() {
    let s = Sandbox::new();
    let mut second = org(
        "210987654321",
        vec![account("acquired-ops")],
        vec![ou("Acquired", vec![], vec![])],
    );
    second["identity_center"] =
        json!({"region": "us-east-1", "permission_sets": ["AWSAdministratorAccess"]});
    let mut first = org("123456789012", vec![], vec![ou("Media", vec![], vec![])]);
    first["identity_center"] =
        json!({"region": "us-east-1", "permission_sets": ["AWSAdministratorAccess"]});
    s.moto.seed(&json!({ "organizations": [first, second] }));
    s.moto.faults(&timing(json!({})));
    s.json(&[
        "org",
        "sync",
        "--payer",
        "123456789012",
        "--payer",
        "210987654321",
        "--format",
        "json",
    ]);
    let file = write(
        &s,
        "acquired.csv",
        &format!("{HEADER}\nnew-team,,new-team@example.com,,,Acquired,,,,,,\n"),
    );
    // the row names no organization and two are synced: refused, with the fix
    let stderr = s.refused(&["account", "plan", file.to_str().unwrap()], 2);
    assert!(
        stderr.contains("line 2, Payer: 2 organizations are synced and the row names none"),
        "{stderr}"
    );
    // one payer named for the batch: its organization
    let plan = s.json(&[
        "account",
        "plan",
        "--payer",
        "210987654321",
        "--format",
        "json",
        file.to_str().unwrap(),
    ]);
    let row = &plan["rows"][0];
    assert_eq!(row["org_unit_path"], "Root/Acquired", "{plan}");
    assert_eq!(row["steps"][0]["action"], "create", "{plan}");
    let stderr = s.refused(
        &[
            "account",
            "plan",
            "--payer",
            "999999999999",
            file.to_str().unwrap(),
        ],
        2,
    );
    assert!(
        stderr.contains("the batch's payer `999999999999` is not"),
        "{stderr}"
    );
}

#[test]
fn a_file_saved_with_windows_line_ends_and_a_byte_order_mark_names_the_real_lines() {
    let s = Sandbox::new();
    estate(&s);
    let text = format!(
        "\u{feff}{HEADER}\r\n\
         good,,good@example.com,,,Media,,,,,,\r\n\
         bad,,not-an-address,,,Media,,,,,,\r\n\
         lost,,lost@example.com,,,Sports/Curling,,,,,,\r\n"
    );
    let file = write(&s, "windows.csv", &text);
    let stderr = s.refused(&["account", "plan", file.to_str().unwrap()], 2);
    assert!(stderr.contains("line 3, AccountEmail"), "{stderr}");
    assert!(!stderr.contains("line 2,"), "{stderr}");
    // the file itself clean, the OU is checked against the organization, on its own line
    let text = format!(
        "\u{feff}{HEADER}\r\n\
         good,,good@example.com,,,Media,,,,,,\r\n\
         lost,,lost@example.com,,,Sports/Curling,,,,,,\r\n"
    );
    let file = write(&s, "windows.csv", &text);
    let stderr = s.refused(&["account", "plan", file.to_str().unwrap()], 2);
    assert!(
        stderr.contains("line 3, OrgUnit: no OU `Sports/Curling`"),
        "{stderr}"
    );
}

#[test]
fn ctrl_c_during_apply_starts_no_new_creation_follows_the_one_sent_and_writes_the_results() {
    let s = Sandbox::new();
    estate(&s);
    let before = accounts(&s).len();
    let mut text = format!("{HEADER}\n");
    for i in 0..8 {
        text.push_str(&format!("late-{i},,late-{i}@example.com,,,,,,,,,\n"));
    }
    let file = write(&s, "late.csv", &text);
    // each creation's answer takes a second: Ctrl-C comes while the second is on the wire
    s.moto.faults(&timing(json!({
        "rules": [{"service": "organizations", "action": "CreateAccount", "delay_response_s": 1}],
    })));
    s.moto.reset_calls();
    let out = super::interrupted_after(
        &s,
        &["account", "apply", "--yes", file.to_str().unwrap()],
        "CreateAccount",
        2,
    );
    super::ended_interrupted(&out);
    assert_eq!(s.moto.count("CreateAccount"), 2, "no creation after Ctrl-C");
    // the two sent were followed to their end and written back; the rest say why not
    let rows = results(&s.dir.path().join("late.results.csv"));
    let status = |st: &str| rows.iter().filter(|r| r["Status"] == st).count();
    assert_eq!((status("SUCCEEDED"), status("FAILED")), (2, 6), "{rows:?}");
    assert!(
        rows.iter()
            .filter(|r| r["Status"] == "FAILED")
            .all(|r| r["ErrorMsg"].starts_with("interrupted before this write was sent")),
        "{rows:?}"
    );
    assert_eq!(accounts(&s).len(), before + 2);

    // run again: the six others, and not one of the first two again
    s.moto.faults(&timing(json!({})));
    applied(&s, &file);
    assert_eq!(s.moto.count("CreateAccount"), 8);
    assert_eq!(accounts(&s).len(), before + 8);
}

#[test]
fn ctrl_c_during_bootstrap_role_finishes_the_write_on_the_wire_and_starts_no_other() {
    let s = Sandbox::new();
    estate(&s);
    s.moto.faults(&timing(json!({
        "rules": [{"service": "iam", "action": "CreateRole", "delay_response_s": 1}],
    })));
    s.moto.reset_calls();
    let args = [
        "account",
        "bootstrap-role",
        "--role",
        "security-audit",
        "--trust",
        "999988887777",
        "--concurrency",
        "1",
        "--yes",
        "--format",
        "json",
    ];
    let out = super::interrupted_after(&s, &args, "CreateRole", 1);
    super::ended_interrupted(&out);
    assert_eq!(s.moto.count("CreateRole"), 1);
    assert_eq!(s.moto.count("AttachRolePolicy"), 0, "no write after Ctrl-C");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["done"] == false),
        "{report}"
    );
    // run again: the role made before Ctrl-C is not made twice
    s.moto.faults(&timing(json!({})));
    let args: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| *a != "1" && *a != "--concurrency")
        .collect();
    s.json(&args);
    assert_eq!(s.moto.count("CreateRole"), 3);
    assert_eq!(s.moto.count("AttachRolePolicy"), 6);
}

#[test]
fn ctrl_c_during_access_assign_sends_no_assignment_after_it() {
    let s = Sandbox::new();
    let seeded = estate(&s);
    // every account's assignments but the management account's are read slowly
    let members: Vec<String> = ["shared-services", "baseball-legacy"]
        .iter()
        .flat_map(|n| super::ids_named(&seeded, n))
        .collect();
    let slow: Vec<Value> = members
        .iter()
        .map(|id| json!({"service": "sso", "action": "ListAccountAssignments", "contains": id, "delay_response_s": 2}))
        .collect();
    s.moto.faults(&timing(json!({ "rules": slow })));
    s.moto.reset_calls();
    let out = super::interrupted_after(
        &s,
        &[
            "access",
            "assign",
            "--principal",
            "group:Platform",
            "--permission-set",
            "ReadOnlyAccess",
            "--yes",
            "--format",
            "json",
        ],
        "CreateAccountAssignment",
        1,
    );
    super::ended_interrupted(&out);
    assert_eq!(s.moto.count("CreateAccountAssignment"), 1);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let interrupted = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("interrupted before this write was sent"))
        })
        .count();
    assert_eq!(interrupted, 2, "{rows}");
}

#[test]
fn ctrl_c_during_move_lets_the_move_on_the_wire_finish_and_says_so() {
    let s = Sandbox::new();
    estate(&s);
    s.moto.faults(&timing(json!({
        "rules": [{"service": "organizations", "action": "MoveAccount", "delay_response_s": 1}],
    })));
    s.moto.reset_calls();
    let out = super::interrupted_after(
        &s,
        &[
            "account",
            "move",
            "shared-services",
            "--to",
            "Media",
            "--yes",
        ],
        "MoveAccount",
        1,
    );
    super::ended_interrupted(&out);
    assert_eq!(s.moto.count("MoveAccount"), 1);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("moved shared-services"),
        "the move sent is followed to its end and printed"
    );
}

#[test]
fn an_output_path_that_cannot_be_written_stops_apply_before_its_first_write() {
    let s = Sandbox::new();
    estate(&s);
    let file = write(
        &s,
        "two.csv",
        &format!("{HEADER}\none,,one@example.com,,,,,,,,,\ntwo,,two@example.com,,,,,,,,,\n"),
    );
    // a folder that cannot be made: its parent is a file
    let blocked = write(&s, "not-a-folder", "");
    let results = blocked.join("results.csv");
    s.moto.reset_calls();
    for (flag, path) in [
        ("--results", results),
        ("--journal", blocked.join("two.journal")),
    ] {
        let path = path.to_str().unwrap();
        let stderr = s.refused(
            &[
                "account",
                "apply",
                "--yes",
                flag,
                path,
                file.to_str().unwrap(),
            ],
            2,
        );
        assert!(stderr.contains(path), "{stderr}");
    }
    assert_eq!(writes(&s), 0, "{:?}", s.moto.calls());
}
