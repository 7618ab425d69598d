//! `epicrisis bench` without the rest of the command line (no typst to
//! build): the same [`engine::bench::run`], printed as JSON.
//!
//! ```text
//! cargo run --release -p engine --example bench -- MODEL.gguf [PROMPT_TOKENS] [GEN_TOKENS] [THREADS]
//! ```

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let model = args
        .first()
        .ok_or("usage: bench MODEL.gguf [PROMPT] [GEN] [THREADS]")?;
    let num = |i: usize, default: usize| -> Result<usize, Box<dyn std::error::Error>> {
        Ok(args
            .get(i)
            .map(|s| s.parse())
            .transpose()?
            .unwrap_or(default))
    };
    let threads = num(3, 2)?;
    let options = engine::bench::BenchOptions {
        load: engine::LoadOptions {
            model: model.into(),
            context: Some(engine::DEFAULT_CONTEXT),
            threads: Some(threads),
            ..Default::default()
        },
        prompt_tokens: num(1, 512)?,
        gen_tokens: num(2, 128)?,
    };
    let report = engine::bench::run(&options)?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
