//! The two generations of the Elastigroup-for-Azure API and their routes.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which Elastigroup-for-Azure API a group lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Generation {
    /// Spot VMs, `/azure/compute/group` (current).
    V3,
    /// Low-Priority scale-set VMs, `/compute/azure/group` (legacy, what the original tool used).
    V2,
}

impl Generation {
    /// The collection path of this generation's groups.
    pub fn collection_path(self) -> &'static str {
        match self {
            Generation::V3 => "/azure/compute/group",
            Generation::V2 => "/compute/azure/group",
        }
    }

    /// `"v3"` or `"v2"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Generation::V3 => "v3",
            Generation::V2 => "v2",
        }
    }
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_and_serde_names() {
        assert_eq!(Generation::V3.collection_path(), "/azure/compute/group");
        assert_eq!(Generation::V2.collection_path(), "/compute/azure/group");
        assert_eq!(serde_json::to_string(&Generation::V2).unwrap(), "\"v2\"");
        let g: Generation = serde_json::from_str("\"v3\"").unwrap();
        assert_eq!(g, Generation::V3);
    }
}
