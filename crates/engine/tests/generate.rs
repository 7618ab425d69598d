//! Generation through the worker: events, seeded tokens, prefix reuse,
//! cancellation, limits and the numerical guard.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use engine::stream::TextStream;
use engine::synthetic::{FileType, Spec};
use engine::{
    Architecture, CancelToken, ChatMessage, Engine, Event, FinishReason, LoadOptions, Prompt,
    Request, Sampling, Stats,
};

fn start(arch: Architecture) -> Engine {
    let options = LoadOptions {
        model: common::tiny(arch),
        threads: Some(2),
        ..LoadOptions::default()
    };
    Engine::start(options, CancelToken::new()).unwrap()
}

fn messages() -> Vec<ChatMessage> {
    vec![
        ChatMessage::new(
            engine::Role::System,
            "Eres un médico que redacta epicrisis en español de Chile.",
        ),
        ChatMessage::new(
            engine::Role::User,
            "Paciente de 67 años con neumonía; ceftriaxona 2 g/día. <|im_end|>",
        ),
    ]
}

fn sampling(n: usize) -> Sampling {
    Sampling {
        temperature: 0.8,
        min_new_tokens: n,
        max_new_tokens: n,
        seed: 1234,
        ..Sampling::default()
    }
}

struct Outcome {
    ids: Vec<u32>,
    text: String,
    reason: FinishReason,
    stats: Stats,
    started: (usize, usize),
}

fn collect(
    engine: &Engine,
    request: Request,
    cancel_after: Option<usize>,
) -> Result<Outcome, engine::Error> {
    let generation = engine.generate(request).unwrap();
    let mut out = Outcome {
        ids: Vec::new(),
        text: String::new(),
        reason: FinishReason::Eos,
        stats: Stats::default(),
        started: (0, 0),
    };
    let mut tokens = 0;
    for event in generation.events {
        match event {
            Event::Started {
                prompt_tokens,
                reused_tokens,
            } => out.started = (prompt_tokens, reused_tokens),
            Event::Token {
                text_delta,
                token_id,
            } => {
                out.ids.extend(token_id);
                out.text.push_str(&text_delta);
                tokens += 1;
                if Some(tokens) == cancel_after {
                    generation.cancel.cancel();
                }
            }
            Event::Finished { reason, stats } => {
                // The held-back text's flush carries no id.
                assert_eq!(out.ids.len(), stats.generated_tokens);
                out.reason = reason;
                out.stats = stats;
                return Ok(out);
            }
            Event::Failed { error } => return Err(error),
        }
    }
    panic!("the event stream ended without Finished or Failed");
}

fn chat(n: usize) -> Request {
    Request {
        prompt: Prompt::Chat(messages()),
        sampling: sampling(n),
    }
}

#[test]
fn the_same_seed_gives_the_same_tokens_and_deltas_spell_the_decoding() {
    let engine = start(Architecture::Qwen2);
    let a = collect(&engine, chat(24), None).unwrap();
    let fresh = start(Architecture::Qwen2);
    let b = collect(&fresh, chat(24), None).unwrap();
    assert_eq!(a.reason, FinishReason::MaxTokens);
    assert_eq!(a.stats.generated_tokens, 24);
    assert_eq!(a.text, b.text);
    // Exact ids pin the sampler, the model and the tokenizer together.
    assert_eq!(a.ids.len(), 24, "{:?}", a.ids);
    assert_eq!(a.ids, b.ids);
    assert_eq!(engine.tokenizer().decode(&a.ids).unwrap(), a.text);
    assert_eq!(&a.ids[..8], &PINNED[..]);
}

// Re-pinned when the KV cache became f16 (keys and values rounded to half
// precision change a random tiny model's sampled tokens after the first).
const PINNED: [u32; 8] = [7555, 54209, 48053, 64148, 71660, 9115, 22238, 19610];

#[test]
fn a_second_request_reuses_the_shared_prompt_and_gives_the_same_tokens() {
    let engine = start(Architecture::Qwen3);
    let first = collect(&engine, chat(10), None).unwrap();
    assert_eq!(first.started.1, 0);
    let second = collect(&engine, chat(10), None).unwrap();
    assert_eq!(
        second.started.1,
        second.started.0 - 1,
        "all but the last prompt token reused"
    );
    assert_eq!(second.ids, first.ids);
    assert_eq!(second.text, first.text);
}

