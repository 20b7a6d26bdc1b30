//! Interned context keys: policies and requests name keys by a small number, so evaluation
//! looks a key up with a binary search over integers instead of hashing strings. Keys are
//! case-insensitive: the lowercased key is what is interned. The table only grows (one entry per
//! distinct key a process has seen).

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

/// A context key's number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct KeyId(u32);

impl KeyId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

fn table() -> &'static RwLock<HashMap<String, u32>> {
    static TABLE: OnceLock<RwLock<HashMap<String, u32>>> = OnceLock::new();
    TABLE.get_or_init(|| RwLock::new(HashMap::new()))
}

/// The number of `key` (any case).
pub(crate) fn intern(key: &str) -> KeyId {
    let lower = key.to_lowercase();
    if let Ok(read) = table().read()
        && let Some(id) = read.get(&lower)
    {
        return KeyId(*id);
    }
    // a poisoned lock only means another thread panicked mid-insert: the map is still whole
    let mut write = table()
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let next = u32::try_from(write.len()).unwrap_or(u32::MAX);
    KeyId(*write.entry(lower).or_insert(next))
}

/// An action's number (lowercased `service:action`), for exact action matches without
/// comparing text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ActionId(u32);

fn actions() -> &'static RwLock<HashMap<String, u32>> {
    static TABLE: OnceLock<RwLock<HashMap<String, u32>>> = OnceLock::new();
    TABLE.get_or_init(|| RwLock::new(HashMap::new()))
}

/// The number of an action given lowercased.
pub(crate) fn intern_action(lower: &str) -> ActionId {
    if let Ok(read) = actions().read()
        && let Some(id) = read.get(lower)
    {
        return ActionId(*id);
    }
    let mut write = actions()
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let next = u32::try_from(write.len()).unwrap_or(u32::MAX);
    ActionId(*write.entry(lower.to_owned()).or_insert(next))
}
