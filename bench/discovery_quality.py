"""Discovery quality against ground truth from real offline data: the installed packages.

Every distribution installed in this environment becomes an entity (kind ``library``;
kgservice itself is the ``project``), with its summary as an observation and its import
names as aliases. The first part of each long description becomes a reflection that
mentions the entities it names. The truth is the declared, unconditional ``Requires-Dist``
dependencies among installed distributions: ``uses`` from the project, ``depends_on``
between libraries.

For each method alone and for all combined, with no threshold or per-entity limit, the
proposals ranked by score give precision@k and, over all of them, recall and type
accuracy (type and direction right, among true pairs found; ``lenient`` also counts
``uses``/``depends_on`` for each other; ``typed_accuracy`` only among those given a type
other than ``related_to``, the fallback). A threshold sweep of the combined run at the
default per-entity limit gives precision, recall and F1 per threshold: the default
threshold of :mod:`kgservice.services.discovery.job` was chosen from it, so the same sweep is
also run with the pairs split in two: a threshold chosen on one half is reported on the
other (``threshold_chosen_on_one_half``). Last, half of the
true edges are accepted as relations and every method is scored on the other half (the
only way ``common_neighbours``, which builds on accepted relations, can be measured).
``calibration`` (on a fresh copy of the world): the proposals of a default run whose pair
falls in one hash half are written and reviewed (accept a true pair, reject the others),
then the other half is scored at the shipped weights and threshold and with those
calibration learned from the reviews (:mod:`kgservice.services.discovery.calibration`).

Run: ``uv run kgservice bench discovery_quality``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as metadata
import itertools
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from bench.common import machine_state, scratch_stores
from bench.discovery import GeneratedEntity, load_entities, load_texts
from kgservice.services.discovery.calibration import (
    MIN_REVIEWS,
    PRIOR_REVIEWS,
    Calibration,
    learn,
    reviews_of,
)
from kgservice.services.discovery.candidates import METHODS
from kgservice.services.discovery.job import (
    DEFAULT_MAX_PER_ENTITY,
    DEFAULT_THRESHOLD,
    JOB_KIND,
    DiscoveryParameters,
    find_proposals,
    with_calibration,
)
from kgservice.services.discovery.scoring import WEIGHTS
from kgservice.services.discovery.writing import Proposal, write_batches
from kgservice.services.jobs import JobService
from kgservice.services.knowledge.relations import RelationService
from kgservice.services.text_index import TextIndex
from kgservice.stores.opening import Stores, load_embedder

PROJECT = "kgservice"
DESCRIPTION_CHARS = 1_500
THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(1, 19))
DEPENDENCY_TYPES = {"uses", "depends_on"}


def canonical(name: str) -> str:
    """A distribution name as packaging normalises it."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_world() -> tuple[list[GeneratedEntity], list[str], dict[tuple[str, str], str]]:
    """Entities, description texts and true edges ``{(from, to): type}`` by canonical name."""
    distributions: dict[str, metadata.Distribution] = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            distributions.setdefault(canonical(name), distribution)
    entities, texts = [], []
    truth: dict[tuple[str, str], str] = {}
    for key, distribution in sorted(distributions.items()):
        meta = distribution.metadata
        kind = "project" if key == PROJECT else "library"
        summary = (meta["Summary"] or "").strip()
        aliases = sorted(
            {
                module
                for module in (distribution.read_text("top_level.txt") or "").split()
                if len(module) > 2 and not module.startswith("_") and canonical(module) != key
            }
        )
        entities.append(GeneratedEntity(meta["Name"], kind, [summary] if summary else [], aliases))
        description = (meta.get_payload() or meta["Description"] or "").strip()  # type: ignore[attr-defined]
        if description:
            texts.append(description[:DESCRIPTION_CHARS])
        for requirement in meta.get_all("Requires-Dist") or []:
            name, _, marker = requirement.partition(";")
            if "extra" in marker:
                continue
            target = canonical(re.split(r"[\s<>=!~\[(;]", name.strip(), maxsplit=1)[0])
            if target in distributions and target != key:
                truth[(key, target)] = "uses" if kind == "project" else "depends_on"
    return entities, texts, truth


def mentioned(texts: Sequence[str], entities: Sequence[GeneratedEntity]) -> list[list[int]]:
    """Per text, the entities whose name or alias it contains (word boundary, any case)."""
    patterns = [
        re.compile(
            rf"(?<![\w-])(?:{'|'.join(re.escape(n) for n in (e.name, *e.aliases))})(?![\w-])",
            re.IGNORECASE,
        )
        for e in entities
    ]
    return [[i for i, pattern in enumerate(patterns) if pattern.search(text)] for text in texts]


