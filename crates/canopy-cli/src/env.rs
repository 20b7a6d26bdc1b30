//! Every environment variable canopy reads, in one place. (The AWS ones, `AWS_PROFILE`,
//! `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_CONFIG_FILE`, ..., are read by the AWS SDK as usual.)

/// Settings file path.
pub const CONFIG: &str = "CANOPY_CONFIG";
/// Store path.
pub const DB: &str = "CANOPY_DB";
/// Comma-separated payer account ids.
pub const PAYERS: &str = "CANOPY_PAYERS";
/// Role assumed in payer accounts.
pub const PAYER_ROLE: &str = "CANOPY_PAYER_ROLE";
/// Role assumed in member accounts (profiles, collection).
pub const ROLE: &str = "CANOPY_ROLE";
/// External id for assumed roles.
pub const EXTERNAL_ID: &str = "CANOPY_EXTERNAL_ID";
/// Session name for assumed roles.
pub const SESSION_NAME: &str = "CANOPY_SESSION_NAME";
/// The organizations file (`canopy org export`) workers use instead of syncing.
pub const SNAPSHOT: &str = "CANOPY_SNAPSHOT";
/// How old organization data may be (`1h`, `30m`).
pub const ORG_TTL: &str = "CANOPY_ORG_TTL";
/// The region of the Identity Center instance (`account plan`/`apply`).
pub const SSO_REGION: &str = "CANOPY_SSO_REGION";
/// The first wait, in milliseconds, between polls of asynchronous AWS requests (account
/// creation, assignments; default 5000). Tests turn it down.
pub const POLL_MS: &str = "CANOPY_POLL_MS";
/// A tracing filter for logs on stderr (`canopy=debug`).
pub const LOG: &str = "CANOPY_LOG";
/// Attempts per AWS call, retries included (default 10). Tests turn it down.
pub const RETRY_MAX_ATTEMPTS: &str = "CANOPY_RETRY_MAX_ATTEMPTS";
/// First backoff ceiling in milliseconds (default 200). Tests turn it down.
pub const RETRY_BASE_DELAY_MS: &str = "CANOPY_RETRY_BASE_DELAY_MS";
/// `0` turns off client-side pacing at AWS's documented rates (emulators only).
pub const PACING: &str = "CANOPY_PACING";
/// `per-client` gives every SDK client its own HTTP client, as the SDK does by default, instead
/// of one pool for the process (benchmarks of connection reuse only).
pub const HTTP_POOL: &str = "CANOPY_HTTP_POOL";
/// A Kubernetes Indexed Job's worker index (from 0): `--shard-from-env` reads it.
pub const JOB_COMPLETION_INDEX: &str = "JOB_COMPLETION_INDEX";
/// An AWS Batch array job's child index (from 0): `--shard-from-env` reads it.
pub const AWS_BATCH_JOB_ARRAY_INDEX: &str = "AWS_BATCH_JOB_ARRAY_INDEX";
/// Disables colour, as everywhere.
pub const NO_COLOR: &str = "NO_COLOR";
