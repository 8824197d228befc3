//! Offline lint rules for cache settings (`cachectl check`).
