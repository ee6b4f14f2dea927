//! The few HCL expressions the export writes, built with hcl-rs (never by formatting text).

use hcl::expr::{Expression, FuncCall, Object, ObjectKey, Traversal, Variable};
use hcl::{Identifier, Number};

pub(crate) fn string(s: &str) -> Expression {
    Expression::String(s.to_owned())
}

pub(crate) fn strings(list: &[&str]) -> Expression {
    Expression::Array(list.iter().map(|s| string(s)).collect())
}

/// A JSON number as Spot returned it: integers stay integers.
pub(crate) fn number(n: &serde_json::Number) -> Expression {
    let number = if let Some(i) = n.as_i64() {
        Number::from(i)
    } else if let Some(u) = n.as_u64() {
        Number::from(u)
    } else {
        n.as_f64()
            .and_then(Number::from_f64)
            .unwrap_or_else(|| Number::from(0))
    };
    Expression::Number(number)
}

/// A bare name such as `string` (a type) or `extensions` (in `ignore_changes`).
pub(crate) fn keyword(name: &str) -> Expression {
    Expression::Variable(Variable::unchecked(name))
}

/// `var.<name>`.
pub(crate) fn var(name: &str) -> Expression {
    traversal("var", name)
}

/// `<root>.<attr>`, e.g. `spotinst_elastigroup_azure_v3.agentpool1`.
pub(crate) fn traversal(root: &str, attr: &str) -> Expression {
    Expression::Traversal(Box::new(
        Traversal::builder(Variable::unchecked(root))
            .attr(Identifier::unchecked(attr))
            .build(),
    ))
}

/// `map(string)`.
pub(crate) fn map_of_string() -> Expression {
    Expression::FuncCall(Box::new(
        FuncCall::builder("map").arg(keyword("string")).build(),
    ))
}

/// `{ key = "value", ... }` in the given order; keys that are not identifiers are quoted.
pub(crate) fn string_map(pairs: &[(String, String)]) -> Expression {
    let mut object = Object::new();
    for (k, v) in pairs {
        let key = match Identifier::new(k.clone()) {
            Ok(ident) => ObjectKey::Identifier(ident),
            Err(_) => ObjectKey::Expression(string(k)),
        };
        object.insert(key, string(v));
    }
    Expression::Object(object)
}

/// An object of expressions (`{ source = "spotinst/spotinst" }`).
pub(crate) fn object(pairs: Vec<(&str, Expression)>) -> Expression {
    let mut object = Object::new();
    for (k, v) in pairs {
        object.insert(ObjectKey::Identifier(Identifier::unchecked(k)), v);
    }
    Expression::Object(object)
}
