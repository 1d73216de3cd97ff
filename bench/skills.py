"""Skills analytics: ingestion rate, metrics query latency, recommendation quality.

Run: ``uv run kgservice bench skills [--quick]``. The full run records 100,000 invocations
of 200 skills over 90 days, 8 to a stored session, in batches of 1,000 through
``record_invocations`` (target: at
least 5,000 a second), times each query over that data (target for the per-skill metrics
queries: p50 at most 50 ms), and evaluates recommendations by leave-one-out hit rate@k on
generated usage with planted structure, against recommending the most used skills.
"""

from __future__ import annotations

import functools
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from bench.common import latencies_ms, scratch_stores, target
from kgservice.ids import new_id
from kgservice.services.skills import anomalies, dependencies, metrics, recommendations
from kgservice.services.skills.invocations import InvocationInput, record_invocations
from kgservice.stores.graph import GraphStore

NOW = datetime(2026, 6, 1)  # noqa: DTZ001 - naive UTC, as stored
NAMESPACE = "bench"


def stored_sessions(graph: GraphStore, count: int) -> list[str]:
    """Ids of ``count`` new sessions of the benchmark's namespace (bulk-loaded)."""
    ids = [new_id("Session") for _ in range(count)]
    now = pa.array([NOW] * count, pa.timestamp("us"))
    text = pa.nulls(count, pa.string())
    table = pa.table(
        {
            "id": ids,
            "namespace": [NAMESPACE] * count,
            "created_at": now,
            "legacy_id": text,
            "external_id": [f"agent-{k}" for k in range(count)],
            "status": ["active"] * count,
            "agent": text,
            "started_at": now,
            "ended_at": pa.nulls(count, pa.timestamp("us")),
            "metadata": text,
        }
    )
    graph.copy_from_arrow("Session", table)
    return ids


