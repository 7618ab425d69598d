//! The steps a clinician takes on saved drafts that involve more than one
//! crate: reopening a draft's episode, duplicating a draft, exporting a
//! version with the institution's settings and noting it in the audit.

use std::path::Path;

use crate::{Checked, Error};

/// The episode a draft was made from, parsed and normalised again from the
/// JSON the store kept verbatim.
pub fn draft_episode(draft: &store::Draft) -> Result<clinical::Episode, Error> {
    Ok(clinical::normalize(parse_stored(draft)?))
}

/// A draft's stored episode loaded as a file's is (normalised and
/// validated), for the actions that must refuse one with errors.
pub(crate) fn draft_loaded(draft: &store::Draft) -> Result<crate::LoadedEpisode, Error> {
    let episode = parse_stored(draft)?;
    Ok(crate::checked_episode(
        None,
        draft.episode_json.clone(),
        episode,
    ))
}

fn parse_stored(draft: &store::Draft) -> Result<clinical::Episode, Error> {
    clinical::parse_episode(draft.episode_json.as_bytes()).map_err(|source| Error::Stored {
        draft: draft.summary.id,
        source,
    })
}

/// A saved version checked again against its draft's episode, with the
/// claims the episode confirms and their sources. The findings stored with
/// a version are what the check said when it was written; this is what it
/// says now, with every claim's path, for the window's source links.
pub fn review_version(
    store: &store::Store,
    draft: store::DraftId,
    number: i64,
) -> Result<(store::Version, clinical::Review), Error> {
    let episode = draft_episode(&store.draft(draft)?)?;
    let version = store.version(draft, number)?;
    let review = clinical::review(&episode, &version.text);
    Ok((version, review))
}

/// The draft a new text of `loaded` goes into: `current` while it holds the
/// same episode and is not final; otherwise a new draft, so that a draft's
/// versions always describe the episode it keeps.
pub fn draft_for_episode(
    store: &mut store::Store,
    loaded: &crate::LoadedEpisode,
    current: Option<store::DraftId>,
) -> Result<store::DraftId, Error> {
    if let Some(id) = current {
        let draft = store.draft(id)?;
        let same = draft.episode_json == loaded.source;
        if same && draft.summary.status != store::Status::Final && !draft.summary.deleted {
            return Ok(id);
        }
    }
    Ok(store.create_draft(&loaded.source, &loaded.episode)?)
}

/// The clinician's "Borrador determinista", for the window and the command
/// line alike: refuses an episode with errors, and keeps the deterministic
/// epicrisis, checked, as the next version of the draft the text goes into
/// (`current` while it holds the same episode, else a new draft).
///
/// The template chosen shapes it; without one (the service's, when none
/// serves it) it has every section.
pub fn write_deterministic(
    store: &mut store::Store,
    loaded: &crate::LoadedEpisode,
    current: Option<store::DraftId>,
    template: &crate::TemplateChoice,
) -> Result<(store::Version, Checked), Error> {
    loaded.require_valid()?;
    let template = crate::chosen_template(store, &loaded.episode, template)?;
    let draft = draft_for_episode(store, loaded, current)?;
    let (checked, provenance) = match &template {
        Some(t) => (
            crate::deterministic_with(&loaded.episode, t),
            store::Provenance {
                template: Some(t.id.clone()),
                ..store::Provenance::default()
            },
        ),
        None => (
            crate::deterministic(&loaded.episode),
            store::Provenance::default(),
        ),
    };
    let version = crate::add_checked_version(
        store,
        draft,
        store::Origin::Determinista,
        &checked,
        provenance,
        None,
    )?;
    Ok((version, checked))
}

/// A new draft of the same episode whose first version is the latest text
/// of `draft`, as an edit: for writing a second epicrisis from a first.
pub fn duplicate_draft(
    store: &mut store::Store,
    draft: store::DraftId,
) -> Result<store::DraftId, Error> {
    let original = store.draft(draft)?;
    let episode = draft_episode(&original)?;
    let copy = store.create_draft(&original.episode_json, &episode)?;
    if let Some(latest) = store.latest_version(draft)? {
        let checked = crate::check_text(&episode, &latest.text);
        crate::add_checked_version(
            store,
            copy,
            store::Origin::Edicion,
            &checked,
            store::Provenance::default(),
            None,
        )?;
    }
    Ok(copy)
}

/// Keeps an edited text as the draft's next version, checked against the
/// draft's episode. A final draft is never changed: its edit becomes a new
/// draft (the store decides), and the returned version says which.
pub fn save_edit(
    store: &mut store::Store,
    draft: store::DraftId,
    text: &str,
) -> Result<(store::Version, Checked), Error> {
    let episode = draft_episode(&store.draft(draft)?)?;
    let checked = crate::check_text(&episode, text);
    let version = store.save_edit(draft, text, checked.findings.clone())?;
    Ok((version, checked))
}

/// The file formats an epicrisis can be exported to: the one list the
/// window's menu and the command line's flags both map onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "ExportFormat")]
pub enum Format {
    /// PDF/A-2b with the letterhead, for the record and for printing.
    Pdf,
    /// Plain UTF-8 text, wrapped, for systems that take text.
    Texto,
    /// Markdown, for systems that render it.
    Markdown,
}

impl Format {
    /// The name the audit trail and the log use.
    pub fn name(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Texto => "texto",
            Format::Markdown => "markdown",
        }
    }
}

/// Writes version `number` of `draft` to `path` and notes the export in
/// the audit trail (only once the file is written).
pub fn export_version(
    store: &mut store::Store,
    draft: store::DraftId,
    number: i64,
    format: Format,
    path: &Path,
) -> Result<(), Error> {
    let saved = store.draft(draft)?;
    let episode = draft_episode(&saved)?;
    let version = store.version(draft, number)?;
    let options = crate::Settings::load(store)?.export_options(saved.summary.status);
    let bytes = render(&episode, &version.text, format, &options)?;
    export::write(path, &bytes)?;
    store.record_export(draft, number, path, format.name())?;
    // Never the path: its file name is often the patient's.
    log::info!(
        "export written: draft {draft} version {number}, {}, {} bytes",
        format.name(),
        bytes.len()
    );
    Ok(())
}

/// An epicrisis as the bytes of a file in `format`.
pub fn render(
    episode: &clinical::Episode,
    text: &str,
    format: Format,
    options: &export::Options,
) -> Result<Vec<u8>, Error> {
    Ok(match format {
        Format::Pdf => export::pdf(episode, text, options)?,
        Format::Texto => export::text(episode, text, options).into_bytes(),
        Format::Markdown => export::markdown(episode, text, options).into_bytes(),
    })
}

/// What the audit trail names as the destination of a copy.
pub const CLIPBOARD: &str = "portapapeles";

/// The text a clinician pastes into the hospital's record system: the
/// version's plain text, patient line to controls. Text leaving the app is
/// audited like an export.
pub fn copy_text(
    store: &mut store::Store,
    draft: store::DraftId,
    number: i64,
) -> Result<String, Error> {
    let version = store.version(draft, number)?;
    store.record_export(draft, number, Path::new(CLIPBOARD), CLIPBOARD)?;
    log::info!(
        "text copied: draft {draft} version {number}, {} bytes",
        version.text.len()
    );
    Ok(version.text)
}
