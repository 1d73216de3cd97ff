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

Code imports: the installed code of each distribution (its ``.py`` files from the RECORD, or
its importable top-level packages for an editable install; ``tests``/``test`` folders left
out) is indexed without embeddings into the same namespace as a repository named after the
distribution, so ``code_imports`` links it to the distribution's entity. Distributions over
:data:`CODE_LINE_BUDGET` lines are skipped to keep the run to minutes (``code_index`` says
how many were indexed and skipped, and the lines indexed); ``code_imports`` compares the
default run with and without the method.

Run: ``uv run kgservice bench discovery_quality``.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from bench.common import machine_state, scratch_stores
from bench.support.calibration_review import calibration_evaluation
from bench.support.installed_code import (
    CODE_LINE_BUDGET,
    QUICK_CODE_LINE_BUDGET,
    code_imports_figures,
    index_installed_code,
)
from bench.support.installed_world import (
    evaluate,
    installed_world,
    load_world,
    run_discovery,
    split_of,
)
from kgservice.services.discovery.candidates import METHODS
from kgservice.services.discovery.job import DEFAULT_MAX_PER_ENTITY, DEFAULT_THRESHOLD
from kgservice.services.knowledge.relations import RelationService
from kgservice.services.text_index import TextIndex
from kgservice.stores.opening import Stores, load_embedder

THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(1, 19))


def sweep(
    stores: Stores,
    names: dict[str, str],
    truth: dict[tuple[str, str], str],
    thresholds: Iterable[float] = THRESHOLDS,
) -> list[dict[str, Any]]:
    """Precision, recall and F1 of the combined methods at each threshold (default limits)."""
    rows = []
    for threshold in thresholds:
        found = evaluate(run_discovery(stores, threshold=threshold), names, truth)
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
        proposals = run_discovery(stores, threshold=threshold)
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
        method: evaluate(run_discovery(stores, methods=[method], **unlimited), names, rest)
        for method in METHODS
    }
    found["combined"] = evaluate(run_discovery(stores, **unlimited), names, rest)
    return {"accepted": len(accepted), "hidden": len(rest), "methods_unlimited": found}


def run(quick: bool = False) -> dict[str, Any]:
    """Load the installed-packages world and score each method and the combination."""
    entities, texts, truth = installed_world()
    budget = QUICK_CODE_LINE_BUDGET if quick else CODE_LINE_BUDGET
    with scratch_stores() as stores:
        index = TextIndex(stores.vectors, load_embedder(stores.settings))
        names = load_world(stores, entities, texts, index)
        code_index = index_installed_code(stores, index, names.values(), budget)
        code_imports = code_imports_figures(stores, names, truth)
        unlimited = {"threshold": 0.0, "max_per_entity": 100}
        per_method = {
            method: evaluate(run_discovery(stores, methods=[method], **unlimited), names, truth)
            for method in METHODS
        }
        per_method["combined"] = evaluate(run_discovery(stores, **unlimited), names, truth)
        at_default = evaluate(run_discovery(stores), names, truth)
        rows = sweep(stores, names, truth, THRESHOLDS[::2] if quick else THRESHOLDS)
        halves = split_sweep(stores, names, truth, THRESHOLDS[::2] if quick else THRESHOLDS)
        held_out = held_out_evaluation(stores, names, truth)
    with scratch_stores() as stores:  # reviews must not meet the relations accepted above
        index = TextIndex(stores.vectors, load_embedder(stores.settings))
        names = load_world(stores, entities, texts, index)
        index_installed_code(stores, index, names.values(), budget)
        calibration = calibration_evaluation(stores, names, truth)
    best = max(rows, key=lambda row: (row["f1"], -row["threshold"]))
    return {
        "benchmark": "discovery_quality",
        "sizes": {"entities": len(entities), "texts": len(texts), "true_edges": len(truth)},
        "machine": machine_state(),
        "code_index": code_index,
        "code_imports": code_imports,
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
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
