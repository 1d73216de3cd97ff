"""Experiments: weighted variants, deterministic assignment, outcomes and their test.

A unit (a user, a session...) is assigned by hashing: u = the first 8 bytes of
sha256("<experiment id>:<unit id>") as a fraction of 2**64, and the unit gets the first
variant whose cumulative weight share exceeds u, so an assignment never changes, across
restarts and processes. Each unit records one outcome (success or not). Results compare
every variant with the first (the control): per-variant Wilson 95 % intervals, the
difference of rates with its 95 % interval and the two-proportion z-test's p-value (pooled
standard error). No verdict is given until every variant has its planned sample size.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kgservice.clock import utc_now
from kgservice.errors import ConflictError, InputError, NotFoundError
from kgservice.ids import new_id
from kgservice.services.skills.statistics import (
    Interval,
    ProportionTest,
    two_proportion_test,
    wilson_interval,
)
from kgservice.services.validation import MAX_NAME, require_id, require_text
from kgservice.stores.graph import GraphStore

MAX_VARIANTS = 20
ALPHA = 0.05


@dataclass(frozen=True)
class VariantSpec:
    """A variant's name and its assignment weight."""

    name: str
    weight: float


@dataclass(frozen=True)
class ExperimentRecord:
    """A stored experiment with its variants in order (the first is the control)."""

    id: str
    namespace: str
    name: str
    planned_samples_per_variant: int
    variants: tuple[VariantSpec, ...]
    created_at: datetime


