//! The pure core: parse Nix text, locate cache lists, plan and verify edits. No I/O here.

pub mod model;
