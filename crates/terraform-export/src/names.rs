//! Terraform names (resource labels, variables) made from pool and extension names: valid
//! identifiers, unique within one file.

use std::collections::BTreeSet;

/// The names given so far in one file.
#[derive(Debug, Default)]
pub(crate) struct Names(BTreeSet<String>);

impl Names {
    /// `wanted` as a valid identifier (invalid characters become `_`, a leading digit or dash
    /// gets a `_` in front), with `_2`, `_3`... appended when it is taken already.
    pub(crate) fn unique(&mut self, wanted: &str) -> String {
        let base = identifier(wanted);
        let mut name = base.clone();
        let mut n = 2;
        while !self.0.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }
}

/// Terraform names: a letter or `_` first, then letters, digits, `_` and `-`.
pub(crate) fn identifier(wanted: &str) -> String {
    let mut out: String = wanted
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_valid_and_unique() {
        let mut names = Names::default();
        assert_eq!(names.unique("agentpool1"), "agentpool1");
        assert_eq!(names.unique("agentpool1"), "agentpool1_2");
        assert_eq!(names.unique("agentpool1"), "agentpool1_3");
        assert_eq!(names.unique("1pool"), "_1pool");
        assert_eq!(names.unique("-x"), "_-x");
        assert_eq!(names.unique("a.b c"), "a_b_c");
        assert_eq!(names.unique(""), "_");
        assert_eq!(
            names.unique("k8s-agentpool1-vmss-computeAksLinuxBilling"),
            "k8s-agentpool1-vmss-computeAksLinuxBilling"
        );
        for n in names.0 {
            assert!(hcl::Identifier::new(n.clone()).is_ok(), "{n}");
        }
    }
}
