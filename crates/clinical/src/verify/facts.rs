//! What the episode says, each fact with the JSON path it came from, so
//! that a confirmed claim and a finding can both point at their source.

use crate::date::Date;
use crate::episode::{Episode, Valor};
use crate::text::fold;

use super::attributes::{self, Dose, Duration, Frequency};
use super::doc::{numbers, Doc};
use super::lexicon::{canon, lexicon};

/// A free-text field of the episode, for term and number look-ups.
pub(crate) struct Field {
    pub path: String,
    pub text: String,
}

pub(crate) struct DrugEntry {
    pub path: String,
    pub label: String,
    /// Canonical drug keys the name stands for.
    pub canon: Vec<String>,
    pub dose: Option<Dose>,
    pub route: Option<String>,
    pub frequency: Option<Frequency>,
    pub duration: Option<Duration>,
    pub discharge: bool,
    pub start: Option<Date>,
    pub end: Option<Date>,
}

pub(crate) struct LabEntry {
    pub path: String,
    pub label: String,
    /// Lexicon index when the test is one the lexicon knows.
    pub lexicon: Option<usize>,
    pub name_tokens: Vec<String>,
    pub ingreso: Option<f64>,
    pub alta: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub summary: String,
}

pub(crate) struct Facts {
    pub drugs: Vec<DrugEntry>,
    /// Every drug the episode names anywhere (treatments, notes, history).
    pub named_drugs: Vec<(String, String)>,
    pub labs: Vec<LabEntry>,
    pub codes: Vec<(String, String)>,
    pub numbers: Vec<f64>,
    pub dates: Vec<(Date, String)>,
    pub admission: Option<Date>,
    pub discharge: Option<Date>,
    pub stay: Option<i64>,
}

fn push(fields: &mut Vec<Field>, path: String, text: Option<&str>) {
    if let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) {
        fields.push(Field {
            path,
            text: text.to_string(),
        });
    }
}

/// The episode's free-text fields with their paths: what terms, sides,
/// results in words and dates inside notes are read from. The caller
/// prepares each one's [`Doc`] once for every reader.
pub(crate) fn fields(episode: &Episode) -> Vec<Field> {
    let mut fields = Vec::new();
    push(
        &mut fields,
        "motivo_ingreso".into(),
        episode.motivo_ingreso.as_deref(),
    );
    let a = &episode.antecedentes;
    for (name, list) in [
        ("medicos", &a.medicos),
        ("quirurgicos", &a.quirurgicos),
        ("habitos", &a.habitos),
    ] {
        for (i, item) in list.iter().enumerate() {
            push(&mut fields, format!("antecedentes.{name}[{i}]"), Some(item));
        }
    }
    for (i, dx) in episode.diagnostico_ingreso.iter().enumerate() {
        push(
            &mut fields,
            format!("diagnostico_ingreso[{i}]"),
            Some(&dx.nombre),
        );
    }
    for (i, p) in episode.procedimientos.iter().enumerate() {
        push(&mut fields, format!("procedimientos[{i}]"), Some(&p.nombre));
    }
    for (i, t) in episode.tratamientos_intrahosp.iter().enumerate() {
        push(
            &mut fields,
            format!("tratamientos_intrahosp[{i}]"),
            Some(&t.nombre),
        );
    }
    for (i, n) in episode.evolucion_resumen.iter().enumerate() {
        push(
            &mut fields,
            format!("evolucion_resumen[{i}]"),
            Some(&n.texto),
        );
    }
    for (i, l) in episode.laboratorios_resumen.iter().enumerate() {
        // "Hemocultivos negativo": a result written in words is a fact
        // the text can contradict ("hemocultivos positivos").
        let mut text = l.prueba.clone();
        let values = [
            l.ingreso.as_ref().map(|r| &r.valor),
            l.alta.as_ref().map(|r| &r.valor),
        ];
        for valor in values.into_iter().flatten() {
            if let Valor::Texto(t) = valor {
                text.push(' ');
                text.push_str(t);
            }
        }
        push(
            &mut fields,
            format!("laboratorios_resumen[{i}]"),
            Some(&text),
        );
    }
    for (i, dx) in episode.diagnostico_egreso.iter().enumerate() {
        push(
            &mut fields,
            format!("diagnostico_egreso[{i}]"),
            Some(&dx.nombre),
        );
    }
    push(
        &mut fields,
        "condicion_alta".into(),
        episode.condicion_alta.as_deref(),
    );
    let ind = &episode.indicaciones_alta;
    for (i, m) in ind.medicamentos.iter().enumerate() {
        push(
            &mut fields,
            format!("indicaciones_alta.medicamentos[{i}]"),
            Some(&m.nombre),
        );
    }
    for (name, list) in [
        ("controles", &ind.controles),
        ("cuidados", &ind.cuidados),
        ("signos_alarma", &ind.signos_alarma),
    ] {
        for (i, item) in list.iter().enumerate() {
            push(
                &mut fields,
                format!("indicaciones_alta.{name}[{i}]"),
                Some(item),
            );
        }
    }
    fields
}

