"""The score: each method's strength in [0, 1], combined by a weighted noisy-OR."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kgservice.services.discovery.candidates import Signals
from kgservice.services.discovery.scoring import COSINE_FLOOR, score


def test_no_evidence_scores_zero() -> None:
    assert score(Signals()).score == 0.0
    assert score(Signals(cosine=COSINE_FLOOR)).method == ""


def test_methods_named_in_a_fixed_order() -> None:
    found = score(Signals(cosine=0.9, co_mentions=2, ochiai=0.5, adamic_adar_normalised=0.7))
    assert found.method == "vector+co_mention+adamic_adar"
    assert set(found.strengths) == {"vector", "co_mention", "adamic_adar"}


def test_more_evidence_never_lowers_the_score() -> None:
    alone = score(Signals(cosine=0.8)).score
    together = score(Signals(cosine=0.8, ochiai=0.4, adamic_adar_normalised=0.5)).score
    assert 0 < alone < together <= 1


@given(
    st.floats(-1, 1),
    st.floats(0, 1),
    st.floats(0, 50),
    st.floats(0, 1),
)
def test_score_stays_in_the_unit_interval(
    cosine: float, ochiai: float, adamic_adar: float, salton: float
) -> None:
    found = score(
        Signals(cosine=cosine, ochiai=ochiai, adamic_adar_normalised=adamic_adar, salton=salton)
    )
    assert 0.0 <= found.score <= 1.0


def test_code_imports_saturate_in_importing_files() -> None:
    one, two, many = (score(Signals(importing_files=n)) for n in (1, 2, 40))
    assert one.method == "code_imports"
    assert one.strengths == {"code_imports": 0.5}
    assert two.strengths == {"code_imports": 0.75}
    assert 0 < one.score < two.score < many.score <= 0.9  # the method's weight bounds it
    assert score(Signals(importing_files=1, cosine=0.9)).method == "vector+code_imports"
