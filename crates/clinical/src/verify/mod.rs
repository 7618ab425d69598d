//! The faithfulness check: the second reader of every draft.
//!
//! The text is read as claims, not words: a drug with its dose, route,
//! frequency and duration, and whether it is said in the discharge part or
//! the course; a diagnosis by name, code or abbreviation; a lab value with
//! its moment and trend; the patient's sex and age; a side; a date or the
//! length of stay; an allergy statement; an event of the stay. Each claim is
//! aligned with the episode's facts. A claim the episode confirms is
//! returned with the path it matched ([`Confirmed`]), so the desk can show
//! its source; one the episode contradicts, or an assertion the episode does
//! not hold, is a [`Finding`] with the path it contradicts. Omissions of a
//! discharge drug or diagnosis are judged in the text's discharge part when
//! it has one.
//!
//! Severities follow clinical weight: a contradicted or invented fact, an
//! omitted discharge drug or diagnosis and an allergy contradiction are
//! *alta*; a number or date the episode cannot confirm but nothing
//! contradicts is *media*; form problems are *baja*.
//!
//! The vocabularies (drugs and INN stems, brands and abbreviations,
//! diagnoses and events, labs, allergy classes, negation and hedging) are
//! the data files in `data/`. Matching folds accents and case, except for
//! short abbreviations, which count only in capitals.
//!
//! ```
//! let json = r#"{"id_atencion": 1, "paciente": {"sexo": "F", "edad": 70},
//!   "atencion": {"fecha_ingreso": "2026-10-02", "fecha_alta": "2026-10-05"},
//!   "motivo_ingreso": "Disnea",
//!   "indicaciones_alta": {"medicamentos": [
//!     {"nombre": "Metoprolol", "dosis": "25 mg", "via": "VO", "frecuencia": "c/12h"}]}}"#;
//! let episode = clinical::normalize(clinical::parse_episode(json.as_bytes())?);
//! let review = clinical::review(&episode, "Al alta se indica metoprolol 50 mg VO c/12h.");
//! assert_eq!(review.findings[0].kind, clinical::FindingKind::IndicacionContradicha);
//! assert_eq!(review.findings[0].path.as_deref(), Some("indicaciones_alta.medicamentos[0]"));
//! # Ok::<(), clinical::ImportError>(())
//! ```

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::episode::Episode;

pub(crate) mod attributes;
mod dates;
mod doc;
mod drugs;
pub mod eval;
mod facts;
mod labs;
mod lexicon;
mod output;
mod patient;
mod terms;

use doc::Doc;
use facts::Facts;

/// How much a finding matters to the clinician: *alta* is a fact the episode
/// contradicts or a discharge item left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Gravedad {
    /// A contradiction of the episode or an omission of what the patient takes
    /// home.
    Alta,
    /// Worth a look (an unsupported claim, a vague one).
    Media,
    /// A matter of style.
    Baja,
}

/// What kind of disagreement a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A discharge diagnosis the text does not mention.
    DiagnosticoOmitido,
    /// A discharge drug the text does not mention.
    MedicamentoOmitido,
    /// A CIE-10 or ATC code that is not in the episode.
    CodigoNoConsignado,
    /// A drug name that is not in the episode.
    FarmacoNoConsignado,
    /// A number (dose, value, days, date) that is not in the episode.
    NumeroNoConsignado,
    /// A complication or deterioration the episode does not record.
    ComplicacionNoConsignada,
    /// A procedure or study the episode does not record.
    ProcedimientoNoConsignado,
    /// A diagnosis the episode does not record.
    DiagnosticoNoConsignado,
    /// A drug the patient is allergic to, or one that cross-reacts, named
    /// as given.
    AlergiaPrescrita,
    /// An allergy statement the episode contradicts ("sin alergias
    /// conocidas" for a recorded allergy, the wrong allergen).
    AlergiaContradicha,
    /// A drug's dose, route, frequency or duration that contradicts the
    /// episode's.
    IndicacionContradicha,
    /// The patient's sex or age contradicting the episode.
    DatoPacienteContradicho,
    /// A side (derecha/izquierda) or coronary artery contradicting the
    /// episode.
    LateralidadContradicha,
    /// A lab value, its moment or its trend contradicting the episode.
    LaboratorioContradicho,
    /// An admission, discharge or procedure date, or a length of stay,
    /// contradicting the episode.
    FechaContradicha,
    /// Repetition loops, Markdown or leftover template tokens.
    SalidaDegenerada,
}

