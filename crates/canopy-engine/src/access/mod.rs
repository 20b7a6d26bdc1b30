//! Access: Identity Center assignments made and revoked, the matrix synced, `access can` and
//! external access.

pub mod assign;
pub mod assignments;
pub mod can;
pub mod external;
pub mod sync;
