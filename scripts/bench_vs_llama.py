#!/usr/bin/env python3
"""Our engine and llama.cpp on the same GGUF files, in one run, alternating.

Absolute speeds on shared machines drift by 10-30 % within an hour, so the
two engines are run one after the other, round after round, and only the
ratios of one run are compared. Prints a Markdown table for
docs/benchmarks.md.

    cargo build --release -p engine --example synth_model --example bench
    bash ../shared/tools/build-llama-cpp.sh
    python3 scripts/bench_vs_llama.py models/bench/*.gguf --rounds 2

Ours: `target/release/examples/bench MODEL PROMPT GEN 2` (decode after the
prompt; peak RSS is the process's VmHWM; load with the file in the page
cache). llama.cpp: `llama-bench -t 2 -p 512 -n GEN` for prefill and decode at
depth 0, `-p 0 -n GEN -d 1200` for decode after a real prompt's depth.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ours(bench: Path, model: Path, prompt: int, gen: int) -> dict:
    out = subprocess.run(
        [str(bench), str(model), str(prompt), str(gen), "2"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def llama(llama_bin: Path, model: Path, args: list[str]) -> list[dict]:
    env = dict(os.environ, LD_LIBRARY_PATH=str(llama_bin))
    out = subprocess.run(
        [str(llama_bin / "llama-bench"), "-m", str(model), "-t", "2", "-r", "1", "-o", "json", *args],
        check=True, capture_output=True, text=True, env=env,
    ).stdout
    return json.loads(out)


def speed(results: list[dict], prompt: int, gen: int, depth: int) -> float:
    for r in results:
        if r["n_prompt"] == prompt and r["n_gen"] == gen and r.get("n_depth", 0) == depth:
            return r["avg_ts"]
    raise SystemExit(f"llama-bench gave no result for p={prompt} n={gen} d={depth}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--gen", type=int, default=64)
    parser.add_argument("--depth", type=int, default=1200)
    parser.add_argument("--bench", type=Path, default=ROOT / "target/release/examples/bench")
    parser.add_argument("--llama", type=Path, default=ROOT / "target/anchors/llama.cpp/bin")
    args = parser.parse_args()

    rows = []
    for model in args.models:
        seen: dict[str, list[float]] = {k: [] for k in (
            "our_pp", "our_tg0", "our_tgd", "our_load", "our_rss",
            "our_stop_pp", "our_stop_tg", "ll_pp", "ll_tg0", "ll_tgd")}
        verify = None
        for round_ in range(args.rounds):
            print(f"{model.name}: round {round_ + 1}", file=sys.stderr)
            short = ours(args.bench, model, 512, args.gen)
            seen["our_pp"].append(short["prefill_tok_s"])
            seen["our_tg0"].append(short["decode_tok_s"])
            seen["our_load"].append(short["load_ms"])
            seen["our_rss"].append(short["peak_rss_bytes"] or 0)
            seen["our_stop_pp"].append(short["stop_prefill_ms"])
            seen["our_stop_tg"].append(short["stop_decode_ms"])
            verify = short["verify_cost"]
            results = llama(args.llama, model, ["-p", "512", "-n", str(args.gen)])
            seen["ll_pp"].append(speed(results, 512, 0, 0))
            seen["ll_tg0"].append(speed(results, 0, args.gen, 0))
            deep = ours(args.bench, model, args.depth, args.gen)
            seen["our_tgd"].append(deep["decode_tok_s"])
            results = llama(args.llama, model, ["-p", "0", "-n", str(args.gen), "-d", str(args.depth)])
            seen["ll_tgd"].append(speed(results, 0, args.gen, args.depth))
        rows.append((model, seen, verify))

    print(f"| file | prefill 512 ours / llama.cpp | ratio | decode, depth 0¹ | ratio | decode after {args.depth} | ratio | peak RSS | warm load | Stop (prefill / decode) |")
    print("|---|---|---:|---|---:|---|---:|---|---|---|")
    for model, seen, verify in rows:
        size = model.stat().st_size
        best = {k: max(v) for k, v in seen.items()}

        def pair(a: str, b: str) -> tuple[str, str]:
            return (f"{best[a]:.1f} / {best[b]:.1f}", f"**{best[a] / best[b]:.2f}×**"
                    if best[a] / best[b] >= 1 else f"{best[a] / best[b]:.2f}×")

        pp, ppr = pair("our_pp", "ll_pp")
        tg0, tg0r = pair("our_tg0", "ll_tg0")
        tgd, tgdr = pair("our_tgd", "ll_tgd")
        rss = min(seen["our_rss"]) / 2**20
        over = (min(seen["our_rss"]) - size) / 1e6
        load = "–".join(f"{v / 1000:.2f}" for v in sorted(seen["our_load"])[:: max(1, len(seen["our_load"]) - 1)])
        stop = f"{max(seen['our_stop_pp']):.0f} / {max(seen['our_stop_tg']):.0f} ms"
        print(f"| {model.name} ({size / 1e6:.0f} MB) | {pp} | {ppr} | {tg0} | {tg0r} | {tgd} | {tgdr} "
              f"| {rss:.0f} MiB (file + {over:.0f} MB) | {load} s | {stop} |")
    print()
    print("¹ Ours after the 512-token prompt; llama.cpp's at depth 0. Best of the rounds; medians:")
    for model, seen, verify in rows:
        med = {k: statistics.median(v) for k, v in seen.items()}
        costs = " / ".join(f"{v['relative_to_decode']:.2f}" for v in verify or [])
        print(f"- {model.name}: prefill {med['our_pp']:.1f} / {med['ll_pp']:.1f}, "
              f"decode {med['our_tg0']:.1f} / {med['ll_tg0']:.1f}, after {args.depth} "
              f"{med['our_tgd']:.1f} / {med['ll_tgd']:.1f}; verifying k = 1, 2, 4, 8 drafted tokens "
              f"costs {costs} decode steps")


if __name__ == "__main__":
    main()