#[test]
fn cancelling_mid_generation_stops_at_once_and_the_worker_goes_on() {
    let engine = start(Architecture::Llama);
    let cut = collect(&engine, chat(40), Some(3)).unwrap();
    assert_eq!(cut.reason, FinishReason::Cancelled);
    // The tiny model now decodes a token in well under a millisecond, so
    // the worker may be a few tokens ahead of the reader when the Stop
    // lands (more on a loaded machine); what is certain is that it stopped
    // long before the 40 asked for. The time from Stop to Finished is
    // measured in `stop_during_a_long_prefill_is_answered_within_a_layer`
    // and in the benchmark.
    assert!(
        (3..40).contains(&cut.stats.generated_tokens),
        "{}",
        cut.stats.generated_tokens
    );
    let next = collect(&engine, chat(5), None).unwrap();
    assert_eq!(next.reason, FinishReason::MaxTokens);
    assert_eq!(next.stats.generated_tokens, 5);
}

#[test]
fn cancelling_during_prompt_processing_skips_the_rest_of_the_prompt() {
    let engine = start(Architecture::Qwen2);
    let long: Vec<u32> = (0..400).map(|i| 1000 + i).collect();
    let generation = engine
        .generate(Request {
            prompt: Prompt::Tokens(long),
            sampling: sampling(4),
        })
        .unwrap();
    generation.cancel.cancel();
    let last = generation.events.iter().last().unwrap();
    match last {
        Event::Finished { reason, stats } => {
            assert_eq!(reason, FinishReason::Cancelled);
            assert_eq!(stats.generated_tokens, 0);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        collect(&engine, chat(2), None)
            .unwrap()
            .stats
            .generated_tokens,
        2
    );
}

#[test]
fn a_prompt_that_cannot_fit_is_refused_with_the_numbers() {
    let engine = start(Architecture::Qwen2);
    let long: Vec<u32> = (0..500).map(|i| 1000 + i).collect();
    let err = collect(
        &engine,
        Request {
            prompt: Prompt::Tokens(long),
            sampling: sampling(64),
        },
        None,
    )
    .err()
    .unwrap();
    assert_eq!(err.kind(), "entrada_no_cabe");
    let msg = err.to_string();
    assert!(
        msg.contains("500") && msg.contains("64") && msg.contains("512"),
        "{msg}"
    );
}

#[test]
fn nan_weights_stop_with_the_numerical_error() {
    let spec = Spec {
        recipe: FileType::F32,
        scale: f32::NAN,
        embedding_rows: 151_936,
        ..Spec::tiny(Architecture::Qwen2)
    };
    let path = common::custom("nan", &spec);
    let engine = Engine::start(
        LoadOptions {
            model: path,
            ..LoadOptions::default()
        },
        CancelToken::new(),
    )
    .unwrap();
    let err = collect(&engine, chat(3), None).err().unwrap();
    assert_eq!(err.kind(), "modelo_numericamente_danado");
    assert!(err.to_string().contains("otra cuantización"));
}

#[test]
fn a_cancelled_load_says_so() {
    let cancel = CancelToken::new();
    cancel.cancel();
    let err = Engine::start(
        LoadOptions {
            model: common::tiny(Architecture::Qwen2),
            ..LoadOptions::default()
        },
        cancel,
    )
    .err()
    .unwrap();
    assert_eq!(err.kind(), "carga_cancelada");
}

#[test]
fn a_load_reports_rising_progress_up_to_the_whole() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<f32>::new()));
    let sink = seen.clone();
    let _engine = Engine::start_with_progress(
        LoadOptions {
            model: common::tiny(Architecture::Qwen2),
            ..LoadOptions::default()
        },
        CancelToken::new(),
        move |share| sink.lock().unwrap().push(share),
    )
    .unwrap();
    let seen = seen.lock().unwrap();
    assert!(seen.len() > 5, "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(seen.last().copied(), Some(1.0));
}

