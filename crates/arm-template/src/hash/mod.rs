//! The two deterministic hashes ARM exposes: `uniqueString` and `guid`.

mod guid;
mod unique_string;

pub use guid::guid;
pub use unique_string::{murmur_hash64, unique_string};
