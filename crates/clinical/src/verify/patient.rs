//! Claims about the patient: sex, age with its unit, allergy statements,
//! and sides (derecha/izquierda) tied to the structure they qualify.

use std::collections::HashMap;

use crate::episode::{Sexo, UnidadEdad};
use crate::text::fold;

use super::doc::{number_word, Doc};
use super::facts::family;
use super::lexicon::{canon, lexicon};
use super::{Ctx, FindingKind, Gravedad, Report};

fn sex_word(word: &str) -> Option<Sexo> {
    match word {
        "femenina" | "femenino" | "fem" | "mujer" | "senora" | "sra" | "nina" | "embarazada"
        | "puerpera" | "lactante_f" => Some(Sexo::Femenino),
        "masculino" | "masculina" | "masc" | "hombre" | "varon" | "senor" | "sr" | "nino" => {
            Some(Sexo::Masculino)
        }
        _ => None,
    }
}

/// Sentences about someone else ("madre con DM2") say nothing of the
/// patient's sex.
fn about_someone_else(doc: &Doc<'_>, sentence: usize) -> bool {
    doc.sentence_words(sentence).any(|k| {
        matches!(
            doc.word(k),
            "madre"
                | "padre"
                | "hijo"
                | "hija"
                | "hermano"
                | "hermana"
                | "esposo"
                | "esposa"
                | "familiar"
                | "acompanante"
                | "conyuge"
                | "pareja"
                | "tratante"
                | "medico"
                | "medica"
                | "dr"
                | "dra"
        )
    })
}

pub(crate) fn sex_and_age(ctx: &mut Ctx<'_>) {
    let sex = ctx.episode.paciente.sexo();
    // "Camila Torres, 34 años": the patient's own name is a person word.
    let name_words: Vec<String> = ctx
        .episode
        .paciente
        .nombre
        .as_deref()
        .map(|n| super::lexicon::tokenize(&fold(n)))
        .unwrap_or_default();
    let age = crate::items::episode_age(ctx.episode);
    let n = ctx.doc.words.len();
    for k in 0..n {
        let word = ctx.doc.word(k).to_string();
        let at = ctx.doc.words[k].start..ctx.doc.words[k].end;
        if let (Some(said), Some(actual)) = (sex_word(&word), sex) {
            if actual != Sexo::Otro && !about_someone_else(&ctx.doc, ctx.doc.words[k].sentence) {
                if said == actual {
                    ctx.confirm(at.clone(), "paciente.sexo", sex_label(actual));
                } else {
                    let w = ctx.doc.original(at.clone()).to_string();
                    ctx.report(Report {
                        kind: FindingKind::DatoPacienteContradicho,
                        severity: Gravedad::Alta,
                        at: Some(at.clone()),
                        message: format!(
                            "«{w}» contradice el sexo registrado del paciente ({})",
                            sex_label(actual)
                        ),
                        path: Some("paciente.sexo"),
                        expected: Some(sex_label(actual)),
                    });
                }
            }
        }
        // "de 75 años", "lactante de 9 meses", "75 años de edad".
        let doc = &ctx.doc;
        let value = word.parse::<f64>().ok().or_else(|| number_word(&word));
        let (Some(value), Some(unit_word)) = (value, (k + 1 < n).then(|| doc.word(k + 1))) else {
            continue;
        };
        let unit = match unit_word {
            "anos" | "ano" => UnidadEdad::Anios,
            "meses" | "mes" => UnidadEdad::Meses,
            "semanas" | "semana" => UnidadEdad::Semanas,
            "dias" | "dia" => UnidadEdad::Dias,
            _ => continue,
        };
        let sentence = doc.words[k].sentence;
        // Back from the number over "de" and person words only.
        let mut person_before = false;
        let mut j = k;
        while j > 0 && k - j < 4 {
            j -= 1;
            if doc.words[j].sentence != sentence {
                break;
            }
            let w = doc.word(j);
            let person = matches!(
                w,
                "paciente"
                    | "femenina"
                    | "femenino"
                    | "masculino"
                    | "masculina"
                    | "mujer"
                    | "hombre"
                    | "varon"
                    | "senora"
                    | "senor"
                    | "nino"
                    | "nina"
                    | "lactante"
                    | "adolescente"
                    | "adulto"
                    | "adulta"
                    | "rn"
                    | "edad"
                    | "escolar"
                    | "preescolar"
                    | "recien"
                    | "nacido"
                    | "nacida"
                    | "menor"
                    | "mayor"
            );
            if person || name_words.iter().any(|n| n == w) {
                person_before = true;
                break;
            }
            if w != "de" {
                break;
            }
        }
        let edad_after = k + 3 < n && doc.word(k + 2) == "de" && doc.word(k + 3) == "edad";
        let starts_text = k == 0 || (k == 1 && doc.word(0) == "de");
        if !(person_before || edad_after || starts_text) || about_someone_else(doc, sentence) {
            continue;
        }
        let Some(age) = &age else { continue };
        let at = doc.words[k].start..doc.words[k + 1].end;
        ctx.claim(at.clone());
        let expected = crate::items::age(age);
        if unit == age.unidad && (value - age.valor).abs() < 0.01 {
            ctx.confirm(at, "paciente.edad", &expected);
        } else {
            let said = ctx.doc.original(at.clone()).to_string();
            ctx.report(Report {
                kind: FindingKind::DatoPacienteContradicho,
                severity: Gravedad::Alta,
                at: Some(at),
                message: format!("la edad «{said}» no coincide con el episodio ({expected})"),
                path: Some("paciente.edad"),
                expected: Some(&expected),
            });
        }
    }
}

