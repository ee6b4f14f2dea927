//! What an Azure VM size name looks like (`Standard_D2s_v3`, `Standard_E64-32s_v3`,
//! `Basic_A0`): checked where names come from outside (a catalog file, `--spot-sizes`), so a
//! stray space, quote or `/` is refused with the name, not sent to Spot or into a URL.

use std::fmt;

/// The longest name accepted; Azure's are under 40 characters.
pub const MAX_SIZE_NAME_LEN: usize = 80;

/// Why a text is not a VM size name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SizeNameProblem {
    /// Nothing at all.
    Empty,
    /// Longer than [`MAX_SIZE_NAME_LEN`].
    TooLong,
    /// The first character is not an ASCII letter.
    FirstNotALetter,
    /// A character Azure size names never have.
    Character(char),
}

impl fmt::Display for SizeNameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeNameProblem::Empty => f.write_str("it is empty")?,
            SizeNameProblem::TooLong => {
                write!(f, "it is longer than {MAX_SIZE_NAME_LEN} characters")?;
            }
            SizeNameProblem::FirstNotALetter => f.write_str("it does not start with a letter")?,
            SizeNameProblem::Character(' ') => f.write_str("it contains a space")?,
            SizeNameProblem::Character(c @ ('"' | '\'' | '`')) => {
                write!(f, "it contains a quote ({c})")?;
            }
            SizeNameProblem::Character(c) => write!(f, "it contains {c:?}")?,
        }
        f.write_str("; a VM size name has letters, digits, `_` and `-` only, like Standard_D2s_v3")
    }
}

/// Checks that `name` has the shape of an Azure VM size name: an ASCII letter, then ASCII
/// letters, digits, `_` or `-`, at most [`MAX_SIZE_NAME_LEN`] characters. Whether the size
/// exists is the catalog's business, not this.
pub fn check_size_name(name: &str) -> Result<(), SizeNameProblem> {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return Err(SizeNameProblem::Empty);
    };
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(SizeNameProblem::Character(bad));
    }
    if !first.is_ascii_alphabetic() {
        return Err(SizeNameProblem::FirstNotALetter);
    }
    if name.len() > MAX_SIZE_NAME_LEN {
        return Err(SizeNameProblem::TooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_spellings_pass() {
        for name in [
            "Standard_D2s_v3",
            "standard_d2s_v3",
            "Standard_E64-32s_v3",
            "Standard_NC24ads_A100_v4",
            "Basic_A0",
        ] {
            assert_eq!(check_size_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn spaces_quotes_slashes_and_odd_shapes_are_refused_with_the_reason() {
        for (name, problem, says) in [
            ("", SizeNameProblem::Empty, "it is empty"),
            ("Standard D2", SizeNameProblem::Character(' '), "a space"),
            (
                "\"Standard_D2\"",
                SizeNameProblem::Character('"'),
                "a quote (\")",
            ),
            (
                "Standard_D2'",
                SizeNameProblem::Character('\''),
                "a quote (')",
            ),
            ("Standard/D2", SizeNameProblem::Character('/'), "'/'"),
            ("../x", SizeNameProblem::Character('.'), "'.'"),
            (
                "2_Standard",
                SizeNameProblem::FirstNotALetter,
                "start with a letter",
            ),
            ("Standard_Dé", SizeNameProblem::Character('é'), "'é'"),
        ] {
            let got = check_size_name(name).unwrap_err();
            assert_eq!(got, problem, "{name:?}");
            let shown = got.to_string();
            assert!(
                shown.contains(says) && shown.contains("like Standard_D2s_v3"),
                "{shown}"
            );
        }
        let long = format!("Standard_{}", "D".repeat(MAX_SIZE_NAME_LEN));
        assert_eq!(check_size_name(&long), Err(SizeNameProblem::TooLong));
    }
}
