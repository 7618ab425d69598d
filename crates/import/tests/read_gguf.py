"""Reads a GGUF written by `epicrisis import` with llama.cpp's own Python
reader (the `gguf` package) and checks its keys, their types and every
tensor's shape against what llama.cpp's converter writes."""

import sys

import gguf
from gguf import GGUFValueType as T


def value(reader, key):
    field = reader.fields[key]
    return field.contents()


def main(path, arch):
    reader = gguf.GGUFReader(path)
    expected_types = {
        "general.architecture": T.STRING,
        "general.name": T.STRING,
        "general.file_type": T.UINT32,
        "general.quantization_version": T.UINT32,
        f"{arch}.block_count": T.UINT32,
        f"{arch}.context_length": T.UINT32,
        f"{arch}.embedding_length": T.UINT32,
        f"{arch}.feed_forward_length": T.UINT32,
        f"{arch}.attention.head_count": T.UINT32,
        f"{arch}.attention.head_count_kv": T.UINT32,
        f"{arch}.rope.freq_base": T.FLOAT32,
        f"{arch}.attention.layer_norm_rms_epsilon": T.FLOAT32,
        "tokenizer.ggml.model": T.STRING,
        "tokenizer.ggml.pre": T.STRING,
        "tokenizer.ggml.tokens": T.ARRAY,
        "tokenizer.ggml.token_type": T.ARRAY,
        "tokenizer.ggml.merges": T.ARRAY,
        "tokenizer.ggml.eos_token_id": T.UINT32,
        "tokenizer.ggml.add_bos_token": T.BOOL,
        "tokenizer.chat_template": T.STRING,
    }
    for key, ty in expected_types.items():
        assert key in reader.fields, f"missing key {key}"
        got = reader.fields[key].types[0]
        assert got == ty, f"{key}: type {got}, expected {ty}"
    assert value(reader, "general.architecture") == arch
    assert value(reader, "tokenizer.ggml.model") == "gpt2"
    hidden = value(reader, f"{arch}.embedding_length")
    ff = value(reader, f"{arch}.feed_forward_length")
    heads = value(reader, f"{arch}.attention.head_count")
    kv = value(reader, f"{arch}.attention.head_count_kv")
    layers = value(reader, f"{arch}.block_count")
    head_dim = hidden // heads
    if f"{arch}.attention.key_length" in reader.fields:
        head_dim = value(reader, f"{arch}.attention.key_length")
    tokens = value(reader, "tokenizer.ggml.tokens")
    types = value(reader, "tokenizer.ggml.token_type")
    assert len(tokens) == len(types)

    shapes = {t.name: [int(d) for d in t.shape] for t in reader.tensors}
    kinds = {t.name: t.tensor_type.name for t in reader.tensors}
    rows = shapes["token_embd.weight"][1]
    assert len(tokens) == rows, f"{len(tokens)} tokens for {rows} embedding rows"
    # GGUF shapes are ne[0] first: (columns, rows).
    want = {"token_embd.weight": [hidden, rows], "output_norm.weight": [hidden]}
    for i in range(layers):
        p = f"blk.{i}"
        want.update({
            f"{p}.attn_norm.weight": [hidden],
            f"{p}.attn_q.weight": [hidden, heads * head_dim],
            f"{p}.attn_k.weight": [hidden, kv * head_dim],
            f"{p}.attn_v.weight": [hidden, kv * head_dim],
            f"{p}.attn_output.weight": [heads * head_dim, hidden],
            f"{p}.ffn_norm.weight": [hidden],
            f"{p}.ffn_gate.weight": [hidden, ff],
            f"{p}.ffn_up.weight": [hidden, ff],
            f"{p}.ffn_down.weight": [ff, hidden],
        })
        if arch == "qwen2":
            want[f"{p}.attn_q.bias"] = [heads * head_dim]
            want[f"{p}.attn_k.bias"] = [kv * head_dim]
            want[f"{p}.attn_v.bias"] = [kv * head_dim]
        if arch == "qwen3":
            want[f"{p}.attn_q_norm.weight"] = [head_dim]
            want[f"{p}.attn_k_norm.weight"] = [head_dim]
    if "output.weight" in shapes:
        want["output.weight"] = [hidden, rows]
    assert set(shapes) == set(want), f"tensors differ: {set(shapes) ^ set(want)}"
    for name, shape in want.items():
        assert shapes[name] == shape, f"{name}: {shapes[name]} != {shape}"
        if len(shape) == 1:
            assert kinds[name] == "F32", f"{name} is {kinds[name]}"
    print(f"ok {path}: {len(shapes)} tensors, {len(reader.fields)} keys")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
