//! What the store hands out: plain data, serialisable for the UI and the
//! command line.

use serde::Serialize;

use crate::time::Timestamp;

/// A draft's row id: stable for the life of the database.
pub type DraftId = i64;

/// A value SQLite keeps as one of a fixed set of words. Reading any other
/// word is an error (`Error::UnknownValue`), never a silent default: a
/// draft read as `borrador` when its row says something else could be
/// changed when it must not be.
macro_rules! stored_as_text {
    ($ty:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// The word stored in the database and serialised for the UI.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text,)+
                }
            }
        }

        impl kinds::Word for $ty {
            const ALL: &'static [$ty] = &[$($ty::$variant,)+];
            fn word(self) -> &'static str {
                self.as_str()
            }
        }

        impl rusqlite::types::ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        impl rusqlite::types::FromSql for $ty {
            fn column_result(
                value: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                let text = value.as_str()?;
                <$ty as kinds::Word>::from_word(text).ok_or_else(|| {
                    rusqlite::types::FromSqlError::Other(Box::new($crate::records::UnknownValue {
                        what: $what,
                        value: text.to_string(),
                    }))
                })
            }
        }
    };
}
pub(crate) use stored_as_text;

/// A word in the database that none of our enums names; `Error::sqlite`
/// turns it into `Error::UnknownValue`.
#[derive(Debug)]
pub(crate) struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

impl std::fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "valor desconocido «{}» en {}", self.value, self.what)
    }
}

impl std::error::Error for UnknownValue {}

/// Where a draft is in its life. Only `Revisado` may become `Final`, and a
/// final draft never changes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Being written: takes new versions and edits.
    Borrador,
    /// Read by the clinician; may go back to `Borrador` or on to `Final`.
    Revisado,
    /// Signed off: never changes again (SQL triggers hold it too).
    Final,
}

stored_as_text!(Status, "el estado de un borrador", {
    Borrador => "borrador",
    Revisado => "revisado",
    Final => "final",
});

impl Status {
    pub(crate) fn may_become(self, to: Status) -> bool {
        matches!(
            (self, to),
            (Status::Borrador, Status::Revisado)
                | (Status::Revisado, Status::Borrador)
                | (Status::Revisado, Status::Final)
        )
    }
}

/// Where a version's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Written by a language model.
    Modelo,
    /// Composed from the episode alone by `clinical::draft`.
    Determinista,
    /// Typed or changed by the clinician.
    Edicion,
}

stored_as_text!(Origin, "el origen de una versión", {
    Modelo => "modelo",
    Determinista => "determinista",
    Edicion => "edicion",
});

/// Whether a version's text is whole. `EnCurso` is a generation streaming
/// now; `Interrumpida` one whose process died, offered for resume or discard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    /// Whole: what every reader and export sees.
    Completa,
    /// A generation streaming into it now.
    EnCurso,
    /// A generation that ended without its last text (a crash, a write
    /// that failed), offered for resume or discard.
    Interrumpida,
}

stored_as_text!(VersionState, "el estado de una versión", {
    Completa => "completa",
    EnCurso => "en_curso",
    Interrumpida => "interrumpida",
});

/// How a model text was produced: enough to reproduce it or to explain it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Provenance {
    /// The model's file name (not its full path: paths reveal user names).
    pub model_file: Option<String>,
    /// The model file's SHA-256: which weights wrote the text.
    pub model_sha256: Option<String>,
    /// Sampling parameters as the engine reports them.
    pub sampling: Option<serde_json::Value>,
    /// The sampler's seed (also in `sampling`; kept apart for queries).
    pub seed: Option<u64>,
    /// The prompt profile (`finetuned` or `instruct`).
    pub profile: Option<String>,
    /// The service template's id.
    pub template: Option<String>,
    /// For a rewrite of one section: which (`clinical::Section::key`).
    pub section: Option<String>,
    /// For a rewrite of one section: the clinician's instruction.
    pub instruction: Option<String>,
    /// How the episode was shortened to fit the model's context, if it was.
    pub shortening: Option<clinical::Shortening>,
}

/// One text of a draft, numbered from 1 within the draft.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    /// The draft it belongs to.
    pub draft_id: DraftId,
    /// Its number within the draft, from 1.
    pub number: i64,
    /// Where the text came from.
    pub origin: Origin,
    /// Whether the text is whole.
    pub state: VersionState,
    /// The epicrisis as written.
    pub text: String,
    /// For a model's text: which model, sampling, seed and prompt profile.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// For a model's text: why it ended and the engine's figures (or the
    /// error that ended it).
    pub timings: Option<serde_json::Value>,
    /// What the faithfulness check found when the version was written.
    pub findings: Vec<clinical::Finding>,
    /// The version this one restored, if it is a restoration.
    pub restored_from: Option<i64>,
    /// When the version was started.
    pub created_at: Timestamp,
    /// When its text last changed (a streaming version, every second).
    pub updated_at: Timestamp,
}

