//! Episode text is data, never instructions: anything in it that looks like
//! a chat template's token is defused, and phrases that talk to the model
//! are reported. The prompt applies it to what it sends; the faithfulness
//! check looks for the same markers in what comes back.

use serde::Serialize;

use crate::text;

/// Something in the episode that looked like a template token or an
/// instruction to the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Neutralised {
    /// What the episode contained.
    pub original: String,
    /// What the prompt carries instead (equal to `original` for flagged
    /// instructions, which stay as data).
    pub replacement: String,
    /// What it looked like.
    pub kind: NeutralisedKind,
}

/// What a defused piece of episode text looked like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NeutralisedKind {
    /// `<|im_end|>`, `</s>`, `[INST]` and the like, made harmless.
    TokenPlantilla,
    /// "Ignora las instrucciones anteriores" and the like: kept as data,
    /// reported so the clinician knows.
    InstruccionIncrustada,
}

/// Template-token look-alikes. Each is defused by swapping its angle or
/// square brackets for look-alike guillemets, which no tokenizer maps to a
/// special token and a reader still recognises.
pub(crate) const TEMPLATE_MARKERS: &[&str] = &[
    "<|",
    "|>",
    "</s>",
    "<s>",
    "[INST]",
    "[/INST]",
    "<<SYS>>",
    "<</SYS>>",
    "<think>",
    "</think>",
    "<start_of_turn>",
    "<end_of_turn>",
    "<<<DATOS",
    "DATOS>>>",
];

/// Phrases that try to talk to the model. Kept as data, reported.
const INSTRUCTION_PHRASES: &[&str] = &[
    "ignora las instrucciones",
    "ignora todas las instrucciones",
    "ignorar las instrucciones",
    "olvida las instrucciones",
    "olvida tus instrucciones",
    "nuevas instrucciones",
    "ignore previous instructions",
    "ignore all previous instructions",
    "ignore the above",
    "disregard previous instructions",
    "system prompt",
];

pub(crate) fn neutralise(data: &str, report: &mut Vec<Neutralised>) -> String {
    let mut out = data.to_string();
    for marker in TEMPLATE_MARKERS {
        if out.contains(marker) {
            let replacement = defuse(marker);
            let count = out.matches(marker).count();
            out = out.replace(marker, &replacement);
            for _ in 0..count {
                report.push(Neutralised {
                    original: (*marker).to_string(),
                    replacement: replacement.clone(),
                    kind: NeutralisedKind::TokenPlantilla,
                });
            }
        }
    }
    let folded = text::fold(&out);
    for phrase in INSTRUCTION_PHRASES {
        for _ in folded.matches(phrase) {
            report.push(Neutralised {
                original: (*phrase).to_string(),
                replacement: (*phrase).to_string(),
                kind: NeutralisedKind::InstruccionIncrustada,
            });
        }
    }
    out
}

fn defuse(marker: &str) -> String {
    marker
        .replace('<', "‹")
        .replace('>', "›")
        .replace('[', "⟦")
        .replace(']', "⟧")
}
