//! Which request paths a fault hits or a recorded-request query selects. A leaf: `fault`,
//! `recorded` and the servers all use it, it uses none of them.

/// The paths a fault hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathMatch {
    /// Every path.
    Any,
    /// This path exactly.
    Exact(String),
    /// Paths starting with this.
    Prefix(String),
    /// Paths containing this, ignoring ASCII case.
    Contains(String),
}

impl PathMatch {
    /// Spot's pattern syntax: a path exactly, or a prefix when it ends in `*`.
    pub fn pattern(pattern: &str) -> Self {
        match pattern.strip_suffix('*') {
            Some(prefix) => PathMatch::Prefix(prefix.to_owned()),
            None => PathMatch::Exact(pattern.to_owned()),
        }
    }

    pub(crate) fn matches(&self, path: &str) -> bool {
        match self {
            PathMatch::Any => true,
            PathMatch::Exact(p) => path == p,
            PathMatch::Prefix(p) => path.starts_with(p.as_str()),
            PathMatch::Contains(p) => path.to_ascii_lowercase().contains(&p.to_ascii_lowercase()),
        }
    }
}
