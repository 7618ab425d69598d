//! Perplexity over a text, with llama.cpp's `llama-perplexity` convention so
//! that the two tools' figures compare on the same file: the tokens are cut
//! into consecutive windows of `context` tokens, each window is evaluated
//! from an empty cache, and only the second half of each window is scored
//! (every scored token then has at least `context / 2` tokens before it).

use serde::Serialize;

use crate::error::{Error, Result};
use crate::session::{CancelToken, Session};

/// Perplexity of a model on a text, as llama-perplexity computes it.
#[derive(Debug, Clone, Serialize)]
pub struct Perplexity {
    /// Tokens in the text.
    pub tokens: usize,
    /// Tokens per window.
    pub context: usize,
    /// Windows run.
    pub windows: usize,
    /// Tokens scored (the second half of each window).
    pub scored_tokens: usize,
    /// exp of the mean negative log-likelihood.
    pub perplexity: f64,
}

/// Runs the session's model over `text` in windows of `context` tokens and scores the
/// second half of each.
pub fn perplexity(
    session: &mut Session,
    text: &str,
    context: usize,
    cancel: &CancelToken,
) -> Result<Perplexity> {
    let ids = session.tokenizer().encode(text)?;
    if context < 4 {
        return Err(Error::Invalid(
            "la ventana debe ser de al menos 4 tokens".into(),
        ));
    }
    if context > session.info().context {
        return Err(Error::ContextTooLarge {
            requested: context,
            max: session.info().context,
        });
    }
    let windows = ids.len() / context;
    if windows == 0 {
        return Err(Error::Invalid(format!(
            "el texto tiene {} tokens y la ventana {context}; use un texto más largo o una ventana menor",
            ids.len()
        )));
    }
    let first = context / 2;
    let mut nll = 0f64;
    let mut scored = 0usize;
    for w in 0..windows {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let window = &ids[w * context..(w + 1) * context];
        let model = session.model_mut();
        model.truncate(0);
        let logits = model.forward_all(window)?;
        for j in first..context - 1 {
            let row = logits.row(j);
            if row.iter().any(|l| !l.is_finite()) {
                return Err(Error::NonFinite {
                    position: w * context + j,
                });
            }
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let log_sum = row
                .iter()
                .map(|&l| f64::from(l - max).exp())
                .sum::<f64>()
                .ln()
                + f64::from(max);
            let target = window[j + 1] as usize;
            nll += log_sum - f64::from(row[target]);
            scored += 1;
        }
    }
    session.model_mut().truncate(0);
    Ok(Perplexity {
        tokens: ids.len(),
        context,
        windows,
        scored_tokens: scored,
        perplexity: (nll / scored as f64).exp(),
    })
}