/// A row of the drafts list.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct DraftSummary {
    /// The draft.
    pub id: DraftId,
    /// Where it is in its life.
    pub status: Status,
    /// The patient's name, from the episode.
    pub patient_name: String,
    /// The patient's RUT, from the episode.
    pub rut: String,
    /// The hospital's id of the stay, from the episode.
    pub id_atencion: String,
    /// The discharge date as the episode gives it.
    pub discharge_date: Option<String>,
    /// The discharge diagnoses, joined, with their codes.
    pub diagnoses: String,
    /// How many versions the draft has.
    pub versions: i64,
    /// A generation whose process died is waiting for resume or discard.
    pub interrupted: bool,
    /// In the bin.
    pub deleted: bool,
    /// The last change to the draft or any of its versions.
    #[ts(type = "string")]
    pub updated_at: Timestamp,
}

/// A draft with its episode, for opening it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    /// What the list shows of it.
    #[serde(flatten)]
    pub summary: DraftSummary,
    /// The final draft an edit started this one from, if any.
    pub parent_draft_id: Option<DraftId>,
    /// When the draft was created.
    pub created_at: Timestamp,
    /// The Episode JSON as it was given.
    pub episode_json: String,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// When.
    pub at: Timestamp,
    /// Who: the OS user, or the name the caller gave.
    pub actor: String,
    /// What.
    pub action: crate::audit::Action,
    /// The draft it concerns, if one.
    pub draft_id: Option<DraftId>,
    /// The version it concerns, if one.
    pub version: Option<i64>,
    /// The particulars (status from and to, export format, …).
    pub detail: serde_json::Value,
}

/// A generation found interrupted when the store was opened.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Interrupted {
    /// The draft.
    pub draft_id: DraftId,
    /// The interrupted version's number.
    pub version: i64,
    /// Whose epicrisis it was, for the message.
    pub patient_name: String,
    /// How much text had been saved.
    pub chars: usize,
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::Error;

    /// Reads `word` as a `T` the way the store reads a column.
    fn read<T: rusqlite::types::FromSql>(word: &str) -> Result<T, Error> {
        let path = Path::new("e.sqlite3");
        let conn = rusqlite::Connection::open_in_memory().map_err(|e| Error::sqlite(path, e))?;
        conn.query_row("SELECT ?1", [word], |row| row.get(0))
            .map_err(|e| Error::sqlite(path, e))
    }

    #[test]
    fn every_stored_word_reads_back_and_any_other_is_an_error() {
        for status in [Status::Borrador, Status::Revisado, Status::Final] {
            assert_eq!(read::<Status>(status.as_str()).ok(), Some(status));
        }
        for origin in [Origin::Modelo, Origin::Determinista, Origin::Edicion] {
            assert_eq!(read::<Origin>(origin.as_str()).ok(), Some(origin));
        }
        for state in [
            VersionState::Completa,
            VersionState::EnCurso,
            VersionState::Interrumpida,
        ] {
            assert_eq!(read::<VersionState>(state.as_str()).ok(), Some(state));
        }
        let unknown = [
            (read::<Status>("firmado").err(), "el estado de un borrador"),
            (read::<Origin>("dictado").err(), "el origen de una versión"),
            (
                read::<VersionState>("pausada").err(),
                "el estado de una versión",
            ),
        ];
        for (error, what) in unknown {
            match error {
                Some(Error::UnknownValue { what: found, .. }) => assert_eq!(found, what),
                other => panic!("{what}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_stored_words_are_the_serialised_ones() {
        for status in [Status::Borrador, Status::Revisado, Status::Final] {
            assert_eq!(
                serde_json::to_value(status).ok(),
                Some(serde_json::Value::from(status.as_str()))
            );
        }
        for state in [VersionState::EnCurso, VersionState::Interrumpida] {
            assert_eq!(
                serde_json::to_value(state).ok(),
                Some(serde_json::Value::from(state.as_str()))
            );
        }
        assert_eq!(
            serde_json::to_value(Origin::Edicion).ok(),
            Some(serde_json::Value::from("edicion"))
        );
    }
}
