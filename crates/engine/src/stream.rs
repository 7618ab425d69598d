//! Turning generated token ids into text deltas for the UI.
//!
//! A character such as ñ, á or an emoji can span several byte-level tokens;
//! the delta for such a token waits until the character is complete, so
//! every delta is valid text and the deltas concatenate to exactly the
//! decoding of all generated ids. Text that could be the start of a stop
//! string is held back until it is known not to be one.

use crate::error::Result;
use crate::tokenizer::TextTokenizer;

#[derive(Debug, Default)]
pub struct TextStream {
    ids: Vec<u32>,
    emitted: String,
    stop: Vec<String>,
}

/// What a new token produced.
#[derive(Debug, PartialEq, Eq)]
pub struct Step {
    pub delta: String,
    /// A stop string was completed; the text ends before it.
    pub stopped: bool,
}

impl TextStream {
    pub fn new(stop: &[String]) -> TextStream {
        TextStream {
            stop: stop.to_vec(),
            ..TextStream::default()
        }
    }

    pub fn push(&mut self, tokenizer: &TextTokenizer, id: u32) -> Result<Step> {
        self.ids.push(id);
        let full = tokenizer.decode(&self.ids)?;
        if let Some(at) = self.find_stop(&full) {
            let delta = full.get(self.emitted.len()..at).unwrap_or("").to_string();
            self.emitted.push_str(&delta);
            return Ok(Step {
                delta,
                stopped: true,
            });
        }
        if full.ends_with('\u{FFFD}') {
            return Ok(Step {
                delta: String::new(),
                stopped: false,
            });
        }
        let safe = full.len() - self.held_suffix(&full);
        let delta = match full.get(self.emitted.len()..safe) {
            Some(d) if full.starts_with(self.emitted.as_str()) => d.to_string(),
            _ => String::new(),
        };
        self.emitted.push_str(&delta);
        Ok(Step {
            delta,
            stopped: false,
        })
    }

    /// The rest of the text at the end of a generation (held-back text and
    /// an incomplete last character included).
    pub fn finish(&mut self, tokenizer: &TextTokenizer) -> Result<String> {
        let full = tokenizer.decode(&self.ids)?;
        let delta = match full.get(self.emitted.len()..) {
            Some(d) if full.starts_with(self.emitted.as_str()) => d.to_string(),
            _ => String::new(),
        };
        self.emitted.push_str(&delta);
        Ok(delta)
    }

    /// Everything emitted so far.
    pub fn text(&self) -> &str {
        &self.emitted
    }

    fn find_stop(&self, full: &str) -> Option<usize> {
        let longest = self.stop.iter().map(String::len).max()?;
        let mut from = self.emitted.len().saturating_sub(longest);
        while !full.is_char_boundary(from) {
            from -= 1;
        }
        self.stop
            .iter()
            .filter_map(|s| full[from..].find(s.as_str()).map(|i| from + i))
            .min()
    }

    /// Length of the longest suffix of `full` that begins some stop string.
    fn held_suffix(&self, full: &str) -> usize {
        full.char_indices()
            .map(|(i, _)| i)
            .filter(|&i| i >= self.emitted.len())
            .find(|&i| self.stop.iter().any(|s| s.starts_with(&full[i..])))
            .map_or(0, |i| full.len() - i)
    }
}