/// What the check found at one place of a text (or, for an omission, in
/// none). Also what the store keeps with each version, read back as it was
/// written: every kind any version of Epicrisis wrote is still here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// What kind of disagreement.
    pub kind: FindingKind,
    /// How much it matters.
    pub severity: Gravedad,
    /// Byte span in the checked text; `None` for omissions, which have no
    /// place in the text.
    pub span: Option<Range<usize>>,
    /// What the clinician reads, in Spanish.
    pub message: String,
    /// The episode path this finding contradicts or misses
    /// (`indicaciones_alta.medicamentos[0]`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What the episode says there, for "el episodio dice …".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
}

/// A claim of the text that the episode confirms, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confirmed {
    /// Byte span in the checked text.
    pub span: Range<usize>,
    /// The episode path it matched.
    pub path: String,
    /// What the episode says there, for "coincide con …".
    pub says: String,
}

/// Everything the check found: findings in text order (omissions last) and
/// the confirmed claims.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Review {
    /// In text order; omissions last.
    pub findings: Vec<Finding>,
    /// The claims the episode confirms, each with its source.
    pub confirmed: Vec<Confirmed>,
}

/// Checks `text` against the (normalised) `episode`; findings only.
pub fn verify(episode: &Episode, text: &str) -> Vec<Finding> {
    review(episode, text).findings
}

/// Checks `text` against the (normalised) `episode`, keeping the claims
/// it confirmed with their sources.
pub fn review(episode: &Episode, text: &str) -> Review {
    // The episode's texts are prepared once, for every reader.
    let fields = facts::fields(episode);
    let field_docs: Vec<Doc<'_>> = fields.iter().map(|f| Doc::new(&f.text)).collect();
    let mut ctx = Ctx {
        doc: Doc::new(text),
        facts: Facts::of(episode, &fields, &field_docs),
        fields: &fields,
        field_docs: &field_docs,
        episode,
        review: Review::default(),
        claimed: Vec::new(),
        allergy_spans: Vec::new(),
        lab_spans: Vec::new(),
        drug_mentions: Vec::new(),
    };
    terms::codes(&mut ctx);
    patient::allergy_statements(&mut ctx);
    drugs::check(&mut ctx);
    check_dates(&mut ctx);
    relative_days(&mut ctx);
    labs::check(&mut ctx);
    labs::qualitative(&mut ctx);
    labs::measurements(&mut ctx);
    terms::check(&mut ctx);
    patient::sex_and_age(&mut ctx);
    patient::laterality(&mut ctx);
    unconfirmed_numbers(&mut ctx);
    output::degenerate(text, &mut ctx.review.findings);

    let mut review = ctx.review;
    review
        .findings
        .sort_by_key(|f| f.span.as_ref().map_or(usize::MAX, |s| s.start));
    review
        .findings
        .dedup_by(|a, b| a.span == b.span && a.kind == b.kind);
    review.confirmed.sort_by_key(|c| c.span.start);
    review
        .confirmed
        .dedup_by(|a, b| a.span == b.span && a.path == b.path);
    review
}

/// Whether any finding is of severity alta (the CLI exits 1 then).
pub fn has_alta(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Gravedad::Alta)
}

