//! Loading an aks-engine output directory (`aks-engine generate|deploy -o DIR`).

use std::path::{Path, PathBuf};

use crate::{ApiModel, LoadError};

/// The files of an aks-engine output directory, parsed.
#[derive(Debug)]
pub struct OutputDir {
    /// The directory, as given.
    pub path: PathBuf,
    /// `apimodel.json`.
    pub api_model: ApiModel,
    /// `azuredeploy.json`, as an ARM template.
    pub template: arm_template::Template,
    /// `azuredeploy.parameters.json`, as parameter values.
    pub parameters: arm_template::ParameterValues,
    /// `kubeconfig/kubeconfig.<location>.json`, when present.
    pub kubeconfig: Option<PathBuf>,
}

/// `apimodel.json`, the cluster definition; aks-engine always writes it and the two files below.
pub const API_MODEL: &str = "apimodel.json";
/// `azuredeploy.json`, the ARM template.
pub const TEMPLATE: &str = "azuredeploy.json";
/// `azuredeploy.parameters.json`, the template's parameter values.
pub const PARAMETERS: &str = "azuredeploy.parameters.json";

impl OutputDir {
    /// Reads and parses the directory. Touches nothing: the directory is only read.
    pub fn load(dir: &Path) -> Result<OutputDir, LoadError> {
        if !dir.exists() {
            return Err(LoadError::DirectoryMissing {
                path: dir.to_path_buf(),
            });
        }
        if !dir.is_dir() {
            return Err(LoadError::NotADirectory {
                path: dir.to_path_buf(),
            });
        }
        let missing: Vec<&'static str> = [API_MODEL, TEMPLATE, PARAMETERS]
            .into_iter()
            .filter(|f| !dir.join(f).is_file())
            .collect();
        if !missing.is_empty() {
            return Err(LoadError::NotAksEngineOutput {
                path: dir.to_path_buf(),
                missing,
            });
        }

        // The template is most of the reading: the other two are read beside it. Errors are
        // reported in the same order as one file after another.
        let (template, others) = std::thread::scope(|s| {
            let others = s.spawn(|| {
                let api_model = read_api_model(&dir.join(API_MODEL));
                (api_model, read_parameters(&dir.join(PARAMETERS)))
            });
            let template = load_template(&dir.join(TEMPLATE));
            let others = others
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (template, others)
        });
        let (api_model, parameters) = others;
        let api_model = api_model?;
        let template = template?;
        let parameters = parameters?;

        let kubeconfig = find_kubeconfig(dir, api_model.location.as_deref());
        Ok(OutputDir {
            path: dir.to_path_buf(),
            api_model,
            template,
            parameters,
            kubeconfig,
        })
    }
}