def assign(experiment_id: str, unit_id: str, variants: Sequence[VariantSpec]) -> VariantSpec:
    """The variant of ``unit_id``: deterministic, by sha256 against cumulative weights."""
    digest = hashlib.sha256(f"{experiment_id}:{unit_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    total = sum(v.weight for v in variants)
    cumulative = 0.0
    for variant in variants:
        cumulative += variant.weight / total
        if point < cumulative:
            return variant
    return variants[-1]  # rounding left the last share a hair short of 1


def check_variants(variants: Sequence[VariantSpec]) -> list[VariantSpec]:
    """Two to MAX_VARIANTS variants with distinct names and positive, finite weights."""
    if not 2 <= len(variants) <= MAX_VARIANTS:
        raise InputError("variants", f"must be between 2 and {MAX_VARIANTS} (got {len(variants)})")
    seen = set()
    for index, variant in enumerate(variants):
        require_text(f"variants[{index}].name", variant.name.strip(), max_length=MAX_NAME)
        if not (math.isfinite(variant.weight) and variant.weight > 0):
            raise InputError(f"variants[{index}].weight", "must be a positive number")
        if variant.name.strip() in seen:
            raise InputError(f"variants[{index}].name", f"repeats {variant.name!r}")
        seen.add(variant.name.strip())
    return [VariantSpec(v.name.strip(), float(v.weight)) for v in variants]


def create_experiment(
    graph: GraphStore,
    namespace: str,
    name: str,
    variants: Sequence[VariantSpec],
    planned_samples_per_variant: int,
) -> ExperimentRecord:
    """Create an experiment and its variants in one transaction.

    Raises:
        InputError: fewer than two variants, a weight not positive, a repeated variant
            name, or a planned sample size below 1.
    """
    require_text("namespace", namespace, max_length=MAX_NAME)
    name = require_text("name", name.strip(), max_length=MAX_NAME)
    checked = check_variants(variants)
    if planned_samples_per_variant < 1:
        raise InputError("plannedSamplesPerVariant", "must be at least 1")
    experiment_id, now = new_id("Experiment"), utc_now()
    with graph.transaction() as tx:
        tx.run(
            "skills/experiment_create",
            {
                "id": experiment_id,
                "namespace": namespace,
                "now": now,
                "name": name,
                "planned": planned_samples_per_variant,
            },
        )
        for position, variant in enumerate(checked):
            tx.run(
                "skills/variant_create",
                {
                    "experiment_id": experiment_id,
                    "id": new_id("Variant"),
                    "namespace": namespace,
                    "now": now,
                    "name": variant.name,
                    "weight": variant.weight,
                    "position": position,
                },
            )
    return ExperimentRecord(
        experiment_id, namespace, name, planned_samples_per_variant, tuple(checked), now
    )


def get_experiment(graph: GraphStore, experiment_id: str) -> ExperimentRecord:
    """An experiment by id.

    Raises:
        NotFoundError: no such experiment.
    """
    require_id("experimentId", experiment_id, "Experiment")
    rows = graph.run("skills/experiment_by_id", {"id": experiment_id})
    if not rows:
        raise NotFoundError(experiment_id, "experiment")
    first = rows[0]
    variants = tuple(VariantSpec(r["variant"], r["weight"]) for r in rows)
    return ExperimentRecord(
        first["id"],
        first["namespace"],
        first["name"],
        first["planned"],
        variants,
        first["created_at"],
    )


def record_outcome(graph: GraphStore, experiment_id: str, unit_id: str, success: bool) -> str:
    """Record a unit's outcome under its assigned variant; return the variant's name.

    Raises:
        NotFoundError: no such experiment.
        ConflictError: the unit's outcome is already recorded (``current`` is its node).
    """
    require_text("unitId", unit_id, max_length=MAX_NAME)
    experiment = get_experiment(graph, experiment_id)
    variant = assign(experiment.id, unit_id, experiment.variants)
    with graph.transaction() as tx:
        existing = tx.run(
            "skills/outcome_of_unit", {"experiment_id": experiment.id, "unit_id": unit_id}
        )
        if existing:
            raise ConflictError(
                f"unit {unit_id!r} already has an outcome in this experiment", existing[0]["id"]
            )
        tx.run(
            "skills/outcome_create",
            {
                "experiment_id": experiment.id,
                "variant": variant.name,
                "id": new_id("Assignment"),
                "namespace": experiment.namespace,
                "now": utc_now(),
                "unit_id": unit_id,
                "success": bool(success),
            },
        )
    return variant.name


@dataclass(frozen=True)
class VariantResult:
    """A variant's outcomes."""

    name: str
    weight: float
    samples: int
    successes: int
    rate: float | None
    interval: Interval | None


@dataclass(frozen=True)
class Comparison:
    """A variant against the control."""

    variant: str
    test: ProportionTest


@dataclass(frozen=True)
class ExperimentResults:
    """Every variant's outcomes, each treatment against the control, and a verdict."""

    experiment: ExperimentRecord
    variants: list[VariantResult]
    comparisons: list[Comparison]
    sample_size_reached: bool
    verdict: str | None


def experiment_results(graph: GraphStore, experiment_id: str) -> ExperimentResults:
    """The results so far; ``verdict`` stays None until the planned sample size is reached.

    Raises:
        NotFoundError: no such experiment.
    """
    experiment = get_experiment(graph, experiment_id)
    counts: dict[str, tuple[int, int]] = {}
    for row in graph.run("skills/outcome_counts", {"experiment_id": experiment.id}):
        samples, successes = counts.get(row["variant"], (0, 0))
        n = int(row["n"])
        counts[row["variant"]] = (samples + n, successes + (n if row["success"] else 0))
    results = []
    for variant in experiment.variants:
        samples, successes = counts.get(variant.name, (0, 0))
        results.append(
            VariantResult(
                variant.name,
                variant.weight,
                samples,
                successes,
                successes / samples if samples else None,
                wilson_interval(successes, samples),
            )
        )
    control = results[0]
    comparisons = []
    for treatment in results[1:]:
        test = two_proportion_test(
            control.successes, control.samples, treatment.successes, treatment.samples
        )
        if test is not None:
            comparisons.append(Comparison(treatment.name, test))
    reached = all(r.samples >= experiment.planned_samples_per_variant for r in results)
    return ExperimentResults(
        experiment,
        results,
        comparisons,
        reached,
        _verdict(control.name, comparisons) if reached else None,
    )


def _verdict(control: str, comparisons: Sequence[Comparison]) -> str:
    parts = []
    for c in comparisons:
        t = c.test
        if t.p_value < ALPHA:
            better = "better" if t.difference > 0 else "worse"
            parts.append(
                f"{c.variant} is {better} than {control} by {abs(t.difference):.1%} "
                f"(95 % CI {t.interval.low:+.1%} to {t.interval.high:+.1%}, p = {t.p_value:.2g})"
            )
        else:
            parts.append(
                f"no significant difference between {c.variant} and {control} "
                f"(p = {t.p_value:.2g} at alpha {ALPHA})"
            )
    return "; ".join(parts)
