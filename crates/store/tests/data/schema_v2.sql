-- A database as schema version 2 wrote it (frozen: never edit): version 1's
-- data with the full-text index migration 2 added.
-- One reviewed draft with a complete version and a generation left in progress.
PRAGMA foreign_keys = OFF;
PRAGMA user_version = 2;
BEGIN TRANSACTION;
CREATE TABLE audit (
        id       INTEGER PRIMARY KEY,
        at       INTEGER NOT NULL,
        actor    TEXT NOT NULL,
        action   TEXT NOT NULL,
        draft_id INTEGER,
        version  INTEGER,
        detail   TEXT NOT NULL DEFAULT '{}'
    );
INSERT INTO "audit" VALUES(1,1793577600000,'dra.soto','created',1,NULL,'{}');
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
INSERT INTO "drafts" VALUES(1,1,'revisado',NULL,1793577600000,1793581200000,NULL);
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
INSERT INTO "episodes" VALUES(1,'HBV-2026-004417','Ñusta Peña Ibáñez','12.345.678-5','2026-11-02','2026-11-06','Pielonefritis aguda (N10)','{
  "id_atencion": "HBV-2026-004417",
  "paciente": { "nombre": "Ñusta Peña Ibáñez", "rut": "12.345.678-5", "sexo": "F", "edad": 34 },
  "atencion": { "fecha_ingreso": "2026-11-02", "fecha_alta": "2026-11-06", "servicio": "Medicina Interna" },
  "motivo_ingreso": "Fiebre, dolor lumbar derecho y disuria de 3 días",
  "diagnostico_egreso": [ { "codigo": "N10", "nombre": "Pielonefritis aguda" } ]
}
',1793577600000);
CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
INSERT INTO "settings" VALUES('institution','"Hospital Base Valdivia"');
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
INSERT INTO "versions" VALUES(1,1,1,'determinista','completa','Paciente de 34 años con pielonefritis aguda, tratada con ceftriaxona.',NULL,NULL,NULL,NULL,NULL,NULL,'[]',NULL,1793577600000,1793577600000);
INSERT INTO "versions" VALUES(2,1,2,'modelo','en_curso','Paciente de 34 años ingresa por fiebre y dolor lum','qwen2.5-1.5b-instruct-q4_k_m.gguf',NULL,NULL,7,'instruct',NULL,'[]',NULL,1793581200000,1793581200000);
CREATE INDEX episodes_by_atencion ON episodes(id_atencion);
CREATE INDEX drafts_by_change ON drafts(deleted_at, updated_at);
CREATE INDEX drafts_by_episode ON drafts(episode_id);
CREATE INDEX versions_in_progress ON versions(state) WHERE state <> 'completa';
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
CREATE INDEX audit_by_draft ON audit(draft_id, at);
CREATE TRIGGER audit_is_append_only_update
    BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_is_append_only_delete
    BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
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
COMMIT;
