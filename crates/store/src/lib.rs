//! Durable storage for Epicrisis: episodes, drafts, every version of every
//! text, settings and the audit trail, in one SQLite file (rusqlite, bundled
//! SQLite) with WAL, migrations by `user_version` and online backups.
//!
//! The invariant this crate exists for: nothing a clinician wrote is ever
//! lost or silently overwritten.
//!
//! The crate is being built under the store issue.