/// The state of one check: the text, the episode's facts, what has been
/// found and which parts of the text a claim already accounts for.
pub(crate) struct Ctx<'a> {
    pub doc: Doc<'a>,
    pub facts: Facts,
    /// The episode's free-text fields, and each one prepared as a [`Doc`].
    pub fields: &'a [facts::Field],
    pub field_docs: &'a [Doc<'a>],
    pub episode: &'a Episode,
    pub review: Review,
    /// Folded ranges a typed claim has read (their numbers are checked).
    pub claimed: Vec<Range<usize>>,
    /// Folded ranges of allergy statements (drugs named there are the
    /// allergy, not a prescription).
    pub allergy_spans: Vec<Range<usize>>,
    /// Folded ranges of lab names tied to an episode lab ("FA" there is
    /// fosfatasa alcalina, not fibrilación auricular).
    pub lab_spans: Vec<Range<usize>>,
    /// Drug mentions: folded range and the entries they matched.
    pub drug_mentions: Vec<(Range<usize>, Vec<usize>)>,
}

pub(crate) struct Report<'m> {
    pub kind: FindingKind,
    pub severity: Gravedad,
    /// Folded range.
    pub at: Option<Range<usize>>,
    pub message: String,
    pub path: Option<&'m str>,
    pub expected: Option<&'m str>,
}

impl Ctx<'_> {
    pub fn report(&mut self, r: Report<'_>) {
        let span = r.at.map(|at| self.doc.span(at));
        self.review.findings.push(Finding {
            kind: r.kind,
            severity: r.severity,
            span,
            message: r.message,
            path: r.path.map(str::to_string),
            expected: r.expected.map(str::to_string),
        });
    }

    pub fn confirm(&mut self, at: Range<usize>, path: &str, says: &str) {
        let span = self.doc.span(at);
        self.review.confirmed.push(Confirmed {
            span,
            path: path.to_string(),
            says: says.to_string(),
        });
    }

    pub fn claim(&mut self, at: Range<usize>) {
        self.claimed.push(at);
    }

    pub fn is_claimed(&self, at: &Range<usize>) -> bool {
        self.claimed
            .iter()
            .any(|c| c.start < at.end && at.start < c.end)
    }
}

