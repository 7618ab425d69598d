//! Library records reshaped for the UI. The only translation that is more
//! than renaming: finding spans, which the crates give in UTF-8 bytes and
//! the web view needs in UTF-16 code units.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct FindingView {
    pub kind: clinical::FindingKind,
    pub severity: clinical::Gravedad,
    pub message: String,
    /// UTF-16 offsets into the version's text; absent for omissions.
    pub start: Option<usize>,
    pub end: Option<usize>,
    /// The episode path the finding contradicts or misses, and what the
    /// episode says there ("el episodio dice …").
    pub path: Option<String>,
    pub expected: Option<String>,
}

/// A claim of the text the episode confirms ("coincide con …").
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ConfirmedView {
    /// UTF-16 offsets into the version's text.
    pub start: usize,
    pub end: usize,
    pub path: String,
    pub says: String,
}

/// A version checked again: its findings and the confirmed claims, both
/// with their sources in the episode.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct ReviewView {
    pub draft_id: i64,
    pub number: i64,
    pub findings: Vec<FindingView>,
    pub confirmed: Vec<ConfirmedView>,
}

impl ReviewView {
    pub fn new(version: &store::Version, review: &clinical::Review) -> ReviewView {
        let text = &version.text;
        ReviewView {
            draft_id: version.draft_id,
            number: version.number,
            findings: findings(text, &review.findings),
            confirmed: review
                .confirmed
                .iter()
                .filter_map(|c| {
                    Some(ConfirmedView {
                        start: utf16_offset(text, c.span.start)?,
                        end: utf16_offset(text, c.span.end)?,
                        path: c.path.clone(),
                        says: c.says.clone(),
                    })
                })
                .collect(),
        }
    }
}

/// Byte offset → UTF-16 offset in `text`; `None` when it is not on a
/// character boundary (a finding from another text).
fn utf16_offset(text: &str, byte: usize) -> Option<usize> {
    text.get(..byte).map(|head| head.encode_utf16().count())
}

/// Findings with their spans as the web view counts (UTF-16); a span not
/// on a character boundary of `text` (a finding of another text) is
/// dropped rather than placed wrong.
pub fn findings(text: &str, found: &[clinical::Finding]) -> Vec<FindingView> {
    found
        .iter()
        .map(|finding| {
            let span = finding.span.as_ref().and_then(|span| {
                Some((
                    utf16_offset(text, span.start)?,
                    utf16_offset(text, span.end)?,
                ))
            });
            FindingView {
                kind: finding.kind,
                severity: finding.severity,
                message: finding.message.clone(),
                start: span.map(|(start, _)| start),
                end: span.map(|(_, end)| end),
                path: finding.path.clone(),
                expected: finding.expected.clone(),
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct VersionView {
    pub draft_id: i64,
    pub number: i64,
    pub origin: store::Origin,
    pub state: store::VersionState,
    pub text: String,
    pub findings: Vec<FindingView>,
    pub model_file: Option<String>,
    /// The model file's SHA-256: which weights wrote this text.
    pub model_sha256: Option<String>,
    pub restored_from: Option<i64>,
    pub timings: Option<pipeline::Timings>,
    /// Milliseconds since the epoch, for the UI's own formatting.
    pub created_at: i64,
    /// The service template the text follows.
    pub template: Option<String>,
    /// For a rewrite of one section: which, and the instruction.
    pub section: Option<clinical::Section>,
    pub instruction: Option<String>,
    /// How the episode was shortened to fit the model's context.
    pub shortening: Option<clinical::Shortening>,
    /// The sections found in the text, in order: what "Regenerar sección"
    /// offers.
    pub sections: Vec<clinical::Section>,
}

impl From<store::Version> for VersionView {
    fn from(v: store::Version) -> Self {
        VersionView {
            findings: findings(&v.text, &v.findings),
            draft_id: v.draft_id,
            number: v.number,
            origin: v.origin,
            state: v.state,
            model_file: v.provenance.model_file,
            model_sha256: v.provenance.model_sha256,
            restored_from: v.restored_from,
            timings: pipeline::Timings::read(v.timings.as_ref()),
            created_at: v.created_at.millis(),
            template: v.provenance.template,
            section: v
                .provenance
                .section
                .as_deref()
                .and_then(<clinical::Section as kinds::Word>::from_word),
            instruction: v.provenance.instruction,
            shortening: v.provenance.shortening,
            sections: clinical::sections::sections(&v.text)
                .into_iter()
                .map(|s| s.section)
                .collect(),
            text: v.text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_spans_become_utf16_offsets() {
        let text = "Señora Muñoz 🫀 recibe ceftriaxona";
        let byte = text.find("ceftriaxona").unwrap_or_default();
        let finding = |kind, severity, span| clinical::Finding {
            kind,
            severity,
            span,
            message: "m".into(),
            path: None,
            expected: None,
        };
        let stored = [
            finding(
                clinical::FindingKind::FarmacoNoConsignado,
                clinical::Gravedad::Alta,
                Some(byte..byte + "ceftriaxona".len()),
            ),
            finding(
                clinical::FindingKind::DiagnosticoOmitido,
                clinical::Gravedad::Media,
                None,
            ),
            finding(
                clinical::FindingKind::NumeroNoConsignado,
                clinical::Gravedad::Baja,
                Some(2..3),
            ),
        ];
        let views = findings(text, &stored);
        let utf16: Vec<u16> = text.encode_utf16().collect();
        let (start, end) = (views[0].start.unwrap_or(0), views[0].end.unwrap_or(0));
        assert_eq!(String::from_utf16_lossy(&utf16[start..end]), "ceftriaxona");
        assert_eq!((views[1].start, views[1].end), (None, None));
        // Byte 3 is inside "ñ": not a boundary, so no span rather than a wrong one.
        assert_eq!((views[2].start, views[2].end), (None, None));
    }
}
