"""k=10 vector search at 10k, 100k and 1M vectors: VectorStore beside numpy brute force.

Data: real all-MiniLM-L6-v2 (fp32) embeddings of docstring paragraphs and sentences of the
Python standard library and the packages installed in this virtualenv, read with ``ast``
(nothing imported). Queries are held-out real texts. Above the real corpus size, further
vectors are synthetic: the renormalised mean of a random pair of real embeddings (the output
says how many). Embeddings are cached in ``~/.cache/kgservice-bench/`` (``KG_BENCH_CACHE``).

Run: ``uv run python -m bench.vector_search`` (prints JSON).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import random
import resource
import sysconfig
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from bench.common import (
    SENTENCE_SPLIT,
    hold_out,
    latencies_ms,
    leaked,
    machine_state,
    scratch_stores,
    target,
)
from kgservice.embedding import Embedder, Precision
from kgservice.stores.vectors import VectorItem, VectorStore

FloatArray = npt.NDArray[np.float32]

_SKIP_DIRS = {"__pycache__", "test", "tests", "idlelib", "turtledemo", "site-packages"}
_CHUNK = 2048
_PRECISION: Precision = "fp32"
_KINDS = ("Message", "Entity", "Reflection", "Conversation", "Symbol", "CodeFile", "Skill", "Job")
_WRITE_BATCH = 5_000


def cache_dir() -> Path:
    """Where corpus texts and embeddings are cached."""
    return Path(os.environ.get("KG_BENCH_CACHE", Path.home() / ".cache" / "kgservice-bench"))


def _python_files(roots: list[Path]) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            files.extend(Path(dirpath, f) for f in sorted(filenames) if f.endswith(".py"))
    return files


def docstring_texts(roots: list[Path]) -> list[str]:
    """Unique docstring paragraphs (4-120 words) and their sentences, in a fixed order.

    Docstrings of modules, classes and functions are read with ``ast``; doctest paragraphs are
    skipped. The list is cached, keyed by the files' paths, sizes and modification times.
    """
    files = _python_files(roots)
    stamp = hashlib.sha256()
    for path in files:
        info = path.stat()
        stamp.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    cached = cache_dir() / f"texts-{stamp.hexdigest()[:16]}.json"
    if cached.exists():
        texts: list[str] = json.loads(cached.read_text(encoding="utf-8"))
        return texts
    paragraphs: dict[str, None] = {}
    for path in files:
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                for paragraph in (ast.get_docstring(node) or "").split("\n\n"):
                    text = " ".join(paragraph.split())
                    if 4 <= len(text.split()) <= 120 and ">>>" not in text:
                        paragraphs[text] = None
    sentences: dict[str, None] = {}
    for paragraph in paragraphs:
        parts = SENTENCE_SPLIT.split(paragraph)
        if len(parts) > 1:
            sentences.update((s, None) for s in parts if len(s.split()) >= 5)
    texts = list({**paragraphs, **sentences})
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(texts), encoding="utf-8")
    return texts


def embed_cached(texts: list[str]) -> FloatArray:
    """Embed ``texts`` with MiniLM fp32, caching chunks of 2,048 texts by content hash."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    embedder: Embedder | None = None
    parts: list[FloatArray] = []
    for start in range(0, len(texts), _CHUNK):
        chunk = texts[start : start + _CHUNK]
        key = hashlib.sha256("\0".join(chunk).encode()).hexdigest()[:16]
        path = folder / f"emb-minilm-{_PRECISION}-{key}.npy"
        if path.exists():
            parts.append(np.load(path))
            continue
        embedder = embedder or Embedder(folder, precision=_PRECISION)
        vectors = embedder.embed(chunk)
        np.save(path.with_suffix(".tmp.npy"), vectors)
        path.with_suffix(".tmp.npy").replace(path)
        parts.append(vectors)
    return np.concatenate(parts) if parts else np.zeros((0, 384), dtype=np.float32)


def real_corpus(quick: bool) -> tuple[list[str], FloatArray]:
    """Shuffled docstring texts and their embeddings (stdlib only, 2,048 texts, when quick)."""
    paths = sysconfig.get_paths()
    roots = [Path(paths["stdlib"])] + ([] if quick else [Path(paths["purelib"])])
    texts = docstring_texts(roots)
    random.Random(20240611).shuffle(texts)
    if quick:
        texts = texts[:_CHUNK]
    return texts, embed_cached(texts)


