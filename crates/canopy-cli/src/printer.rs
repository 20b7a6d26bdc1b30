//! The one printer for stderr: notes (left out with `--quiet`), warnings and errors (always),
//! each error with its hint worded here, the only place that words the libraries' typed hints and
//! names canopy's flags in them.

use canopy_aws::Hint;

/// Writes what the user should read on stderr; stdout carries data only.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    quiet: bool,
}

impl Printer {
    pub fn new(quiet: bool) -> Self {
        Self { quiet }
    }

    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// Something worth knowing that changes nothing (left out with `--quiet`).
    pub fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }

    /// A line that belongs to a problem just reported (always printed).
    pub fn detail(&self, text: &str) {
        eprintln!("{text}");
    }

    pub fn warn(&self, text: &str) {
        eprintln!("warning: {text}");
    }

    /// An error, and what to do about it when that is known.
    pub fn error(&self, text: &str, hint: Option<Hint>) {
        eprintln!("error: {text}");
        if let Some(hint) = hint {
            eprintln!("  hint: {}", word(hint));
        }
    }
}

/// What to do about an error, worded with canopy's flags: the AWS hint of a failed call, or the
/// fix for an engine or store error that needs one.
pub fn hint_for(err: &anyhow::Error) -> Option<String> {
    use canopy_engine::EngineError;
    err.chain().find_map(|c| {
        if let Some(e) = c.downcast_ref::<canopy_aws::AwsError>() {
            return e.hint().map(|h| word(h).to_owned());
        }
        if let Some(canopy_store::StoreError::TooNew { .. }) = c.downcast_ref() {
            return Some("upgrade canopy, or give another store with --db".to_owned());
        }
        match c.downcast_ref::<EngineError>()? {
            EngineError::Aws(e) => e.hint().map(|h| word(h).to_owned()),
            EngineError::Store(canopy_store::StoreError::TooNew { .. }) => {
                Some("upgrade canopy, or give another store with --db".to_owned())
            }
            EngineError::UnknownAccount(_) => {
                Some("sync its payer with `canopy org sync --payer ACCOUNT_ID`".to_owned())
            }
            EngineError::NoAccount { .. } => {
                Some("give --account (or a --principal ARN in the account)".to_owned())
            }
            EngineError::NameClash { .. } => {
                Some("choose other names with --name-template".to_owned())
            }
            EngineError::Refused { hint, .. } => Some(engine_word(*hint).to_owned()),
            _ => None,
        }
    })
}

/// The engine's hint, in words, with the flag that gives it.
pub fn engine_word(hint: canopy_engine::Hint) -> &'static str {
    use canopy_engine::Hint as H;
    match hint {
        H::NameAccount => "say which account with --account, or give a resource ARN in it",
        H::SsoRegion => "pass --sso-region with the Identity Center instance's region",
        H::NameOrganization => "say which with --org",
        H::Refresh => "sync again with --refresh if it is new",
        H::OtherRunId => "export again under another --run-id",
        H::ExportFirst => "export with `canopy export --out` or `canopy collect --export`",
        H::PermissionSet => "or pass --permission-set for every such row",
    }
}

/// A batch row's problem in words, with the engine's further fix worded here.
pub fn row_problem(p: &canopy_engine::accounts::batch::RowProblem) -> String {
    match p.hint {
        Some(hint) => format!("{p}; {}", engine_word(hint)),
        None => p.to_string(),
    }
}

/// A library's hint, in words (with canopy's flags where one fixes it).
pub fn word(hint: Hint) -> &'static str {
    match hint {
        Hint::AssumeRoleDenied => {
            "check that the role exists in that account, trusts your current identity, and that the external id matches"
        }
        Hint::OrganizationsDenied => {
            "the account must be the organization's management account or a delegated administrator allowed that call"
        }
        Hint::BucketMissing => {
            "the bucket does not exist (or is not visible to your current credentials); create it or fix --out"
        }
        Hint::S3Denied => {
            "your current credentials need s3:ListBucket and s3:PutObject on the bucket (and kms:GenerateDataKey on the key with --sse-kms-key)"
        }
        Hint::ObjectExists => {
            "an object already has that key; canopy never overwrites one: run again"
        }
        Hint::SnsPublishDenied => "your current credentials need sns:Publish on the topic",
        Hint::NotInOrganization => "the account is not a member of an organization",
        Hint::NoCredentials => {
            "set AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`"
        }
        Hint::Throttled => {
            "AWS kept throttling after every retry; try again later or lower --concurrency"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_are_worded_with_the_fix() {
        assert!(word(Hint::OrganizationsDenied).contains("delegated administrator"));
        assert!(word(Hint::Throttled).contains("--concurrency"));
        assert!(word(Hint::BucketMissing).contains("--out"));
    }
}
