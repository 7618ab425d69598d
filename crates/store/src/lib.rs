#![warn(missing_docs)]
//! Durable storage for Epicrisis: episodes, drafts, every version of every
//! text, settings and the audit trail, in one SQLite file (rusqlite, bundled
//! SQLite) with WAL, migrations by `user_version` and online backups.
//!
//! The invariant this crate exists for: nothing a clinician wrote is ever
//! lost or silently overwritten. Every text is a new version; a final draft
//! is immutable (enforced by SQL triggers too); deletion is soft; every
//! change is audited in the same transaction; a damaged file is moved
//! aside, never deleted; a streaming generation is saved every second.
//!
//! ```no_run
//! use store::{ListQuery, NewVersion, OpenOptions, Origin, Store};
//!
//! let json = std::fs::read_to_string("neumonia.json")?;
//! let episode = clinical::normalize(clinical::parse_episode(json.as_bytes())?);
//! let (mut store, report) = Store::open(&store::location::resolve(None)?, OpenOptions::default())?;
//! for gen in &report.interrupted {
//!     eprintln!("generación interrumpida en el borrador {}", gen.draft_id);
//! }
//! let draft = store.create_draft(&json, &episode)?;
//! let text = clinical::draft(&episode);
//! store.add_version(draft, Origin::Determinista, NewVersion { text, ..Default::default() })?;
//! let found = store.list(&ListQuery { search: Some("munoz".into()), ..Default::default() })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod audit;
pub mod backup;
mod change;
mod drafts;
mod error;
pub mod form;
mod generation;
mod list;
pub mod location;
mod open;
mod paths;
mod records;
mod schema;
mod settings;
mod store;
mod templates;
mod time;
mod versions;

pub use audit::Action;
pub use error::{Error, ErrorKind, Result};
pub use generation::{Generation, AUTOSAVE_INTERVAL};
pub use list::{fts_query, ListQuery};
pub use open::{os_user, OpenOptions, OpenReport};
pub use records::{
    AuditEntry, Draft, DraftId, DraftSummary, Interrupted, Origin, Provenance, Status, Version,
    VersionState,
};
pub use schema::CURRENT_VERSION as SCHEMA_VERSION;

/// This store's version, for the support screen.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub use settings::PURGE_AFTER_DAYS;
pub use store::Store;
pub use time::Timestamp;
pub use versions::NewVersion;