def grown_corpus(real: FloatArray, size: int, seed: int = 5) -> FloatArray:
    """The first ``size`` vectors: the real ones, then renormalised means of random real pairs."""
    if size <= len(real):
        return real[:size].copy()
    out = np.empty((size, real.shape[1]), dtype=np.float32)
    out[: len(real)] = real
    rng = np.random.default_rng(seed)
    for start in range(len(real), size, 100_000):
        stop = min(start + 100_000, size)
        first = rng.integers(0, len(real), stop - start)
        second = (first + rng.integers(1, len(real), stop - start)) % len(real)
        mixed = real[first] + real[second]
        out[start:stop] = mixed / np.linalg.norm(mixed, axis=1, keepdims=True)
    return out


def _fill(
    store: VectorStore, texts: list[str], vectors: FloatArray, start: int, stop: int
) -> float:
    """Upsert vectors ``start..stop`` (synthetic ones get a short text); returns seconds."""
    began = time.perf_counter()
    for low in range(start, stop, _WRITE_BATCH):
        high = min(low + _WRITE_BATCH, stop)
        store.upsert(
            [
                VectorItem(
                    f"v{i}",
                    _KINDS[i % len(_KINDS)],
                    "",
                    texts[i] if i < len(texts) else f"synthetic pair {i}",
                    vectors[i],
                )
                for i in range(low, high)
            ]
        )
    return time.perf_counter() - began


def _numpy_top(vectors: FloatArray, query: FloatArray, k: int) -> npt.NDArray[np.int64]:
    distances = 1.0 - vectors @ query
    top = np.argpartition(distances, k)[:k]
    return top[np.argsort(distances[top], kind="stable")]


def _p50(action: Callable[[FloatArray], object], queries: FloatArray) -> float:
    return latencies_ms([partial(action, q) for q in queries])["p50_ms"]


