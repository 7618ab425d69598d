//! What the store hands out: plain data, serialisable for the UI and the
//! command line.

use serde::Serialize;

use crate::time::Timestamp;

pub type DraftId = i64;

/// Where a draft is in its life. Only `Revisado` may become `Final`, and a
/// final draft never changes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Borrador,
    Revisado,
    Final,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Borrador => "borrador",
            Status::Revisado => "revisado",
            Status::Final => "final",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "borrador" => Some(Status::Borrador),
            "revisado" => Some(Status::Revisado),
            "final" => Some(Status::Final),
            _ => None,
        }
    }

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Modelo,
    Determinista,
    Edicion,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Modelo => "modelo",
            Origin::Determinista => "determinista",
            Origin::Edicion => "edicion",
        }
    }

    pub(crate) fn parse(text: &str) -> Origin {
        match text {
            "modelo" => Origin::Modelo,
            "determinista" => Origin::Determinista,
            _ => Origin::Edicion,
        }
    }
}

/// Whether a version's text is whole. `EnCurso` is a generation streaming
/// now; `Interrumpida` one whose process died, offered for resume or discard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionState {
    Completa,
    EnCurso,
    Interrumpida,
}

impl VersionState {
    pub(crate) fn parse(text: &str) -> VersionState {
        match text {
            "en_curso" => VersionState::EnCurso,
            "interrumpida" => VersionState::Interrumpida,
            _ => VersionState::Completa,
        }
    }
}

/// How a model text was produced: enough to reproduce it or to explain it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Provenance {
    /// The model's file name (not its full path: paths reveal user names).
    pub model_file: Option<String>,
    pub model_sha256: Option<String>,
    /// Sampling parameters as the engine reports them.
    pub sampling: Option<serde_json::Value>,
    pub seed: Option<u64>,
    /// The prompt profile (`finetuned` or `instruct`).
    pub profile: Option<String>,
}

/// One text of a draft, numbered from 1 within the draft.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    pub draft_id: DraftId,
    pub number: i64,
    pub origin: Origin,
    pub state: VersionState,
    pub text: String,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub timings: Option<serde_json::Value>,
    pub findings: serde_json::Value,
    /// The version this one restored, if it is a restoration.
    pub restored_from: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A row of the drafts list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DraftSummary {
    pub id: DraftId,
    pub status: Status,
    pub patient_name: String,
    pub rut: String,
    pub id_atencion: String,
    pub discharge_date: Option<String>,
    pub diagnoses: String,
    pub versions: i64,
    /// A generation whose process died is waiting for resume or discard.
    pub interrupted: bool,
    pub deleted: bool,
    pub updated_at: Timestamp,
}

/// A draft with its episode, for opening it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Draft {
    #[serde(flatten)]
    pub summary: DraftSummary,
    pub parent_draft_id: Option<DraftId>,
    pub created_at: Timestamp,
    /// The Episode JSON as it was given.
    pub episode_json: String,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub draft_id: Option<DraftId>,
    pub version: Option<i64>,
    pub detail: serde_json::Value,
}

/// A generation found interrupted when the store was opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interrupted {
    pub draft_id: DraftId,
    pub version: i64,
    pub patient_name: String,
    /// How much text had been saved.
    pub chars: usize,
}