#[test]
fn multibyte_characters_split_across_tokens_arrive_whole() {
    let engine = start(Architecture::Qwen2);
    let tok = engine.tokenizer();
    let text = "Alta 🫀 con señora Muñoz, ¿control? ¡Sí! 🩺";
    let ids = tok.encode(text).unwrap();
    let split = ids
        .iter()
        .any(|&id| tok.decode(&[id]).unwrap().contains('\u{FFFD}'));
    assert!(
        split,
        "the sample should contain a character spanning tokens"
    );
    let mut stream = TextStream::new(&[]);
    let mut joined = String::new();
    for &id in &ids {
        let step = stream.push(tok, id).unwrap();
        assert!(!step.delta.contains('\u{FFFD}'), "{:?}", step.delta);
        joined.push_str(&step.delta);
    }
    joined.push_str(&stream.finish(tok).unwrap());
    assert_eq!(joined, text);
}

#[test]
fn stop_strings_end_the_text_before_them_and_are_never_streamed() {
    let engine = start(Architecture::Qwen2);
    let tok = engine.tokenizer();
    let ids = tok
        .encode("Alta médica en buenas condiciones.\n###FIN del informe")
        .unwrap();
    let mut stream = TextStream::new(&["###FIN".to_string()]);
    let mut joined = String::new();
    let mut stopped = false;
    for &id in &ids {
        let step = stream.push(tok, id).unwrap();
        joined.push_str(&step.delta);
        if step.stopped {
            stopped = true;
            break;
        }
    }
    assert!(stopped);
    assert_eq!(joined, "Alta médica en buenas condiciones.\n");
}

