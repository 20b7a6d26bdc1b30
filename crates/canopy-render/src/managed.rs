//! The block canopy owns inside a user's file. Everything outside it is kept byte for byte; the
//! block is replaced in place, or appended when the file has none.

use crate::RenderError;

pub const BEGIN: &str = "# >>> canopy managed block >>>";
pub const END: &str = "# <<< canopy managed block <<<";
const NOTE: &str =
    "# Written by `canopy config generate`; edits inside this block are overwritten.";

/// A file split around canopy's block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    pub before: &'a str,
    pub block: Option<&'a str>,
    pub after: &'a str,
}

impl Split<'_> {
    /// The file with the block's lines blanked (same line numbers), for parsing what the user
    /// owns.
    pub fn outside_with_blank_block(&self) -> String {
        let blanks = self.block.map_or(0, |b| b.matches('\n').count());
        let mut out = String::with_capacity(self.before.len() + self.after.len() + blanks);
        out.push_str(self.before);
        out.extend(std::iter::repeat_n('\n', blanks));
        out.push_str(self.after);
        out
    }
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.trim_end() == marker
}

/// Finds canopy's block: from its begin line to its end line, both included with their newline.
pub fn split<'a>(text: &'a str, file: &str) -> Result<Split<'a>, RenderError> {
    let mut offset = 0;
    let mut begin: Option<(usize, usize)> = None;
    let mut found: Option<(usize, usize)> = None;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let lineno = number + 1;
        if is_marker(line, BEGIN) {
            if begin.is_some() || found.is_some() {
                return Err(RenderError::Unparseable {
                    file: file.to_owned(),
                    line: lineno,
                    why: "a second canopy block begins here; keep one block and delete the other"
                        .to_owned(),
                });
            }
            begin = Some((start, lineno));
        } else if is_marker(line, END) {
            match begin.take() {
                Some((b, _)) => found = Some((b, offset)),
                None => {
                    return Err(RenderError::Unparseable {
                        file: file.to_owned(),
                        line: lineno,
                        why: "canopy's end marker has no begin marker above it".to_owned(),
                    });
                }
            }
        }
    }
    if let Some((_, lineno)) = begin {
        return Err(RenderError::Unparseable {
            file: file.to_owned(),
            line: lineno,
            why: "canopy's block begins here but never ends; restore the end marker or delete the block"
                .to_owned(),
        });
    }
    Ok(match found {
        Some((b, e)) => Split {
            before: &text[..b],
            block: Some(&text[b..e]),
            after: &text[e..],
        },
        None => Split {
            before: text,
            block: None,
            after: "",
        },
    })
}

/// Wraps generated content in the markers.
pub fn block(content: &str) -> String {
    let mut out = format!("{BEGIN}\n{NOTE}\n");
    if !content.is_empty() {
        out.push('\n');
        out.push_str(content);
        if !content.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// The file with `new_block` in place of the old block, or appended after a blank line.
pub fn merge(split: &Split<'_>, new_block: &str) -> String {
    let mut out = String::new();
    out.push_str(split.before);
    if split.block.is_none() && !split.before.is_empty() {
        if !split.before.ends_with('\n') {
            out.push('\n');
        }
        if !split.before.ends_with("\n\n") {
            out.push('\n');
        }
    }
    out.push_str(new_block);
    out.push_str(split.after);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_then_replace_in_place_keeps_user_bytes() {
        let user = "[default]\nregion = eu-west-1";
        let first = merge(&split(user, "f").unwrap(), &block("[profile a]\n"));
        assert!(first.starts_with("[default]\nregion = eu-west-1\n\n# >>> canopy"));
        let with_more = format!("{first}\n[profile mine]\nregion = us-east-1\n");
        let second = merge(&split(&with_more, "f").unwrap(), &block("[profile b]\n"));
        assert!(second.contains("[profile b]") && !second.contains("[profile a]"));
        assert!(second.ends_with("\n[profile mine]\nregion = us-east-1\n"));
        let third = merge(&split(&second, "f").unwrap(), &block("[profile b]\n"));
        assert_eq!(second, third, "same input, same bytes");
    }

    #[test]
    fn broken_markers_are_refused_with_a_line() {
        let e = split(&format!("x\n{BEGIN}\n[a]\n"), "cfg").unwrap_err();
        assert!(e.to_string().contains("cfg:2"), "{e}");
        let e = split(&format!("{END}\n"), "cfg").unwrap_err();
        assert!(e.to_string().contains("cfg:1"), "{e}");
        let twice = format!("{BEGIN}\n{END}\n{BEGIN}\n{END}\n");
        assert!(split(&twice, "cfg").is_err());
    }

    #[test]
    fn blanking_keeps_line_numbers() {
        let text = format!("a\n{BEGIN}\nx\n{END}\nb\n");
        let s = split(&text, "f").unwrap();
        assert_eq!(s.outside_with_blank_block(), "a\n\n\n\nb\n");
    }
}
