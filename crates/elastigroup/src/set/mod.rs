//! `--set path=value` overrides of the group body, as the original tool's `--set` flag
//! (pflag `stringToString`: repeatable, and `k1=v1,k2=v2` in one argument).

mod apply;
mod capacity;
mod error;
mod parse;
mod schema_check;

pub use apply::apply_set;
pub use capacity::check_capacity;
pub use error::SetError;
pub use parse::{PathSegment, SetAssignment, parse_set_args};
pub use schema_check::check_set_values;
