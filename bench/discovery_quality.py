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

import hashlib
import importlib.metadata as metadata
import importlib.util
import random
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import machine_state, scratch_stores
from bench.discovery import GeneratedEntity, load_entities, load_texts
from kgservice.services.codegraph.indexing import CodeIndexer
from kgservice.services.discovery.candidates import METHODS
from kgservice.services.discovery.job import (
    DEFAULT_MAX_PER_ENTITY,
    DEFAULT_THRESHOLD,
    DiscoveryParameters,
    find_proposals,
)
from kgservice.services.discovery.writing import Proposal
from kgservice.services.knowledge.relations import RelationService
from kgservice.services.text_index import TextIndex
from kgservice.stores.opening import Stores, load_embedder

PROJECT = "kgservice"
DESCRIPTION_CHARS = 1_500
THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(1, 19))
DEPENDENCY_TYPES = {"uses", "depends_on"}
#: Distributions with more lines of code than this are not indexed (quick: the smaller one).
CODE_LINE_BUDGET = 150_000
QUICK_CODE_LINE_BUDGET = 20_000
TEST_FOLDERS = frozenset({"tests", "test"})


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


@dataclass
class InstalledCode:
    """One distribution's installed Python files: (path below site-packages, file) pairs."""

    name: str
    files: list[tuple[str, Path]]
    lines: int


def _code_files(distribution: metadata.Distribution) -> list[tuple[str, Path]]:
    """The distribution's ``.py`` files outside test folders, by path relative to their root."""
    found: list[tuple[str, Path]] = []
    for file in distribution.files or ():
        rel = str(file)
        if rel.endswith(".py") and not rel.startswith("..") and ".dist-info/" not in rel:
            found.append((rel, Path(str(distribution.locate_file(file)))))
    if not found:  # an editable install: its top-level packages, wherever they are
        meta_name = distribution.metadata["Name"] or ""
        tops = (distribution.read_text("top_level.txt") or "").split() or [
            canonical(meta_name).replace("-", "_")
        ]
        for top in tops:
            spec = importlib.util.find_spec(top) if top.isidentifier() else None
            for location in (spec.submodule_search_locations or []) if spec else []:
                base = Path(location)
                found.extend(
                    (f"{top}/{path.relative_to(base).as_posix()}", path)
                    for path in sorted(base.rglob("*.py"))
                )
    return [
        (rel, path)
        for rel, path in found
        if not TEST_FOLDERS & set(rel.split("/")[:-1]) and "__pycache__" not in rel
    ]


def installed_code(names: Iterable[str]) -> list[InstalledCode]:
    """The installed code of the distributions called ``names`` (canonical names)."""
    wanted = set(names)
    found: dict[str, InstalledCode] = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if not name or canonical(name) not in wanted or canonical(name) in found:
            continue
        files = _code_files(distribution)
        lines = 0
        for _, path in files:
            try:
                with path.open("rb") as handle:
                    lines += sum(1 for _ in handle)
            except OSError:
                continue
        found[canonical(name)] = InstalledCode(name, files, lines)
    return [found[key] for key in sorted(found)]


def index_installed_code(
    stores: Stores, index: TextIndex, names: Iterable[str], budget: int
) -> dict[str, Any]:
    """Index each distribution's code (within ``budget`` lines) as a repository named after
    it, without embeddings; return what was indexed and skipped."""
    indexer = CodeIndexer(stores.graph, index)
    indexed: list[str] = []
    skipped: list[tuple[str, int]] = []  # name, lines
    lines = files = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kg-bench-code-") as folder:
        for code in installed_code(names):
            if not code.files or code.lines > budget:
                skipped.append((code.name, code.lines))
                continue
            root = Path(folder) / code.name
            for rel, path in code.files:
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    shutil.copyfile(path, target)
                except OSError:
                    continue
            report = indexer.index_path(root, embed=False)
            indexed.append(code.name)
            lines += code.lines
            files += report.files
    cross = stores.graph.run("discovery/code_imports", {"namespace": "default"})
    return {
        "line_budget": budget,
        "indexed": len(indexed),
        "skipped": len(skipped),
        "skipped_over_budget": sorted(name for name, count in skipped if count > budget),
        "skipped_without_code": sorted(name for name, count in skipped if count <= budget),
        "lines_indexed": lines,
        "files_indexed": files,
        "cross_repository_imports": len(cross),
        "repository_pairs": len({(r["from_repository"], r["to_repository"]) for r in cross}),
        "seconds": round(time.perf_counter() - started, 1),
    }


def code_imports_figures(
    stores: Stores, names: dict[str, str], truth: dict[tuple[str, str], str]
) -> dict[str, Any]:
    """The default run with and without ``code_imports`` (the other methods alone)."""
    others = [method for method in METHODS if method != "code_imports"]
    return {
        "default_without_code_imports": evaluate(_run(stores, methods=others), names, truth),
        "default_with_code_imports": evaluate(_run(stores), names, truth),
        "code_imports_alone_at_default": evaluate(
            _run(stores, methods=["code_imports"]), names, truth
        ),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Load the installed-packages world and score each method and the combination."""
    entities, texts, truth = installed_world()
    with scratch_stores() as stores:
        index = TextIndex(stores.vectors, load_embedder(stores.settings))
        ids = load_entities(stores, index, entities)
        load_texts(stores, texts, mentioned(texts, entities), ids)
        names = {i: canonical(e.name) for i, e in zip(ids, entities, strict=True)}
        code_index = index_installed_code(
            stores,
            index,
            names.values(),
            QUICK_CODE_LINE_BUDGET if quick else CODE_LINE_BUDGET,
        )
        code_imports = code_imports_figures(stores, names, truth)
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
        },
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
