//! The pure core: parse Nix text, locate cache lists, plan and verify edits. No I/O here.

pub mod bare;
mod builtins;
pub mod choose;
pub mod conftext;
pub mod create;
mod dupattr;
pub mod edit;
mod fxhash;
pub mod imports;
pub mod literal;
pub mod locate;
pub mod model;
#[cfg(test)]
mod parity_tests;
pub mod plan;
pub mod plan_remove;
pub mod resolve;
mod scope;
pub mod syntax;
pub mod verify;
mod whitespace;

pub use locate::locate;
pub use syntax::{ErrorKind, SyntaxError};