impl Facts {
    /// `docs` are `fields` prepared, one each, in the same order.
    pub fn of(episode: &Episode, fields: &[Field], docs: &[Doc<'_>]) -> Facts {
        let ind = &episode.indicaciones_alta;
        let mut drugs = Vec::new();
        for (i, t) in episode.tratamientos_intrahosp.iter().enumerate() {
            let start = t.inicio.as_deref().and_then(Date::parse);
            let end = t.fin.as_deref().and_then(Date::parse);
            drugs.push(DrugEntry {
                path: format!("tratamientos_intrahosp[{i}]"),
                label: crate::items::treatment(t),
                canon: drug_keys(&t.nombre),
                dose: t.dosis.as_deref().and_then(attributes::dose),
                route: t.via.as_deref().and_then(attributes::route),
                frequency: t.frecuencia.as_deref().and_then(attributes::frequency),
                // "Del 2 al 4": three days as wards count them.
                duration: match (start, end) {
                    (Some(a), Some(b)) if a <= b => {
                        Some(Duration::Days((a.days_until(b) + 1) as f64))
                    }
                    _ => None,
                },
                discharge: false,
                start,
                end,
            });
        }
        for (i, m) in ind.medicamentos.iter().enumerate() {
            drugs.push(DrugEntry {
                path: format!("indicaciones_alta.medicamentos[{i}]"),
                label: crate::items::discharge_drug_prose(m),
                canon: drug_keys(&m.nombre),
                dose: m.dosis.as_deref().and_then(attributes::dose),
                route: m.via.as_deref().and_then(attributes::route),
                frequency: m.frecuencia.as_deref().and_then(attributes::frequency),
                duration: m.duracion.as_deref().and_then(attributes::episode_duration),
                discharge: true,
                start: None,
                end: None,
            });
        }

        let mut named_drugs = Vec::new();
        for entry in &drugs {
            for key in &entry.canon {
                named_drugs.push((key.clone(), entry.path.clone()));
            }
        }
        let lex = lexicon();
        for (field, doc) in fields.iter().zip(docs) {
            for hit in lex.drugs.scan(doc) {
                named_drugs.push((hit.value.clone(), field.path.clone()));
            }
            for i in 0..doc.words.len() {
                if lex.stem_drug(doc.word(i)) {
                    named_drugs.push((doc.word(i).to_string(), field.path.clone()));
                }
            }
        }

        let mut labs = Vec::new();
        for (i, l) in episode.laboratorios_resumen.iter().enumerate() {
            let folded = canon(&l.prueba);
            let lexicon_index = lex.labs.iter().position(|lab| {
                lab.name == folded || lab.forms.iter().any(|f| f.tokens.join(" ") == folded)
            });
            let num = |v: &Valor| match v {
                Valor::Numero(n) => Some(*n),
                Valor::Texto(t) => numbers(&fold(t)).first().map(|n| n.values[0]),
            };
            labs.push(LabEntry {
                path: format!("laboratorios_resumen[{i}]"),
                label: l.prueba.trim().to_string(),
                lexicon: lexicon_index,
                name_tokens: folded.split(' ').map(str::to_string).collect(),
                ingreso: l.ingreso.as_ref().and_then(|r| num(&r.valor)),
                alta: l.alta.as_ref().and_then(|r| num(&r.valor)),
                min: l.periodo.as_ref().and_then(|p| num(&p.min)),
                max: l.periodo.as_ref().and_then(|p| num(&p.max)),
                summary: crate::items::lab(l).unwrap_or_else(|| l.prueba.clone()),
            });
        }

        let mut codes = Vec::new();
        let code = |c: &Option<String>| {
            c.as_deref()
                .map(|c| c.trim().trim_start_matches("ATC:").trim().to_uppercase())
        };
        for (i, dx) in episode.diagnostico_ingreso.iter().enumerate() {
            codes.extend(code(&dx.codigo).map(|c| (c, format!("diagnostico_ingreso[{i}]"))));
        }
        for (i, dx) in episode.diagnostico_egreso.iter().enumerate() {
            codes.extend(code(&dx.codigo).map(|c| (c, format!("diagnostico_egreso[{i}]"))));
        }
        for (i, p) in episode.procedimientos.iter().enumerate() {
            codes.extend(code(&p.codigo).map(|c| (c, format!("procedimientos[{i}]"))));
        }
        for (i, t) in episode.tratamientos_intrahosp.iter().enumerate() {
            codes.extend(code(&t.codigo).map(|c| (c, format!("tratamientos_intrahosp[{i}]"))));
        }
        for (i, m) in ind.medicamentos.iter().enumerate() {
            codes.extend(
                code(&m.codigo).map(|c| (c, format!("indicaciones_alta.medicamentos[{i}]"))),
            );
        }

        let json = serde_json::to_string(episode).unwrap_or_default();
        let mut all_numbers: Vec<f64> = numbers(&fold(&json))
            .into_iter()
            .flat_map(|n| n.values)
            .collect();
        let stay = episode.atencion.dias_estadia();
        all_numbers.extend(stay.map(|d| d as f64));
        if let Some(age) = crate::items::episode_age(episode) {
            all_numbers.push(age.valor);
        }

        let mut dates = Vec::new();
        let mut date = |text: &Option<String>, path: String| {
            if let Some(d) = text.as_deref().and_then(Date::parse) {
                dates.push((d, path));
            }
        };
        date(
            &episode.atencion.fecha_ingreso,
            "atencion.fecha_ingreso".into(),
        );
        date(&episode.atencion.fecha_alta, "atencion.fecha_alta".into());
        for (i, p) in episode.procedimientos.iter().enumerate() {
            date(&p.fecha, format!("procedimientos[{i}].fecha"));
        }
        for (i, t) in episode.tratamientos_intrahosp.iter().enumerate() {
            date(&t.inicio, format!("tratamientos_intrahosp[{i}].inicio"));
            date(&t.fin, format!("tratamientos_intrahosp[{i}].fin"));
        }
        for (i, n) in episode.evolucion_resumen.iter().enumerate() {
            date(&n.fecha, format!("evolucion_resumen[{i}].fecha"));
        }
        for (i, l) in episode.laboratorios_resumen.iter().enumerate() {
            date(
                &l.ingreso.as_ref().and_then(|r| r.fecha.clone()),
                format!("laboratorios_resumen[{i}].ingreso"),
            );
            date(
                &l.alta.as_ref().and_then(|r| r.fecha.clone()),
                format!("laboratorios_resumen[{i}].alta"),
            );
        }
        let admission = episode.atencion.ingreso();
        let discharge = episode.atencion.alta();
        // Dates written inside notes ("el 5/10").
        let year = admission.or(discharge).map(|d| d.year);
        for (field, doc) in fields.iter().zip(docs) {
            for found in super::dates::find(&doc.folded, year) {
                dates.push((found.date, field.path.clone()));
            }
        }
        // Day numbers of the stay ("día 3", "al tercer día") are numbers too.
        if let Some(stay) = stay {
            all_numbers.extend((0..=stay + 1).map(|d| d as f64));
        }

        Facts {
            drugs,
            named_drugs,
            labs,
            codes,
            numbers: all_numbers,
            dates,
            admission,
            discharge,
            stay,
        }
    }

    pub fn has_number(&self, value: f64) -> bool {
        self.numbers
            .iter()
            .any(|n| super::doc::same_number(*n, value))
    }

    pub fn date_path(&self, date: Date) -> Option<&str> {
        self.dates
            .iter()
            .find(|(d, _)| *d == date)
            .map(|(_, p)| p.as_str())
    }

    /// Where the episode names drug `key` (or a drug of which `key` is the
    /// family, "insulina" for "insulina glargina").
    pub fn names_drug(&self, key: &str) -> Option<&str> {
        // The text's name, or a family it names ("insulina" for the
        // episode's "insulina glargina").
        if let Some((_, p)) = self.named_drugs.iter().find(|(k, _)| family(key, k)) {
            return Some(p);
        }
        // The episode's general word covers a specific one only when the
        // episode names no member of that family: "insulina" in the notes
        // does not make "insulina glulisina" recorded beside glargina.
        self.named_drugs
            .iter()
            .filter(|(k, _)| family(k, key))
            .find(|(k, _)| {
                !self
                    .named_drugs
                    .iter()
                    .any(|(other, _)| other != k && family(k, other))
            })
            .map(|(_, p)| p.as_str())
    }
}

/// Whether drug key `general` is `specific` or its family by leading words.
pub(crate) fn family(general: &str, specific: &str) -> bool {
    specific == general
        || specific
            .strip_prefix(general)
            .is_some_and(|rest| rest.starts_with(' '))
}

/// The canonical drugs a prescription line names: what the lexicon finds in
/// it, else its own words.
pub(crate) fn drug_keys(name: &str) -> Vec<String> {
    let lex = lexicon();
    let doc = Doc::new(name);
    let mut keys: Vec<String> = lex
        .drugs
        .scan(&doc)
        .into_iter()
        .map(|h| h.value.clone())
        .collect();
    if keys.is_empty() {
        keys.extend(
            (0..doc.words.len())
                .map(|i| doc.word(i))
                .filter(|w| lex.stem_drug(w))
                .map(str::to_string),
        );
    }
    // "Bromuro de ipratropio" is ipratropio too: a later word that is a
    // drug by itself (not the first, which would make "insulina" of
    // "insulina glargina" match every insulin).
    for i in 1..doc.words.len() {
        let w = doc.word(i);
        let alone = Doc::new(w);
        let is_drug = lex.stem_drug(w) || lex.drugs.at(&alone, 0).is_some_and(|h| h.last == 0);
        if is_drug && !keys.iter().any(|k| k == w) {
            keys.push(w.to_string());
        }
    }
    let own = canon(name);
    if !own.is_empty() && !keys.contains(&own) {
        keys.push(own);
    }
    keys
}
