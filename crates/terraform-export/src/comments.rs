//! Comments in the generated HCL.
//!
//! hcl-rs builds and formats bodies but has no notion of comments. So the body is formatted by
//! hcl-rs, parsed back with hcl-edit (which keeps every byte of layout), and comments are added
//! as the *prefix decor* of top-level structures: `# ...` lines just above a block. The result is
//! printed by hcl-edit, so it is HCL by construction (and parsed once more as a check).

use hcl::edit::parser::parse_body;
use hcl::edit::repr::Decorate;
use hcl::format::{Format, Formatter};

use crate::error::ExportError;

/// Comment lines to put above the top-level structure at `index` of a body.
#[derive(Debug, Clone, Default)]
pub(crate) struct Above {
    pub(crate) index: usize,
    pub(crate) lines: Vec<String>,
}

/// Formats `body` with hcl-rs (lists on one line), aligned as `terraform fmt` does, and puts
/// each comment above its structure.
pub(crate) fn render(body: &hcl::Body, comments: &[Above]) -> Result<String, ExportError> {
    let mut formatter = Formatter::builder().compact_arrays(true).build_vec();
    body.format(&mut formatter).map_err(ExportError::Format)?;
    let text = String::from_utf8(formatter.into_inner())
        .map_err(|e| ExportError::Format(hcl::Error::Utf8(e.utf8_error())))?;
    let text = crate::align::align_attributes(&text);
    let mut parsed = parse_body(&text).map_err(ExportError::Reparse)?;
    for above in comments {
        if above.lines.is_empty() {
            continue;
        }
        let Some(structure) = parsed.get_mut(above.index) else {
            continue;
        };
        let decor = structure.decor_mut();
        let existing = decor.prefix().map(|p| p.to_string()).unwrap_or_default();
        // The existing prefix is the blank line(s) before the structure: keep it, then the
        // comment lines, each ending the line the structure would have started on.
        let mut prefix = existing;
        for line in &above.lines {
            prefix.push_str(&comment_line(line));
            prefix.push('\n');
        }
        decor.set_prefix(prefix);
    }
    let out = parsed.to_string();
    parse_body(&out).map_err(ExportError::Reparse)?;
    Ok(out)
}

/// `# text`, with anything that could end the comment (line breaks, other control characters)
/// replaced by a space: comment text may come from Spot's answer.
pub(crate) fn comment_line(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.is_empty() {
        "#".to_owned()
    } else {
        format!("# {clean}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_go_above_their_structure_and_survive_a_parse() {
        let body = hcl::Body::builder()
            .add_attribute(("a", 1))
            .add_block(hcl::Block::builder("b").add_attribute(("c", "d")).build())
            .build();
        let out = render(
            &body,
            &[
                Above {
                    index: 0,
                    lines: vec!["first".into()],
                },
                Above {
                    index: 1,
                    lines: vec!["evil\n} x = 1 # ".into(), String::new()],
                },
            ],
        )
        .unwrap();
        assert_eq!(
            out,
            "# first\na = 1\n\n# evil } x = 1 # \n#\nb {\n  c = \"d\"\n}\n"
        );
        let back: hcl::Body = hcl::from_str(&out).unwrap();
        assert_eq!(back, body);
    }
}
