//! A parsed template document: parameter declarations, variables, resources and outputs.
//!
//! Only the structure is checked here; expressions are parsed and evaluated lazily by a
//! [`Deployment`](crate::Deployment).

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::error::TemplateError;

/// The declared type of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParameterType {
    /// `string`
    String,
    /// `securestring`
    SecureString,
    /// `int`
    Int,
    /// `bool`
    Bool,
    /// `object`
    Object,
    /// `secureObject`
    SecureObject,
    /// `array`
    Array,
}

impl ParameterType {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "string" => ParameterType::String,
            "securestring" => ParameterType::SecureString,
            "int" => ParameterType::Int,
            "bool" => ParameterType::Bool,
            "object" => ParameterType::Object,
            "secureobject" => ParameterType::SecureObject,
            "array" => ParameterType::Array,
            _ => return None,
        })
    }

    /// The name as ARM spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ParameterType::String => "string",
            ParameterType::SecureString => "securestring",
            ParameterType::Int => "int",
            ParameterType::Bool => "bool",
            ParameterType::Object => "object",
            ParameterType::SecureObject => "secureObject",
            ParameterType::Array => "array",
        }
    }
}

/// One `parameters.<name>` declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct ParameterDeclaration {
    /// Name as declared.
    pub name: String,
    /// Declared type.
    pub parameter_type: ParameterType,
    /// `defaultValue` (may be an expression).
    pub default_value: Option<Json>,
    /// `allowedValues`.
    pub allowed_values: Option<Vec<Json>>,
    /// `minLength`.
    pub min_length: Option<i64>,
    /// `maxLength`.
    pub max_length: Option<i64>,
    /// `minValue`.
    pub min_value: Option<i64>,
    /// `maxValue`.
    pub max_value: Option<i64>,
}

/// One variable: a plain (possibly expression-bearing) value or a top-level `copy` loop.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum VariableBody {
    Value(Json),
    Copy { count: Json, input: Json },
}

/// One variable declaration.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct VariableDeclaration {
    pub name: String,
    pub body: VariableBody,
    /// Where it is in the template (for errors).
    pub json_path: String,
}

/// A loaded ARM template.
#[derive(Clone, Debug)]
pub struct Template {
    schema: String,
    content_version: String,
    pub(crate) parameters: Vec<ParameterDeclaration>,
    pub(crate) parameter_index: HashMap<String, usize>,
    pub(crate) variables: Vec<VariableDeclaration>,
    pub(crate) variable_index: HashMap<String, usize>,
    resources: Vec<Json>,
    pub(crate) outputs: Vec<(String, Json)>,
}

fn invalid(json_path: impl Into<String>, message: impl Into<String>) -> TemplateError {
    TemplateError::Invalid {
        document: "template",
        json_path: json_path.into(),
        message: message.into(),
    }
}

impl Template {
    /// Load a template from its JSON document.
    pub fn from_json(v: Json) -> Result<Self, TemplateError> {
        let Json::Object(mut root) = v else {
            return Err(invalid("", "the document is not a JSON object"));
        };
        let schema = root
            .get("$schema")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned();
        let content_version = root
            .get("contentVersion")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned();

        let mut parameters = Vec::new();
        let mut parameter_index = HashMap::new();
        if let Some(params) = root.remove("parameters") {
            let Json::Object(params) = params else {
                return Err(invalid("parameters", "expected an object"));
            };
            for (name, decl) in params {
                let path = format!("parameters.{name}");
                let declaration = parse_parameter(&path, &name, &decl)?;
                if parameter_index
                    .insert(name.to_lowercase(), parameters.len())
                    .is_some()
                {
                    return Err(invalid(path, "declared twice (names are case-insensitive)"));
                }
                parameters.push(declaration);
            }
        }

        let mut variables = Vec::new();
        let mut variable_index = HashMap::new();
        if let Some(vars) = root.remove("variables") {
            let Json::Object(vars) = vars else {
                return Err(invalid("variables", "expected an object"));
            };
            for (name, value) in vars {
                if name.eq_ignore_ascii_case("copy") && value.is_array() {
                    let Json::Array(loops) = value else {
                        unreachable!()
                    };
                    for (i, copy) in loops.into_iter().enumerate() {
                        let path = format!("variables.copy[{i}]");
                        let (loop_name, count, input) = parse_copy_array_entry(&path, copy)?;
                        push_variable(
                            &mut variables,
                            &mut variable_index,
                            VariableDeclaration {
                                name: loop_name,
                                body: VariableBody::Copy { count, input },
                                json_path: path,
                            },
                        )?;
                    }
                } else {
                    let json_path = format!("variables.{name}");
                    push_variable(
                        &mut variables,
                        &mut variable_index,
                        VariableDeclaration {
                            name,
                            body: VariableBody::Value(value),
                            json_path,
                        },
                    )?;
                }
            }
        }

        let resources = match root.remove("resources") {
            None => Vec::new(),
            Some(Json::Array(r)) => r,
            Some(Json::Object(_)) => {
                return Err(invalid(
                    "resources",
                    "symbolic-name resources (languageVersion 2.0) are not supported",
                ));
            }
            Some(_) => return Err(invalid("resources", "expected an array")),
        };
        for (i, r) in resources.iter().enumerate() {
            if !r.is_object() {
                return Err(invalid(format!("resources[{i}]"), "expected an object"));
            }
        }

        let outputs = match root.remove("outputs") {
            None => Vec::new(),
            Some(Json::Object(o)) => o.into_iter().collect(),
            Some(_) => return Err(invalid("outputs", "expected an object")),
        };

        Ok(Template {
            schema,
            content_version,
            parameters,
            parameter_index,
            variables,
            variable_index,
            resources,
            outputs,
        })
    }

