//! Turning generated token ids into text deltas for the UI.
//!
//! A character such as ñ, á or an emoji can span several byte-level tokens;
//! the delta for such a token waits until the character is complete, so
//! every delta is valid text and the deltas concatenate to exactly the
//! decoding of all generated ids. Text that could be the start of a stop
//! string is held back until it is known not to be one.

use crate::error::Result;
use crate::tokenizer::TextTokenizer;

/// Token ids in, text out: whole characters only, stop strings held back until
/// they are known not to match.
#[derive(Debug, Default)]
pub struct TextStream {
    ids: Vec<u32>,
    /// `ids[..settled]` are whole text, all of it emitted: the first
    /// `settled_len` bytes of `emitted`. Only the ids after it are decoded
    /// again on each token, as candle's `TokenOutputStream` does, instead
    /// of the whole generation.
    settled: usize,
    settled_len: usize,
    emitted: String,
    stop: Vec<String>,
}

/// What a new token produced.
#[derive(Debug, PartialEq, Eq)]
pub struct Step {
    /// Text ready for the reader.
    pub delta: String,
    /// A stop string was completed; the text ends before it.
    pub stopped: bool,
}

impl TextStream {
    /// A stream that ends at any of `stop`.
    pub fn new(stop: &[String]) -> TextStream {
        TextStream {
            stop: stop.to_vec(),
            ..TextStream::default()
        }
    }

    /// Adds a token; returns the text it completes.
    pub fn push(&mut self, tokenizer: &TextTokenizer, id: u32) -> Result<Step> {
        self.ids.push(id);
        let longest = self.stop.iter().map(String::len).max().unwrap_or(0);
        let (base, tail) = self.tail(tokenizer, self.emitted.len().saturating_sub(longest))?;
        let done = self.emitted.len() - base;
        if let Some(at) = self.find_stop(&tail, done, longest) {
            let delta = tail.get(done..at).unwrap_or("").to_string();
            self.emitted.push_str(&delta);
            return Ok(Step {
                delta,
                stopped: true,
            });
        }
        if tail.ends_with('\u{FFFD}') {
            return Ok(Step {
                delta: String::new(),
                stopped: false,
            });
        }
        let safe = tail.len() - self.held_suffix(&tail, done);
        let delta = match tail.get(done..safe) {
            Some(d) if tail.get(..done) == self.emitted.get(base..) => d.to_string(),
            _ => String::new(),
        };
        self.emitted.push_str(&delta);
        if base + tail.len() == self.emitted.len() {
            // Everything decoded so far is whole and out: settle it.
            self.settled = self.ids.len();
            self.settled_len = self.emitted.len();
        }
        Ok(Step {
            delta,
            stopped: false,
        })
    }

    /// The rest of the text at the end of a generation (held-back text and
    /// an incomplete last character included).
    pub fn finish(&mut self, tokenizer: &TextTokenizer) -> Result<String> {
        let (base, tail) = self.tail(tokenizer, self.emitted.len())?;
        let done = self.emitted.len() - base;
        let delta = match tail.get(done..) {
            Some(d) if tail.get(..done) == self.emitted.get(base..) => d.to_string(),
            _ => String::new(),
        };
        self.emitted.push_str(&delta);
        Ok(delta)
    }

    /// The text of everything generated from byte `base` on, as
    /// `(base, text)`, with `base` at most `from`: the settled text's end
    /// followed by the unsettled ids decoded. Those are decoded with the
    /// last settled token before them and that token's own text taken off,
    /// so that a decoder that treats the first token specially (dropping a
    /// leading space) gives the text they add; where the two do not agree,
    /// the whole generation is decoded instead.
    fn tail(&self, tokenizer: &TextTokenizer, from: usize) -> Result<(usize, String)> {
        let context = self.settled.saturating_sub(1);
        let with = tokenizer.decode(&self.ids[context..])?;
        let window = if context == self.settled {
            Some(with)
        } else {
            let before = tokenizer.decode(&self.ids[context..self.settled])?;
            with.strip_prefix(before.as_str()).map(str::to_string)
        };
        let Some(window) = window else {
            return Ok((0, tokenizer.decode(&self.ids)?));
        };
        let mut base = from.min(self.settled_len);
        while !self.emitted.is_char_boundary(base) {
            base -= 1;
        }
        Ok((
            base,
            format!("{}{window}", &self.emitted[base..self.settled_len]),
        ))
    }

    /// Everything emitted so far.
    pub fn text(&self) -> &str {
        &self.emitted
    }

    /// Where a stop string begins in `tail`, looking only where one could
    /// end after the `done` bytes already emitted.
    fn find_stop(&self, tail: &str, done: usize, longest: usize) -> Option<usize> {
        if self.stop.is_empty() {
            return None;
        }
        let mut from = done.saturating_sub(longest);
        while !tail.is_char_boundary(from) {
            from -= 1;
        }
        self.stop
            .iter()
            .filter_map(|s| tail[from..].find(s.as_str()).map(|i| from + i))
            .min()
    }

    /// Length of the longest suffix of `tail`, after its `done` emitted
    /// bytes, that begins some stop string.
    fn held_suffix(&self, tail: &str, done: usize) -> usize {
        tail.char_indices()
            .map(|(i, _)| i)
            .filter(|&i| i >= done)
            .find(|&i| self.stop.iter().any(|s| s.starts_with(&tail[i..])))
            .map_or(0, |i| tail.len() - i)
    }
}