def evaluate(
    proposals: Sequence[Proposal], names: dict[str, str], truth: dict[tuple[str, str], str]
) -> dict[str, Any]:
    """Precision@k, recall and type accuracy of ranked proposals."""
    undirected = {frozenset(pair): kind for pair, kind in truth.items()}
    hits = [frozenset((names[p.from_id], names[p.to_id])) in undirected for p in proposals]
    found = [p for p, hit in zip(proposals, hits, strict=True) if hit]
    strict = sum(truth.get((names[p.from_id], names[p.to_id])) == p.type for p in found)
    lenient = sum(
        (names[p.from_id], names[p.to_id]) in truth and p.type in DEPENDENCY_TYPES for p in found
    )
    typed = [p for p in found if p.type != "related_to"]
    typed_right = sum(truth.get((names[p.from_id], names[p.to_id])) == p.type for p in typed)
    at = {f"p@{k}": round(sum(hits[:k]) / k, 3) for k in (10, 25, 50, 100) if len(hits) >= k}
    return {
        "proposals": len(proposals),
        **at,
        "precision": round(len(found) / len(proposals), 3) if proposals else 0.0,
        "recall": round(len({frozenset((p.from_id, p.to_id)) for p in found}) / len(truth), 3),
        "type_accuracy": round(strict / len(found), 3) if found else 0.0,
        "type_accuracy_lenient": round(lenient / len(found), 3) if found else 0.0,
        "typed_share": round(len(typed) / len(found), 3) if found else 0.0,
        "typed_accuracy": round(typed_right / len(typed), 3) if typed else 0.0,
    }


def _run(stores: Stores, **parameters: Any) -> list[Proposal]:
    proposals, _ = find_proposals(
        stores.graph, stores.vectors, DiscoveryParameters.checked(**parameters)
    )
    return proposals


def sweep(
    stores: Stores,
    names: dict[str, str],
    truth: dict[tuple[str, str], str],
    thresholds: Iterable[float] = THRESHOLDS,
) -> list[dict[str, Any]]:
    """Precision, recall and F1 of the combined methods at each threshold (default limits)."""
    rows = []
    for threshold in thresholds:
        found = evaluate(_run(stores, threshold=threshold), names, truth)
        precision, recall = found["precision"], found["recall"]
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append(
            {
                "threshold": threshold,
                "proposals": found["proposals"],
                "precision": precision,
                "recall": recall,
                "f1": round(f1, 3),
            }
        )
    return rows


def split_of(first: str, second: str) -> int:
    """Which half (0 or 1) a pair of names falls in, the same in either order."""
    key = "\0".join(sorted((first, second))).encode()
    return hashlib.sha256(key).digest()[0] % 2


def split_sweep(
    stores: Stores,
    names: dict[str, str],
    truth: dict[tuple[str, str], str],
    thresholds: Iterable[float] = THRESHOLDS,
) -> dict[str, Any]:
    """Choose the threshold on one half of the pairs, report it on the other.

    Pairs (true or proposed) are split in two by a hash of their names. The threshold with
    the best F1 on half 0 is then scored on half 1, beside the shipped default and the best
    threshold half 1 would have chosen for itself (what tuning on the test would report).
    """
    halves = [
        {pair: kind for pair, kind in truth.items() if split_of(*pair) == half} for half in (0, 1)
    ]
    rows: list[dict[str, Any]] = []
    for threshold in thresholds:
        proposals = _run(stores, threshold=threshold)
        row: dict[str, Any] = {"threshold": threshold}
        for half, half_truth in enumerate(halves):
            mine = [p for p in proposals if split_of(names[p.from_id], names[p.to_id]) == half]
            found = evaluate(mine, names, half_truth)
            precision, recall = found["precision"], found["recall"]
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            row[f"half{half}"] = {
                "proposals": found["proposals"],
                "precision": precision,
                "recall": recall,
                "f1": round(f1, 3),
            }
        rows.append(row)

    def best(half: str) -> dict[str, Any]:
        return max(rows, key=lambda row: (row[half]["f1"], -row["threshold"]))

    chosen, oracle = best("half0"), best("half1")
    default = min(rows, key=lambda row: abs(row["threshold"] - DEFAULT_THRESHOLD))
    return {
        "true_edges_per_half": [len(h) for h in halves],
        "one_point_of_recall_on_half1_is_edges": round(len(halves[1]) / 100, 2),
        "chosen_on_half0": {"threshold": chosen["threshold"], "half1": chosen["half1"]},
        "shipped_default_on_half1": {"threshold": default["threshold"], **default["half1"]},
        "best_for_half1_itself": {"threshold": oracle["threshold"], **oracle["half1"]},
        "sweep": rows,
    }


