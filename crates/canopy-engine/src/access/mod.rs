//! Access: Identity Center assignments made and revoked, the matrix synced, `access can` and
//! external access.

use canopy_aws::PrincipalKind;

pub mod assign;
pub mod assignments;
pub mod can;
pub mod external;
pub mod sync;

/// A principal of an assignment, by its name (a user's email or a group's display name), as a batch file or `--principal` gives it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// The user's email or the group's display name.
    pub name: String,
}

impl std::fmt::Display for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            PrincipalKind::User => write!(f, "user:{}", self.name),
            PrincipalKind::Group => write!(f, "group:{}", self.name),
        }
    }
}
