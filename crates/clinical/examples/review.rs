//! Prints the check's review of a text against an episode, for looking at
//! what a rule did: `cargo run -p clinical --example review EPISODE TEXT`.
#![allow(clippy::unwrap_used, clippy::expect_used)]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let episode =
        clinical::normalize(clinical::parse_episode(&std::fs::read(&args[1]).unwrap()).unwrap());
    let text = std::fs::read_to_string(&args[2]).unwrap();
    let review = clinical::review(&episode, &text);
    for f in &review.findings {
        let at = f.span.clone().map(|s| text[s].to_string());
        println!("[{:?}] {:?} {:?}: {}", f.severity, f.kind, at, f.message);
    }
    for c in &review.confirmed {
        println!("  ok {:?} ← {} ({})", &text[c.span.clone()], c.path, c.says);
    }
}
