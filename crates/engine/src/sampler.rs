//! Choosing the next token from the logits. Seeded and self-contained (our
//! own small PRNG), so the same seed gives the same tokens on every
//! platform and with every version of the dependencies.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Draft tokens per lookup: an epicrisis copies drug lines, codes and dates
/// a few words at a time, and a longer draft costs more when it misses.
pub const DEFAULT_LOOKUP: usize = 4;

/// How to sample. The defaults suit clinical text: low temperature, a
/// light repetition penalty, and a generous length limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Sampling {
    /// 0 means greedy.
    pub temperature: f32,
    /// 0 means no top-k cut.
    pub top_k: usize,
    /// 1.0 means no nucleus cut.
    pub top_p: f32,
    /// Tokens less likely than `min_p` × the best one are dropped; 0 is off.
    pub min_p: f32,
    /// 1.0 is off. Applied llama.cpp's way: positive logits divided,
    /// negative multiplied.
    pub repeat_penalty: f32,
    /// How many of the last tokens (prompt included) the penalty sees.
    pub repeat_window: usize,
    /// Forbids repeating any n-gram of this size from the generated text
    /// (not the prompt, whose drug names and codes must be copied); 0 is off.
    pub no_repeat_ngram: usize,
    /// End-of-text is refused until this many tokens were written.
    pub min_new_tokens: usize,
    /// The most tokens to write.
    pub max_new_tokens: usize,
    /// Texts that end the generation (not included in it).
    pub stop: Vec<String>,
    /// The seed of the sampler's draws: the same seed gives the same tokens.
    pub seed: u64,
    /// Prompt-lookup decoding: up to this many tokens drafted by matching
    /// the text's last words against the prompt and the text so far, and
    /// verified in one forward pass; 0 is off. The tokens are the ones plain
    /// decoding gives (the same seeded draws), only sooner.
    pub lookup: usize,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            temperature: 0.3,
            top_k: 40,
            top_p: 0.9,
            min_p: 0.05,
            repeat_penalty: 1.1,
            repeat_window: 64,
            no_repeat_ngram: 0,
            min_new_tokens: 0,
            max_new_tokens: 768,
            stop: Vec::new(),
            seed: 42,
            lookup: DEFAULT_LOOKUP,
        }
    }
}

impl Sampling {
    /// Refuses parameters out of range, naming the parameter.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::Invalid(m.to_string()));
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return bad("la temperatura debe ser un número mayor o igual a 0");
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return bad("top-p debe estar entre 0 (excluido) y 1");
        }
        if !(0.0..1.0).contains(&self.min_p) {
            return bad("min-p debe estar entre 0 y 1 (excluido)");
        }
        if !(self.repeat_penalty.is_finite() && self.repeat_penalty > 0.0) {
            return bad("la penalización de repetición debe ser mayor que 0");
        }
        if self.max_new_tokens == 0 {
            return bad("el máximo de tokens nuevos debe ser al menos 1");
        }
        if self.min_new_tokens > self.max_new_tokens {
            return bad("el mínimo de tokens nuevos supera al máximo");
        }
        if self.lookup > 16 {
            return bad("la búsqueda en el texto propone a lo más 16 tokens por paso");
        }
        if self.stop.iter().any(String::is_empty) {
            return bad("una secuencia de término está vacía");
        }
        Ok(())
    }
}

/// SplitMix64: tiny, fast, and the same everywhere (also the synthetic
/// models' weights).
#[derive(Debug, Clone)]
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 bits.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Draws tokens from logits by the request's parameters.
#[derive(Debug, Clone)]
pub struct Sampler {
    params: Sampling,
    rng: Rng,
    eos: Vec<u32>,
}

impl Sampler {
    /// A sampler for `params`, treating `eos` as end-of-text.
    pub fn new(params: Sampling, eos: &[u32]) -> Result<Sampler> {
        params.validate()?;
        Ok(Sampler {
            rng: Rng(params.seed),
            params,
            eos: eos.to_vec(),
        })
    }