def _alternating_p50(
    actions: dict[str, Callable[[FloatArray], object]], queries: FloatArray
) -> dict[str, float]:
    """p50 of each action, timed in turn on every query so machine load hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in actions}
    for query in queries:
        for name, action in actions.items():
            began = time.perf_counter()
            action(query)
            times[name].append((time.perf_counter() - began) * 1000)
    return {name: round(float(np.median(t)), 3) for name, t in times.items()}


def _numpy_one_thread(vectors: FloatArray, query: FloatArray) -> object:
    with threadpool_limits(limits=1, user_api="blas"):
        return _numpy_top(vectors, query, 10)


def _measure(
    store: VectorStore, vectors: FloatArray, queries: FloatArray, vec0_samples: int
) -> dict[str, Any]:
    """Time k=10 searches on a freshly opened store beside numpy on the same vectors."""
    reader = VectorStore(store.path, quantise_above=store.quantise_above).open()
    try:
        began = time.perf_counter()
        reader.knn(queries[0], 10)  # loads the quantised index when the store is large
        first_s = time.perf_counter() - began
        quantised = reader.vector_count() >= reader.quantise_above
        found = [[int(n[1:]) for n, _ in reader.knn(q, 10)] for q in queries]
        exact = [_numpy_top(vectors, q, 10) for q in queries]
        recall = float(
            np.mean([len(set(f) & set(e.tolist())) / 10 for f, e in zip(found, exact, strict=True)])
        )
        kind_recall = []
        for q in queries[:50]:
            keep = np.flatnonzero(np.arange(len(vectors)) % len(_KINDS) == 1)
            truth = keep[_numpy_top(vectors[keep], q, 10)]
            hits = reader.knn(q, 10, kinds=[_KINDS[1]])
            kind_recall.append(len({int(n[1:]) for n, _ in hits} & set(truth.tolist())) / 10)
        for query in queries[:5]:  # warm both sides
            reader.knn(query, 10)
            _numpy_top(vectors, query, 10)
        alternated = _alternating_p50(
            {
                "store": lambda q: reader.knn(q, 10),
                "numpy_all_threads": lambda q: _numpy_top(vectors, q, 10),
                "numpy_one_thread": partial(_numpy_one_thread, vectors),
            },
            queries,
        )
        filtered_p50 = _p50(lambda q: reader.knn(q, 10, kinds=[_KINDS[1]]), queries)
        reader.quantise_above = 1 << 62  # force exact vec0 search
        vec0_p50 = _p50(lambda q: reader.knn(q, 10), queries[:vec0_samples])
        index_mb = round(reader.quantised_bytes / 2**20, 1)
    finally:
        reader.close()
    return {
        "path": "quantised" if quantised else "exact vec0",
        "store_knn_p50_ms": alternated["store"],
        "store_knn_kind_filter_p50_ms": filtered_p50,
        "numpy_exact_all_blas_threads_p50_ms": alternated["numpy_all_threads"],
        "numpy_exact_one_blas_thread_p50_ms": alternated["numpy_one_thread"],
        "vec0_exact_p50_ms": vec0_p50,
        "recall_at_10": round(recall, 4),
        "recall_at_10_kind_filter": round(float(np.mean(kind_recall)), 4),
        "first_query_s": round(first_s, 2),
        "quantised_index_mb": index_mb,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Fill one store step by step to each size and time k=10 KNN there against numpy.

    Args:
        quick: 2k and 10k vectors from 2,048 stdlib docstring texts, quantised from 5k vectors
            (under a minute with an empty cache, seconds with a warm one).

    Returns:
        JSON-serialisable figures, ratios and targets.
    """
    state_before = machine_state()
    texts, embeddings = real_corpus(quick)
    query_count = 50 if quick else 200
    query_rows, corpus_rows = hold_out(texts, query_count)
    corpus_texts = [texts[i] for i in corpus_rows]
    queries, real = embeddings[query_rows], embeddings[corpus_rows]
    leaks = leaked([texts[i] for i in query_rows], corpus_texts)
    if leaks:
        raise RuntimeError(f"{leaks} held-out queries still share text with the corpus")
    sizes = (2_000, 10_000) if quick else (10_000, 100_000, 1_000_000)
    vectors = grown_corpus(real, sizes[-1])
    figures: dict[str, Any] = {}
    with scratch_stores() as stores:
        store = stores.vectors
        if quick:
            store.quantise_above = 5_000
        filled = 0
        for size in sizes:
            write_s = _fill(store, corpus_texts, vectors, filled, size)
            added, filled = size - filled, size
            figures[f"{size}"] = {
                "upsert_vectors_per_s": round(added / write_s),
                **_measure(store, vectors[:size], queries, 5 if size >= 1_000_000 else 30),
                "real_vectors": min(size, len(real)),
                "synthetic_vectors": max(0, size - len(real)),
            }
    big, mid = figures[str(sizes[-1])], figures[str(sizes[-2])]
    return {
        "benchmark": "vector_search",
        "model": f"all-MiniLM-L6-v2 ({_PRECISION})",
        "corpus": (
            "docstring paragraphs and sentences of the Python standard library"
            + ("" if quick else " and the installed packages")
            + " (read with ast); "
            "beyond the real vectors, synthetic ones = normalised mean of a random "
            "pair of real embeddings"
        ),
        "comparison": (
            "an approximate search (above quantise_above: 1-bit sign codes, then int8 "
            "rescoring of the candidates; its recall is given per size) against exact numpy "
            "brute force; timed in turn on every query (store, numpy with all BLAS threads, "
            "numpy with one) so that machine load hits each alike"
        ),
        "machine": {"before": state_before, "after": machine_state()},
        "sizes": {
            "real_texts": len(real),
            "queries": query_count,
            "queries_are": (
                "held-out real docstring texts; corpus texts that contain a query, stand "
                "inside one or share a sentence with one are left out"
            ),
            "corpus_texts_left_out_for_leakage": len(texts) - query_count - len(corpus_rows),
            "queries_leaking_into_corpus": leaks,
            "k": 10,
            "quantise_above": store.quantise_above,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        },
        "figures": figures,
        "ratios": {
            f"{size}_numpy_{side}_over_store_p50": round(
                figures[str(size)][f"numpy_exact_{side}_p50_ms"]
                / max(figures[str(size)]["store_knn_p50_ms"], 1e-9),
                2,
            )
            for size in sizes
            for side in ("all_blas_threads", "one_blas_thread")
        },
        "targets": {}
        if quick
        else {
            "100k_p50_ms": target(mid["store_knn_p50_ms"], 15.0, at_least=False),
            "1m_p50_ms": target(big["store_knn_p50_ms"], 40.0, at_least=False),
            "1m_recall_at_10": target(big["recall_at_10"], 0.95, at_least=True),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
