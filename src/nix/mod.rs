//! The pure core: parse Nix text, locate cache lists, plan and verify edits. No I/O here.

pub mod bare;
pub mod choose;
pub mod conftext;
pub mod create;
pub mod edit;
pub mod literal;
pub mod locate;
pub mod model;
pub mod plan;
pub mod plan_remove;
pub mod resolve;
pub mod syntax;
pub mod verify;

pub use locate::locate;
pub use syntax::SyntaxError;
