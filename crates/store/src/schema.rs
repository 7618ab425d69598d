//! The schema, as a list of migrations applied in order by `user_version`.
//!
//! A migration is never edited once released: databases in hospitals were
//! made by it. A change is a new entry at the end, and `tests/migrations.rs`
//! opens a fixture of every earlier version.

use rusqlite::Connection;

/// `MIGRATIONS[i]` takes a database from `user_version` i to i + 1.
const MIGRATIONS: &[&str] = &[
    // 1: episodes, drafts, versions, audit, settings.
    r#"
    CREATE TABLE episodes (
        id             INTEGER PRIMARY KEY,
        id_atencion    TEXT NOT NULL,
        patient_name   TEXT NOT NULL,
        rut            TEXT NOT NULL,
        admission_date TEXT,
        discharge_date TEXT,
        diagnoses      TEXT NOT NULL,
        json           TEXT NOT NULL,
        created_at     INTEGER NOT NULL
    );
    CREATE INDEX episodes_by_atencion ON episodes(id_atencion);

    CREATE TABLE drafts (
        id              INTEGER PRIMARY KEY,
        episode_id      INTEGER NOT NULL REFERENCES episodes(id),
        status          TEXT NOT NULL DEFAULT 'borrador'
                        CHECK (status IN ('borrador', 'revisado', 'final')),
        parent_draft_id INTEGER REFERENCES drafts(id) ON DELETE SET NULL,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL,
        deleted_at      INTEGER
    );
    CREATE INDEX drafts_by_change ON drafts(deleted_at, updated_at);
    CREATE INDEX drafts_by_episode ON drafts(episode_id);

    CREATE TABLE versions (
        id            INTEGER PRIMARY KEY,
        draft_id      INTEGER NOT NULL REFERENCES drafts(id) ON DELETE CASCADE,
        number        INTEGER NOT NULL,
        origin        TEXT NOT NULL CHECK (origin IN ('modelo', 'determinista', 'edicion')),
        state         TEXT NOT NULL DEFAULT 'completa'
                      CHECK (state IN ('completa', 'en_curso', 'interrumpida')),
        text          TEXT NOT NULL,
        model_file    TEXT,
        model_sha256  TEXT,
        sampling      TEXT,
        seed          INTEGER,
        profile       TEXT,
        timings       TEXT,
        findings      TEXT NOT NULL DEFAULT '[]',
        restored_from INTEGER,
        created_at    INTEGER NOT NULL,
        updated_at    INTEGER NOT NULL,
        UNIQUE (draft_id, number)
    );
    CREATE INDEX versions_in_progress ON versions(state) WHERE state <> 'completa';

    -- The immutability of a final draft is the database's rule, not only the
    -- code's: no path through SQL can change what was signed.
    CREATE TRIGGER final_draft_takes_no_versions
    BEFORE INSERT ON versions
    WHEN (SELECT status FROM drafts WHERE id = NEW.draft_id) = 'final'
    BEGIN SELECT RAISE(ABORT, 'final draft is immutable'); END;

    CREATE TRIGGER final_draft_versions_unchanged
    BEFORE UPDATE ON versions
    WHEN (SELECT status FROM drafts WHERE id = OLD.draft_id) = 'final'
    BEGIN SELECT RAISE(ABORT, 'final draft is immutable'); END;

    CREATE TRIGGER final_status_is_final
    BEFORE UPDATE OF status ON drafts
    WHEN OLD.status = 'final' AND NEW.status <> 'final'
    BEGIN SELECT RAISE(ABORT, 'final draft is immutable'); END;

    CREATE TABLE audit (
        id       INTEGER PRIMARY KEY,
        at       INTEGER NOT NULL,
        actor    TEXT NOT NULL,
        action   TEXT NOT NULL,
        draft_id INTEGER,
        version  INTEGER,
        detail   TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_by_draft ON audit(draft_id, at);

    CREATE TRIGGER audit_is_append_only_update
    BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

    CREATE TRIGGER audit_is_append_only_delete
    BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

    CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    "#,
    // 2: full-text search over patient, RUT, diagnoses and the current text.
    // `remove_diacritics 2` folds á→a and ñ→n, so "munoz" finds "Muñoz".
    r#"
    CREATE VIRTUAL TABLE search USING fts5(
        patient, rut, diagnoses, text,
        tokenize = 'unicode61 remove_diacritics 2'
    );
    INSERT INTO search(rowid, patient, rut, diagnoses, text)
    SELECT d.id, e.patient_name,
           e.rut || ' ' || replace(replace(e.rut, '.', ''), '-', ''),
           e.diagnoses,
           coalesce((SELECT v.text FROM versions v WHERE v.draft_id = d.id
                     ORDER BY v.number DESC LIMIT 1), '')
    FROM drafts d JOIN episodes e ON e.id = d.episode_id;
    "#,
    // 3: service templates, and what a version was written with: the
    // template, the section rewritten and the clinician's instruction, and
    // how the prompt was shortened to fit.
    r#"
    CREATE TABLE templates (
        id         TEXT PRIMARY KEY,
        json       TEXT NOT NULL,
        updated_at INTEGER NOT NULL
    );
    ALTER TABLE versions ADD COLUMN template TEXT;
    ALTER TABLE versions ADD COLUMN section TEXT;
    ALTER TABLE versions ADD COLUMN instruction TEXT;
    ALTER TABLE versions ADD COLUMN shortening TEXT;
    "#,
];

/// The schema version this build writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Brings the database to `CURRENT_VERSION`, each step in its own
/// transaction so that a failure leaves the previous version intact. The
/// caller has refused files newer than this build.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let found = usize::try_from(user_version(conn)?).unwrap_or(0);
    apply(conn, found, MIGRATIONS.len())
}

fn apply(conn: &mut Connection, from: usize, to: usize) -> rusqlite::Result<()> {
    for (index, sql) in MIGRATIONS.iter().enumerate().take(to).skip(from) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