fn check_dates(ctx: &mut Ctx<'_>) {
    let year = ctx.facts.admission.or(ctx.facts.discharge).map(|d| d.year);
    let found = dates::find(&ctx.doc.folded, year);
    let mut stay_end_pending = false;
    // A range's second date is in the same sentence as its first.
    let mut pending_at: Option<usize> = None;
    for f in &found {
        ctx.claim(f.range.clone());
        let here = ctx.doc.sentence_of(f.range.start);
        if pending_at.is_some_and(|p| p != here) {
            stay_end_pending = false;
        }
        let sentence = ctx.doc.sentences[here].clone();
        let before = &ctx.doc.folded[sentence.start..f.range.start];
        let mut role = dates::role(before);
        // The first of two dates under a label of the stay: inline
        // ("Período: 02/10/2026 – 09/10/2026") or as the line before
        // ("Período de hospitalización\n10/05/2026 al 17/05/2026").
        if !stay_end_pending && (stay_label(before) || stay_heading_before(ctx, here, before)) {
            stay_end_pending = true;
            pending_at = Some(here);
            let text = ctx.doc.original(f.range.clone()).to_string();
            check_role_date(ctx, f, dates::Role::Admission, &text);
            continue;
        }
        if f.range_start && role == dates::Role::Stay {
            role = dates::Role::Admission;
            stay_end_pending = true;
            pending_at = Some(here);
        } else if stay_end_pending {
            role = dates::Role::Discharge;
            stay_end_pending = false;
        } else if role == dates::Role::Stay {
            role = dates::Role::Admission;
        }
        if role == dates::Role::Other {
            let after = &ctx.doc.folded[f.range.end..sentence.end];
            role = dates::role_after(after);
        }
        let text = ctx.doc.original(f.range.clone()).to_string();
        if dates::weak_role(before) {
            let other = ctx.facts.date_path(f.date).map(str::to_string);
            if let Some(path) = other {
                ctx.confirm(f.range.clone(), &path, &f.date.spanish());
                continue;
            }
        }
        if check_role_date(ctx, f, role, &text) {
            continue;
        }
        // A procedure's or a treatment's date, said after its name.
        if let Some((path, expected, ok)) = owner_dates(ctx, f) {
            if ok {
                ctx.confirm(f.range.clone(), &path, &expected);
            } else {
                ctx.report(Report {
                    kind: FindingKind::FechaContradicha,
                    severity: Gravedad::Alta,
                    at: Some(f.range.clone()),
                    message: format!("la fecha «{text}» no coincide con el episodio ({expected})"),
                    path: Some(&path),
                    expected: Some(&expected),
                });
            }
            continue;
        }
        match ctx.facts.date_path(f.date).map(str::to_string) {
            Some(path) => ctx.confirm(f.range.clone(), &path, &f.date.spanish()),
            None => ctx.report(Report {
                kind: FindingKind::NumeroNoConsignado,
                severity: Gravedad::Media,
                at: Some(f.range.clone()),
                message: format!("la fecha «{text}» no figura en el episodio"),
                path: None,
                expected: None,
            }),
        }
    }
    for (range, days) in dates::stays(&ctx.doc.folded) {
        ctx.claim(range.clone());
        let Some(stay) = ctx.facts.stay else { continue };
        let says = format!("{stay} días");
        if (stay as f64 - days).abs() < 0.5 {
            ctx.confirm(range, "atencion", &says);
        } else {
            ctx.report(Report {
                kind: FindingKind::FechaContradicha,
                severity: Gravedad::Alta,
                at: Some(range),
                message: format!(
                    "la estadía de {} días no coincide con el episodio ({says}, del ingreso al alta)",
                    crate::text::number(days)
                ),
                path: Some("atencion"),
                expected: Some(&says),
            });
        }
    }
}

/// "Período:", "Fechas:" right before a date.
fn stay_label(before: &str) -> bool {
    let head = before.trim_end();
    head.ends_with(':')
        && ["periodo", "fechas", "hospitalizacion", "estadia"]
            .iter()
            .any(|l| head.trim_end_matches(':').trim_end().ends_with(l))
}

/// A date that opens its line under a heading of the stay.
fn stay_heading_before(ctx: &Ctx<'_>, s: usize, before: &str) -> bool {
    if !before.trim().is_empty() || s == 0 {
        return false;
    }
    let mut previous = ctx.doc.folded[ctx.doc.sentences[s - 1].clone()].trim();
    if previous.is_empty() && s > 1 {
        previous = ctx.doc.folded[ctx.doc.sentences[s - 2].clone()].trim();
    }
    [
        "periodo de hospitalizacion",
        "fechas",
        "estadia",
        "hospitalizacion",
    ]
    .contains(&previous.trim_end_matches(':'))
}

/// Checks a date said to be the admission or the discharge; false when it
/// is neither.
fn check_role_date(ctx: &mut Ctx<'_>, f: &dates::FoundDate, role: dates::Role, text: &str) -> bool {
    let expected = match role {
        dates::Role::Admission => ctx
            .facts
            .admission
            .map(|d| (d, "atencion.fecha_ingreso", "ingreso")),
        dates::Role::Discharge => ctx
            .facts
            .discharge
            .map(|d| (d, "atencion.fecha_alta", "alta")),
        _ => None,
    };
    let Some((date, path, what)) = expected else {
        return false;
    };
    if date == f.date {
        ctx.confirm(f.range.clone(), path, &date.spanish());
    } else {
        ctx.report(Report {
            kind: FindingKind::FechaContradicha,
            severity: Gravedad::Alta,
            at: Some(f.range.clone()),
            message: format!(
                "la fecha de {what} «{text}» no coincide con el episodio ({})",
                date.spanish()
            ),
            path: Some(path),
            expected: Some(&date.spanish()),
        });
    }
    true
}

