//! `completions` and `man`: the scripts load in their shell and complete the subcommands; the
//! man page is roff naming every command.

use std::process::Command;

use crate::common::bin;

fn stdout_of(args: &[&str]) -> String {
    let out = bin().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Sources the bash script, shows its registration, then calls its completion function as
/// bash's programmable completion would for `words` with the cursor on the last word; prints
/// `complete -p` output, then one COMPREPLY entry a line.
fn bash_complete(words: &[&str]) -> (String, Vec<String>) {
    let exe = assert_cmd::cargo::cargo_bin("spotinst-aks-engine");
    let script = r#"
set -e
source <("$EXE" completions bash)
complete -p spotinst-aks-engine
fn=$(complete -p spotinst-aks-engine | sed -E 's/.* -F ([^ ]+) .*/\1/')
read -r -a COMP_WORDS <<< "$WORDS"
if [[ "$WORDS" == *" " ]]; then COMP_WORDS+=(""); fi
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$WORDS"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$fn" spotinst-aks-engine "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script])
        .env("EXE", &exe)
        .env("WORDS", words.join(" "))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let registration = lines.next().unwrap_or_default().to_owned();
    (registration, lines.map(|l| l.trim().to_owned()).collect())
}

#[test]
fn the_bash_script_loads_and_completes_the_subcommands() {
    let (registration, words) = bash_complete(&["spotinst-aks-engine", ""]);
    assert!(
        registration.starts_with("complete ") && registration.ends_with(" spotinst-aks-engine"),
        "{registration}"
    );
    for sub in [
        "import",
        "cutover",
        "export",
        "status",
        "completions",
        "man",
    ] {
        assert!(words.iter().any(|w| w == sub), "{sub} not in {words:?}");
    }
    let (_, words) = bash_complete(&["spotinst-aks-engine", "export", ""]);
    assert!(words.iter().any(|w| w == "terraform"), "{words:?}");
    let (_, words) = bash_complete(&["spotinst-aks-engine", "completions", ""]);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        assert!(words.iter().any(|w| w == shell), "{shell} not in {words:?}");
    }
    let (_, words) = bash_complete(&["spotinst-aks-engine", "export", "terraform", "--t"]);
    assert!(words.iter().any(|w| w == "--tfvars"), "{words:?}");
}

#[test]
fn every_shell_gets_a_script_that_names_the_binary_and_its_commands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains("spotinst-aks-engine"), "{shell}");
        assert!(
            script.contains("terraform"),
            "{shell} completes export terraform"
        );
    }
    let out = bin().args(["completions", "tcsh"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values"));
}

#[test]
fn the_man_page_is_roff_and_names_every_command() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH spotinst-aks-engine 1"), "{page}");
    for sub in [
        "import",
        "status",
        "delete",
        "cutover",
        "export",
        "completions",
    ] {
        assert!(
            page.contains(&format!("spotinst\\-aks\\-engine\\-{sub}(1)")),
            "{sub}"
        );
    }
    assert!(page.contains("Examples:"));
    // Where groff is installed, the page renders without a warning.
    if let Ok(mut groff) = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        use std::io::Write;
        groff
            .stdin
            .take()
            .unwrap()
            .write_all(page.as_bytes())
            .unwrap();
        let out = groff.wait_with_output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "groff warnings");
    }
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["man", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    for page in [
        "spotinst-aks-engine.1",
        "spotinst-aks-engine-import.1",
        "spotinst-aks-engine-export-terraform.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.starts_with(".ie"), "{page}");
    }
}

#[test]
fn every_command_s_help_ends_with_an_example() {
    let commands: &[&[&str]] = &[
        &[],
        &["import"],
        &["status"],
        &["delete"],
        &["cutover"],
        &["create-simple"],
        &["template"],
        &["template", "eval"],
        &["template", "resources"],
        &["export"],
        &["export", "terraform"],
        &["completions"],
        &["man"],
        &["node-agent"],
        &["node-agent", "preempt"],
        &["node-agent", "gc"],
        &["node-agent", "install"],
    ];
    for args in commands {
        let mut full: Vec<&str> = args.to_vec();
        full.push("--help");
        let text = stdout_of(&full);
        let example = text
            .split_once("Example")
            .map(|(_, rest)| rest)
            .unwrap_or_else(|| panic!("no example in {args:?}:\n{text}"));
        assert!(
            example.contains("spotinst-aks-engine "),
            "{args:?}: {example}"
        );
    }
}
