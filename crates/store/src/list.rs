//! The drafts list: a page ordered by last change, filtered by status,
//! date and full text.

use rusqlite::{params_from_iter, ToSql};

use crate::drafts::{summary_from_row, SUMMARY_COLUMNS};
use crate::error::Result;
use crate::records::{DraftSummary, Status};
use crate::store::Store;
use crate::time::Timestamp;

/// Which drafts a list shows: the sidebar's search, the command line's
/// filters, a page of them.
#[derive(Debug, Clone)]
pub struct ListQuery {
    /// Words to find in the patient's name, RUT, diagnoses or text; case
    /// and accents are ignored and each word matches as a prefix.
    pub search: Option<String>,
    /// Only drafts in this status.
    pub status: Option<Status>,
    /// Changed at or after.
    pub changed_from: Option<Timestamp>,
    /// Changed before.
    pub changed_before: Option<Timestamp>,
    /// The bin (deleted drafts) instead of the live ones.
    pub deleted: bool,
    /// At most this many, newest change first.
    pub limit: usize,
    /// Skip this many first (paging).
    pub offset: usize,
}

impl Default for ListQuery {
    fn default() -> Self {
        ListQuery {
            search: None,
            status: None,
            changed_from: None,
            changed_before: None,
            deleted: false,
            limit: 50,
            offset: 0,
        }
    }
}

/// Turns what the user typed into an FTS5 query that cannot be a syntax
/// error: every word quoted, as a prefix, all required. `None` when
/// nothing searchable was typed.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

impl Store {
    /// The drafts `query` asks for, the most recently changed first.
    pub fn list(&self, query: &ListQuery) -> Result<Vec<DraftSummary>> {
        let mut conditions = vec![if query.deleted {
            "d.deleted_at IS NOT NULL"
        } else {
            "d.deleted_at IS NULL"
        }];
        let mut values: Vec<Box<dyn ToSql>> = Vec::new();
        if let Some(fts) = query.search.as_deref().and_then(fts_query) {
            conditions.push("d.id IN (SELECT rowid FROM search WHERE search MATCH ?)");
            values.push(Box::new(fts));
        }
        if let Some(status) = query.status {
            conditions.push("d.status = ?");
            values.push(Box::new(status));
        }
        if let Some(from) = query.changed_from {
            conditions.push("d.updated_at >= ?");
            values.push(Box::new(from.millis()));
        }
        if let Some(before) = query.changed_before {
            conditions.push("d.updated_at < ?");
            values.push(Box::new(before.millis()));
        }
        values.push(Box::new(i64::try_from(query.limit).unwrap_or(i64::MAX)));
        values.push(Box::new(i64::try_from(query.offset).unwrap_or(0)));
        // The page's ids first, the summary columns (correlated counts) only
        // for those: computing them for every match before the sort made a
        // search of 100,000 drafts slower than its target.
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM (
                 SELECT d.id FROM drafts d WHERE {}
                 ORDER BY d.updated_at DESC, d.id DESC LIMIT ? OFFSET ?
             ) page
             JOIN drafts d ON d.id = page.id JOIN episodes e ON e.id = d.episode_id
             ORDER BY d.updated_at DESC, d.id DESC",
            conditions.join(" AND ")
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(self.err())?;
        stmt.query_map(params_from_iter(values.iter()), summary_from_row)
            .and_then(|rows| rows.collect())
            .map_err(self.err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_becomes_a_safe_prefix_query() {
        assert_eq!(fts_query("Muñoz"), Some("\"Muñoz\"*".into()));
        assert_eq!(
            fts_query("12.345.678-5"),
            Some("\"12\"* \"345\"* \"678\"* \"5\"*".into())
        );
        assert_eq!(fts_query("\"OR* NEAR("), Some("\"OR\"* \"NEAR\"*".into()));
        assert_eq!(fts_query(" -*- "), None);
    }
}