def generated_invocations(
    count: int, skills: int, days: int, sessions: list[str], rng: random.Random
) -> list[InvocationInput]:
    """Invocations of ``skills`` skills (Zipf-like popularity) spread over ``days`` days,
    by 50 users, 8 to a session."""
    weights = [1 / (rank + 1) ** 0.6 for rank in range(skills)]
    success = [0.6 + 0.35 * rng.random() for _ in range(skills)]
    chosen = rng.choices(range(skills), weights, k=count)
    return [
        InvocationInput(
            skill=f"skill-{skill:03d}",
            at=NOW - timedelta(seconds=rng.random() * days * 86_400),
            completed=rng.random() < success[skill],
            duration_ms=rng.lognormvariate(6.0, 0.8),
            user_id=f"user-{rng.randrange(50)}",
            session_id=sessions[k // 8],
            workflow_phase=rng.choice(("plan", "build", "review")),
        )
        for k, skill in enumerate(chosen)
    ]


def ingest(graph: GraphStore, items: list[InvocationInput], batch: int) -> dict[str, Any]:
    """Record ``items`` in batches; the overall rate and that of the last tenth of batches.

    ``per_cpu_second`` divides by the CPU time of this process (every thread, the engine's
    included): what an otherwise idle machine would give, as this one is shared.
    """
    times = []
    cpu = time.process_time()
    for start in range(0, len(items), batch):
        begun = time.perf_counter()
        record_invocations(graph, NAMESPACE, items[start : start + batch])
        times.append(time.perf_counter() - begun)
    cpu = time.process_time() - cpu
    tail = times[-max(1, len(times) // 10) :]
    return {
        "invocations": len(items),
        "batch": batch,
        "per_second": round(len(items) / sum(times)),
        "per_cpu_second": round(len(items) / cpu),
        "per_second_last_tenth": round(len(tail) * batch / sum(tail)),
        "batch_p50_ms": round(statistics.median(times) * 1000, 1),
        "batch_max_ms": round(max(times) * 1000, 1),
    }


def timed(actions: list[Callable[[], object]]) -> dict[str, float]:
    """Wall-clock p50/p95/max of each action, and the p50 of this process's CPU time."""
    cpu = []
    for action in actions:
        begun = time.process_time()
        action()
        cpu.append(time.process_time() - begun)
    figures = latencies_ms(actions)
    return {**figures, "cpu_p50_ms": round(statistics.median(cpu) * 1000, 3)}


def query_latencies(graph: GraphStore, skills: int, rng: random.Random) -> dict[str, Any]:
    """p50/p95/max of each query (per-skill ones over 30 random skills)."""
    names = [f"skill-{rng.randrange(skills):03d}" for _ in range(30)]
    since, week = NOW - timedelta(days=90), NOW - timedelta(days=7)

    def per_skill(query: Callable[[str], object]) -> dict[str, float]:
        return timed([functools.partial(query, n) for n in names])

    return {
        "skill_metrics_90d": per_skill(
            lambda n: metrics.skill_metrics(graph, NAMESPACE, n, since=since, until=NOW)
        ),
        "skill_metrics_90d_with_user": per_skill(
            lambda n: metrics.skill_metrics(
                graph, NAMESPACE, n, since=since, until=NOW, user_id="user-7"
            )
        ),
        "skill_trend_day_90d": per_skill(
            lambda n: metrics.skill_trend(
                graph, NAMESPACE, n, metrics.Bucket.DAY, since=since, until=NOW
            )
        ),
        "skill_trend_hour_7d": per_skill(
            lambda n: metrics.skill_trend(
                graph, NAMESPACE, n, metrics.Bucket.HOUR, since=week, until=NOW
            )
        ),
        "skill_anomalies_namespace_24h_vs_14d": timed(
            [lambda: anomalies.find_anomalies(graph, NAMESPACE, now=NOW, store=False)] * 5
        ),
        "skill_dependencies_compute_90d": timed(
            [lambda: dependencies.compute_dependencies(graph, NAMESPACE, since=since, until=NOW)]
            * 3
        ),
        "recommend_skills_90d": timed(
            [
                lambda: recommendations.recommend_skills(
                    graph, NAMESPACE, "user-7", 10, since=since, until=NOW
                )
            ]
            * 5
        ),
    }


def planted_usage(users: int, rng: random.Random) -> dict[str, list[tuple[str, bool]]]:
    """Usage with structure: 6 clusters of 10 skills; each user works mostly in one cluster
    (4 to 6 of its skills, popular ones more likely) plus 1 or 2 globally popular skills."""
    clusters = [[f"c{c}-s{s}" for s in range(10)] for c in range(6)]
    everything = [s for cluster in clusters for s in cluster]
    popular = [1 / (rank + 1) for rank in range(len(everything))]
    within = [1 / (rank + 1) ** 0.7 for rank in range(10)]
    rate = {s: 0.5 + 0.5 * rng.random() for s in everything}
    usage = {}
    for u in range(users):
        home = clusters[rng.randrange(6)]
        chosen: set[str] = set()
        while len(chosen) < rng.randint(4, 6):
            chosen.add(rng.choices(home, within)[0])
        for _ in range(rng.randint(1, 2)):
            chosen.add(rng.choices(everything, popular)[0])
        usage[f"u{u}"] = [
            (s, rng.random() < rate[s]) for s in sorted(chosen) for _ in range(rng.randint(1, 4))
        ]
    return usage


def recommendation_quality(quick: bool) -> dict[str, Any]:
    """Leave-one-out hit rate@5 and @10 of the item-based model and of popularity."""
    rng = random.Random(7)
    usage = planted_usage(150 if quick else 500, rng)
    hits = {
        ("item_based", 5): 0,
        ("item_based", 10): 0,
        ("popularity", 5): 0,
        ("popularity", 10): 0,
    }
    trials = 0
    for user, runs in usage.items():
        skills = sorted({s for s, _ in runs})
        if len(skills) < 3:
            continue
        hidden = rng.choice(skills)
        rows = [
            (u, s, done)
            for u, user_runs in usage.items()
            for s, done in user_runs
            if not (u == user and s == hidden)
        ]
        model = recommendations.UsageModel.build(rows)
        mine = set(skills) - {hidden}
        users_of: dict[str, set[str]] = {}
        for u, s, _ in rows:
            users_of.setdefault(s, set()).add(u)
        ranked = sorted(users_of, key=lambda s: (-len(users_of[s]), s))
        popular = [s for s in ranked if s not in mine]
        trials += 1
        for k in (5, 10):
            found = [r.skill for r in model.recommend(user, k)]
            hits["item_based", k] += hidden in found
            hits["popularity", k] += hidden in popular[:k]
    rates = {f"{name}_hit_rate_at_{k}": round(n / trials, 3) for (name, k), n in hits.items()}
    return {
        "users": len(usage),
        "trials": trials,
        **rates,
        "ratio_at_10": round(hits["item_based", 10] / max(hits["popularity", 10], 1), 2),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Ingest, time the queries, evaluate recommendations; with the load average."""
    count, skills = (10_000, 50) if quick else (100_000, 200)
    rng = random.Random(15)
    load_before = os.getloadavg()
    with scratch_stores() as stores:
        sessions = stored_sessions(stores.graph, count // 8)
        items = generated_invocations(count, skills, 90, sessions, rng)
        ingestion = ingest(stores.graph, items, 1_000)
        unlinked = [replace(item, session_id=None) for item in items[: count // 10]]
        ingestion["without_sessions"] = ingest(stores.graph, unlinked, 1_000)
        queries = query_latencies(stores.graph, skills, rng)
    quality = recommendation_quality(quick)
    per_skill_cpu = [
        v["cpu_p50_ms"]
        for k, v in queries.items()
        if k.startswith(("skill_metrics", "skill_trend"))
    ]
    per_skill = [
        v["p50_ms"] for k, v in queries.items() if k.startswith(("skill_metrics", "skill_trend"))
    ]
    return {
        "ingestion": ingestion,
        "queries": queries,
        "recommendations": quality,
        "targets": {
            "ingestion_per_second": target(ingestion["per_second"], 5_000, at_least=True),
            "metrics_queries_p50_ms": target(max(per_skill), 50, at_least=False),
            "ingestion_per_cpu_second": target(ingestion["per_cpu_second"], 5_000, at_least=True),
            "metrics_queries_cpu_p50_ms": target(max(per_skill_cpu), 50, at_least=False),
            "recommendations_beat_popularity": quality["item_based_hit_rate_at_10"]
            > quality["popularity_hit_rate_at_10"],
        },
        "load_average": {"before": load_before, "after": os.getloadavg()},
    }