    /// The resources as written in the template (unevaluated).
    pub fn resources_raw(&self) -> &[Json] {
        &self.resources
    }

    /// `$schema`.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// `contentVersion`.
    pub fn content_version(&self) -> &str {
        &self.content_version
    }

    /// The parameter declarations, in template order.
    pub fn parameters(&self) -> &[ParameterDeclaration] {
        &self.parameters
    }

    /// A parameter declaration by name (case-insensitive).
    pub fn parameter(&self, name: &str) -> Option<&ParameterDeclaration> {
        self.parameter_index
            .get(&name.to_lowercase())
            .map(|&i| &self.parameters[i])
    }

    /// Variable names, in template order (copy-loop variables by their loop name).
    pub fn variable_names(&self) -> impl Iterator<Item = &str> {
        self.variables.iter().map(|v| v.name.as_str())
    }

    /// Output names, in template order.
    pub fn output_names(&self) -> impl Iterator<Item = &str> {
        self.outputs.iter().map(|(n, _)| n.as_str())
    }
}

fn push_variable(
    variables: &mut Vec<VariableDeclaration>,
    index: &mut HashMap<String, usize>,
    declaration: VariableDeclaration,
) -> Result<(), TemplateError> {
    if index
        .insert(declaration.name.to_lowercase(), variables.len())
        .is_some()
    {
        return Err(invalid(
            declaration.json_path,
            "variable declared twice (names are case-insensitive)",
        ));
    }
    variables.push(declaration);
    Ok(())
}

/// `{"name": …, "count": …, "input": …}` of a `copy` array (variables or properties).
fn parse_copy_array_entry(path: &str, copy: Json) -> Result<(String, Json, Json), TemplateError> {
    let Json::Object(mut copy) = copy else {
        return Err(invalid(path, "expected a copy object"));
    };
    let name = copy
        .get("name")
        .and_then(Json::as_str)
        .ok_or_else(|| invalid(path, "copy needs a string 'name'"))?
        .to_owned();
    let count = copy
        .remove("count")
        .ok_or_else(|| invalid(path, "copy needs a 'count'"))?;
    let input = copy
        .remove("input")
        .ok_or_else(|| invalid(path, "copy needs an 'input'"))?;
    Ok((name, count, input))
}

fn parse_parameter(
    path: &str,
    name: &str,
    decl: &Json,
) -> Result<ParameterDeclaration, TemplateError> {
    let obj = decl
        .as_object()
        .ok_or_else(|| invalid(path, "expected an object"))?;
    let type_text = obj
        .get("type")
        .and_then(Json::as_str)
        .ok_or_else(|| invalid(path, "a parameter needs a string 'type'"))?;
    let parameter_type = ParameterType::parse(type_text).ok_or_else(|| {
        invalid(
            format!("{path}.type"),
            format!("unknown type '{type_text}'"),
        )
    })?;
    let int = |key: &str| -> Result<Option<i64>, TemplateError> {
        match obj.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| invalid(format!("{path}.{key}"), "expected an integer")),
        }
    };
    let allowed_values = match obj.get("allowedValues") {
        None => None,
        Some(Json::Array(a)) => Some(a.clone()),
        Some(_) => {
            return Err(invalid(
                format!("{path}.allowedValues"),
                "expected an array",
            ));
        }
    };
    Ok(ParameterDeclaration {
        name: name.to_owned(),
        parameter_type,
        default_value: obj.get("defaultValue").cloned(),
        allowed_values,
        min_length: int("minLength")?,
        max_length: int("maxLength")?,
        min_value: int("minValue")?,
        max_value: int("maxValue")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loads_sections() {
        let t = Template::from_json(json!({
            "$schema": "s", "contentVersion": "1.0.0.0",
            "parameters": {"gcHighThreshold": {"type": "int", "defaultValue": 85}},
            "variables": {"a": "[parameters('gcHighThreshold')]",
                          "copy": [{"name": "disks", "count": 2, "input": "[copyIndex('disks')]"}]},
            "resources": [{"type": "x", "name": "y"}],
            "outputs": {"o": {"type": "string", "value": "v"}}
        }))
        .unwrap();
        assert_eq!(
            t.parameter("GCHIGHTHRESHOLD").unwrap().parameter_type,
            ParameterType::Int
        );
        assert_eq!(t.variable_names().collect::<Vec<_>>(), vec!["a", "disks"]);
        assert_eq!(t.resources_raw().len(), 1);
        assert_eq!(t.output_names().collect::<Vec<_>>(), vec!["o"]);
        assert_eq!(t.content_version(), "1.0.0.0");
    }

    #[test]
    fn rejects_bad_parameter_types() {
        let err = Template::from_json(json!({"parameters": {"p": {"type": "float"}}})).unwrap_err();
        assert!(err.to_string().contains("parameters.p.type"), "{err}");
    }

    #[test]
    fn rejects_duplicate_names_ignoring_case() {
        assert!(Template::from_json(json!({"variables": {"a": 1, "A": 2}})).is_err());
    }
}