/// The procedures with a date, each with the first distinctive word of its
/// name that a text would use for it.
fn dated_procedures(ctx: &Ctx<'_>) -> Vec<(usize, crate::date::Date, String)> {
    ctx.episode
        .procedimientos
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let date = p.fecha.as_deref().and_then(crate::date::Date::parse)?;
            let key = lexicon::tokenize(&crate::text::fold(&p.nombre))
                .into_iter()
                .find(|w| w.chars().count() >= 5)?;
            Some((i, date, key))
        })
        .collect()
}

/// The procedure or treatment named before a date in its sentence, and
/// whether the date is one of its own.
fn owner_dates(ctx: &Ctx<'_>, f: &dates::FoundDate) -> Option<(String, String, bool)> {
    let s = ctx.doc.sentence_of(f.range.start);
    let sentence_start = ctx.doc.sentences[s].start;
    // Procedures: by their first distinctive word.
    let procedures = dated_procedures(ctx);
    let mut best: Option<(usize, String, String, bool)> = None;
    for (i, date, key) in &procedures {
        let (i, date) = (*i, *date);
        let before = &ctx.doc.folded[sentence_start..f.range.start];
        if let Some(at) = before.rfind(key.as_str()) {
            let at = sentence_start + at;
            if best.as_ref().is_none_or(|b| at > b.0) {
                best = Some((
                    at,
                    format!("procedimientos[{i}].fecha"),
                    date.spanish(),
                    date == f.date,
                ));
            }
        }
    }
    for (range, entries) in &ctx.drug_mentions {
        if range.start < sentence_start || range.end > f.range.start {
            continue;
        }
        let dated: Vec<&facts::DrugEntry> = entries
            .iter()
            .map(|&e| &ctx.facts.drugs[e])
            .filter(|e| e.start.is_some() || e.end.is_some())
            .collect();
        if dated.is_empty() {
            continue;
        }
        if best.as_ref().is_none_or(|b| range.start > b.0) {
            let ok = dated
                .iter()
                .any(|e| e.start == Some(f.date) || e.end == Some(f.date));
            let e = dated[0];
            let says = match (e.start, e.end) {
                (Some(a), Some(b)) => crate::items::range(a, b),
                (Some(a), None) => format!("desde el {}", a.spanish()),
                (None, Some(b)) => format!("hasta el {}", b.spanish()),
                (None, None) => String::new(),
            };
            best = Some((range.start, e.path.clone(), says, ok));
        }
    }
    if best.is_none() {
        // "El 23 de septiembre se rotó a cefadroxilo": a drug just after,
        // whose days are its treatment's and those of the notes naming it.
        let sentence_end = ctx.doc.sentences[s].end;
        let after_end = sentence_end.min(f.range.end + 60);
        for (range, entries) in &ctx.drug_mentions {
            if range.start < f.range.end || range.start > after_end {
                continue;
            }
            let name = ctx.doc.folded[range.clone()].to_string();
            let mut days: Vec<crate::date::Date> = entries
                .iter()
                .flat_map(|&e| [ctx.facts.drugs[e].start, ctx.facts.drugs[e].end])
                .flatten()
                .collect();
            days.extend(note_dates(ctx, &name));
            if days.is_empty() {
                continue;
            }
            let ok = days.contains(&f.date);
            let says = days
                .iter()
                .map(|d| d.spanish())
                .collect::<Vec<_>>()
                .join(", ");
            let path = entries
                .first()
                .map(|&e| ctx.facts.drugs[e].path.clone())
                .unwrap_or_else(|| "evolucion_resumen".into());
            best = Some((range.start, path, says, ok));
            break;
        }
    }
    if best.is_none() {
        // "El 4 de marzo se realizó artroplastía": the name just after.
        let sentence_end = ctx.doc.sentences[s].end;
        let after_end = sentence_end.min(f.range.end + 60);
        let after = ctx.doc.folded.get(f.range.end..after_end).unwrap_or("");
        for (i, date, key) in &procedures {
            let (i, date) = (*i, *date);
            let Some(at) = after.find(key.as_str()) else {
                continue;
            };
            if best.as_ref().is_none_or(|b| at < b.0) {
                best = Some((
                    at,
                    format!("procedimientos[{i}].fecha"),
                    date.spanish(),
                    date == f.date,
                ));
            }
        }
    }
    best.map(|(_, path, says, ok)| (path, says, ok))
}

