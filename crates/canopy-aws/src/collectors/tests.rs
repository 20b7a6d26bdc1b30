//! Every collector against a fixture response per API (`crates/canopy-aws/fixtures/<service>/
//! <Action>.xml`), served by an in-process HTTP client instead of AWS or the emulator: each must
//! fill every table it declares, with rows that carry exactly their definition's columns, and call
//! only the actions its definitions list.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::test_util::infallible_client_fn;
use aws_smithy_types::body::SdkBody;
use canopy_model::inventory::RegionInfo;
use canopy_model::table::Scope;
use canopy_model::{AccountId, Partition};

use super::{COLLECTORS, Unit, tables};
use crate::pace::ApiBuckets;
use crate::retry::{CallStats, RetryPolicy};
use crate::session::AccountSession;

/// The action a request asks for (query protocols: `Action=` in the form body).
fn action_of(request: &http::Request<SdkBody>) -> (String, String) {
    let host = request.uri().host().unwrap_or_default().to_owned();
    let service = host.split('.').next().unwrap_or_default().to_owned();
    let body = std::str::from_utf8(request.body().bytes().unwrap_or_default()).unwrap_or_default();
    let action = body
        .split('&')
        .find_map(|pair| pair.strip_prefix("Action="))
        .unwrap_or_default()
        .to_owned();
    (service, action)
}

/// A session whose every request is answered from the fixtures; the actions asked are recorded.
fn fixture_session(asked: Arc<Mutex<Vec<String>>>) -> AccountSession {
    // the running test's checkout (a build reused from another checkout keeps that one's path)
    let fixtures = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_owned())
        .join("fixtures");
    let client = infallible_client_fn(move |request| {
        let (service, action) = action_of(&request);
        asked.lock().unwrap().push(format!("{service}:{action}"));
        let path = fixtures.join(&service).join(format!("{action}.xml"));
        match std::fs::read_to_string(&path) {
            Ok(body) => http::Response::builder()
                .status(200)
                .header("content-type", "text/xml")
                .body(SdkBody::from(body))
                .unwrap(),
            Err(_) => panic!("no fixture {} for {service}:{action}", path.display()),
        }
    });
    let config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(client)
        .region(Region::new("eu-west-1"))
        .retry_config(RetryConfig::disabled())
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLE",
            "fixture-secret",
            None,
            None,
            "fixtures",
        )))
        .build();
    AccountSession {
        account: "111122223333".parse::<AccountId>().unwrap(),
        partition: Partition::aws(),
        config,
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        stats: Arc::new(CallStats::default()),
        slots: None,
    }
}

#[tokio::test]
async fn every_collector_fills_its_tables_with_exactly_their_columns() {
    let regions = vec![
        RegionInfo {
            name: "eu-west-1".into(),
            opt_in_status: "opt-in-not-required".into(),
        },
        RegionInfo {
            name: "af-south-1".into(),
            opt_in_status: "not-opted-in".into(),
        },
    ];
    let buckets = ApiBuckets::new(false);
    for collector in COLLECTORS {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let session = fixture_session(asked.clone());
        let unit = Unit {
            session: &session,
            region: if collector.scope() == Scope::Regional {
                "eu-west-1"
            } else {
                "global"
            },
            buckets: &buckets,
            regions: Ok(&regions),
        };
        let batches = collector
            .collect(unit)
            .await
            .unwrap_or_else(|e| panic!("{collector:?}: {e}"));
        for table in collector.tables {
            assert_eq!(
                table.scope,
                collector.scope(),
                "{collector:?}: one scope per collector"
            );
            let batch = batches
                .iter()
                .find(|b| b.table.name == table.name)
                .unwrap_or_else(|| panic!("{collector:?} left `{table}` without a batch"));
            assert!(
                !batch.rows.is_empty(),
                "the fixture yields no `{table}` row"
            );
            for row in &batch.rows {
                table.check(row).unwrap_or_else(|e| panic!("{e}"));
            }
        }
        for batch in &batches {
            assert!(
                collector.tables.iter().any(|t| t.name == batch.table.name),
                "{collector:?} filled `{}`, which it does not declare",
                batch.table
            );
        }
        let declared: BTreeSet<&str> = collector
            .tables
            .iter()
            .flat_map(|t| t.actions.iter().copied())
            .collect();
        for action in asked.lock().unwrap().iter() {
            assert!(
                declared.contains(action.as_str()),
                "{collector:?} called `{action}`, which its definitions do not list"
            );
        }
    }
}

#[test]
fn every_table_is_declared_once_and_registered() {
    let mut names = BTreeSet::new();
    for table in tables() {
        assert!(names.insert(table.name), "`{table}` declared twice");
        assert!(
            table.name.starts_with("aws_"),
            "`{table}`: Steampipe's names"
        );
        let mut columns = BTreeSet::new();
        for column in table.stored_columns() {
            assert!(
                columns.insert(column.name),
                "`{table}.{}` twice",
                column.name
            );
            assert!(
                !column.doc.is_empty(),
                "`{table}.{}` has no words",
                column.name
            );
        }
        assert!(!table.actions.is_empty(), "`{table}` lists no actions");
    }
    for collector in COLLECTORS {
        for table in collector.tables {
            assert_eq!(
                super::Collector::for_table(table.name),
                Some(collector),
                "`{table}` is filled by one collector"
            );
        }
    }
}
