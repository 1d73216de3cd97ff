"""Build an ONNX graph for a BERT sentence encoder (all-MiniLM-L6-v2) from safetensors weights.

The graph takes ``input_ids``, ``attention_mask`` and ``token_type_ids`` (int64,
``[batch, seq]``) and returns ``sentence_embedding`` (float32, ``[batch, hidden]``):
the BERT encoder output mean-pooled over the attention mask, then L2-normalised,
matching sentence-transformers for this model. Only ``onnx`` and ``numpy`` are used.
"""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
OUTPUT_NAME = "sentence_embedding"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
MATMUL_SUFFIX = ".matmul"
OUTLIER_MATMUL_SUFFIX = ".outlier_matmul"
#: Model metadata key set on packed graphs (see :func:`build_model`).
PACKED_PROPERTY = "kgservice.packed_tokens"

_SAFETENSORS_DTYPES: dict[str, type[np.generic]] = {
    "F32": np.float32,
    "F16": np.float16,
    "F64": np.float64,
    "I64": np.int64,
    "I32": np.int32,
}


@dataclass(frozen=True)
class BertConfig:
    """Hyper-parameters of a BERT encoder (defaults: all-MiniLM-L6-v2)."""

    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    layer_norm_eps: float = 1e-12
    vocab_size: int = 30522
    max_position_embeddings: int = 512

    @classmethod
    def from_json(cls, path: Path) -> BertConfig:
        """Read the relevant fields of a Hugging Face ``config.json``."""
        raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported hidden_act {raw['hidden_act']!r} in {path}")
        defaults = cls()
        return cls(
            **{
                f.name: type(getattr(defaults, f.name))(raw[f.name])
                for f in fields(cls)
                if f.name in raw
            }
        )


