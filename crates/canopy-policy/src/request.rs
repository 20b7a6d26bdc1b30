//! What is asked: who (a principal ARN or anonymous), which action on which resource, and the
//! request context. Only what the context holds is known; nothing is derived here.

use canopy_model::Arn;

use crate::intern::{KeyId, intern};

/// The request context: keys are case-insensitive; a value is one string or a list (a
/// multivalued key such as `aws:PrincipalOrgPaths`). Held sorted by interned key, with a dense
/// index from key number to entry so a lookup is two array reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    entries: Vec<(KeyId, CtxValue)>,
    /// `slots[key]` = 1 + the entry's position, 0 when absent.
    slots: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CtxValue {
    pub values: Vec<String>,
    /// Given as a list (even of one): only set operators look inside a list.
    pub list: bool,
}

impl Context {
    /// Sets a key (any case) to one value (`list` false) or a list.
    pub fn insert(&mut self, key: &str, values: Vec<String>, list: bool) {
        let id = intern(key);
        let value = CtxValue { values, list };
        match self.entries.binary_search_by_key(&id, |(k, _)| *k) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (id, value)),
        }
        self.reindex();
    }

    pub(crate) fn get(&self, id: KeyId) -> Option<&CtxValue> {
        match self.slots.get(id.index()) {
            Some(&slot) if slot > 0 => self.entries.get(slot as usize - 1).map(|(_, v)| v),
            _ => None,
        }
    }

    fn reindex(&mut self) {
        let len = self.entries.last().map_or(0, |(k, _)| k.index() + 1);
        self.slots.clear();
        self.slots.resize(len, 0);
        for (i, (k, _)) in self.entries.iter().enumerate() {
            self.slots[k.index()] = u32::try_from(i + 1).unwrap_or(0);
        }
    }

    pub(crate) fn contains(&self, id: KeyId) -> bool {
        self.get(id).is_some()
    }

    /// The value of a single-valued key (a policy variable's value); lists have none.
    pub(crate) fn single(&self, id: KeyId) -> Option<&str> {
        self.get(id)
            .filter(|v| !v.list && v.values.len() == 1)
            .map(|v| v.values[0].as_str())
    }

    /// `key=value` pairs given on a command line: a repeated key becomes a list.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut ctx = Self::default();
        for (key, value) in pairs {
            let id = intern(key);
            match ctx.entries.binary_search_by_key(&id, |(k, _)| *k) {
                Ok(i) => {
                    let existing = &mut ctx.entries[i].1;
                    existing.values.push(value.to_owned());
                    existing.list = true;
                }
                Err(i) => ctx.entries.insert(
                    i,
                    (
                        id,
                        CtxValue {
                            values: vec![value.to_owned()],
                            list: false,
                        },
                    ),
                ),
            }
        }
        ctx.reindex();
        ctx
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No credentials at all: only a resource policy open to `*` can allow it.
    Anonymous,
    /// An IAM or STS ARN (`arn:aws:iam::111122223333:role/app`,
    /// `arn:aws:sts::111122223333:assumed-role/app/session`, `...:root`, `...:user/x`).
    Arn {
        arn: String,
        partition: String,
        account: String,
        /// `root`, `user`, `role`, `assumed-role`, `federated-user`, ...
        kind: String,
        /// For a role or an assumed-role session: the role's name (without path).
        role_name: Option<String>,
        /// A service-linked role or one of its sessions (SCPs do not apply).
        service_linked: bool,
    },
    /// A service principal (`s3.amazonaws.com`) or any other name a policy may list.
    Other(String),
}

impl Principal {
    pub fn parse(text: &str) -> Self {
        if text.eq_ignore_ascii_case("anonymous") || text == "*" {
            return Self::Anonymous;
        }
        if let Some(parsed) = Arn::parse(text)
            && matches!(parsed.service, "iam" | "sts")
        {
            let resource = parsed.resource;
            let (kind, rest) = resource.split_once('/').unwrap_or((resource, ""));
            let role_name = match kind {
                "role" => rest.rsplit('/').next().map(str::to_owned),
                "assumed-role" => rest.split('/').next().map(str::to_owned),
                _ => None,
            };
            let service_linked = (kind == "role" && text.contains(":role/aws-service-role/"))
                || (kind == "assumed-role"
                    && rest
                        .split('/')
                        .next()
                        .is_some_and(|name| name.starts_with("AWSServiceRoleFor")));
            return Self::Arn {
                service_linked,
                arn: text.to_owned(),
                partition: parsed.partition.to_owned(),
                account: parsed.account.to_owned(),
                kind: kind.to_owned(),
                role_name,
            };
        }
        Self::Other(text.to_owned())
    }

    pub fn account(&self) -> Option<&str> {
        match self {
            Self::Arn { account, .. } if !account.is_empty() => Some(account),
            _ => None,
        }
    }

    /// A service-linked role (SCPs do not apply to them).
    pub fn is_service_linked_role(&self) -> bool {
        matches!(
            self,
            Self::Arn {
                service_linked: true,
                ..
            }
        )
    }
}

/// One request to evaluate.
#[derive(Debug, Clone)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    /// Lowercased once: actions compare case-insensitively.
    pub(crate) action_lower: String,
    pub(crate) action_id: crate::intern::ActionId,
    /// The resource ARN (`*` when the action takes none).
    pub resource: String,
    /// The account owning the resource: given, else the ARN's account field, else the
    /// principal's own (S3 bucket ARNs carry no account).
    pub resource_account: Option<String>,
    pub context: Context,
}

impl Request {
    pub fn new(
        principal: Principal,
        action: &str,
        resource: Option<&str>,
        resource_account: Option<&str>,
        context: Context,
    ) -> Self {
        let resource = resource.unwrap_or("*").to_owned();
        let resource_account = resource_account.map(str::to_owned).or_else(|| {
            Arn::parse(&resource)
                .and_then(|arn| arn.account())
                .map(str::to_owned)
        });
        let action_lower = action.to_lowercase();
        Self {
            principal,
            action: action.to_owned(),
            action_id: crate::intern::intern_action(&action_lower),
            action_lower,
            resource,
            resource_account,
            context,
        }
    }

    /// Whether the principal and the resource are in different accounts.
    pub fn is_cross_account(&self) -> bool {
        match (self.principal.account(), &self.resource_account) {
            (Some(p), Some(r)) => p != r,
            _ => false,
        }
    }
}