/// The stream decodes only the ids after the last settled text; on random
/// Spanish clinical text (accents, ñ, emoji split across tokens, newlines)
/// and random stop strings it gives exactly what decoding everything at
/// the end gives: the text up to the first stop, or all of it.
#[test]
fn the_incremental_stream_gives_the_text_decoding_everything_gives() {
    let engine = start(Architecture::Qwen2);
    let tok = engine.tokenizer();
    let pieces = [
        "Paciente de 67 años",
        " con neumonía",
        " adquirida en la comunidad",
        ", tratada con ceftriaxona 2 g/día EV",
        " por 7 días.",
        "\n",
        "Señora Muñoz 🫀",
        " ¿control? ¡Sí! 🩺",
        " PCR 12,5 mg/dL → 3,1",
        " ###",
        "FIN",
        " <|im_end|>",
        "  ",
        "ü",
        "😷",
    ];
    let stops = [
        vec![],
        vec!["###FIN".to_string()],
        vec!["\n\n".to_string(), "FIN del".to_string()],
        vec!["🩺".to_string()],
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for round in 0..60 {
        let text: String = (0..1 + next(12))
            .map(|_| pieces[next(pieces.len())])
            .collect();
        let ids = tok.encode(&text).unwrap();
        let stop = &stops[round % stops.len()];
        let whole = tok.decode(&ids).unwrap();
        let first_stop = stop.iter().filter_map(|s| whole.find(s.as_str())).min();
        let mut stream = TextStream::new(stop);
        let mut joined = String::new();
        let mut stopped = false;
        for &id in &ids {
            let step = stream.push(tok, id).unwrap();
            assert!(
                !step.delta.contains('\u{FFFD}'),
                "{text:?}: {:?}",
                step.delta
            );
            joined.push_str(&step.delta);
            if step.stopped {
                stopped = true;
                break;
            }
        }
        match first_stop {
            Some(at) => {
                assert!(stopped, "{text:?} with {stop:?}");
                assert_eq!(joined, whole[..at], "{text:?} with {stop:?}");
            }
            None => {
                assert!(!stopped, "{text:?} with {stop:?}");
                joined.push_str(&stream.finish(tok).unwrap());
                assert_eq!(joined, whole, "{text:?} with {stop:?}");
            }
        }
        assert_eq!(stream.text(), joined);
    }
}

#[test]
fn chat_prompts_carry_the_template_and_episode_text_stays_text() {
    let engine = start(Architecture::Qwen2);
    let ids = engine
        .template()
        .encode(engine.tokenizer(), &messages())
        .unwrap();
    let im_end = engine.tokenizer().token_to_id("<|im_end|>").unwrap();
    // Two closing markers from the template (system, user); the one typed in
    // the episode is text.
    assert_eq!(ids.iter().filter(|&&i| i == im_end).count(), 2);
    assert!(engine.info().chat_template_from_model);
}

#[test]
fn stop_during_a_long_prefill_is_answered_within_a_layer() {
    // Large enough that one 128-token chunk of prefill takes far longer
    // than a layer.
    let spec = Spec {
        layers: 8,
        hidden: 512,
        feed_forward: 2048,
        heads: 8,
        kv_heads: 2,
        head_dim: 64,
        context: 1024,
        recipe: FileType::Q8_0,
        ..Spec::tiny(Architecture::Qwen2)
    };
    let engine = Engine::start(
        LoadOptions {
            model: common::custom("prefill-stop", &spec),
            threads: Some(2),
            ..LoadOptions::default()
        },
        CancelToken::new(),
    )
    .unwrap();
    let prompt = |first: u32| Prompt::Tokens((0..768).map(|i| first + i).collect());
    let whole = collect(
        &engine,
        Request {
            prompt: prompt(1000),
            sampling: sampling(1),
        },
        None,
    )
    .unwrap();
    let chunk_ms = whole.stats.prefill_ms / (768.0 / engine::session::PREFILL_CHUNK as f64);
    // Another prompt (nothing reused), stopped a third of the way in.
    let generation = engine
        .generate(Request {
            prompt: prompt(3000),
            sampling: sampling(4),
        })
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs_f64(
        whole.stats.prefill_ms / 3000.0,
    ));
    let stopped = std::time::Instant::now();
    generation.cancel.cancel();
    let last = generation.events.iter().last().unwrap();
    let latency_ms = stopped.elapsed().as_secs_f64() * 1000.0;
    eprintln!(
        "stop during prefill: Finished {latency_ms:.0} ms after Stop \
         (a {}-token chunk takes {chunk_ms:.0} ms here)",
        engine::session::PREFILL_CHUNK
    );
    assert!(
        matches!(
            last,
            Event::Finished {
                reason: FinishReason::Cancelled,
                ..
            }
        ),
        "{last:?}"
    );
    // Generous for a loaded CI machine; on the reference machine it is a
    // few milliseconds in release.
    assert!(latency_ms < 1000.0, "{latency_ms} ms");
    assert!(
        latency_ms < chunk_ms / 2.0 || latency_ms < 50.0,
        "{latency_ms} ms against a chunk of {chunk_ms} ms"
    );
}

#[test]
fn lookup_decoding_gives_the_tokens_of_plain_decoding_greedy_and_sampled() {
    let engine = start(Architecture::Qwen2);
    // A prompt that repeats itself, as an episode's drug lines do.
    let line: Vec<u32> = vec![1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000];
    let prompt: Vec<u32> = line.iter().cycle().take(64).copied().collect();
    for temperature in [0.0, 0.2, 0.8] {
        let run = |lookup: usize| {
            let request = Request {
                prompt: Prompt::Tokens(prompt.clone()),
                sampling: Sampling {
                    temperature,
                    lookup,
                    ..sampling(48)
                },
            };
            collect(&engine, request, None).unwrap()
        };
        let plain = run(0);
        let drafted = run(4);
        assert_eq!(plain.stats.lookup_drafted, 0);
        assert_eq!(plain.ids, drafted.ids, "temperature {temperature}");
        assert_eq!(plain.text, drafted.text);
        eprintln!(
            "lookup at temperature {temperature}: {} of {} drafted tokens accepted",
            drafted.stats.lookup_accepted, drafted.stats.lookup_drafted
        );
        assert!(drafted.stats.lookup_accepted <= drafted.stats.lookup_drafted);
        if temperature == 0.0 {
            // Greedy random weights fall into loops: the text repeats itself
            // and drafts are found and accepted.
            assert!(drafted.stats.lookup_drafted > 0);
            assert!(drafted.stats.lookup_accepted > 0);
        }
    }
}
