//! Evaluation limits, so that no template or expression can exhaust memory or time.
//!
//! Azure Resource Manager bounds a template: 4 MB after expansion, 24,576 characters per
//! expression, 800 copies per loop (<https://learn.microsoft.com/azure/azure-resource-manager/templates/best-practices#template-limits>).
//! A static evaluator meets values ARM never sees whole (a string doubled through 40 variables), so
//! it bounds each value and the total work instead. Every check happens before the allocation it
//! guards, so exceeding a limit costs no more memory than the limit itself.

use std::cell::Cell;

use crate::value::Value;

/// The largest value (strings in UTF-8 bytes, arrays and objects by [`estimated_size`]): 4 MiB,
/// ARM's limit on a whole expanded template.
pub(crate) const MAX_VALUE_BYTES: usize = 4 * 1024 * 1024;

/// The most evaluation steps (expression nodes, template JSON nodes, elements compared or
/// measured) one deployment may take.
pub(crate) const MAX_STEPS: u64 = 20_000_000;

/// The most bytes of values one deployment may produce in total (intermediate results included).
pub(crate) const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;

/// The deepest a value may nest (arrays and objects), so that walking, comparing and dropping it
/// cannot overflow the stack. JSON parsers commonly stop at 128.
pub(crate) const MAX_NESTING: usize = 128;

/// How deep evaluation may nest, counting expression nodes and template JSON arrays/objects through
/// variables, parameter defaults and lambdas, so that it cannot overflow the stack (even a debug
/// build's 2 MiB test thread).
pub(crate) const MAX_EVAL_DEPTH: usize = 200;

/// How many variables or parameter defaults may be evaluating inside one another.
pub(crate) const MAX_REFERENCE_DEPTH: usize = 64;

/// Bytes an array element or object entry costs in [`estimated_size`] besides its content.
const ENTRY_OVERHEAD: usize = 8;

/// Why a value is too large to make.
pub(crate) fn too_large(bytes: usize) -> String {
    format!(
        "the result would be {bytes} bytes, more than the {MAX_VALUE_BYTES} bytes (4 MiB) a template value may hold"
    )
}

/// Check that a value of `bytes` may be made (call before allocating it).
pub(crate) fn check_size(bytes: usize) -> Result<(), String> {
    if bytes > MAX_VALUE_BYTES {
        Err(too_large(bytes))
    } else {
        Ok(())
    }
}

/// `a + b` bytes, checked against the value limit without overflowing.
pub(crate) fn check_sum(sizes: impl IntoIterator<Item = usize>) -> Result<usize, String> {
    let mut total = 0usize;
    for size in sizes {
        total = total.saturating_add(size);
        if total > MAX_VALUE_BYTES {
            return Err(too_large(total));
        }
    }
    Ok(total)
}

/// A value's size as the limits count it: string bytes, 8 bytes per scalar, and 8 bytes per array
/// element or object entry (plus its key) on top of the content. Values shared between several
/// places count once per place, as they would once written out. Stops counting (and fails) once
/// past [`MAX_VALUE_BYTES`] or [`MAX_NESTING`], so the walk costs at most about a million nodes.
pub(crate) fn estimated_size(value: &Value) -> Result<usize, String> {
    let mut total = 0usize;
    walk(value, 0, &mut total)?;
    Ok(total)
}

fn walk(value: &Value, depth: usize, total: &mut usize) -> Result<(), String> {
    if depth > MAX_NESTING {
        return Err(format!(
            "the value nests more than {MAX_NESTING} arrays or objects deep"
        ));
    }
    let own = match value {
        Value::String(s) => s.len(),
        Value::Unresolved(u) => u.text.len(),
        Value::Array(items) => {
            for item in items.iter() {
                *total = total.saturating_add(ENTRY_OVERHEAD);
                walk(item, depth + 1, total)?;
            }
            0
        }
        Value::Object(map) => {
            for (key, item) in map.iter() {
                *total = total.saturating_add(ENTRY_OVERHEAD + key.len());
                walk(item, depth + 1, total)?;
            }
            0
        }
        _ => ENTRY_OVERHEAD,
    };
    *total = total.saturating_add(own);
    if *total > MAX_VALUE_BYTES {
        return Err(too_large(*total));
    }
    Ok(())
}

/// The work one deployment has done so far.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    steps: Cell<u64>,
    bytes: Cell<u64>,
}

impl Budget {
    /// Count `n` steps; fails once the deployment has taken more than [`MAX_STEPS`].
    pub(crate) fn steps(&self, n: u64) -> Result<(), String> {
        let steps = self.steps.get().saturating_add(n);
        self.steps.set(steps);
        if steps > MAX_STEPS {
            Err(format!(
                "the deployment took more than {MAX_STEPS} evaluation steps, the most it may take"
            ))
        } else {
            Ok(())
        }
    }

    /// Count `n` bytes of values produced; fails once past [`MAX_TOTAL_BYTES`].
    pub(crate) fn bytes(&self, n: usize) -> Result<(), String> {
        let bytes = self.bytes.get().saturating_add(n as u64);
        self.bytes.set(bytes);
        if bytes > MAX_TOTAL_BYTES {
            Err(format!(
                "the deployment produced more than {MAX_TOTAL_BYTES} bytes (256 MiB) of values, the most it may produce"
            ))
        } else {
            Ok(())
        }
    }

    /// Measure a value just made (size and nesting) and count it against the budget.
    pub(crate) fn admit(&self, value: &Value) -> Result<(), String> {
        let size = match value {
            Value::String(s) => check_size(s.len()).map(|()| s.len())?,
            Value::Array(_) | Value::Object(_) => {
                let size = estimated_size(value)?;
                self.steps((size / ENTRY_OVERHEAD) as u64)?;
                size
            }
            _ => ENTRY_OVERHEAD,
        };
        self.bytes(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_count_strings_in_bytes_and_entries_with_overhead() {
        assert_eq!(estimated_size(&Value::str("héllo")).unwrap(), 6);
        let array = Value::array(vec![Value::Int(1), Value::str("ab")]);
        assert_eq!(estimated_size(&array).unwrap(), 8 + 8 + 8 + 2);
        let big = Value::str("x".repeat(MAX_VALUE_BYTES / 2 + 1));
        let doubled = Value::array(vec![big.clone(), big]);
        assert!(estimated_size(&doubled).unwrap_err().contains("4 MiB"));
    }

    #[test]
    fn nesting_is_bounded() {
        let mut v = Value::Null;
        for _ in 0..=MAX_NESTING {
            v = Value::array(vec![v]);
        }
        assert!(
            estimated_size(&v)
                .unwrap_err()
                .contains("nests more than 128")
        );
    }

    #[test]
    fn budget_fails_past_its_limits() {
        let budget = Budget::default();
        assert!(budget.steps(MAX_STEPS).is_ok());
        assert!(budget.steps(1).is_err());
        assert!(budget.bytes(MAX_TOTAL_BYTES as usize).is_ok());
        assert!(budget.bytes(1).is_err());
        assert!(check_sum([MAX_VALUE_BYTES, 1]).is_err());
        assert!(check_sum([usize::MAX, usize::MAX]).is_err());
    }
}
