"""Search as users run it: query embedding included, over 10k stored real texts.

Run: ``uv run kgservice bench search_api``. Texts are prose sentences of standard-library
docstrings (see bench/embedding.py); when fewer than the wanted count exist, pairs of them are
joined to make more. Queries are held-out sentences from the same source.
"""

from __future__ import annotations

import json
import random
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from bench.common import hold_out, latencies_ms, leaked, machine_state, target
from bench.embedding import stdlib_sentences
from kgservice.clock import utc_now
from kgservice.ids import new_id
from kgservice.services.registry import Services
from kgservice.services.search import SearchMode
from kgservice.services.text_index import IndexedText
from kgservice.settings import load_settings
from kgservice.stores.opening import load_embedder, open_stores


def corpus(size: int, queries: int) -> tuple[list[str], list[str]]:
    """``size`` texts to store and ``queries`` held-out query sentences.

    No stored text contains a query, stands inside one or shares a sentence with one.
    """
    sentences = stdlib_sentences(size + queries)
    query_rows, pool_rows = hold_out(sentences, queries)
    held_out, pool = [sentences[i] for i in query_rows], [sentences[i] for i in pool_rows]
    rng = random.Random(3)
    texts = list(pool)
    while len(texts) < size:
        texts.append(f"{rng.choice(pool)} {rng.choice(pool)}")
    return texts[:size], held_out


def reflection_rows(texts: list[str]) -> pa.Table:
    """Reflection rows for ``texts``, in the table's column order."""
    now = utc_now()
    count = len(texts)
    return pa.table(
        {
            "id": [new_id("Reflection") for _ in texts],
            "namespace": ["default"] * count,
            "created_at": pa.array([now] * count, pa.timestamp("us")),
            "legacy_id": pa.nulls(count, pa.string()),
            "content": texts,
            "tags": pa.array([[] for _ in texts], pa.list_(pa.string())),
            "importance": [0.5] * count,
        }
    )


def run(quick: bool = False) -> dict[str, Any]:
    """Store the corpus through the text index, then time searches per mode."""
    size, queries = (2_000, 50) if quick else (10_000, 200)
    state_before = machine_state()
    texts, held_out = corpus(size, queries)
    leaks = leaked(held_out, texts)
    if leaks:
        raise RuntimeError(f"{leaks} held-out queries share text with the stored corpus")
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as folder:
        settings = load_settings(data_dir=Path(folder) / "data", backfill_on_start=False)
        with open_stores(settings) as stores:
            services = Services.create(stores, load_embedder(settings))
            project = services.sessions.create_project("search-bench")
            ids = [services.memory.store_reflection(text, project.id).id for text in texts[:200]]
            # The rest are bulk-loaded as Reflection nodes, then embedded through the index:
            # every stored vector belongs to a live node (search deletes orphans).
            bulk = reflection_rows(texts[200:])
            stores.graph.copy_from_arrow("Reflection", bulk)
            items = [
                IndexedText(node_id, "Reflection", "default", text)
                for node_id, text in zip(bulk["id"].to_pylist(), texts[200:], strict=True)
            ]
            for start in range(0, len(items), 512):
                services.index.index(items[start : start + 512])
            search = services.search
            figures: dict[str, Any] = {}
            for mode in SearchMode:
                calls = [partial(search.search, text=q, k=10, mode=mode) for q in held_out]
                figures[f"{mode.value.lower()}_with_embedding"] = latencies_ms(calls)
            embed = [partial(services.index.embed, [q]) for q in held_out]
            figures["query_embedding_only"] = latencies_ms(embed)
            figures["stored_texts"] = stores.vectors.text_count()
            assert len(ids) == 200
    vector_p50 = figures["vector_with_embedding"]["p50_ms"]
    return {
        "benchmark": "search_api",
        "corpus": (
            "prose sentences of standard-library docstrings; held-out queries that no stored "
            "text contains, stands inside or shares a sentence with"
        ),
        "queries_leaking_into_corpus": leaks,
        "machine": {"before": state_before, "after": machine_state()},
        "figures": figures,
        "ratios": {
            "embedding_share_of_vector_search": round(
                figures["query_embedding_only"]["p50_ms"] / vector_p50, 2
            ),
            "hybrid_vs_vector_p50": round(
                figures["hybrid_with_embedding"]["p50_ms"] / vector_p50, 2
            ),
        },
        "targets": {
            "search_with_embedding_10k_p50_ms": target(vector_p50, 10, at_least=False),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
