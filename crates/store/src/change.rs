//! [`Change`]: one write transaction that knows who makes it. Every public
//! method that writes goes through it, so each change is audited, the
//! search index follows the text, and both commit with the data or not at
//! all; the ritual lives here once instead of in every method.

use std::ops::Deref;
use std::path::Path;

use rusqlite::{Connection, Transaction, TransactionBehavior};
use serde_json::Value;

use crate::audit::{self, Action};
use crate::error::{Error, Result};
use crate::records::DraftId;
use crate::store::Store;

pub(crate) struct Change<'s> {
    tx: Transaction<'s>,
    actor: &'s str,
    path: &'s Path,
}

impl Store {
    /// Starts a change. `IMMEDIATE`: the write lock is taken now, so a
    /// second process waits here (up to the busy timeout) rather than
    /// failing at commit after doing the work.
    pub(crate) fn change(&mut self) -> Result<Change<'_>> {
        let Store {
            conn,
            path,
            actor,
            read_only,
        } = self;
        if *read_only {
            return Err(Error::ReadOnly { path: path.clone() });
        }
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| Error::sqlite(path, e))?;
        Ok(Change { tx, actor, path })
    }
}

impl Change<'_> {
    /// Runs SQL in the transaction, its errors mapped to what the
    /// clinician can act on (disk full, read-only, busy).
    pub(crate) fn sql<T>(&self, run: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        run(&self.tx).map_err(|e| self.error(e))
    }

    pub(crate) fn error(&self, e: rusqlite::Error) -> Error {
        Error::sqlite(self.path, e)
    }

    /// Writes a line of the trail in this transaction; for changes that
    /// audit more than one line (a purge names what it erased).
    pub(crate) fn audit(
        &self,
        action: Action,
        draft: Option<DraftId>,
        version: Option<i64>,
        detail: Value,
    ) -> Result<()> {
        self.sql(|tx| audit::write(tx, self.actor, action, draft, version, &detail))
    }

    /// Audits the change and commits it.
    pub(crate) fn commit(
        self,
        action: Action,
        draft: Option<DraftId>,
        version: Option<i64>,
        detail: Value,
    ) -> Result<()> {
        self.audit(action, draft, version, detail)?;
        self.tx.commit().map_err(|e| Error::sqlite(self.path, e))
    }

    /// Commits a generation's new row, still `en_curso`, without a line of
    /// its own: a generation is audited once, when it ends, by
    /// `finish_generation` or, if its process dies, as interrupted when the
    /// store is next opened.
    pub(crate) fn commit_pending(self) -> Result<()> {
        self.tx.commit().map_err(|e| Error::sqlite(self.path, e))
    }

    /// Ends a change to a draft's text: audits it, brings the draft's row
    /// of the search index up to date and commits, all or nothing.
    pub(crate) fn commit_text(
        self,
        action: Action,
        draft: DraftId,
        version: Option<i64>,
        detail: Value,
    ) -> Result<()> {
        self.sql(|tx| crate::drafts::reindex(tx, draft))?;
        self.commit(action, Some(draft), version, detail)
    }
}

/// Read access to the transaction, for the helpers that take a connection.
impl Deref for Change<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.tx
    }
}
