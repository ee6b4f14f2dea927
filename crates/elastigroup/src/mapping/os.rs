//! The node OS, from whether `osProfile` has a `windowsConfiguration` → v3 `compute.os`, v2
//! `compute.product`.

use super::json_cursor::Cursor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Os {
    Linux,
    Windows,
}

impl Os {
    /// Reads the OS from the scale set's `osProfile`.
    pub(crate) fn of(os_profile: &Cursor) -> Os {
        if os_profile.key("windowsConfiguration").exists() {
            Os::Windows
        } else {
            Os::Linux
        }
    }

    /// The name both generations use.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Os::Linux => "Linux",
            Os::Windows => "Windows",
        }
    }
}