/// Reads azuredeploy.parameters.json as parameter values.
fn read_parameters(path: &Path) -> Result<arm_template::ParameterValues, LoadError> {
    let json = read_json(path)?;
    arm_template::ParameterValues::from_parameters_file(&json).map_err(|source| {
        LoadError::Template {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// Reads azuredeploy.json as an ARM template.
fn load_template(path: &Path) -> Result<arm_template::Template, LoadError> {
    let json = read_json(path)?;
    if !json.get("resources").is_some_and(|r| r.is_array()) {
        return Err(LoadError::Field {
            path: path.to_path_buf(),
            field: "resources".into(),
            expected: "an ARM deployment template with a `resources` array".into(),
        });
    }
    arm_template::Template::from_json(json).map_err(|source| LoadError::Template {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a JSON file, reporting syntax errors with file, line and column.
pub fn read_json(path: &Path) -> Result<serde_json::Value, LoadError> {
    let bytes = read(path)?;
    serde_json::from_slice(without_bom(&bytes)).map_err(|e| json_error(path, &e))
}

/// Reads apimodel.json straight into the fields we use (it carries certificates we never look at,
/// so it is not built as a JSON tree first).
fn read_api_model(path: &Path) -> Result<ApiModel, LoadError> {
    let bytes = read(path)?;
    parse_api_model(path, &bytes)
}

/// Parses an api model, naming the JSON path and position of a field with the wrong type.
pub fn parse_api_model(path: &Path, bytes: &[u8]) -> Result<ApiModel, LoadError> {
    let mut de = serde_json::Deserializer::from_slice(without_bom(bytes));
    let model = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        if inner.is_syntax() || inner.is_eof() {
            return json_error(path, inner);
        }
        let field = e.path().to_string();
        LoadError::WrongField {
            path: path.to_path_buf(),
            line: inner.line(),
            column: inner.column(),
            field: if field == "." {
                "the top level".into()
            } else {
                field
            },
            problem: in_json_words(&strip_position(&inner.to_string())),
        }
    })?;
    de.end().map_err(|e| json_error(path, &e))?;
    Ok(model)
}

/// serde's `invalid type: string "two", expected u32` as a JSON user reads it:
/// `expected a non-negative integer, found "two"`.
fn in_json_words(message: &str) -> String {
    let Some(rest) = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
    else {
        return message.to_owned();
    };
    let Some((found, expected)) = rest.split_once(", expected ") else {
        return message.to_owned();
    };
    let expected = match expected {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a non-negative integer",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer",
        "f32" | "f64" => "a number",
        "a sequence" => "an array",
        "a boolean" => "true or false",
        e if e.starts_with("struct ") || e == "a map" => "an object",
        e => e,
    };
    let found = match found {
        "map" => "an object".to_owned(),
        "sequence" => "an array".to_owned(),
        "null" => "null".to_owned(),
        f => match f.split_once(' ') {
            // `string "two"`, `integer `5``, `boolean `true``, `floating point `1.5``
            Some((_, v)) if v.starts_with('"') => v.to_owned(),
            Some((_, v)) => v
                .rsplit_once(' ')
                .map_or(v, |(_, v)| v)
                .trim_matches('`')
                .to_owned(),
            None => f.to_owned(),
        },
    };
    format!("expected {expected}, found {found}")
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// aks-engine never writes a byte-order mark, but editors do.
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn json_error(path: &Path, e: &serde_json::Error) -> LoadError {
    LoadError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    }
}

/// serde_json appends " at line L column C"; we print the position ourselves.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// aks-engine writes `kubeconfig/kubeconfig.<location>.json` (one per region when the model has
/// no location). Prefer the model's location, else the only file there.
fn find_kubeconfig(dir: &Path, location: Option<&str>) -> Option<PathBuf> {
    let kdir = dir.join("kubeconfig");
    if let Some(loc) = location {
        let p = kdir.join(format!(
            "kubeconfig.{}.json",
            loc.to_ascii_lowercase().replace(' ', "")
        ));
        if p.is_file() {
            return Some(p);
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&kdir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    (files.len() == 1).then(|| files.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_model_type_errors_name_the_json_path_and_position_in_json_words() {
        let p = Path::new("apimodel.json");
        let text = "{\"properties\": {\"agentPoolProfiles\": [\n  {\"name\": \"a\", \"count\": \"two\"}]}}";
        let err = parse_api_model(p, text.as_bytes()).unwrap_err().to_string();
        assert_eq!(
            err,
            "apimodel.json:2:30: properties.agentPoolProfiles[0].count: expected a non-negative integer, found \"two\""
        );
        let missing = parse_api_model(p, br#"{"properties": {"agentPoolProfiles": [{}]}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("properties.agentPoolProfiles[0]: missing field `name`"),
            "{missing}"
        );
        let negative = parse_api_model(p, br#"{"properties": {"masterProfile": {"count": -1}}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            negative.ends_with(
                "properties.masterProfile.count: expected a non-negative integer, found -1"
            ),
            "{negative}"
        );
        let trailing = parse_api_model(p, br#"{"properties": {}} x"#).unwrap_err();
        assert!(matches!(trailing, LoadError::Json { .. }), "{trailing}");
    }

    #[test]
    fn json_errors_name_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("apimodel.json");
        std::fs::write(&p, "{\n  \"a\": 1,\n  oops\n}").unwrap();
        let err = read_json(&p).unwrap_err().to_string();
        assert!(
            err.contains("apimodel.json:3:3: invalid JSON: key must be a string"),
            "{err}"
        );
    }

    #[test]
    fn missing_directory_is_named() {
        let err = OutputDir::load(Path::new("/nonexistent/dir/for/test"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("/nonexistent/dir/for/test does not exist"),
            "{err}"
        );
    }

    #[test]
    fn a_directory_without_aks_engine_files_lists_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("apimodel.json"), "{}").unwrap();
        let err = OutputDir::load(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("missing azuredeploy.json, azuredeploy.parameters.json"),
            "{err}"
        );
    }
}
