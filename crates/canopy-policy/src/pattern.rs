//! Wildcard patterns (`*` any run, `?` one character) with policy variables, compiled once and
//! matched without allocating. A substituted variable is literal text: a `*` inside its value is
//! not a wildcard. No regular expressions anywhere, so no regex character can leak into matching.

use crate::intern::{KeyId, intern};
use crate::request::Context;

/// One piece of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
    /// `${key}` or `${key, 'default'}` (context keys are case-insensitive: interned lowercased).
    Var {
        key: KeyId,
        display: String,
        default: Option<String>,
    },
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    toks: Vec<Tok>,
    /// Whether any token is a variable (checked before matching).
    has_vars: bool,
    /// The common shapes, matched without the general loop.
    shape: Shape,
}

/// Most patterns are one of a few shapes (`s3:getobject`, `s3:get*`, `*`, `*:root`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    Exact(String),
    Prefix(String),
    Suffix(String),
    /// `arn:aws:iam::*:root`
    PrefixSuffix(String, String),
    Any,
    General,
}

/// How a pattern's text is read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Syntax {
    /// `*` and `?` are wildcards (otherwise literal).
    pub wildcards: bool,
    /// `${...}` are policy variables (Version 2012-10-17 only).
    pub variables: bool,
    /// Literal text is lowercased (matched against lowercased input: actions).
    pub lowercase: bool,
}

/// A malformed policy variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VarError(pub String);

fn push_lit(toks: &mut Vec<Tok>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Tok::Lit(last)) = toks.last_mut() {
        last.push_str(text);
    } else {
        toks.push(Tok::Lit(text.to_owned()));
    }
}

impl Pattern {
    pub(crate) fn compile(src: &str, syntax: Syntax) -> Result<Self, VarError> {
        let lowered;
        let src = if syntax.lowercase {
            lowered = src.to_lowercase();
            lowered.as_str()
        } else {
            src
        };
        let mut toks = Vec::new();
        let mut rest = src;
        while !rest.is_empty() {
            if syntax.variables
                && let Some(after) = rest.strip_prefix("${")
            {
                let Some(end) = after.find('}') else {
                    return Err(VarError(format!("`${{` without a closing `}}` in `{src}`")));
                };
                let inner = &after[..end];
                rest = &after[end + 1..];
                match inner {
                    "*" => push_lit(&mut toks, "*"),
                    "?" => push_lit(&mut toks, "?"),
                    "$" => push_lit(&mut toks, "$"),
                    _ => toks.push(parse_var(inner, src)?),
                }
                continue;
            }
            let mut chars = rest.chars();
            let Some(c) = chars.next() else { break };
            match c {
                '*' if syntax.wildcards => {
                    if toks.last() != Some(&Tok::Star) {
                        toks.push(Tok::Star);
                    }
                }
                '?' if syntax.wildcards => toks.push(Tok::One),
                _ => {
                    let mut buf = [0u8; 4];
                    push_lit(&mut toks, c.encode_utf8(&mut buf));
                }
            }
            rest = chars.as_str();
        }
        Ok(Self::from_toks(toks))
    }

    pub(crate) fn toks(&self) -> &[Tok] {
        &self.toks
    }

    pub(crate) fn from_toks(toks: Vec<Tok>) -> Self {
        let has_vars = toks.iter().any(|t| matches!(t, Tok::Var { .. }));
        let shape = match toks.as_slice() {
            [] => Shape::Exact(String::new()),
            [Tok::Lit(s)] => Shape::Exact(s.clone()),
            [Tok::Star] => Shape::Any,
            [Tok::Lit(s), Tok::Star] => Shape::Prefix(s.clone()),
            [Tok::Star, Tok::Lit(s)] => Shape::Suffix(s.clone()),
            [Tok::Lit(p), Tok::Star, Tok::Lit(s)] => Shape::PrefixSuffix(p.clone(), s.clone()),
            _ => Shape::General,
        };
        Self {
            toks,
            has_vars,
            shape,
        }
    }

    /// `*` alone.
    pub fn is_match_all(&self) -> bool {
        self.toks == [Tok::Star]
    }

