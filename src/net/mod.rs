//! Network checks of binary caches (tokio + reqwest); the only module that does HTTP.
