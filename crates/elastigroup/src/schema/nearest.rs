//! "Did you mean": the known schema path closest to an unknown field.

/// Levenshtein distance over `char`s, case-insensitive (`zone` vs `Zones` is 1).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    strsim::levenshtein(&a.to_lowercase(), &b.to_lowercase())
}

/// Whether two names are close enough to suggest one for the other.
fn close(name: &str, candidate: &str, d: usize) -> bool {
    let longest = name.chars().count().max(candidate.chars().count());
    d <= 2.max(longest / 3)
}

fn last_segment(path: &str) -> &str {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last)
}

/// The suggestion for unknown field `name` in the object at `parent` (instance path):
/// the closest sibling name when close enough; otherwise a known path anywhere in the schema
/// whose last name is the same or close (the field was put at the wrong level).
pub(crate) fn nearest_known(
    parent: &str,
    name: &str,
    siblings: &[&str],
    all_known: &[String],
) -> Option<String> {
    let join = |n: &str| {
        if parent.is_empty() {
            n.to_owned()
        } else {
            format!("{parent}.{n}")
        }
    };
    let best_sibling = siblings.iter().map(|s| (edit_distance(name, s), *s)).min();
    if let Some((d, s)) = best_sibling
        && close(name, s, d)
    {
        return Some(join(s));
    }
    let wanted = join(name);
    all_known
        .iter()
        .map(|k| {
            (
                edit_distance(name, last_segment(k)),
                edit_distance(&wanted, k),
                k,
            )
        })
        .filter(|(d, _, k)| close(name, last_segment(k), *d))
        .min()
        .map(|(_, _, k)| k.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("zone", "zones"), 1);
        assert_eq!(edit_distance("SizeGb", "sizeGB"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn prefers_a_close_sibling_then_a_known_path_elsewhere() {
        let known = vec![
            "group.compute.launchSpecification.customData".to_owned(),
            "group.compute.zones".to_owned(),
        ];
        assert_eq!(
            nearest_known("group.compute", "zone", &["zones", "os"], &known),
            Some("group.compute.zones".to_owned())
        );
        assert_eq!(
            nearest_known("group.compute", "customData", &["zones", "os"], &known),
            Some("group.compute.launchSpecification.customData".to_owned())
        );
        assert_eq!(
            nearest_known("group", "completelyDifferent", &["name"], &known),
            None
        );
    }
}
