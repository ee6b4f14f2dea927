//! The `=` of consecutive one-line attributes aligned, as `terraform fmt` does.
//!
//! hcl-rs writes `key = value` with one space; `terraform fmt` pads the keys of a run of
//! consecutive one-line attributes at the same indentation so their `=` line up. A file that
//! `terraform fmt -check` would rewrite makes noise in every repository that checks formatting,
//! so the export is written the way Terraform formats it. The rules (checked against Terraform
//! 1.11's formatter):
//! - a run is broken by any other line: a blank line, a comment, a block, a closing bracket, and
//!   an attribute whose value continues on the next lines (that line is not padded either);
//! - the width is the key's length in bytes (a quoted key counts its quotes).

/// `text` (HCL as hcl-rs formats it: one attribute per line, no heredocs) with the attributes
/// of each run padded to the run's longest key.
pub(crate) fn align_attributes(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let keys: Vec<Option<(usize, usize)>> = lines.iter().map(|l| one_line_attribute(l)).collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut i = 0;
    while i < lines.len() {
        let Some((indent, _)) = keys[i] else {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
            continue;
        };
        let mut end = i;
        while end < lines.len() && keys[end].is_some_and(|(ind, _)| ind == indent) {
            end += 1;
        }
        let width = keys[i..end]
            .iter()
            .filter_map(|k| k.map(|(_, w)| w))
            .max()
            .unwrap_or(0);
        for (line, key) in lines[i..end].iter().zip(&keys[i..end]) {
            let (indent, key_len) = key.unwrap_or_default();
            let key_end = indent + key_len;
            out.push_str(&line[..key_end]);
            out.push_str(&" ".repeat(width - key_len));
            out.push_str(&line[key_end..]);
            out.push('\n');
        }
        i = end;
    }
    out.pop(); // the split added one line break too many
    out
}

/// `(indentation, key length)` when `line` is `<indent><key> = <value>` with a value that ends
/// on this line; `None` for any other line.
fn one_line_attribute(line: &str) -> Option<(usize, usize)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let key_len = key_length(rest)?;
    let value = rest[key_len..].strip_prefix(" = ")?;
    balanced(value).then_some((indent, key_len))
}

/// The length of the identifier or quoted string `s` starts with.
fn key_length(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    match bytes.first()? {
        b'"' => {
            let mut escaped = false;
            for (i, &b) in bytes.iter().enumerate().skip(1) {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => return Some(i + 1),
                    _ => {}
                }
            }
            None
        }
        b if b.is_ascii_alphabetic() || *b == b'_' => Some(
            bytes
                .iter()
                .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-'))
                .unwrap_or(bytes.len()),
        ),
        _ => None,
    }
}

/// Whether every bracket `value` opens outside strings is closed on the line.
fn balanced(value: &str) -> bool {
    let mut depth: i64 = 0;
    let mut in_string = false;
    let mut escaped = false;
    for b in value.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' | b'(' => depth += 1,
            b']' | b'}' | b')' => depth -= 1,
            _ => {}
        }
    }
    depth == 0 && !in_string
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_padded_to_its_longest_key() {
        let text = "resource \"x\" \"y\" {\n  a = 1\n  bbbb = \"two\"\n  cc = [1, 2]\n}";
        assert_eq!(
            align_attributes(text),
            "resource \"x\" \"y\" {\n  a    = 1\n  bbbb = \"two\"\n  cc   = [1, 2]\n}"
        );
    }

    #[test]
    fn blank_lines_comments_blocks_and_multi_line_values_break_a_run() {
        let text = "r {\n  a = 1\n  bbbb = {\n    k = 1\n    kkkk = 2\n  }\n  cc = 2\n  # c\n  ddddd = 3\n\n  e = 1\n  ffffff = \"x = {\"\n  g = 2\n}\n";
        assert_eq!(
            align_attributes(text),
            "r {\n  a = 1\n  bbbb = {\n    k    = 1\n    kkkk = 2\n  }\n  cc = 2\n  # c\n  ddddd = 3\n\n  e      = 1\n  ffffff = \"x = {\"\n  g      = 2\n}\n"
        );
    }

    #[test]
    fn quoted_keys_count_their_quotes_and_bytes() {
        let text = "m = {\n  \"é\" = 1\n  ab = 2\n  \"a\\\"b\" = 3\n}";
        assert_eq!(
            align_attributes(text),
            "m = {\n  \"é\"   = 1\n  ab     = 2\n  \"a\\\"b\" = 3\n}"
        );
    }

    #[test]
    fn different_indentations_are_different_runs() {
        let text = "a = 1\n  bbb = 2\nccccc = 3";
        assert_eq!(align_attributes(text), text);
    }
}