fn sex_label(sex: Sexo) -> &'static str {
    match sex {
        Sexo::Femenino => "femenino",
        Sexo::Masculino => "masculino",
        Sexo::Otro => "otro",
    }
}

/// Words that carry no allergen between "alergia" and its object.
fn filler(word: &str) -> bool {
    matches!(
        word,
        "a" | "al"
            | "la"
            | "las"
            | "los"
            | "el"
            | "de"
            | "conocida"
            | "conocidas"
            | "conocido"
            | "medicamentosa"
            | "medicamentosas"
            | "farmacos"
            | "farmaco"
            | "es"
            | "con"
            | "refiere"
            | "antecedente"
            | "antecedentes"
            | "tipo"
            | "y"
            | "e"
            | "o"
            | "registrada"
            | "registrado"
            | "registradas"
            | "descrita"
            | "descrito"
            | "consignada"
            | "consignado"
            | "previa"
            | "previo"
            | "referida"
            | "reportada"
            | "documentada"
            | "senalada"
    )
}

pub(crate) fn allergy_statements(ctx: &mut Ctx<'_>) {
    let known = ctx.episode.antecedentes.alergias_conocidas();
    let labels: Vec<String> = known
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(str::to_string)
        .collect();
    let n = ctx.doc.words.len();
    let mut k = 0;
    while k < n {
        let doc = &ctx.doc;
        let w = doc.word(k);
        // "RAM: AAS" (reacción adversa a medicamentos) is an allergy line.
        let is_cue = w.starts_with("alergi")
            || w.starts_with("hipersensib")
            || (matches!(w, "ram" | "rams")
                && doc.original_word(k).chars().all(char::is_uppercase));
        let nkda = matches!(w, "nkda" | "nka");
        // "Reacción alérgica", "shock anafiláctico": an event, not what
        // the patient is allergic to.
        let event = k > 0
            && matches!(
                doc.word(k - 1),
                "reaccion" | "reacciones" | "cuadro" | "shock" | "respuesta"
            );
        if !is_cue && !nkda || event {
            k += 1;
            continue;
        }
        let sentence = doc.words[k].sentence;
        let cue = doc.words[k].start..doc.words[k].end;
        // The object: words after the cue in the sentence, up to a comma
        // that opens something else or six words.
        let mut object: Vec<usize> = Vec::new();
        let mut j = k + 1;
        while j < n && doc.words[j].sentence == sentence && object.len() < 6 {
            let between = &doc.folded[doc.words[j - 1].end..doc.words[j].start];
            if j > k + 1 && between.contains(['(', ')', '.', ',']) {
                break;
            }
            if !filler(doc.word(j)) || !object.is_empty() {
                object.push(j);
            }
            j += 1;
        }
        // "Niega alergias salvo a la dipirona": the exception is the claim.
        let exception = object.iter().position(|&j| {
            matches!(
                doc.word(j),
                "salvo" | "excepto" | "menos" | "aunque" | "pero"
            )
        });
        if let Some(at) = exception {
            object.drain(..=at);
            object.retain(|&j| !filler(doc.word(j)));
        }
        let first_object = object.first().map(|&j| doc.word(j)).unwrap_or("");
        let close_negation = (k.saturating_sub(3)..k).any(|j| {
            doc.words[j].sentence == sentence
                && matches!(
                    doc.word(j),
                    "sin" | "no" | "niega" | "nego" | "ninguna" | "descarta" | "desconoce"
                )
                && !doc.folded[doc.words[j].end..doc.words[k].start].contains([',', '('])
        });
        let none = exception.is_none() && (nkda || close_negation)
            || exception.is_none()
                && matches!(
                    first_object,
                    "no" | "niega"
                        | "ninguna"
                        | "ninguno"
                        | "sin"
                        | "negativo"
                        | "nkda"
                        | "desconocidas"
                        | "desconoce"
                )
            || doc.folded[doc.words[k].end..doc.sentences[sentence].end]
                .trim_start_matches([':', ' '])
                .starts_with("(-)");
        let end = object
            .last()
            .map_or(cue.end, |&j| doc.words[j].end)
            .max(cue.end);
        if doc.folded[cue.start..doc.sentences[sentence].end].contains("no consignad") {
            k = j;
            continue;
        }
        let statement = cue.start..end;
        ctx.allergy_spans.push(statement.clone());
        ctx.claim(statement.clone());
        let said = ctx.doc.original(statement.clone()).to_string();
        let recorded = labels.join(", ");
        if none {
            match &known {
                Some(list) if !list.is_empty() => ctx.report(Report {
                    kind: FindingKind::AlergiaContradicha,
                    severity: Gravedad::Alta,
                    at: Some(statement),
                    message: format!("«{said}», pero el episodio registra alergia a {recorded}"),
                    path: Some("antecedentes.alergias"),
                    expected: Some(&recorded),
                }),
                Some(_) => {
                    ctx.confirm(statement, "antecedentes.alergias", "sin alergias conocidas")
                }
                None => ctx.report(Report {
                    kind: FindingKind::AlergiaContradicha,
                    severity: Gravedad::Media,
                    at: Some(statement),
                    message: format!("«{said}»: el episodio no registra alergias"),
                    path: Some("antecedentes.alergias"),
                    expected: None,
                }),
            }
            k = j;
            continue;
        }
        let object_words: Vec<String> = object
            .iter()
            .map(|&j| ctx.doc.word(j).to_string())
            .filter(|w| w.chars().count() >= 3)
            .collect();
        // Only words that name an allergen can contradict the record
        // ("alergia registrada" names none).
        let original_object = object
            .first()
            .zip(object.last())
            .map(|(&a, &b)| {
                ctx.doc
                    .original(ctx.doc.words[a].start..ctx.doc.words[b].end)
                    .to_string()
            })
            .unwrap_or_default();
        if object_words.is_empty() || !names_allergen(&object_words, &original_object) {
            k = j;
            continue;
        }
        let matches_recorded = labels.iter().any(|label| {
            let folded = fold(label);
            let tokens: Vec<&str> = folded
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| t.chars().count() >= 3)
                .collect();
            object_words.iter().any(|w| tokens.contains(&w.as_str()))
                || allergen_alias(&original_object, &canon(label))
        });
        if matches_recorded {
            ctx.confirm(statement, "antecedentes.alergias", &recorded);
        } else {
            let expected = if labels.is_empty() {
                "sin alergias conocidas".to_string()
            } else {
                recorded.clone()
            };
            ctx.report(Report {
                kind: FindingKind::AlergiaContradicha,
                severity: if known.is_some() {
                    Gravedad::Alta
                } else {
                    Gravedad::Media
                },
                at: Some(statement),
                message: format!("«{said}» no coincide con las alergias del episodio ({expected})"),
                path: Some("antecedentes.alergias"),
                expected: Some(&expected),
            });
        }
        k = j;
    }
}

