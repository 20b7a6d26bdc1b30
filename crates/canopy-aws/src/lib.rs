//! canopy's only door to AWS: the one crate that sees `aws-sdk-*` types.
//!
//! It loads credentials through the standard chain (profiles, environment, SSO, IMDS, ECS),
//! assumes roles into accounts, paces and retries every call itself (the SDK's own retries are
//! off, because its retry budget is shared process-wide by service and region, so one throttled
//! account would slow every other), and converts SDK types into `canopy-model` types at the edge.

mod collectors;
mod credreport;
mod deliver;
mod document;
mod error;
mod findings;
mod identity;
mod lifecycle;
mod managed_policy;
mod org;
mod pace;
mod page;
mod retry;
mod roles;
mod session;

pub use collectors::{
    Collector, Enumeration, IdentityInventory, Refusal, Refusals, Unit, collectors,
    describe_regions, identity_inventory, identity_tables, tables,
};
pub use credreport::{
    CREDENTIAL_REPORT, CredentialReport, ReportError, ReportState, generate_credential_report,
    get_credential_report, parse_credential_report,
};
pub use deliver::{
    Encryption, s3_bucket_region, s3_get, s3_list, s3_prefix_used, s3_put_new, sns_publish,
};
pub use error::{AwsError, ErrorKind, Hint};
pub use findings::{Contact, Contacts, Finding, SecurityHub, Unprocessed};
pub use identity::{Assignment, IdentityCenter, NewUser, PrincipalKind};
pub use lifecycle::{
    Closed, Creation, CreationRequest, Invitation, Invited, LiveAccount, Moved, NewAccount,
    OrgAdmin, Quota,
};
pub use managed_policy::{AWS_MANAGED_POLICY, ManagedPolicy, managed_policy};
pub use org::{DiscoverOptions, DiscoverProgress, Discovered, discover_organization};
pub use pace::{ApiBuckets, OrgRates, Rate};
pub use retry::{CallStats, RetryPolicy};
pub use roles::{AccountRoles, RoleNow};
pub use session::{AccountSession, AwsSession, Caller, ChildCredentials, HttpClients, RoleSpec};
