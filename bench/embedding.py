"""Embedding throughput and latency of all-MiniLM-L6-v2 on CPU (fp32 and int8).

Sentences: prose sentences of the docstrings (modules, classes, functions) of the Python
standard library, read offline with ``ast`` from this interpreter's ``Lib`` directory, then
shuffled with a fixed seed so lengths are mixed (about 21 word pieces on average, 5-96).

Run: ``uv run python -m bench.embedding`` (prints JSON).
"""

from __future__ import annotations

import ast
import json
import os
import random
import statistics
import sysconfig
import tempfile
import time
from pathlib import Path

from bench.common import SENTENCE_SPLIT, target
from kgservice.embedding import Embedder, Precision

_SKIP_DIRS = {
    "test",
    "tests",
    "idlelib",
    "lib2to3",
    "ensurepip",
    "site-packages",
    "turtledemo",
    "__pycache__",
    "distutils",
    "tkinter",
    "config-3.11-x86_64-linux-gnu",
}
_TARGETS: dict[Precision, float] = {"fp32": 200.0, "int8": 400.0}


def stdlib_sentences(limit: int, seed: int = 7) -> list[str]:
    """Prose sentences from standard-library docstrings, shuffled deterministically.

    Docstrings of modules, classes and functions are read with ``ast`` (nothing is imported);
    paragraphs that look like code, lists or doctests are skipped.

    Args:
        limit: Number of sentences wanted (about 9,000 are available).
        seed: Shuffle seed.

    Returns:
        Up to ``limit`` distinct English sentences of 5-60 words.
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    found: dict[str, None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
        for filename in sorted(f for f in filenames if f.endswith(".py")):
            try:
                tree = ast.parse(Path(dirpath, filename).read_text(encoding="utf-8"))
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            for node in ast.walk(tree):
                if isinstance(
                    node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
                ):
                    found.update(dict.fromkeys(_sentences(ast.get_docstring(node) or "")))
    sentences = list(found)
    random.Random(seed).shuffle(sentences)
    return sentences[:limit]


def _sentences(doc: str) -> list[str]:
    kept = []
    for paragraph in doc.split("\n\n"):
        if any(line.startswith((" ", "-", "*", ">>>")) for line in paragraph.splitlines()):
            continue
        for sentence in SENTENCE_SPLIT.split(" ".join(paragraph.split())):
            if (
                5 <= len(sentence.split()) <= 60
                and sentence[0].isupper()
                and sentence[-1] in ".!?"
                and not any(m in sentence for m in (">>>", "::", "`", "Copyright"))
            ):
                kept.append(sentence)
    return kept


def _busy_cpu_seconds() -> float | None:
    """CPU seconds spent by the whole machine so far (Linux ``/proc/stat``), else None."""
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def _percentile_ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[int(q * (len(ordered) - 1))] * 1000, 3)


def run(quick: bool = False) -> dict[str, object]:
    """Measure fp32 and int8 throughput (with/without length bucketing) and batch-1 latency.

    The four configurations are timed round-robin (one full pass each per repeat) so that
    background load on the machine affects them alike; figures are medians over repeats.
    ``sizes.background_load_cores`` reports the CPU other processes used meanwhile (Linux).

    Args:
        quick: Fewer sentences and repeats (smoke run).

    Returns:
        JSON-serialisable figures, ratios and targets.
    """
    count, repeats, latency_samples = (256, 3, 40) if quick else (1024, 5, 200)
    sentences = stdlib_sentences(count)
    precisions: tuple[Precision, ...] = ("fp32", "int8")
    with tempfile.TemporaryDirectory(prefix="kg-bench-embed-") as folder:
        cache = Path(folder)
        build_s: dict[str, float] = {}
        configs: dict[tuple[Precision, bool], Embedder] = {}
        for precision in precisions:
            start = time.perf_counter()
            Embedder(cache, precision=precision).load()
            build_s[precision] = round(time.perf_counter() - start, 2)
            for bucketed in (True, False):
                embedder = Embedder(cache, precision=precision, sort_by_length=bucketed)
                embedder.embed(sentences[:128])  # warm up: session, arena, kernels
                configs[precision, bucketed] = embedder
        seconds: dict[tuple[Precision, bool], list[float]] = {key: [] for key in configs}
        busy_before, own_before, wall_before = _busy_cpu_seconds(), _own_cpu(), time.time()
        for _ in range(repeats):
            for key, embedder in configs.items():
                start = time.perf_counter()
                embedder.embed(sentences)
                seconds[key].append(time.perf_counter() - start)
        latency: dict[Precision, list[float]] = {p: [] for p in precisions}
        for sentence in sentences[:latency_samples]:
            for precision in precisions:
                start = time.perf_counter()
                configs[precision, True].embed_one(sentence)
                latency[precision].append(time.perf_counter() - start)
        busy_after, own_after, wall = _busy_cpu_seconds(), _own_cpu(), time.time() - wall_before
        background = None  # cores' worth of CPU used by other processes while measuring
        if busy_before is not None and busy_after is not None:
            other = (busy_after - busy_before) - (own_after - own_before)
            background = round(max(0.0, other) / wall, 2)
        tokens = configs["fp32", True].count_tokens(sentences)
        threads = configs["fp32", True].threads
    rate = {
        key: round(len(sentences) / statistics.median(times), 1) for key, times in seconds.items()
    }
    figures = {
        p: {
            "build_s": build_s[p],
            "sentences_per_s_bucketed": rate[p, True],
            "sentences_per_s_input_order": rate[p, False],
            "bucketing_speedup": round(rate[p, True] / rate[p, False], 2),
            "batch1_p50_ms": _percentile_ms(latency[p], 0.5),
            "batch1_p95_ms": _percentile_ms(latency[p], 0.95),
        }
        for p in precisions
    }
    return {
        "benchmark": "embedding",
        "model": "all-MiniLM-L6-v2",
        "corpus": "prose sentences of Python standard-library docstrings (read with ast)",
        "sizes": {
            "sentences": len(sentences),
            "mean_tokens": round(statistics.mean(tokens), 1),
            "median_tokens": statistics.median(tokens),
            "max_tokens": max(tokens),
            "repeats": repeats,
            "latency_samples": latency_samples,
            "threads": threads,
            "batch_size": configs["fp32", True].batch_size,
            "background_load_cores": background,
        },
        "figures": figures,
        "ratios": {
            "int8_vs_fp32_throughput": round(rate["int8", True] / rate["fp32", True], 2),
            "fp32_bucketing_speedup": figures["fp32"]["bucketing_speedup"],
            "int8_bucketing_speedup": figures["int8"]["bucketing_speedup"],
        },
        "targets": {
            f"{p}_sentences_per_s": target(rate[p, True], bound, at_least=True)
            for p, bound in _TARGETS.items()
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
