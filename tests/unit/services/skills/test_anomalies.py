"""Anomaly detection: planted degradations are found; stable data raises few false alarms."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from kgservice.services.skills.anomalies import DEFAULT_THRESHOLD, detect, one_sided_p

AT = datetime(2026, 3, 1)


def sample(rng: np.random.Generator, n: int, rate: float, median_ms: float) -> tuple:
    completed = rng.random(n) < rate
    durations = np.exp(rng.normal(np.log(median_ms), 0.5, n))
    return completed, durations


def test_planted_drop_and_spike_are_found() -> None:
    rng = np.random.default_rng(1)
    base_done, base_ms = sample(rng, 400, 0.9, 200.0)
    recent_done, recent_ms = sample(rng, 60, 0.6, 450.0)
    found = detect("pytest", base_done, recent_done, base_ms, recent_ms, detected_at=AT)
    kinds = {a.kind: a for a in found}
    assert set(kinds) == {"completion_drop", "duration_spike"}
    drop = kinds["completion_drop"]
    assert drop.baseline == pytest.approx(base_done.mean())
    assert drop.recent == pytest.approx(recent_done.mean())
    assert drop.z_score <= -DEFAULT_THRESHOLD
    assert drop.p_value < 0.00135
    assert "completion rate fell" in drop.explanation
    assert kinds["duration_spike"].recent > kinds["duration_spike"].baseline


def test_minimum_sample_sizes() -> None:
    rng = np.random.default_rng(2)
    base_done, base_ms = sample(rng, 400, 0.95, 200.0)
    few = np.zeros(19, dtype=np.bool_)  # all failed, but fewer than MIN_RECENT
    assert detect("x", base_done, few, base_ms, np.full(19, 5000.0), detected_at=AT) == []


def test_false_positive_rate_on_stable_data_is_at_most_nominal() -> None:
    rng = np.random.default_rng(15)
    seeds, alarms = 4_000, 0
    for _ in range(seeds):
        rate = rng.uniform(0.5, 0.97)
        base_done, base_ms = sample(rng, int(rng.integers(30, 500)), rate, 300.0)
        recent_done, recent_ms = sample(rng, int(rng.integers(20, 150)), rate, 300.0)
        alarms += len(detect("x", base_done, recent_done, base_ms, recent_ms, detected_at=AT))
    nominal = one_sided_p(DEFAULT_THRESHOLD)  # per test; two tests per seed
    tests = 2 * seeds
    # the observed rate may exceed the nominal one only by binomial noise (3 standard errors)
    assert alarms / tests <= nominal + 3 * np.sqrt(nominal * (1 - nominal) / tests)
