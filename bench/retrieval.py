"""Retrieval quality: does ``search`` find the message that holds the answer?

Run: ``uv run kgservice bench retrieval [--quick]``.

LoCoMo (long two-person conversations whose questions name the turns that hold the answer)
is read from ``KG_LOCOMO_DIR``, else from ``<repo>/../shared/data/locomo-dev``; when neither
exists the benchmark is skipped with a message. Every turn is stored as a message through
the GraphQL ``addMessages`` mutation: one project, namespace and session per conversation,
one thread per LoCoMo session (its date in the thread's name), content ``"Speaker: text"``
(a shared photo's caption appended). Each question of categories 1-4 is asked in its
conversation's namespace with ``kinds: ["Message"]``; a question counts as found at k when a
turn named in its evidence is among the first k hits (with a ``window``, also when it is in
the context window of one of them).

Your own data: ``KG_RETRIEVAL_QUESTIONS=questions.jsonl`` (lines of ``{"question": ...,
"evidence_ids": [...], "namespace": optional, "category": optional}``; evidence ids are
message ids or legacy ids) measured against the stored messages of ``KG_DATA_DIR``, with the
reranker's weights fitted to them (``bench/retrieval_rerank.py``; held out by namespace when
the questions span two or more).
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from bench.common import target
from bench.retrieval_rerank import rerank_figures
from bench.support.locomo import Question, locomo_dir, locomo_service
from kgservice.api.app import create_app
from kgservice.services.registry import Services
from kgservice.services.search import SearchMode
from kgservice.services.search_rerank import RERANK_DEFAULT
from kgservice.settings import load_settings
from kgservice.stores.opening import load_embedder
from kgservice.stores.text_ranking import (
    CONTEXT_SPAN,
    CONTEXT_WEIGHT,
    FUSION_DEPTH,
    FUSION_K,
    VECTOR_WEIGHT,
    weighted_fusion,
)

KS = (1, 5, 10)
Ranker = Callable[[Question], list[tuple[str, frozenset[str]]]]


def evaluate(rank: Ranker, questions: Sequence[Question]) -> dict[str, Any]:
    """Recall@1/5/10 and MRR overall and per category, with search latencies.

    ``rank`` returns, best first, each hit's id with the ids its context window adds.
    """
    found: dict[str, list[int | None]] = {}
    times = []
    for question in questions:
        start = time.perf_counter()
        hits = rank(question)
        times.append((time.perf_counter() - start) * 1000)
        position = next(
            (
                i
                for i, (hit, context) in enumerate(hits)
                if hit in question.evidence or context & question.evidence
            ),
            None,
        )
        for key in ("all", question.category):
            found.setdefault(key, []).append(position)
    times.sort()
    return {
        "recall": {key: _recall(positions) for key, positions in sorted(found.items())},
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
    }


def _recall(positions: list[int | None]) -> dict[str, float]:
    count = len(positions)
    figures = {
        f"r@{k}": round(sum(p is not None and p < k for p in positions) / count, 3) for k in KS
    }
    figures["mrr"] = round(sum(1 / (p + 1) for p in positions if p is not None) / count, 3)
    figures["questions"] = count
    return figures


def service_ranker(services: Services, **options: Any) -> Ranker:
    """Ask ``search`` (the service behind the GraphQL field) with ``options``."""

    def rank(question: Question) -> list[tuple[str, frozenset[str]]]:
        hits = services.search.search(
            text=question.text, kinds=["Message"], namespace=question.namespace, k=10, **options
        )
        return [
            (
                hit.node.id,
                frozenset(n.id for n in (*hit.context.before, *hit.context.after))
                if hit.context
                else frozenset(),
            )
            for hit in hits
        ]

    return rank


def lever_ranker(
    services: Services,
    *,
    vector: bool = True,
    text: bool = True,
    stop_words: bool = True,
    context_weight: float = CONTEXT_WEIGHT,
    vector_weight: float = VECTOR_WEIGHT,
    fusion_k: int = FUSION_K,
) -> Ranker:
    """Rank with one lever set apart from the defaults (store level, no window)."""
    store = services.index.vectors

    def rank(question: Question) -> list[tuple[str, frozenset[str]]]:
        rankings, weights = [], []
        if vector:
            query = services.index.embed([question.text])[0]
            hits = store.knn(query, FUSION_DEPTH, ["Message"], question.namespace)
            rankings.append([n for n, _ in hits])
            weights.append(vector_weight)
        if text:
            hits = store.text_search(
                question.text,
                FUSION_DEPTH,
                ["Message"],
                question.namespace,
                stop_words=stop_words,
                context_weight=context_weight,
            )
            rankings.append([n for n, _ in hits])
            weights.append(1.0)
        fused = weighted_fusion(rankings, weights, fusion_k)
        return [(n, frozenset()) for n, _ in fused[:10]]

    return rank


CONFIGS: dict[str, dict[str, Any]] = {
    "vector": {"mode": SearchMode.VECTOR},
    "text": {"mode": SearchMode.TEXT},
    "hybrid": {"mode": SearchMode.HYBRID, "rerank": False},
    "hybrid_rerank": {"mode": SearchMode.HYBRID, "rerank": True},
    "hybrid_window_1": {"mode": SearchMode.HYBRID, "rerank": False, "window": 1},
    "hybrid_rerank_window_1": {"mode": SearchMode.HYBRID, "rerank": True, "window": 1},
}
LEVERS: dict[str, dict[str, Any]] = {
    # each lever alone, on the stemmed index: everything else as before (RRF k 60, equal
    # weights, no stop words, no context)
    "text_stemmed_only": {"vector": False, "stop_words": False, "context_weight": 0},
    "text_stop_words": {"vector": False, "context_weight": 0},
    "text_context": {"vector": False, "stop_words": False},
    "hybrid_stemmed_only": {
        "stop_words": False,
        "context_weight": 0,
        "vector_weight": 1.0,
        "fusion_k": 60,
    },
    "hybrid_stop_words": {"context_weight": 0, "vector_weight": 1.0, "fusion_k": 60},
    "hybrid_context": {"stop_words": False, "vector_weight": 1.0, "fusion_k": 60},
    "hybrid_fusion_weights": {"stop_words": False, "context_weight": 0},
    "hybrid_all_but_context": {"context_weight": 0},
    "hybrid_all_but_fusion": {"vector_weight": 1.0, "fusion_k": 60},
}


def _questions_file(path: Path) -> dict[str, Any]:
    """Measure a JSON-lines file of questions against the stored messages of KG_DATA_DIR."""
    from kgservice.services.nodes import find_nodes

    settings = load_settings(backfill_on_start=False)
    embedder = load_embedder(settings)
    with TestClient(create_app(settings, embedder=embedder)) as client:
        services: Services = client.app.state.services  # type: ignore[attr-defined]
        questions = []
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row.get("question"), str) or not row.get("evidence_ids"):
                raise ValueError(f"{path}:{number}: needs question and evidence_ids")
            wanted = [str(i) for i in row["evidence_ids"]]
            known = set(find_nodes(services.stores.graph, wanted))
            evidence = set(known)
            for legacy in set(wanted) - known:
                rows = services.stores.graph.run("core/node_by_legacy_id", {"key": legacy})
                evidence.update(r["node_id"] for r in rows)
            if not evidence:
                raise ValueError(f"{path}:{number}: no evidence id names a stored node")
            questions.append(
                Question(
                    row["question"],
                    frozenset(evidence),
                    row.get("namespace"),
                    str(row.get("category", "all")),
                )
            )
        figures = {
            name: evaluate(service_ranker(services, **o), questions) for name, o in CONFIGS.items()
        }
        # held-out rerank figures need questions in two namespaces or more
        rerank = rerank_figures(services, questions)
    return {"benchmark": "retrieval", "source": str(path), "figures": figures, "rerank": rerank}


def run(quick: bool = False) -> dict[str, Any]:
    """Store LoCoMo through the API and measure recall and latency per configuration."""
    load = os.getloadavg()
    own = os.environ.get("KG_RETRIEVAL_QUESTIONS")
    if own:
        return {**_questions_file(Path(own)), "load_average": load}
    folder = locomo_dir()
    if not folder.is_dir() or not any(folder.glob("*.json")):
        return {"benchmark": "retrieval", "skipped": f"no LoCoMo data at {folder} (KG_LOCOMO_DIR)"}
    with locomo_service(folder, quick) as (services, questions, ingestion):
        for question in questions[:20]:  # warm the model and the caches
            services.search.search(text=question.text, namespace=question.namespace, k=10)
        figures = {
            name: evaluate(service_ranker(services, **options), questions)
            for name, options in CONFIGS.items()
        }
        levers = {
            name: evaluate(lever_ranker(services, **options), questions)["recall"]["all"]
            for name, options in LEVERS.items()
        }
        rerank = rerank_figures(services, questions)
    default = "hybrid_rerank" if RERANK_DEFAULT else "hybrid"
    hybrid = figures[default]
    return {
        "benchmark": "retrieval",
        "data": str(folder),
        "ingestion": ingestion,
        "figures": figures,
        "levers": levers,
        "rerank": rerank,
        "defaults": {
            "rerank": RERANK_DEFAULT,
            "tokenizer": "porter unicode61",
            "stop_words": True,
            "context_weight": CONTEXT_WEIGHT,
            "context_span": CONTEXT_SPAN,
            "vector_weight": VECTOR_WEIGHT,
            "fusion_k": FUSION_K,
            "fusion_depth": FUSION_DEPTH,
        },
        "load_average": [load, os.getloadavg()],
        "targets": {
            "hybrid_recall_at_10": target(hybrid["recall"]["all"]["r@10"], 0.8, at_least=True),
            "hybrid_recall_at_5": target(hybrid["recall"]["all"]["r@5"], 0.7, at_least=True),
            "hybrid_p50_ms": target(hybrid["p50_ms"], 30, at_least=False),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
