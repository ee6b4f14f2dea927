//! Every repository path `README.md` and `docs/*.md` name in backticks exists, and every relative
//! link in them leads to a file: a file moved or renamed must take its docs along.
//!
//! A repository path is a word of a code span (inline or fenced) that starts with one of
//! [`ROOTS`]; brace groups (`src/{a,b}.rs`) name each alternative, `*` matches within one path
//! segment, and words with placeholders (`<dir>`, `$VAR`) are not paths.

use std::path::{Path, PathBuf};

/// The top-level directories whose paths the docs name.
const ROOTS: [&str; 7] = [
    "crates/",
    "docs/",
    "scripts/",
    "examples/",
    "bench/",
    "fuzz/",
    ".ci/",
];

/// The Markdown files checked: the README and every file in `docs/`.
fn doc_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The contents of the code spans of a Markdown text: each inline span, and each line of a
/// fenced block.
fn code_spans(markdown: &str) -> Vec<String> {
    let mut spans = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            spans.push(line.to_owned());
            continue;
        }
        let mut rest = line;
        while let Some(open) = rest.find('`') {
            let after = &rest[open..];
            let ticks = after.len() - after.trim_start_matches('`').len();
            let body = &after[ticks..];
            let fence = "`".repeat(ticks);
            let Some(close) = body.find(&fence) else {
                break;
            };
            spans.push(body[..close].to_owned());
            rest = body[close + ticks..].trim_start_matches('`');
        }
    }
    spans
}

/// The repository paths named in a code span, brace groups expanded.
fn paths_in_span(span: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for word in span.split_whitespace() {
        let word = word.trim_start_matches(['(', '"', '\'']);
        let word = word.strip_prefix("./").unwrap_or(word);
        let word = word.trim_end_matches([',', ';', ':', '.', ')', '"', '\'']);
        if !ROOTS.iter().any(|r| word.starts_with(r)) {
            continue;
        }
        if word.contains(['<', '>', '$', '[', ']']) {
            continue;
        }
        paths.extend(expand_braces(word));
    }
    paths
}

/// `a/{b,c}.rs` → `a/b.rs`, `a/c.rs` (each group in turn; no nesting).
fn expand_braces(word: &str) -> Vec<String> {
    let (Some(open), Some(close)) = (word.find('{'), word.find('}')) else {
        return vec![word.to_owned()];
    };
    if close < open {
        return vec![word.to_owned()];
    }
    let (head, alternatives, tail) = (&word[..open], &word[open + 1..close], &word[close + 1..]);
    alternatives
        .split(',')
        .flat_map(|alt| expand_braces(&format!("{head}{alt}{tail}")))
        .collect()
}

/// Whether `path` (relative to `root`, `*` matching within a segment) names something that is
/// there.
fn exists(root: &Path, path: &str) -> bool {
    let mut candidates = vec![root.to_path_buf()];
    for segment in path.trim_end_matches('/').split('/') {
        candidates = candidates
            .iter()
            .flat_map(|dir| -> Vec<PathBuf> {
                if !segment.contains('*') {
                    return vec![dir.join(segment)];
                }
                let Ok(entries) = std::fs::read_dir(dir) else {
                    return Vec::new();
                };
                entries
                    .filter_map(|e| e.ok())
                    .filter(|e| glob_match(segment, &e.file_name().to_string_lossy()))
                    .map(|e| e.path())
                    .collect()
            })
            .filter(|p| p.exists())
            .collect();
    }
    !candidates.is_empty()
}

/// `*` matches any run of characters; everything else itself.
fn glob_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((prefix, rest)) => {
            let Some(name) = name.strip_prefix(prefix) else {
                return false;
            };
            (0..=name.len())
                .filter(|&i| name.is_char_boundary(i))
                .any(|i| glob_match(rest, &name[i..]))
        }
    }
}

/// The targets of a text's relative Markdown links (`[text](target)`), anchors dropped.
fn relative_links(markdown: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = rest[..end].split('#').next().unwrap_or_default();
        if !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:") {
            links.push(target.to_owned());
        }
        rest = &rest[end..];
    }
    links
}

/// What a Markdown text at `file` names that is not in the repository at `root`.
fn missing(root: &Path, file: &Path, markdown: &str) -> Vec<String> {
    let mut missing: Vec<String> = code_spans(markdown)
        .iter()
        .flat_map(|span| paths_in_span(span))
        .filter(|p| !exists(root, p))
        .map(|p| format!("`{p}`"))
        .collect();
    let dir = file.parent().unwrap_or(root);
    missing.extend(
        relative_links(markdown)
            .into_iter()
            .filter(|l| !dir.join(l).exists())
            .map(|l| format!("link ({l})")),
    );
    missing.dedup();
    missing
}

#[test]
fn every_path_the_docs_name_exists() {
    let root = test_fixtures::repo_root();
    let mut stale = Vec::new();
    let mut named = 0;
    for file in doc_files(&root) {
        let text = std::fs::read_to_string(&file).unwrap();
        named += code_spans(&text)
            .iter()
            .map(|s| paths_in_span(s).len())
            .sum::<usize>();
        for m in missing(&root, &file, &text) {
            stale.push(format!(
                "{}: {m}",
                file.strip_prefix(&root).unwrap().display()
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "named in the docs but not in the repository:\n{}",
        stale.join("\n")
    );
    // The docs name many paths; none found means the extractor is broken, not the docs right.
    assert!(named > 50, "only {named} paths found in the docs");
}

#[test]
fn the_extractor_finds_a_stale_path() {
    let root = test_fixtures::repo_root();
    let file = root.join("docs/ARCHITECTURE.md");
    let text = "\
Sizes live in `crates/importer/src/sizes.rs` and the evaluator in
`crates/arm-template/src/{lexer,parser,eval}.rs`; run `./scripts/test`.

```
crates/group-sync      the state file (crates/group-sync/src/state.rs)
crates/no-such-crate   gone
```

See [the guide](import.md) and [a gone one](gone.md#top), or [Spot](https://spot.io).
";
    assert_eq!(
        missing(&root, &file, text),
        [
            "`crates/importer/src/sizes.rs`",
            "`crates/arm-template/src/eval.rs`",
            "`crates/no-such-crate`",
            "link (gone.md)",
        ]
    );
}

#[test]
fn the_extractor_reads_spans_braces_globs_and_skips_placeholders() {
    assert_eq!(code_spans("a `x` b ``y ` z`` c `unclosed"), ["x", "y ` z"]);
    assert_eq!(
        paths_in_span("run -o examples/demo-cluster, docs/{a,b}.md (./scripts/test)"),
        [
            "examples/demo-cluster",
            "docs/a.md",
            "docs/b.md",
            "scripts/test"
        ]
    );
    assert!(paths_in_span("<output-dir>/spot-elastigroups.json DIR/x $HOME/y").is_empty());
    assert!(paths_in_span("crates/<name>/src").is_empty());
    let root = test_fixtures::repo_root();
    assert!(exists(&root, "crates/*/Cargo.toml"));
    assert!(exists(&root, "crates/cli/tests/it/"));
    assert!(!exists(&root, "crates/*/no-such-file.rs"));
    assert!(glob_match("*.rs", "lib.rs") && !glob_match("*.rs", "lib.md"));
}