def held_out_evaluation(
    stores: Stores, names: dict[str, str], truth: dict[tuple[str, str], str]
) -> dict[str, Any]:
    """Accept a random half of the true edges, then score each method on the other half.

    This is what ``common_neighbours`` needs: accepted relations to find neighbours in.
    """
    ids = {name: entity_id for entity_id, name in names.items()}
    pairs = sorted(truth)
    random.Random(7).shuffle(pairs)
    accepted, hidden = pairs[: len(pairs) // 2], pairs[len(pairs) // 2 :]
    relations = RelationService(stores.graph)
    for source, target in accepted:
        relations.create(ids[source], ids[target], truth[(source, target)])
    rest = {pair: truth[pair] for pair in hidden}
    unlimited = {"threshold": 0.0, "max_per_entity": 100}
    found = {
        method: evaluate(_run(stores, methods=[method], **unlimited), names, rest)
        for method in METHODS
    }
    found["combined"] = evaluate(_run(stores, **unlimited), names, rest)
    return {"accepted": len(accepted), "hidden": len(rest), "methods_unlimited": found}


def calibration_evaluation(
    stores: Stores, names: dict[str, str], truth: dict[tuple[str, str], str]
) -> dict[str, Any]:
    """Review half of a default run's proposals, then score the other half before and after.

    The proposals of a default run whose pair falls in hash half 0 (:func:`split_of`) are
    written as a discovery job's proposed relations and reviewed: accepted when the pair is
    a true edge (either direction), rejected otherwise. Half 1 is never reviewed: both runs
    after it (shipped weights and threshold, then calibrated ones) are scored on the
    proposals and true edges of half 1 only, at the defaults and unlimited (threshold 0,
    100 per entity: the ranking alone, for p@50).
    """
    undirected = {frozenset(pair) for pair in truth}
    first = _run(stores)
    reviewed = [p for p in first if split_of(names[p.from_id], names[p.to_id]) == 0]
    jobs = JobService(stores.graph)
    job = jobs.create(JOB_KIND, DiscoveryParameters.checked().as_json(), "default")
    write_batches(stores.graph, reviewed, job.id)
    relations = RelationService(stores.graph)
    accepted = 0
    for record in relations.candidates(job.id, after=None, limit=len(reviewed) + 1):
        right = frozenset((names[record.from_id], names[record.to_id])) in undirected
        relations.review(record.id, "accept" if right else "reject")
        accepted += right
    held_out = {pair: kind for pair, kind in truth.items() if split_of(*pair) == 1}

    def scored(parameters: DiscoveryParameters) -> dict[str, Any]:
        proposals, _ = find_proposals(stores.graph, stores.vectors, parameters)
        mine = [p for p in proposals if split_of(names[p.from_id], names[p.to_id]) == 1]
        found = evaluate(mine, names, held_out)
        # What a reviewer sees first: the share right among the first 50 (all, when fewer).
        first_50 = evaluate(mine[:50], names, held_out)["precision"]
        return {**found, "precision_of_first_50": first_50}

    shipped = DiscoveryParameters.checked(calibrate=False)
    calibrated = with_calibration(stores.graph, DiscoveryParameters.checked())
    learned = calibrated.calibration
    return {
        "prior_sensitivity": _prior_sensitivity(stores, scored, shipped),
        "reweighting_bound": _reweighting_bound(stores, scored, shipped),
        "reviews": len(reviewed),
        "accepted": accepted,
        "rejected": len(reviewed) - accepted,
        "min_reviews": MIN_REVIEWS,
        "held_out_true_edges": len(held_out),
        "learned": learned.as_json() if learned else None,
        "defaults": {"before": scored(shipped), "after": scored(calibrated)},
        "unlimited": {
            "before": scored(replace(shipped, threshold=0.0, max_per_entity=100)),
            "after": scored(replace(calibrated, threshold=0.0, max_per_entity=100)),
        },
    }


def _prior_sensitivity(
    stores: Stores,
    scored: Callable[[DiscoveryParameters], dict[str, Any]],
    shipped: DiscoveryParameters,
) -> list[dict[str, Any]]:
    """The same reviews learned with other priors K (the shipped one is PRIOR_REVIEWS)."""
    reviews = reviews_of(stores.graph, "default")
    rows = []
    for prior in (0.0, 5.0, PRIOR_REVIEWS, 20.0, 40.0):
        learned = learn(reviews, DEFAULT_THRESHOLD, prior=prior)
        parameters = replace(shipped, calibration=learned, threshold=learned.threshold)
        at_defaults = scored(parameters)
        ranking = scored(replace(parameters, threshold=0.0, max_per_entity=100))
        rows.append(
            {
                "prior": prior,
                "weights": learned.weights,
                "threshold": learned.threshold,
                "defaults": {
                    key: at_defaults.get(key)
                    for key in ("proposals", "precision", "recall", "precision_of_first_50")
                },
                "unlimited": {key: ranking.get(key) for key in ("p@10", "p@25", "p@50")},
            }
        )
    return rows


def _reweighting_bound(
    stores: Stores,
    scored: Callable[[DiscoveryParameters], dict[str, Any]],
    shipped: DiscoveryParameters,
) -> dict[str, Any]:
    """The best p@50 any weights on a grid reach on the held-out half (tuned on the test).

    Only an upper bound of what re-weighting the methods can do for the ranking.
    """
    grid = (0.1, 0.3, 0.5, 0.7, 0.9)
    reviewed = {
        method for review in reviews_of(stores.graph, "default") for method in review.strengths
    }
    methods = [method for method in WEIGHTS if method in reviewed]  # those with evidence
    best: dict[str, Any] = {"p@50": -1.0}
    for values in itertools.product(grid, repeat=len(methods)):
        weights = {**WEIGHTS, **dict(zip(methods, values, strict=True))}
        fixed = Calibration(True, "grid", 0, 0, 0, weights, 0.0)
        found = scored(replace(shipped, calibration=fixed, threshold=0.0, max_per_entity=100))
        if found.get("p@50", 0.0) > best["p@50"]:
            best = {"p@50": found.get("p@50", 0.0), "p@25": found.get("p@25"), "weights": weights}
    return best


def _loaded_world(
    stores: Stores,
    entities: Sequence[GeneratedEntity],
    texts: Sequence[str],
) -> dict[str, str]:
    """Load the world into ``stores``; return canonical names by entity id."""
    index = TextIndex(stores.vectors, load_embedder(stores.settings))
    ids = load_entities(stores, index, entities)
    load_texts(stores, texts, mentioned(texts, entities), ids)
    return {i: canonical(e.name) for i, e in zip(ids, entities, strict=True)}


def run(quick: bool = False) -> dict[str, Any]:
    """Load the installed-packages world and score each method and the combination."""
    entities, texts, truth = installed_world()
    with scratch_stores() as stores:
        index = TextIndex(stores.vectors, load_embedder(stores.settings))
        ids = load_entities(stores, index, entities)
        load_texts(stores, texts, mentioned(texts, entities), ids)
        names = {i: canonical(e.name) for i, e in zip(ids, entities, strict=True)}
        unlimited = {"threshold": 0.0, "max_per_entity": 100}
        per_method = {
            method: evaluate(_run(stores, methods=[method], **unlimited), names, truth)
            for method in METHODS
        }
        per_method["combined"] = evaluate(_run(stores, **unlimited), names, truth)
        at_default = evaluate(_run(stores), names, truth)
        rows = sweep(stores, names, truth, THRESHOLDS[::2] if quick else THRESHOLDS)
        halves = split_sweep(stores, names, truth, THRESHOLDS[::2] if quick else THRESHOLDS)
        held_out = held_out_evaluation(stores, names, truth)
    with scratch_stores() as stores:
        calibration = calibration_evaluation(stores, _loaded_world(stores, entities, texts), truth)
    best = max(rows, key=lambda row: (row["f1"], -row["threshold"]))
    return {
        "benchmark": "discovery_quality",
        "sizes": {"entities": len(entities), "texts": len(texts), "true_edges": len(truth)},
        "figures": {
            "methods_unlimited": per_method,
            "default": {
                "threshold": DEFAULT_THRESHOLD,
                "max_per_entity": DEFAULT_MAX_PER_ENTITY,
                **at_default,
            },
            "threshold_sweep": rows,
            "threshold_chosen_on_one_half": halves,
            "half_accepted": held_out,
            "best_f1_threshold": best["threshold"],
            "calibration": calibration,
        },
        "machine": machine_state(),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