/// "alérgico a AAS" for a recorded "ácido acetilsalicílico": the text's
/// words name the same drug through the lexicon.
fn allergen_alias(original: &str, recorded: &str) -> bool {
    let lex = lexicon();
    let doc = Doc::new(original);
    let recorded_doc = Doc::new(recorded);
    let recorded_keys: Vec<String> = lex
        .drugs
        .scan(&recorded_doc)
        .iter()
        .map(|h| h.value.clone())
        .collect();
    lex.drugs.scan(&doc).iter().any(|hit| {
        family(hit.value, recorded)
            || family(recorded, hit.value)
            || recorded_keys
                .iter()
                .any(|k| family(k, hit.value) || family(hit.value, k))
    }) || lex.allergies.iter().any(|class| {
        // "alergia a betalactámicos" for a recorded penicillin allergy.
        let names = |text: &str| {
            class.triggers.iter().any(|t| match t {
                super::lexicon::DrugPattern::Name(n) => {
                    canon(text).split(' ').any(|w| w == n) || canon(text) == *n
                }
                other => other.covers(&canon(text)),
            })
        };
        names(original) && names(recorded)
    })
}

/// Whether the object of an allergy statement names an allergen: a drug,
/// a drug class of the allergy table, or a common non-drug allergen.
fn names_allergen(words: &[String], original: &str) -> bool {
    const OTHER: &[&str] = &[
        "latex",
        "yodo",
        "contraste",
        "mariscos",
        "marisco",
        "polen",
        "nueces",
        "mani",
        "huevo",
        "leche",
        "picadura",
        "abejas",
        "alimentos",
        "alimentaria",
        "adhesivo",
        "sulfas",
        "sulfa",
        "aines",
        "aine",
        "betalactamicos",
        "penicilinas",
        "cefalosporinas",
        "quinolonas",
        "macrolidos",
        "anestesicos",
        "opioides",
    ];
    let lex = lexicon();
    let doc = Doc::new(original);
    !lex.drugs.scan(&doc).is_empty()
        || words
            .iter()
            .any(|w| lex.stem_drug(w) || OTHER.contains(&w.as_str()))
        || lex.allergies.iter().any(|c| {
            c.triggers.iter().any(|t| match t {
                super::lexicon::DrugPattern::Name(n) => words.iter().any(|w| w == n),
                other => words.iter().any(|w| other.covers(w)),
            })
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Right,
    Left,
    Both,
}

fn side(word: &str) -> Option<Side> {
    match word {
        "derecho" | "derecha" | "derechos" | "derechas" | "der" | "dcha" | "dcho" => {
            Some(Side::Right)
        }
        "izquierdo" | "izquierda" | "izquierdos" | "izquierdas" | "izq" | "izda" | "izdo" => {
            Some(Side::Left)
        }
        "bilateral" | "bilaterales" | "ambos" | "ambas" => Some(Side::Both),
        _ => None,
    }
}

fn side_label(s: Side) -> &'static str {
    match s {
        Side::Right => "derecho",
        Side::Left => "izquierdo",
        Side::Both => "bilateral",
    }
}

const LIGHT: &[&str] = &[
    "de", "del", "la", "el", "lo", "los", "las", "en", "a", "al", "y", "lado", "region", "zona",
    "con", "muy", "leve",
];

/// The content words just before a side word: what it qualifies.
fn heads(doc: &Doc<'_>, k: usize) -> Vec<String> {
    let sentence = doc.words[k].sentence;
    let mut out = Vec::new();
    let mut j = k;
    while j > 0 && out.len() < 2 && k - j < 5 {
        j -= 1;
        if doc.words[j].sentence != sentence {
            break;
        }
        let w = doc.word(j);
        if side(w).is_some() {
            break;
        }
        if !LIGHT.contains(&w) && w.chars().count() >= 3 {
            out.push(w.to_string());
        }
    }
    out
}

/// Ward abbreviations that carry their side and their structure: LSD is
/// the right upper lobe, FII the left iliac fossa.
fn side_abbreviation(word: &str) -> Option<(Side, &'static str)> {
    Some(match word {
        "lsd" | "lid" | "lm" => (Side::Right, "lobulo"),
        "lsi" | "lii" => (Side::Left, "lobulo"),
        "fid" => (Side::Right, "fosa"),
        "fii" => (Side::Left, "fosa"),
        "hcd" => (Side::Right, "hipocondrio"),
        "hci" => (Side::Left, "hipocondrio"),
        "eid" | "esd" => (Side::Right, "extremidad"),
        "eii" | "esi" => (Side::Left, "extremidad"),
        _ => return None,
    })
}

pub(crate) fn laterality(ctx: &mut Ctx<'_>) {
    // What the episode says of each structure's side.
    let mut episode_sides: HashMap<String, Vec<(Side, String, String)>> = HashMap::new();
    let mut all_sides: Vec<(Side, String, String)> = Vec::new();
    for (field, doc) in ctx.fields.iter().zip(ctx.field_docs) {
        for k in 0..doc.words.len() {
            if let Some((s, head)) = side_abbreviation(doc.word(k)) {
                all_sides.push((s, field.path.clone(), field.text.clone()));
                episode_sides.entry(head.to_string()).or_default().push((
                    s,
                    field.path.clone(),
                    field.text.clone(),
                ));
            }
            if let Some(s) = side(doc.word(k)) {
                let phrase = field.text.clone();
                all_sides.push((s, field.path.clone(), phrase.clone()));
                for h in heads(doc, k) {
                    episode_sides.entry(h).or_default().push((
                        s,
                        field.path.clone(),
                        phrase.clone(),
                    ));
                }
            }
        }
    }
    if all_sides.is_empty() {
        return;
    }
    for k in 0..ctx.doc.words.len() {
        let doc = &ctx.doc;
        let abbreviation = side_abbreviation(doc.word(k));
        let Some(said) = side(doc.word(k)).or(abbreviation.map(|(s, _)| s)) else {
            continue;
        };
        if doc.negated[k] {
            continue;
        }
        let at = doc.words[k].start..doc.words[k].end;
        let hs = match abbreviation {
            Some((_, head)) => vec![head.to_string()],
            None => heads(doc, k),
        };
        let known: Vec<&(Side, String, String)> = hs
            .iter()
            .filter_map(|h| episode_sides.get(h))
            .flatten()
            .collect();
        let (ok, reference) = if !known.is_empty() {
            (
                known.iter().any(|(s, _, _)| *s == said || *s == Side::Both),
                known[0],
            )
        } else {
            // Nothing ties the side to a structure the episode names: only a
            // one-sided episode can be contradicted.
            let first = all_sides[0].0;
            if said == Side::Both || all_sides.iter().any(|(s, _, _)| *s != first) {
                continue;
            }
            (said == first, &all_sides[0])
        };
        let (path, phrase) = (reference.1.clone(), reference.2.clone());
        if ok {
            ctx.confirm(at, &path, &phrase);
        } else {
            let w = ctx.doc.original(at.clone()).to_string();
            ctx.report(Report {
                kind: FindingKind::LateralidadContradicha,
                severity: Gravedad::Alta,
                at: Some(at),
                message: format!(
                    "«{w}» contradice el lado registrado ({}: «{phrase}»)",
                    side_label(reference.0)
                ),
                path: Some(&path),
                expected: Some(&phrase),
            });
        }
    }
}