def read_safetensors(path: Path) -> dict[str, npt.NDArray[Any]]:
    """Load every tensor of a ``.safetensors`` file into numpy arrays.

    Args:
        path: The safetensors file.

    Returns:
        Mapping from tensor name to a (copied, writable) numpy array.

    Raises:
        ValueError: If the file is not a valid safetensors file.
    """
    data = path.read_bytes()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (header_len,) = struct.unpack("<Q", data[:8])
    if header_len > len(data) - 8:
        raise ValueError(f"{path}: corrupt safetensors header")
    header: dict[str, Any] = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    tensors: dict[str, npt.NDArray[Any]] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: unsupported dtype {info['dtype']} for {name}")
        start, end = info["data_offsets"]
        le = np.dtype(dtype).newbyteorder("<")
        arr = np.frombuffer(data, dtype=le, count=(end - start) // le.itemsize, offset=base + start)
        tensors[name] = arr.reshape(info["shape"]).astype(dtype)
    return tensors


class _GraphBuilder:
    """Accumulates nodes and initialisers with unique names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._names: set[str] = set()

    def const(self, name: str, value: npt.ArrayLike, dtype: type[np.generic] = np.float32) -> str:
        if name not in self._names:  # shared constants are registered once
            self._names.add(name)
            self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def ints(self, name: str, *values: int) -> str:
        return self.const(name, list(values), np.int64)

    def op(self, op_type: str, *inputs: str, name: str | None = None, **attrs: Any) -> str:
        out = name or f"{op_type.lower()}_{len(self.nodes)}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], name=out, **attrs))
        return out


def expose_dense_inputs(model: onnx.ModelProto) -> dict[str, str]:
    """Add every dense layer's input as a graph output (for calibration).

    Returns:
        Mapping from dense-layer prefix (e.g. ``encoder.layer.0.qkv``) to output name.
    """
    found = {
        n.name.removesuffix(MATMUL_SUFFIX): n.input[0]
        for n in model.graph.node
        if n.op_type == "MatMul" and n.name.endswith(MATMUL_SUFFIX)
    }
    for name in found.values():
        model.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    return found


def build_model(
    weights: dict[str, npt.NDArray[Any]],
    config: BertConfig,
    *,
    outlier_channels: dict[str, npt.NDArray[np.int64]] | None = None,
    packed: bool = False,
) -> onnx.ModelProto:
    """Build the sentence-embedding ONNX model.

    Hidden states are kept as a 2-D ``[batch * seq, hidden]`` matrix so that onnxruntime fuses
    each dense layer's MatMul + bias into one Gemm. Dense MatMul nodes are named
    ``<prefix>.matmul``. Padding rows are zeroed after every LayerNorm: real tokens never attend
    to them, and it keeps padding out of int8 dynamic activation ranges. A ``packed`` graph
    drops the padding rows instead: its dense layers and LayerNorms see ``[tokens, hidden]``
    (real tokens only) and only attention, gathered back to the padded layout, runs on
    ``[batch, seq]``; so texts of unequal length batch together without padding work. It
    carries the model property ``PACKED_PROPERTY``.

    Args:
        weights: BERT tensors keyed by Hugging Face names (optionally prefixed ``bert.``).
        config: Encoder hyper-parameters.
        outlier_channels: Per dense-layer prefix, input channels computed by a separate small
            MatMul (``<prefix>.outlier_matmul``) while the main MatMul sees them as zero, so
            that int8 dynamic quantisation gives them their own activation range
            (LLM.int8()-style decomposition).
        packed: Run the dense layers on the real tokens only (see above).

    Returns:
        A checked ``onnx.ModelProto`` (opset 17).
    """
    w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in weights.items()}
    outliers = outlier_channels or {}
    g = _GraphBuilder()
    h, heads = config.hidden_size, config.num_attention_heads
    head_dim = h // heads

    seq_len = g.op("Slice", g.op("Shape", "input_ids"), g.ints("one", 1), g.ints("two", 2))
    heads_shape = g.op(
        "Concat", g.ints("minus_one", -1), seq_len, g.ints("heads_dims", heads, head_dim), axis=0
    )
    batch_shape = g.op("Concat", "minus_one", seq_len, g.ints("hidden", h), axis=0)
    flat_shape = g.ints("flat_shape", -1, h)
    mask_f = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    mask_rows = g.op("Reshape", mask_f, g.ints("rows_shape", -1, 1))

    tokens = slots = ""
    if packed:
        # The padded row ([batch * seq] layout) of each real token, and for each padded row
        # the packed row it reads. Padding reads its left neighbour: attention masks it out
        # as a key, and its query row is dropped on the way back to the tokens.
        flat_mask = g.op("Reshape", "attention_mask", g.ints("flat", -1))
        tokens = g.op("Reshape", g.op("NonZero", flat_mask), "flat")
        running = g.op("CumSum", flat_mask, g.ints("axis_0", 0))
        slots = g.op("Max", g.op("Sub", running, g.ints("one_i", 1)), g.ints("zero_i", 0))

    def packed_rows(t: str) -> str:
        """Padded rows -> real tokens only (identity unless packed)."""
        return g.op("Gather", t, tokens) if packed else t

    def padded_rows(t: str) -> str:
        """Real tokens -> padded rows (identity unless packed)."""
        return g.op("Gather", t, slots) if packed else t

    def layer_norm(x: str, prefix: str) -> str:
        scale, bias = (g.const(f"{prefix}.{n}", w[f"{prefix}.{n}"]) for n in ("weight", "bias"))
        y = g.op("LayerNormalization", x, scale, bias, axis=-1, epsilon=config.layer_norm_eps)
        return y if packed else g.op("Mul", y, mask_rows)  # zero the padding rows

    def dense(x: str, prefix: str, weight: npt.NDArray[Any], bias: npt.NDArray[Any]) -> str:
        weight = weight.T.copy()  # torch Linear stores [out, in]; MatMul wants [in, out]
        b = g.const(f"{prefix}.bias", bias)
        idx = outliers.get(prefix)
        if idx is None or len(idx) == 0:
            wt = g.const(f"{prefix}.weight", weight)
            return g.op("Add", g.op("MatMul", x, wt, name=prefix + MATMUL_SUFFIX), b)
        keep = np.ones(weight.shape[0], dtype=np.float32)
        keep[idx] = 0.0
        side_in = g.op("Gather", x, g.const(f"{prefix}.outlier_idx", idx, np.int64), axis=1)
        inliers = g.op("Mul", x, g.const(f"{prefix}.keep", keep))
        wt = g.const(f"{prefix}.weight", weight * keep[:, None])
        # Bias right after the main MatMul: onnxruntime fuses it into the quantised op.
        main = g.op("Add", g.op("MatMul", inliers, wt, name=prefix + MATMUL_SUFFIX), b)
        side_w = g.const(f"{prefix}.outlier_weight", weight[idx])
        return g.op(
            "Add", main, g.op("MatMul", side_in, side_w, name=prefix + OUTLIER_MATMUL_SUFFIX)
        )

    def linear(x: str, prefix: str) -> str:
        return dense(x, prefix, w[f"{prefix}.weight"], w[f"{prefix}.bias"])

    # Embeddings: word + position + token type, LayerNorm, then flatten the tokens.
    e = "embeddings"
    word = g.op("Gather", g.const("word_emb", w[f"{e}.word_embeddings.weight"]), "input_ids")
    ttype = g.op(
        "Gather", g.const("type_emb", w[f"{e}.token_type_embeddings.weight"]), "token_type_ids"
    )
    pos_table = g.const("pos_emb", w[f"{e}.position_embeddings.weight"])
    pos = g.op("Slice", pos_table, g.ints("zero", 0), seq_len, g.ints("axis0", 0))
    summed = g.op("Add", g.op("Add", word, ttype), pos)
    x = layer_norm(packed_rows(g.op("Reshape", summed, flat_shape)), f"{e}.LayerNorm")

    # Additive attention bias [batch, 1, 1, seq]: 0 for tokens, -10000 for padding.
    mask4 = g.op("Unsqueeze", mask_f, g.ints("axes_12", 1, 2))
    inverted = g.op("Sub", g.const("one_f", 1.0), mask4)
    attn_bias = g.op("Mul", inverted, g.const("neg_big", -10000.0))
    split_sizes = g.ints("qkv_split", h, h, h)
    scale = 1.0 / math.sqrt(head_dim)

    for i in range(config.num_hidden_layers):
        p, att = f"encoder.layer.{i}", f"encoder.layer.{i}.attention.self"
        # Fused QKV projection; the softmax scale is folded into the query weights.
        factors = {"query": scale, "key": 1.0, "value": 1.0}
        qkv_w = np.concatenate([w[f"{att}.{n}.weight"] * f for n, f in factors.items()])
        qkv_b = np.concatenate([w[f"{att}.{n}.bias"] * f for n, f in factors.items()])
        qkv = padded_rows(dense(x, f"{p}.qkv", qkv_w, qkv_b))  # attention runs padded
        q, k, v = f"{p}.q", f"{p}.k", f"{p}.v"
        g.nodes.append(helper.make_node("Split", [qkv, split_sizes], [q, k, v], axis=1))
        q = g.op("Transpose", g.op("Reshape", q, heads_shape), perm=[0, 2, 1, 3])
        k = g.op("Transpose", g.op("Reshape", k, heads_shape), perm=[0, 2, 3, 1])
        v = g.op("Transpose", g.op("Reshape", v, heads_shape), perm=[0, 2, 1, 3])
        probs = g.op("Softmax", g.op("Add", g.op("MatMul", q, k), attn_bias), axis=-1)
        ctx = g.op("Transpose", g.op("MatMul", probs, v), perm=[0, 2, 1, 3])
        ctx = packed_rows(g.op("Reshape", ctx, flat_shape))
        attn_out = linear(ctx, f"{p}.attention.output.dense")
        x = layer_norm(g.op("Add", attn_out, x), f"{p}.attention.output.LayerNorm")
        # Feed-forward with exact (erf) GELU: x * 0.5 * (1 + erf(x / sqrt(2))).
        inter = linear(x, f"{p}.intermediate.dense")
        erf = g.op("Erf", g.op("Div", inter, g.const("sqrt2", math.sqrt(2.0))))
        gelu = g.op("Mul", g.op("Mul", inter, g.op("Add", erf, "one_f")), g.const("half", 0.5))
        x = layer_norm(g.op("Add", linear(gelu, f"{p}.output.dense"), x), f"{p}.output.LayerNorm")

    # Mean pooling (padding rows zeroed; count clamped at 1e-9), then L2 normalisation
    # (norm clamped at 1e-12), as in sentence-transformers.
    axis1 = g.ints("axis_1", 1)
    if packed:
        x = g.op("Mul", padded_rows(x), mask_rows)
    total = g.op("ReduceSum", g.op("Reshape", x, batch_shape), axis1, keepdims=0)
    count = g.op("ReduceSum", mask_f, axis1, keepdims=1)
    mean = g.op("Div", total, g.op("Max", count, g.const("min_count", 1e-9)))
    norm = g.op("Sqrt", g.op("ReduceSum", g.op("Mul", mean, mean), axis1, keepdims=1))
    g.op("Div", mean, g.op("Max", norm, g.const("min_norm", 1e-12)), name=OUTPUT_NAME)

    inputs = [
        helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"]) for n in INPUT_NAMES
    ]
    output = helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch", h])
    graph = helper.make_graph(
        g.nodes, "minilm_sentence_embedding", inputs, [output], initializer=g.initializers
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="kgservice"
    )
    model.ir_version = 8
    if packed:
        helper.set_model_props(model, {PACKED_PROPERTY: "true"})
    try:
        onnx.checker.check_model(model)
    except onnx.checker.ValidationError as exc:
        raise ValueError(f"invalid ONNX graph: {exc}") from exc
    return model


def save_atomic(model: onnx.ModelProto, path: Path) -> None:
    """Serialise ``model`` to ``path`` via a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(model.SerializeToString())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_bert(weights_path: Path) -> tuple[dict[str, npt.NDArray[Any]], BertConfig]:
    """Read BERT weights and the ``config.json`` beside them (defaults if absent)."""
    cfg_file = weights_path.with_name("config.json")
    config = BertConfig.from_json(cfg_file) if cfg_file.is_file() else BertConfig()
    return read_safetensors(weights_path), config


def export(weights_path: Path, out_path: Path) -> None:
    """Build the packed fp32 model from ``weights_path``; write it atomically to ``out_path``."""
    save_atomic(build_model(*load_bert(weights_path), packed=True), out_path)
