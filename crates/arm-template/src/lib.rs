//! An exact, static evaluator of Azure Resource Manager JSON templates, as Azure evaluates them.
//!
//! No file, network or process I/O happens here: templates and parameters come in as
//! [`serde_json::Value`]s, and values that only exist at deployment time (`reference()`,
//! `list*()`…) go through a caller-supplied [`Resolver`] or a [`DeployTimePolicy`].
//!
//! # Brief overview
//! - [`Template`]: a loaded template (parameters, variables, resources, outputs).
//! - [`ParameterValues`]: values from a parameters file or set by hand (names case-insensitive).
//! - [`DeploymentContext`]: subscription, tenant, resource group, deployment name, [`Environment`].
//! - [`Deployment`]: a template bound to all of the above; evaluates expressions, variables,
//!   resources (copy loops, conditions) and outputs into [`Evaluated`] JSON.
//! - [`parse_expression`]: the hand-written lexer + recursive-descent parser (see `GRAMMAR.md`).
//!
//! ```
//! use arm_template::{Deployment, DeploymentContext, ParameterValues, Template};
//! let template = Template::from_json(serde_json::json!({
//!     "variables": {"vnetId": "[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]"}
//! })).unwrap();
//! let deployment = Deployment::new(&template, &ParameterValues::new(), DeploymentContext::default()).unwrap();
//! assert_eq!(
//!     deployment.variable("vnetId").unwrap(),
//!     "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/resourceGroup/providers/Microsoft.Network/virtualNetworks/vnet"
//! );
//! ```

pub mod ast;
mod context;
mod deployment;
mod error;
mod evaluated;
mod evaluator;
mod functions;
mod hash;
mod json_path;
mod lexer;
mod limits;
mod parameters;
mod parsed;
mod parser;
mod scope;
mod template;
mod token;
mod value;

pub use context::{DeployTimePolicy, DeploymentContext, Environment, Resolver};
pub use deployment::Deployment;
pub use error::{EvalError, EvalErrorKind, ParseError, TemplateError};
pub use evaluated::{Deferred, Evaluated};
pub use functions::{Family, FunctionInfo, supported_functions};
pub use hash::{guid, murmur_hash64, unique_string};
pub use parameters::ParameterValues;
pub use parser::parse_expression;
pub use template::{ParameterDeclaration, ParameterType, Template};

/// Opens a deploy-time marker embedded in a string: `<<deploy-time: EXPR>>`.
pub const DEPLOY_TIME_MARKER_OPEN: &str = "<<deploy-time: ";
/// Closes a deploy-time marker.
pub const DEPLOY_TIME_MARKER_CLOSE: &str = ">>";

/// Whether a template string is an expression (`[...]`, not the `[[...]` escape).
pub fn is_expression(s: &str) -> bool {
    matches!(evaluator::classify(s), evaluator::StringKind::Expression)
}
