//! Converts the embedded Spot OpenAPI YAML files to JSON at build time, without their
//! documentation-only keys, so the binary parses
//! compact JSON at run time instead of YAML (YAML parsing was half of an `import --dry-run`).

use std::path::Path;

#[path = "src/schema/doc_keys.rs"]
#[allow(
    unreachable_pub,
    reason = "the library's module, shared with this build script"
)]
mod doc_keys;

fn main() {
    let root = Path::new("openapi");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    println!("cargo::rerun-if-changed=openapi");
    convert_dir(root, root, &out.join("openapi-json"));
}

fn convert_dir(root: &Path, dir: &Path, out: &Path) {
    for entry in std::fs::read_dir(dir).expect("read openapi dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            convert_dir(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).expect("read yaml");
            let mut value: serde_json::Value =
                serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            doc_keys::strip_doc_keys(&mut value);
            let target = out
                .join(path.strip_prefix(root).expect("under root"))
                .with_extension("json");
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            std::fs::write(&target, serde_json::to_string(&value).expect("json"))
                .expect("write json");
        }
    }
}
