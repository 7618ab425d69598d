#![warn(missing_docs)]
//! Everything clinical in Epicrisis, with no I/O beyond parsing: the episode
//! model and its import, validation and normalisation; the prompts for a
//! model; the deterministic epicrisis; finishing a model's text; and the
//! faithfulness check that compares any draft with the episode.
//!
//! The contract for input is Episode JSON v1 (`docs/EPISODE_FORMAT.md`).
//!
//! ```
//! let json = r#"{
//!   "id_atencion": 7,
//!   "paciente": {"sexo": "F", "edad": 75},
//!   "atencion": {"fecha_ingreso": "2026-10-02", "fecha_alta": "2026-10-09"},
//!   "motivo_ingreso": "Fiebre y tos",
//!   "diagnostico_egreso": [{"codigo": "J18.9", "nombre": "Neumonía"}]
//! }"#;
//! let episode = clinical::normalize(clinical::parse_episode(json.as_bytes())?);
//! assert!(!clinical::validate(&episode).has_errors());
//! let text = clinical::draft(&episode);
//! assert!(text.contains("Paciente femenina de 75 años"));
//! assert!(!clinical::has_alta(&clinical::verify(&episode, &text)));
//! # Ok::<(), clinical::ImportError>(())
//! ```

pub mod date;
mod defuse;
mod draft;
pub mod episode;
mod finish;
mod import;
pub mod items;
mod normalize;
mod prompt;
pub mod sections;
pub mod template;
pub mod text;
mod validate;
mod verify;

pub use draft::{draft, draft_with};
pub use episode::Episode;
pub use finish::{controls_block, finish, finish_with, patient_line, unfinish, unfinish_with};
pub use import::{parse_episode, ImportError, ImportErrorKind, MAX_EPISODE_BYTES};
pub use normalize::{normalize, route};
pub use prompt::{
    build_prompt, build_section_prompt, Budget, ChatMessage, Neutralised, NeutralisedKind, Profile,
    Prompt, PromptError, Role, SectionRequest, Shortening, TEMPLATE_TOKENS_PER_MESSAGE,
};
pub use template::{Section, Template, TemplateError};
pub use validate::{check_rut, validate, Problem, Report, Severity};
pub use verify::{
    eval, has_alta, review, verify, Confirmed, Finding, FindingKind, Gravedad, Review,
};
