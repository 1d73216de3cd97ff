"""Co-use figures against a hand-computed example."""

from __future__ import annotations

import numpy as np
import pytest

from kgservice.services.skills.dependencies import co_use
from kgservice.services.skills.history import NamespaceInvocations


def invocations(rows: list[tuple[str, str | None]]) -> NamespaceInvocations:
    n = len(rows)
    return NamespaceInvocations(
        skill=np.array([r[0] for r in rows], dtype=object),
        at=np.zeros(n),
        completed=np.ones(n, dtype=np.bool_),
        duration_ms=np.full(n, np.nan),
        user_id=np.array([None] * n, dtype=object),
        session_id=np.array([r[1] for r in rows], dtype=object),
        id=np.array([f"i{k}" for k in range(n)], dtype=object),
    )


def test_co_use_by_hand() -> None:
    # s1: A (twice), B; s2: A, B, C; s3: A; s4: C; and B twice without a session (2 sessions).
    data = invocations(
        [("A", "s1"), ("A", "s1"), ("B", "s1"), ("A", "s2"), ("B", "s2"), ("C", "s2"),
         ("A", "s3"), ("C", "s4"), ("B", None), ("B", None)]
    )  # fmt: skip
    found = {(c.source, c.target): c for c in co_use(data)}
    # N = 6 sessions; |A| = 3, |B| = 4 (s1, s2 and two sessionless), |C| = 2
    ab, ba = found["A", "B"], found["B", "A"]
    assert ab.sessions == 2
    assert ab.support == pytest.approx(2 / 6)
    assert ab.confidence == pytest.approx(2 / 3)
    assert ba.confidence == pytest.approx(2 / 4)
    assert ab.lift == pytest.approx((2 / 6) / ((3 / 6) * (4 / 6))) == pytest.approx(1.0)
    ac, ca = found["A", "C"], found["C", "A"]
    assert ac.sessions == 1
    assert ac.support == pytest.approx(1 / 6)
    assert ac.confidence == pytest.approx(1 / 3)
    assert ca.confidence == pytest.approx(1 / 2)
    assert ac.lift == pytest.approx((1 / 6) / ((3 / 6) * (2 / 6)))  # 1.0
    bc = found["B", "C"]
    assert bc.lift == pytest.approx((1 / 6) / ((4 / 6) * (2 / 6)))  # 0.75
    assert set(found) == {("A", "B"), ("B", "A"), ("A", "C"), ("C", "A"), ("B", "C"), ("C", "B")}
    assert co_use(invocations([])) == []
