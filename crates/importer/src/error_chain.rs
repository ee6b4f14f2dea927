//! One line for an error and its causes: how every error of this tool is shown. A leaf module,
//! so any module can print a cause without depending on another's types.

/// An error and each of its causes, `: `-joined on one line. Every layer's message says only its
/// own context, so walking the chain shows each fact once.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
