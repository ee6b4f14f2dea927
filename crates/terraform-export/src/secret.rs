//! Values that never go into the `.tf` file: each becomes a sensitive variable.

/// A secret found in a live group, replaced in the resource by `var.<variable>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    /// The Terraform variable's name.
    pub variable: String,
    /// Where it is in the group, e.g. `compute.launchSpecification.customData`.
    pub source: String,
    /// The value (only ever written to the tfvars file).
    pub value: SecretValue,
}

/// A secret's value: a string (`custom_data`, a password) or a `map(string)` (an extension's
/// protected settings).
#[derive(Clone, PartialEq, Eq)]
pub enum SecretValue {
    /// A `string` variable.
    Text(String),
    /// A `map(string)` variable, in Spot's key order.
    Map(Vec<(String, String)>),
}

/// Never prints the value.
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("variable", &self.variable)
            .field("source", &self.source)
            .field("value", &"<redacted>")
            .finish()
    }
}
