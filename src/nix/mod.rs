//! The pure core: parse Nix text, locate cache lists, plan and verify edits. No I/O here.

mod builtins;
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
pub mod resolve;
mod scope;
pub mod syntax;
pub mod verify;
mod whitespace;

pub use locate::locate;
pub use syntax::{ErrorKind, SyntaxError};