/// The days of the course notes that name `needle` (folded): a note's
/// `fecha`, or its `dia` counted from admission.
fn note_dates(ctx: &Ctx<'_>, needle: &str) -> Vec<crate::date::Date> {
    ctx.episode
        .evolucion_resumen
        .iter()
        .filter(|n| crate::text::fold(&n.texto).contains(needle))
        .filter_map(|n| {
            n.fecha
                .as_deref()
                .and_then(crate::date::Date::parse)
                .or_else(|| {
                    let admission = ctx.facts.admission?;
                    let day = i64::from(n.dia?);
                    Some(crate::date::Date::from_days_since_epoch(
                        admission.days_since_epoch() + day - 1,
                    ))
                })
        })
        .collect()
}

/// "Se suspende al tercer día", "se inicia el día 3": a day of the stay
/// said of a drug, held to its treatment's dates. Day 1 is the admission;
/// "al tercer día" may also count from the day after, so either fits.
fn relative_days(ctx: &mut Ctx<'_>) {
    let Some(admission) = ctx.facts.admission else {
        return;
    };
    static CELL: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = CELL.get_or_init(|| {
        attributes::compile(
            r"(?:(?:al|el|en el|desde el|hasta el)\s+(primer|segundo|tercer|tercero|cuarto|quinto|sexto|septimo|octavo|noveno|decimo)\s+dia|(?:^|[^\w])(?:dia\s+|d)(\d{1,2})(?:[^\w]|$))",
        )
    });
    let ordinal = |w: &str| -> Option<i64> {
        Some(match w {
            "primer" => 1,
            "segundo" => 2,
            "tercer" | "tercero" => 3,
            "cuarto" => 4,
            "quinto" => 5,
            "sexto" => 6,
            "septimo" => 7,
            "octavo" => 8,
            "noveno" => 9,
            "decimo" => 10,
            _ => return None,
        })
    };
    let folded = ctx.doc.folded.clone();
    for c in re.captures_iter(&folded) {
        let Some(whole) = c.get(0) else { continue };
        let n = c
            .get(1)
            .and_then(|m| ordinal(m.as_str()))
            .or_else(|| c.get(2).and_then(|m| m.as_str().parse().ok()));
        let Some(n) = n else { continue };
        // The match may take a boundary character of its neighbours: place
        // it by its number and keep it inside that sentence.
        let core = c
            .get(1)
            .or_else(|| c.get(2))
            .map_or(whole.start(), |m| m.start());
        let s = ctx.doc.sentence_of(core);
        let sentence = ctx.doc.sentences[s].clone();
        let whole = {
            let start = whole.start().max(sentence.start);
            let end = whole.end().min(sentence.end).max(start);
            let trimmed = folded[start..end].trim_matches(|c: char| !c.is_alphanumeric());
            let offset = folded[start..end].find(trimmed).unwrap_or(0);
            (start + offset)..(start + offset + trimmed.len())
        };
        // The clause the day is in: from the last comma or "y" before it.
        let before = &folded[sentence.start..whole.start];
        let clause_start = sentence.start
            + [before.rfind(','), before.rfind(" y "), before.rfind(';')]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(0);
        let rest = &folded[whole.end..sentence.end];
        let clause_end = whole.end
            + [rest.find(','), rest.find(" y "), rest.find(';')]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(rest.len());
        let clause = &folded[clause_start..clause_end];
        let ends = ["suspend", "retir", "complet"]
            .iter()
            .any(|v| clause.contains(v));
        let starts = [
            "se inici",
            "se agreg",
            "iniciandose",
            "inicio",
            "inicia",
            "agrega",
        ]
        .iter()
        .any(|v| clause.contains(v));
        if ends == starts {
            continue;
        }
        // The drug the clause speaks of, nearest to the day; "esta última"
        // points back to the one before it.
        let anaphora = ["esta ultima", "este ultimo", "la cual", "el cual"]
            .iter()
            .any(|a| clause.contains(a));
        let from = if anaphora {
            sentence.start
        } else {
            clause_start
        };
        let distance = |r: &Range<usize>| {
            if r.end <= whole.start {
                whole.start - r.end
            } else {
                r.start.saturating_sub(whole.end)
            }
        };
        let mention = ctx
            .drug_mentions
            .iter()
            .filter(|(r, e)| r.start >= from && r.end <= clause_end && !e.is_empty())
            .min_by_key(|(r, _)| distance(r))
            .cloned();
        let Some((range, entries)) = mention else {
            continue;
        };
        // Its days: the treatment's start or end, and the notes naming it.
        let mut days: Vec<(crate::date::Date, String)> = entries
            .iter()
            .map(|&e| &ctx.facts.drugs[e])
            .filter_map(|e| {
                let d = if ends { e.end } else { e.start }?;
                Some((d, e.path.clone()))
            })
            .collect();
        // The day after the last dose is also "suspended on" that day.
        if ends {
            let after: Vec<_> = days
                .iter()
                .map(|(d, p)| {
                    (
                        crate::date::Date::from_days_since_epoch(d.days_since_epoch() + 1),
                        p.clone(),
                    )
                })
                .collect();
            days.extend(after);
        }
        // The notes name a drug by its generic ("ácido acetilsalicílico")
        // where the text wrote "AAS".
        let mut names = vec![folded[range].to_string()];
        for &e in &entries {
            names.extend(ctx.facts.drugs[e].canon.iter().cloned());
        }
        for name in &names {
            days.extend(
                note_dates(ctx, name)
                    .into_iter()
                    .map(|d| (d, "evolucion_resumen".to_string())),
            );
        }
        let Some((first_day, first_path)) = days.first().cloned() else {
            continue;
        };
        let day =
            |d: i64| crate::date::Date::from_days_since_epoch(admission.days_since_epoch() + d);
        let fits = [day(n - 1), day(n)];
        let ok = days.iter().any(|(d, _)| fits.contains(d));
        let entry = (first_day, first_path);
        let path = entry.1.clone();
        let recorded = entry.0.spanish();
        let at = whole.start..whole.end;
        ctx.claim(at.clone());
        if ok {
            ctx.confirm(at, &path, &recorded);
        } else {
            let said = ctx.doc.original(at.clone()).to_string();
            ctx.report(Report {
                kind: FindingKind::FechaContradicha,
                severity: Gravedad::Alta,
                at: Some(at),
                message: format!("«{said}» no coincide con el episodio ({recorded})"),
                path: Some(&path),
                expected: Some(&recorded),
            });
        }
    }
}

/// Numbers no claim accounted for: confirmed when the episode has them,
/// else *media* (nothing contradicts them, nothing confirms them).
fn unconfirmed_numbers(ctx: &mut Ctx<'_>) {
    for n in doc::numbers(&ctx.doc.folded) {
        if ctx.is_claimed(&n.range) {
            continue;
        }
        if n.values.iter().all(|v| ctx.facts.has_number(*v)) {
            continue;
        }
        let text = ctx.doc.original(n.range.clone()).to_string();
        ctx.report(Report {
            kind: FindingKind::NumeroNoConsignado,
            severity: Gravedad::Media,
            at: Some(n.range),
            message: format!("el número {text} no figura en el episodio"),
            path: None,
            expected: None,
        });
    }
}

#[cfg(test)]
mod tests;