    /// Whether `text` matches; an unresolvable variable (absent, no default, or multivalued)
    /// matches nothing and is reported through `missing`.
    /// The literal text of a pattern without wildcards or variables.
    pub(crate) fn as_exact(&self) -> Option<&str> {
        match &self.shape {
            Shape::Exact(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn matches(&self, text: &str, ctx: &Context, missing: &mut dyn FnMut(&str)) -> bool {
        match &self.shape {
            Shape::Exact(s) => return text.len() == s.len() && bytes_start_with(text, s),
            Shape::Prefix(s) => return bytes_start_with(text, s),
            Shape::Suffix(s) => return ends_with(text, s),
            Shape::PrefixSuffix(p, s) => {
                return text.len() >= p.len() + s.len()
                    && bytes_start_with(text, p)
                    && ends_with(text, s);
            }
            Shape::Any => return true,
            Shape::General => {}
        }
        // a variable without a value matches nothing; glob stops there, and only then are the
        // unresolved variables looked up again to be reported
        let matched = glob(&self.toks, text, ctx);
        if !matched && self.has_vars {
            self.resolvable(ctx, missing);
        }
        matched
    }

    /// Whether every variable has a value (or a default); reports those that do not.
    fn resolvable(&self, ctx: &Context, missing: &mut dyn FnMut(&str)) -> bool {
        let mut ok = true;
        for tok in &self.toks {
            if matches!(tok, Tok::Var { .. }) && resolve(tok, ctx, missing).is_none() {
                ok = false;
            }
        }
        ok
    }

    /// As [`Pattern::matches`], comparing case-insensitively (both sides lowercased).
    pub(crate) fn matches_ignore_case(
        &self,
        text: &str,
        ctx: &Context,
        missing: &mut dyn FnMut(&str),
    ) -> bool {
        if self.has_vars && !self.resolvable(ctx, missing) {
            return false;
        }
        // only StringEqualsIgnoreCase and its negation compare this way: no wildcards
        let mut rest = text;
        for tok in &self.toks {
            let lit = match tok {
                Tok::Star => "*",
                Tok::One => "?",
                other => resolve(other, ctx, &mut |_| {}).unwrap_or_default(),
            };
            match prefix_len_ignore_case(rest, lit) {
                Some(n) => rest = &rest[n..],
                None => return false,
            }
        }
        rest.is_empty()
    }
}

fn parse_var(inner: &str, src: &str) -> Result<Tok, VarError> {
    let (key, default) = match inner.split_once(',') {
        None => (inner.trim(), None),
        Some((key, default)) => {
            let default = default.trim();
            let quoted = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''))
                .ok_or_else(|| {
                    VarError(format!(
                        "the default of `${{{inner}}}` in `{src}` must be in single quotes"
                    ))
                })?;
            (key.trim(), Some(quoted.to_owned()))
        }
    };
    if key.is_empty() || key.contains(char::is_whitespace) {
        return Err(VarError(format!(
            "`${{{inner}}}` in `{src}` is not a policy variable"
        )));
    }
    Ok(Tok::Var {
        key: intern(key),
        display: key.to_owned(),
        default,
    })
}

fn resolve<'a>(tok: &'a Tok, ctx: &'a Context, missing: &mut dyn FnMut(&str)) -> Option<&'a str> {
    match tok {
        Tok::Var {
            key,
            display,
            default,
        } => match ctx.single(*key) {
            Some(v) => Some(v),
            None => match default {
                Some(d) => Some(d.as_str()),
                None => {
                    missing(display);
                    None
                }
            },
        },
        Tok::Lit(s) => Some(s.as_str()),
        _ => None,
    }
}

/// Whether `text` starts with `prefix`, byte by byte: the texts compared here are short and
/// usually differ early, where a loop beats a call to `memcmp` (measured in the benchmark).
#[inline]
fn bytes_start_with(text: impl AsRef<[u8]>, prefix: impl AsRef<[u8]>) -> bool {
    let (text, prefix) = (text.as_ref(), prefix.as_ref());
    prefix.len() <= text.len() && prefix.iter().zip(text).all(|(a, b)| a == b)
}

#[inline]
fn ends_with(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && bytes_start_with(&text.as_bytes()[text.len() - suffix.len()..], suffix)
}

/// The length in `text` of a case-insensitive match of `lit` at its start.
fn prefix_len_ignore_case(text: &str, lit: &str) -> Option<usize> {
    let mut want = lit.chars().flat_map(char::to_lowercase).peekable();
    let mut consumed = 0;
    for (i, c) in text.char_indices() {
        if want.peek().is_none() {
            return Some(i);
        }
        for got in c.to_lowercase() {
            if want.next() != Some(got) {
                return None;
            }
        }
        consumed = i + c.len_utf8();
    }
    want.peek().is_none().then_some(consumed)
}

fn char_len_at(text: &str, at: usize) -> usize {
    text[at..].chars().next().map_or(1, char::len_utf8)
}

/// Glob matching over tokens, case-sensitive; a variable without a value fails the match. One
/// backtrack point, the last `*`; a literal after a `*` is found with a substring search rather
/// than tried at every position; a trailing `*` ends the match. Never allocates.
fn glob(toks: &[Tok], text: &str, ctx: &Context) -> bool {
    let n = toks.len();
    let mut ti = 0usize;
    let mut pi = 0usize;
    // the token after the last `*`, and where the `*` may next stop
    let mut star_pi = usize::MAX;
    let mut star_ti = 0usize;
    loop {
        if pi < n {
            match &toks[pi] {
                Tok::Star => {
                    while pi < n && toks[pi] == Tok::Star {
                        pi += 1;
                    }
                    if pi == n {
                        return true;
                    }
                    star_pi = pi;
                    star_ti = ti;
                    continue;
                }
                Tok::One => {
                    if ti < text.len() {
                        ti += char_len_at(text, ti);
                        pi += 1;
                        continue;
                    }
                }
                tok => {
                    let Some(lit) = resolve(tok, ctx, &mut |_| {}) else {
                        return false;
                    };
                    if pi == star_pi {
                        if pi + 1 == n {
                            // the last literal after a `*`: the text must end with it
                            return text.len() >= ti + lit.len()
                                && text.is_char_boundary(text.len() - lit.len())
                                && text[text.len() - lit.len()..] == *lit;
                        }
                        // a one-byte literal (`/`, `:`) is found with memchr, not a substring searcher
                        let found = match lit.as_bytes() {
                            [b] => text.as_bytes()[ti..].iter().position(|c| c == b),
                            _ => text[ti..].find(lit),
                        };
                        match found {
                            Some(off) => {
                                star_ti = ti + off + char_len_at(text, ti + off);
                                ti += off + lit.len();
                                pi += 1;
                                continue;
                            }
                            None => return false,
                        }
                    } else if bytes_start_with(&text[ti..], lit) {
                        ti += lit.len();
                        pi += 1;
                        continue;
                    }
                }
            }
        } else if ti == text.len() {
            return true;
        }
        // mismatch: let the last `*` take more
        if star_pi == usize::MAX {
            return false;
        }
        if toks[star_pi] == Tok::One {
            if star_ti >= text.len() {
                return false;
            }
            star_ti += char_len_at(text, star_ti);
        }
        if star_ti > text.len() {
            return false;
        }
        pi = star_pi;
        ti = star_ti;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIKE: Syntax = Syntax {
        wildcards: true,
        variables: true,
        lowercase: false,
    };

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::compile(pattern, LIKE)
            .unwrap()
            .matches(text, &Context::default(), &mut |_| {})
    }

    #[test]
    fn stars_and_question_marks() {
        assert!(m("*", ""));
        assert!(m("*", "anything:at/all"));
        assert!(m("a*c", "abbbc"));
        assert!(m("a*c", "ac"));
        assert!(!m("a*c", "acb"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("*b*b*", "abcbd"));
        assert!(m("a*b?d", "axxbxbcd"));
        assert!(m("é?", "éà"));
        assert!(!m("abc", "ABC"), "case-sensitive");
    }

    #[test]
    fn regex_characters_are_literal() {
        assert!(m("a.c", "a.c"));
        assert!(!m("a.c", "abc"));
        assert!(m("a+[b]", "a+[b]"));
        assert!(!m("a+", "aa"));
        assert!(m("^x$", "^x$"));
    }

    #[test]
    fn variables_are_literal_and_escapes_work() {
        let mut ctx = Context::default();
        ctx.insert("aws:username", vec!["b*b".into()], false);
        let p = Pattern::compile("home/${aws:username}/*", LIKE).unwrap();
        assert!(p.matches("home/b*b/x", &ctx, &mut |_| {}));
        assert!(
            !p.matches("home/bob/x", &ctx, &mut |_| {}),
            "a `*` in a value is literal"
        );
        let p = Pattern::compile("a${*}b${?}${$}", LIKE).unwrap();
        assert!(p.matches("a*b?$", &ctx, &mut |_| {}));
        assert!(!p.matches("axb?$", &ctx, &mut |_| {}));
        let p = Pattern::compile("${aws:PrincipalTag/team, 'none'}", LIKE).unwrap();
        assert!(p.matches("none", &ctx, &mut |_| {}));
        let p = Pattern::compile("${aws:SourceVpc}", LIKE).unwrap();
        let mut seen = Vec::new();
        assert!(!p.matches("", &ctx, &mut |k| seen.push(k.to_owned())));
        assert_eq!(seen, vec!["aws:SourceVpc"]);
    }

    #[test]
    fn malformed_variables_are_errors() {
        assert!(Pattern::compile("${aws:username", LIKE).is_err());
        assert!(Pattern::compile("${aws:username, none}", LIKE).is_err());
        assert!(Pattern::compile("${}", LIKE).is_err());
    }

    #[test]
    fn ignore_case_compares_lowercased() {
        let p = Pattern::compile("Prod-1", LIKE).unwrap();
        assert!(p.matches_ignore_case("PROD-1", &Context::default(), &mut |_| {}));
        assert!(!p.matches_ignore_case("PROD-12", &Context::default(), &mut |_| {}));
        assert!(!p.matches_ignore_case("dev-1", &Context::default(), &mut |_| {}));
    }

    /// The obvious exponential definition, to check the fast matcher against.
    fn reference(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| reference(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && reference(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && reference(rest, &t[1..]),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, failure_persistence: None, ..Default::default() })]
        #[test]
        fn the_fast_matcher_agrees_with_the_definition(pattern in "[ab*?é/]{0,8}", text in "[abé/]{0,10}") {
            let fast = m(&pattern, &text);
            let slow = reference(&pattern.chars().collect::<Vec<_>>(), &text.chars().collect::<Vec<_>>());
            proptest::prop_assert_eq!(fast, slow, "pattern {:?} text {:?}", pattern, text);
        }
    }
}
