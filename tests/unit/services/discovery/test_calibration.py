"""Calibration from review decisions: weights, threshold, the review minimum, determinism."""

from __future__ import annotations

import json
import random

from hypothesis import given
from hypothesis import strategies as st

from kgservice.services.discovery import scoring
from kgservice.services.discovery.calibration import (
    MIN_REVIEWS,
    PRIOR_REVIEWS,
    Calibration,
    Review,
    best_cut,
    learn,
    learned_weights,
    review_of,
)

METHODS = list(scoring.WEIGHTS)


def reviews(count: int, accepted: bool, **strengths: float) -> list[Review]:
    return [Review(accepted=accepted, strengths=strengths) for _ in range(count)]


def test_below_the_minimum_nothing_is_applied() -> None:
    found = learn(reviews(MIN_REVIEWS - 1, False, vector=1.0), 0.3)
    assert not found.applied
    assert str(MIN_REVIEWS) in found.reason
    assert (found.reviews, found.accepted, found.rejected) == (MIN_REVIEWS - 1, 0, MIN_REVIEWS - 1)
    assert found.weights == scoring.WEIGHTS
    assert found.threshold == 0.3


def test_from_the_minimum_on_it_is_applied() -> None:
    found = learn(reviews(MIN_REVIEWS, True, co_mention=0.5), 0.3)
    assert found.applied
    assert found.weights != scoring.WEIGHTS


def test_rejected_methods_lose_weight_and_accepted_ones_gain() -> None:
    # vector's proposals are all rejected, co_mention's all accepted.
    found = learn(reviews(15, False, vector=0.8) + reviews(15, True, co_mention=0.6), 0.3)
    assert found.weights["vector"] < scoring.WEIGHTS["vector"]
    assert found.weights["co_mention"] > scoring.WEIGHTS["co_mention"]
    untouched = [m for m in METHODS if m not in {"vector", "co_mention"}]
    assert all(found.weights[m] == scoring.WEIGHTS[m] for m in untouched)


def test_the_weight_is_the_shrunk_strength_weighted_accept_rate() -> None:
    decided = reviews(3, True, vector=0.5) + reviews(1, False, vector=1.0)
    shipped = scoring.WEIGHTS["vector"]
    expected = (PRIOR_REVIEWS * shipped + 1.5) / (PRIOR_REVIEWS + 2.5)
    assert learned_weights(decided)["vector"] == round(expected, 4)


def test_few_reviews_move_the_weights_less_than_many() -> None:
    few = learned_weights(reviews(5, False, vector=1.0))["vector"]
    many = learned_weights(reviews(500, False, vector=1.0))["vector"]
    assert scoring.WEIGHTS["vector"] > few > many > 0.0


def test_the_threshold_moves_towards_the_cut_that_separates_the_reviews() -> None:
    # Accepted proposals score high, rejected ones low: the cut rises above the default.
    decided = reviews(20, True, co_mention=1.0) + reviews(20, False, co_mention=0.2)
    found = learn(decided, 0.05)
    weight = found.weights["co_mention"]
    assert found.threshold > 0.05
    assert found.threshold <= weight  # not above the accepted proposals' score
    cut = weight  # the accepted ones' rescored score
    assert found.threshold == round((PRIOR_REVIEWS * 0.05 + 40 * cut) / (PRIOR_REVIEWS + 40), 4)


def test_nothing_accepted_raises_the_threshold() -> None:
    found = learn(reviews(30, False, vector=0.5, co_mention=0.5), 0.3)
    assert found.threshold == round((PRIOR_REVIEWS * 0.3 + 30 * 1.0) / (PRIOR_REVIEWS + 30), 4)


def test_best_cut_prefers_the_higher_cut_on_ties() -> None:
    assert best_cut([(0.9, True), (0.5, False), (0.2, True)]) == 0.2  # F1 0.8 against 0.67
    assert best_cut([(0.9, True), (0.5, False), (0.4, False), (0.2, True)]) == 0.9  # both 0.67
    assert best_cut([(0.9, True), (0.8, True), (0.1, False)]) == 0.8
    assert best_cut([(0.4, False)]) == 1.0


review_strategy = st.builds(
    Review,
    accepted=st.booleans(),
    strengths=st.dictionaries(st.sampled_from(METHODS), st.floats(0.01, 1.0), min_size=1),
)


@given(st.lists(review_strategy, min_size=0, max_size=80), st.floats(0.0, 1.0))
def test_weights_and_threshold_stay_in_the_unit_interval(
    decided: list[Review], default: float
) -> None:
    found = learn(decided, default)
    assert 0.0 <= found.threshold <= 1.0
    assert set(found.weights) == set(scoring.WEIGHTS)
    assert all(0.0 <= w <= 1.0 for w in found.weights.values())
    assert found.accepted + found.rejected == found.reviews == len(decided)


@given(st.lists(review_strategy, min_size=MIN_REVIEWS, max_size=60), st.randoms())
def test_deterministic_whatever_the_order(decided: list[Review], shuffler: random.Random) -> None:
    shuffled = list(decided)
    shuffler.shuffle(shuffled)
    first, second = learn(decided, 0.3), learn(shuffled, 0.3)
    assert first.weights == second.weights
    assert first.threshold == second.threshold
    assert first == learn(decided, 0.3)


def test_a_review_reads_the_strengths_of_stored_evidence() -> None:
    evidence = json.dumps(
        [
            {"method": "vector", "strength": 0.4},
            {"method": "co_mention", "strength": 0.2},
            {"method": "telepathy", "strength": 0.9},
            {"shared_texts": ["t1"]},
            {"typing": "text", "phrase": "built on"},
        ]
    )
    assert review_of("accepted", evidence) == Review(
        accepted=True, strengths={"vector": 0.4, "co_mention": 0.2}
    )
    assert review_of("rejected", evidence) is not None
    assert review_of("rejected", json.dumps(["a manual note"])) is None
    assert review_of("accepted", "not json") is None
    assert review_of("accepted", None) is None


def test_a_calibration_survives_its_json() -> None:
    found = learn(reviews(25, True, vector=0.7) + reviews(5, False, co_mention=0.3), 0.3)
    assert Calibration.from_json(json.loads(json.dumps(found.as_json()))) == found


def test_without_a_prior_the_weight_is_the_plain_accept_rate() -> None:
    decided = reviews(3, True, vector=1.0) + reviews(1, False, vector=1.0)
    weights = learned_weights(decided, prior=0.0)
    assert weights["vector"] == 0.75
    assert weights["co_mention"] == scoring.WEIGHTS["co_mention"]  # no review involved it


@given(st.lists(st.tuples(st.sampled_from([0.1, 0.2, 0.35, 0.5, 0.9]), st.booleans()), max_size=40))
def test_best_cut_is_the_best_f1_of_every_cut(scored: list[tuple[float, bool]]) -> None:
    positives = sum(accepted for _, accepted in scored)

    def f1(cut: float) -> float:
        true = sum(accepted for value, accepted in scored if value >= cut)
        false = sum(not accepted for value, accepted in scored if value >= cut)
        return 2 * true / (2 * true + false + positives - true)

    cut = best_cut(scored)
    if positives == 0:
        assert cut == 1.0
    else:
        cuts = {value for value, _ in scored}
        assert cut in cuts
        assert f1(cut) == max(f1(c) for c in cuts)
        assert cut == max(c for c in cuts if f1(c) == f1(cut))
