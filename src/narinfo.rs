//! narinfo parsing and signature fingerprints.
