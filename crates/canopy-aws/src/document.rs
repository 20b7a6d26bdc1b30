//! IAM policy documents as IAM returns them: URL-encoded by real IAM (plain by some emulators),
//! decoded and parsed once here for the collectors, the role reads and the managed policies.

use serde_json::Value;

/// A policy document as IAM returns it, decoded and parsed; the decoded text when it is not
/// JSON.
pub(crate) fn policy_json(text: &str) -> Result<Value, String> {
    let decoded = if text.trim_start().starts_with('{') {
        std::borrow::Cow::Borrowed(text)
    } else {
        percent_decode(text)
    };
    serde_json::from_str::<Value>(&decoded).map_err(|_| decoded.into_owned())
}

fn percent_decode(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        // RFC 3986 (IAM's encoding): `+` is a plus, not a space
        out.push(b);
        i += 1;
    }
    std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}
