"""Independent float64 numpy reference for all-MiniLM-L6-v2 sentence embeddings.

Reads the safetensors weights itself and runs the textbook BERT forward pass one text at a
time (no padding), then mean pooling and L2 normalisation, as sentence-transformers does.
Shares nothing with the production ONNX builder except the weights file and tokenizer.
"""

from __future__ import annotations

import itertools
import json
import math
import struct
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

LAYERS = 6
HEADS = 12
EPS = 1e-12
MAX_TOKENS = 256

_erf = np.frompyfunc(math.erf, 1, 1)


def load_weights(path: Path) -> dict[str, np.ndarray]:
    """Parse a safetensors file into float64 arrays (F32/I64 tensors only)."""
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    out: dict[str, np.ndarray] = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        begin, end = meta["data_offsets"]
        dtype = {"F32": "<f4", "I64": "<i8"}[meta["dtype"]]
        buf = raw[8 + n + begin : 8 + n + end]
        out[name] = np.frombuffer(buf, dtype=dtype).reshape(meta["shape"]).astype(np.float64)
    return out


class ReferenceMiniLM:
    """Slow, straightforward float64 implementation used to check the ONNX graph."""

    def __init__(self, model_dir: Path) -> None:
        self.w = load_weights(model_dir / "model.safetensors")
        self._wt: dict[str, np.ndarray] = {}
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)

    def _layer_norm(self, x: np.ndarray, prefix: str) -> np.ndarray:
        mu = x.mean(axis=-1, keepdims=True)
        var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
        return (x - mu) / np.sqrt(var + EPS) * self.w[prefix + ".weight"] + self.w[prefix + ".bias"]

    def _linear(self, x: np.ndarray, prefix: str) -> np.ndarray:
        if prefix not in self._wt:  # torch layout [out, in] -> contiguous [in, out]
            self._wt[prefix] = np.ascontiguousarray(self.w[prefix + ".weight"].T)
        return x @ self._wt[prefix] + self.w[prefix + ".bias"]

    def token_states(self, sequences: list[list[int]]) -> list[np.ndarray]:
        """Last hidden states [len, 384] of each unpadded token sequence.

        Position-wise layers run on all tokens stacked together (no padding anywhere);
        attention runs per sequence.
        """
        w = self.w
        bounds = np.cumsum([0, *map(len, sequences)])
        x = np.concatenate(
            [
                w["embeddings.word_embeddings.weight"][ids]
                + w["embeddings.position_embeddings.weight"][: len(ids)]
                + w["embeddings.token_type_embeddings.weight"][0]
                for ids in sequences
            ]
        )
        x = self._layer_norm(x, "embeddings.LayerNorm")
        d = x.shape[1] // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}"
            q, k, v = (
                self._linear(x, f"{p}.attention.self.{n}") for n in ("query", "key", "value")
            )
            ctx = np.empty_like(x)
            for start, stop in itertools.pairwise(bounds):
                qh, kh, vh = (
                    t[start:stop].reshape(stop - start, HEADS, d).transpose(1, 0, 2)
                    for t in (q, k, v)
                )
                scores = qh @ kh.transpose(0, 2, 1) / math.sqrt(d)
                scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
                probs = scores / scores.sum(axis=-1, keepdims=True)
                ctx[start:stop] = (probs @ vh).transpose(1, 0, 2).reshape(stop - start, HEADS * d)
            attn = self._linear(ctx, f"{p}.attention.output.dense")
            x = self._layer_norm(x + attn, f"{p}.attention.output.LayerNorm")
            hidden = self._linear(x, f"{p}.intermediate.dense")
            hidden = hidden * 0.5 * (1.0 + _erf(hidden / math.sqrt(2.0)).astype(np.float64))
            ffn = self._linear(hidden, f"{p}.output.dense")
            x = self._layer_norm(x + ffn, f"{p}.output.LayerNorm")
        return [x[start:stop] for start, stop in itertools.pairwise(bounds)]

    def embed(self, texts: list[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised float64 embeddings [n, 384]."""
        sequences = [tuple(self.tokenizer.encode(text.strip()).ids) for text in texts]
        unique = list(dict.fromkeys(sequences))  # texts equal after truncation run once
        pooled = {
            ids: states.mean(axis=0)
            for ids, states in zip(
                unique, self.token_states([list(u) for u in unique]), strict=True
            )
        }
        return np.stack(
            [pooled[ids] / max(float(np.linalg.norm(pooled[ids])), 1e-12) for ids in sequences]
        )