    /// The next token. `context` is every token so far (prompt and
    /// generated), `generated` how many of them at the end were generated;
    /// `position` is only for the error message.
    pub fn sample(
        &mut self,
        logits: &mut [f32],
        context: &[u32],
        generated: usize,
        position: usize,
    ) -> Result<u32> {
        if logits.iter().any(|l| !l.is_finite()) {
            return Err(Error::NonFinite { position });
        }
        let p = &self.params;
        if p.repeat_penalty != 1.0 && p.repeat_window > 0 {
            let start = context.len().saturating_sub(p.repeat_window);
            let mut seen: Vec<u32> = context[start..].to_vec();
            seen.sort_unstable();
            seen.dedup();
            for id in seen {
                if let Some(l) = logits.get_mut(id as usize) {
                    *l = if *l > 0.0 {
                        *l / p.repeat_penalty
                    } else {
                        *l * p.repeat_penalty
                    };
                }
            }
        }
        let gen = &context[context.len() - generated..];
        if p.no_repeat_ngram > 0 && gen.len() + 1 >= p.no_repeat_ngram {
            let n = p.no_repeat_ngram;
            let tail = &gen[gen.len() + 1 - n..];
            for w in gen.windows(n) {
                if w[..n - 1] == *tail {
                    if let Some(l) = logits.get_mut(w[n - 1] as usize) {
                        *l = f32::NEG_INFINITY;
                    }
                }
            }
        }
        if generated < p.min_new_tokens {
            for &id in &self.eos {
                if let Some(l) = logits.get_mut(id as usize) {
                    *l = f32::NEG_INFINITY;
                }
            }
        }
        let argmax = || {
            logits
                .iter()
                .enumerate()
                .fold((0usize, f32::NEG_INFINITY), |best, (i, &l)| {
                    if l > best.1 {
                        (i, l)
                    } else {
                        best
                    }
                })
                .0 as u32
        };
        if p.temperature == 0.0 {
            return Ok(argmax());
        }
        // Candidates sorted by logit, best first; top-k cut before sorting.
        let mut cands: Vec<(u32, f32)> = logits
            .iter()
            .enumerate()
            .filter(|(_, l)| l.is_finite())
            .map(|(i, &l)| (i as u32, l))
            .collect();
        if cands.is_empty() {
            return Ok(argmax());
        }
        let by_logit = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if p.top_k > 0 && p.top_k < cands.len() {
            cands.select_nth_unstable_by(p.top_k - 1, by_logit);
            cands.truncate(p.top_k);
        }
        cands.sort_unstable_by(by_logit);
        let max = cands[0].1;
        let mut probs: Vec<f64> = cands
            .iter()
            .map(|(_, l)| (f64::from(l - max) / f64::from(p.temperature)).exp())
            .collect();
        let total: f64 = probs.iter().sum();
        probs.iter_mut().for_each(|x| *x /= total);
        let mut keep = probs.len();
        if p.min_p > 0.0 {
            let floor = probs[0] * f64::from(p.min_p);
            keep = probs.iter().take_while(|&&x| x >= floor).count().max(1);
        }
        if p.top_p < 1.0 {
            let mut acc = 0.0;
            let mut k = 0;
            while k < keep {
                acc += probs[k];
                k += 1;
                if acc >= f64::from(p.top_p) {
                    break;
                }
            }
            keep = k.max(1);
        }
        let total: f64 = probs[..keep].iter().sum();
        let mut r = self.rng.unit() * total;
        for (i, prob) in probs[..keep].iter().enumerate() {
            if r < *prob {
                return Ok(cands[i].0);
            }
            r -= prob;
        }
        Ok(cands[keep - 1].0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn greedy() -> Sampling {
        Sampling {
            temperature: 0.0,
            repeat_penalty: 1.0,
            ..Sampling::default()
        }
    }

    #[test]
    fn greedy_takes_the_best_logit() {
        let mut s = Sampler::new(greedy(), &[]).unwrap();
        assert_eq!(s.sample(&mut [0.1, 3.0, 2.0], &[], 0, 0).unwrap(), 1);
    }

    #[test]
    fn nan_logits_are_an_error_naming_the_position() {
        let mut s = Sampler::new(greedy(), &[]).unwrap();
        let err = s.sample(&mut [0.1, f32::NAN], &[], 0, 17).unwrap_err();
        assert!(matches!(err, Error::NonFinite { position: 17 }));
        assert!(err.to_string().contains("otra cuantización"));
    }

    #[test]
    fn min_new_tokens_holds_back_eos() {
        let params = Sampling {
            min_new_tokens: 2,
            ..greedy()
        };
        let mut s = Sampler::new(params, &[1]).unwrap();
        assert_eq!(s.sample(&mut [0.0, 5.0, 1.0], &[9], 1, 0).unwrap(), 2);
        assert_eq!(s.sample(&mut [0.0, 5.0, 1.0], &[9, 2], 2, 0).unwrap(), 1);
    }

    #[test]
    fn repetition_penalty_divides_positive_and_multiplies_negative() {
        let params = Sampling {
            repeat_penalty: 4.0,
            ..greedy()
        };
        let mut s = Sampler::new(params, &[]).unwrap();
        // Token 0 (4.0) was seen: 4.0 / 4 = 1.0 < 2.0.
        assert_eq!(s.sample(&mut [4.0, 2.0, -1.0], &[0], 0, 0).unwrap(), 1);
    }

    #[test]
    fn no_repeat_ngram_bans_the_completion_of_a_seen_bigram() {
        let params = Sampling {
            no_repeat_ngram: 2,
            ..greedy()
        };
        let mut s = Sampler::new(params, &[]).unwrap();
        // Generated 3 4 3: the bigram (3, 4) was seen, so 4 is banned now.
        let mut logits = [0.0, 0.0, 0.0, 0.0, 9.0, 1.0];
        assert_eq!(s.sample(&mut logits, &[3, 4, 3], 3, 0).unwrap(), 5);
    }

    #[test]
    fn the_same_seed_gives_the_same_draws() {
        let params = Sampling {
            temperature: 1.0,
            top_k: 0,
            top_p: 1.0,
            min_p: 0.0,
            repeat_penalty: 1.0,
            ..Sampling::default()
        };
        let logits: Vec<f32> = (0..50).map(|i| (i % 7) as f32 * 0.3).collect();
        let draw = |seed| {
            let mut s = Sampler::new(
                Sampling {
                    seed,
                    ..params.clone()
                },
                &[],
            )
            .unwrap();
            (0..20)
                .map(|_| s.sample(&mut logits.clone(), &[], 0, 0).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
        // Exact ids pin the PRNG and the sampling order across versions.
        assert_eq!(draw(7)[..6], [26, 6, 15, 25, 40, 41]);
    }

    #[test]
    fn top_k_one_is_greedy_even_when_hot() {
        let params = Sampling {
            temperature: 5.0,
            top_k: 1,
            ..Sampling::default()
        };
        let mut s = Sampler::new(params, &[]).unwrap();
        for _ in 0..10 {
            assert_eq!(s.sample(&mut [1.0, 1.5, 0.2], &[], 0, 0).unwrap(), 1);
        }
    }

    #[test]
    fn invalid_parameters_are_refused_in_spanish() {
        for bad in [
            Sampling {
                top_p: 0.0,
                ..Sampling::default()
            },
            Sampling {
                temperature: -1.0,
                ..Sampling::default()
            },
            Sampling {
                max_new_tokens: 0,
                ..Sampling::default()
            },
            Sampling {
                stop: vec![String::new()],
                ..Sampling::default()
            },
        ] {
            let err = Sampler::new(bad, &[]).unwrap_err();
            assert_eq!(err.kind(), "parametro_invalido");
        }
    }
}
