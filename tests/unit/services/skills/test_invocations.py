"""Recording invocations: limits, time zones, and trend medians."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from kgservice.errors import InputError
from kgservice.services.skills.invocations import (
    MAX_BATCH,
    InvocationInput,
    check_invocation,
    record_invocations,
)
from kgservice.services.skills.metrics import bucket_medians
from kgservice.stores.opening import Stores


def test_batch_limits(stores: Stores) -> None:
    item = InvocationInput(skill="pytest", at=datetime(2026, 3, 1), completed=True)
    with pytest.raises(InputError, match="at most 10000"):
        record_invocations(stores.graph, "default", [item] * (MAX_BATCH + 1))
    with pytest.raises(InputError, match="must not be empty"):
        record_invocations(stores.graph, "default", [])
    assert record_invocations(stores.graph, "default", [item] * 3) == 3


def test_times_are_stored_as_naive_utc_and_fields_checked() -> None:
    plus_two = timezone(timedelta(hours=2))
    row = check_invocation(0, InvocationInput("x", datetime(2026, 3, 1, 12, tzinfo=plus_two), True))
    assert row["invoked_at"] == datetime(2026, 3, 1, 10)
    with pytest.raises(InputError) as caught:
        check_invocation(3, InvocationInput("x", datetime.now(UTC), True, duration_ms=float("nan")))
    assert caught.value.field == "invocations[3].durationMs"
    with pytest.raises(InputError) as caught:
        check_invocation(0, InvocationInput(" ", datetime.now(UTC), True))
    assert caught.value.field == "invocations[0].skill"


def test_bucket_medians_equal_numpy_medians() -> None:
    rng = np.random.default_rng(5)
    index = rng.integers(0, 20, 500)
    values = rng.lognormal(5, 1, 500)
    values[rng.random(500) < 0.1] = np.nan
    medians = bucket_medians(index, values, 25)
    for bucket in range(25):
        part = values[(index == bucket) & ~np.isnan(values)]
        if part.size:
            assert medians[bucket] == pytest.approx(np.median(part))
        else:
            assert np.isnan(medians[bucket])
