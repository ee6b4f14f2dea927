//! `guid()`: a name-based UUID v5 in ARM's namespace over the arguments joined with `-`
//! (<https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-string#guid>;
//! UUID v5: <https://www.rfc-editor.org/rfc/rfc4122#section-4.3>).

use uuid::Uuid;

/// The namespace ARM's `guid()` hashes into.
const NAMESPACE: Uuid = Uuid::from_u128(0x11fb06fb_712d_4ddd_98c7_e71bbd588830);

/// `guid(args…)`, lowercase and hyphenated.
pub fn guid(args: &[&str]) -> String {
    Uuid::new_v5(&NAMESPACE, args.join("-").as_bytes())
        .hyphenated()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_vectors() {
        assert_eq!(
            guid(&["a", "b", "c"]),
            "a98fa280-e03f-5afa-8d8e-92d0a9c201e8"
        );
        assert_eq!(
            guid(&["hello", "world"]),
            "a5b868f8-11fe-567a-ace0-e77cc87f104e"
        );
    }
}
