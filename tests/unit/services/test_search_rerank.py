"""The reranker's features, its scorer, and the fitting of its weights."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from kgservice.services.search_rerank import (
    FEATURES,
    WEIGHTS,
    Candidate,
    CandidateText,
    QueryCues,
    Reranker,
    coverage,
    feature_matrix,
    has_time_expression,
    proximity,
    query_terms,
    ranking,
    rarity,
    speaker_of,
    term_positions,
    weight_vector,
)
from kgservice.services.search_rerank_fit import (
    Sample,
    cross_validate,
    fit,
    objective,
    positions,
    recall,
)
from kgservice.stores.opening import Stores
from kgservice.stores.vector_lookups import texts_and_windows
from kgservice.stores.vectors import VectorItem

DIM = 384
FloatArray = npt.NDArray[np.float32]


def unit(*values: float) -> FloatArray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(values)] = values
    normed: FloatArray = vector / np.linalg.norm(vector)
    return normed


def column(name: str) -> int:
    return FEATURES.index(name)


def only(name: str, weight: float = 1.0) -> dict[str, float]:
    return {"fused": 1.0, name: weight}


# -- the query and the texts ---------------------------------------------------------------
def test_query_terms_are_distinct_stems_without_stop_words() -> None:
    assert query_terms("When did Caroline go painting? Painted!") == ("carolin", "go", "paint")
    assert query_terms("what is it") == ("what", "i", "it")  # only stop words: all kept


def test_cues_tell_when_questions_apart() -> None:
    for question in (
        "When did Mel paint a sunrise?",
        "How long ago was her graduation?",
        "What year did she move?",
        "how many weeks did the trip last",
    ):
        assert QueryCues.of(question).temporal, question
    for question in ("What did Mel paint?", "Where does Caroline live?", "whence"):
        assert not QueryCues.of(question).temporal, question


def test_time_expressions_and_speakers() -> None:
    assert has_time_expression("Caroline: I went to the group yesterday")
    assert has_time_expression("we moved in May 2023")
    assert has_time_expression("it was on the 7th")
    assert has_time_expression("two weeks ago")
    assert not has_time_expression("Caroline: I love painting landscapes")
    assert speaker_of("Caroline: hi there") == "Caroline"
    assert speaker_of("Mary Ann Lee: hello") == "Mary Ann Lee"
    assert speaker_of("no speaker: here") is None
    assert speaker_of("just text") is None


def test_coverage_and_proximity() -> None:
    terms = query_terms("painting sunrise lake")
    found = term_positions(terms, "Mel: I painted a sunrise over the lake.")
    assert found == {"paint": [2], "sunris": [4], "lake": [7]}
    assert coverage(terms, found) == 1.0
    assert proximity(found) == pytest.approx(2 / 5)  # 3 terms within 6 words
    adjacent = term_positions(terms, "a sunrise lake")
    assert coverage(terms, adjacent) == pytest.approx(2 / 3)
    assert proximity(adjacent) == 1.0
    # the shortest window counts, not the first occurrences
    spread = term_positions(terms, "lake far far far far away paint sunrise lake")
    assert proximity(spread) == 1.0
    assert proximity(term_positions(terms, "just the lake")) == 0.0
    assert coverage((), {}) == 0.0
    weights = rarity(("lake", "sunris"), [{"lake": [0]}, {"lake": [1], "sunris": [0]}, {}])
    assert weights == {
        "lake": pytest.approx(np.log(4 / 2.5)),
        "sunris": pytest.approx(np.log(4 / 1.5)),
    }
    assert coverage(("lake", "sunris"), {"sunris": [0]}, weights) > 0.5


# -- features and scores -------------------------------------------------------------------
QUERY = unit(1, 0)


def text_of(text: str, context: str = "", *vectors: tuple[int, FloatArray]) -> CandidateText:
    return CandidateText(text, context, vectors or ((0, unit(0, 1)),))


def test_feature_rows_lie_in_the_unit_range_and_read_each_side() -> None:
    candidates = [Candidate("a", 0.2, 0.9, 4.0), Candidate("b", 0.1, None, None)]
    inputs = {
        "a": text_of("Mel: a sunrise", "Caroline: lake", (0, unit(1, 1)), (-1, unit(1, 0))),
        "b": text_of("Caroline: nothing here"),
    }
    matrix = feature_matrix(QueryCues.of("sunrise by the lake"), QUERY, candidates, inputs)
    assert matrix.shape == (2, len(FEATURES))
    assert ((matrix >= 0) & (matrix <= 1)).all()
    a, b = matrix
    assert a[column("fused")] == 1.0
    assert b[column("fused")] == 0.5
    assert a[column("vector")] == pytest.approx(np.sqrt(0.5), abs=1e-6)  # the stored vector
    assert a[column("window_vector")] == pytest.approx(1.0)
    assert a[column("text")] == 1.0
    assert b[column("text")] == 0.0
    # "sunrise" is in one of the two candidates, "lake" in neither: the rarer counts more
    assert a[column("coverage")] == pytest.approx(np.log(2) / (np.log(2) + np.log(6)))
    assert a[column("context_coverage")] == 1.0
    assert b[column("vector")] == 0.0
    assert b[column("window_vector")] == 0.0


def test_a_query_naming_a_speaker_lifts_that_speakers_turn() -> None:
    candidates = [Candidate("mel", 1.0), Candidate("caroline", 0.95)]
    inputs = {
        "mel": text_of("Mel: I went hiking in the mountains"),
        "caroline": text_of("Caroline: I went hiking too"),
    }
    cues = QueryCues.of("Where did caroline go hiking?")
    matrix = feature_matrix(cues, QUERY, candidates, inputs)
    assert matrix[:, column("speaker")].tolist() == [0.0, 1.0]
    assert ranking(matrix, weight_vector(only("fused"))).tolist() == [0, 1]
    assert ranking(matrix, weight_vector(only("speaker", 0.5))).tolist() == [1, 0]
    unnamed = feature_matrix(QueryCues.of("Who went hiking?"), QUERY, candidates, inputs)
    assert unnamed[:, column("speaker")].tolist() == [0.0, 0.0]


def test_a_when_question_lifts_a_dated_turn() -> None:
    candidates = [Candidate("plain", 1.0), Candidate("dated", 0.95)]
    inputs = {
        "plain": text_of("Mel: the support group was great"),
        "dated": text_of("Mel: I joined the support group last Friday"),
    }
    matrix = feature_matrix(QueryCues.of("When did Mel join the group?"), QUERY, candidates, inputs)
    assert matrix[:, column("time")].tolist() == [0.0, 1.0]
    assert ranking(matrix, weight_vector(only("time", 0.5))).tolist() == [1, 0]
    asked = feature_matrix(QueryCues.of("What did Mel join?"), QUERY, candidates, inputs)
    assert asked[:, column("time")].tolist() == [0.0, 0.0]


def test_coverage_and_proximity_order_the_candidates() -> None:
    candidates = [Candidate("one", 1.0), Candidate("far", 1.0), Candidate("near", 1.0)]
    inputs = {
        "one": text_of("we saw the lake"),
        "far": text_of("the lake was cold and later we watched the sunrise"),
        "near": text_of("a sunrise over the lake"),
    }
    matrix = feature_matrix(QueryCues.of("sunrise lake"), QUERY, candidates, inputs)
    assert ranking(matrix, weight_vector(only("coverage"))).tolist()[-1] == 0
    weights = weight_vector({"fused": 1.0, "coverage": 1.0, "proximity": 1.0})
    assert ranking(matrix, weights).tolist() == [2, 1, 0]


def test_shipped_weights_are_known_features_in_range() -> None:
    assert set(WEIGHTS) == set(FEATURES)
    assert WEIGHTS["fused"] == 1.0
    assert all(0 <= w <= 3 for w in WEIGHTS.values())


# -- through the store ---------------------------------------------------------------------
def store_thread(stores: Stores) -> None:
    turns = [
        ("m0", "Mel: good morning", unit(0, 1)),
        ("m1", "Caroline: the lake at sunrise", unit(1, 1)),
        ("m2", "Mel: it was lovely", unit(1, 0)),
        ("m3", "Caroline: I went there yesterday", unit(0, 0, 1)),
    ]
    stores.vectors.upsert(
        [VectorItem(n, "Message", "ns", text, vector) for n, text, vector in turns],
        [("thread", i) for i in range(len(turns))],
    )
    stores.vectors.upsert([VectorItem("loose", "Reflection", "ns", "no thread", unit(0, 1))])


def test_texts_and_windows_read_stored_vectors_around_each_hit(stores: Stores) -> None:
    store_thread(stores)
    texts, windows = texts_and_windows(stores.vectors, ["m1", "loose", "gone"], 1)
    own, context = texts["m1"]
    assert own == "Caroline: the lake at sunrise"
    assert context == "Mel: good morning Mel: it was lovely Caroline: I went there yesterday"
    assert texts["loose"] == ("no thread", "")
    assert "gone" not in texts
    assert "gone" not in windows
    assert sorted(offset for offset, _ in windows["m1"]) == [-1, 0, 1]
    assert [offset for offset, _ in windows["loose"]] == [0]
    own = dict(windows["m1"])[0]
    assert np.allclose(own, unit(1, 1))


def test_the_reranker_reorders_with_its_weights(stores: Stores) -> None:
    store_thread(stores)
    candidates = [Candidate("m2", 1.0, 0.7, 1.0), Candidate("m3", 0.9, 0.0, 0.5)]
    flat = Reranker(stores.vectors, only("fused"))
    assert [r.node_id for r in flat.rerank("when did Caroline go", QUERY, candidates)] == [
        "m2",
        "m3",
    ]
    timed = Reranker(stores.vectors, {"fused": 1.0, "speaker": 0.3, "time": 0.3})
    reranked = timed.rerank("when did Caroline go", QUERY, candidates)
    assert [r.node_id for r in reranked] == ["m3", "m2"]
    assert reranked[0].score == pytest.approx(0.9 + 0.3 + 0.3)
    assert reranked[0].features["time"] == (1.0, pytest.approx(0.3))
    assert reranked[1].features["speaker"] == (0.0, pytest.approx(0.3))
    window = Reranker(stores.vectors, only("window_vector"), span=1)
    matrix = window.features("lake", QUERY, [Candidate("m1", 1.0), Candidate("m3", 1.0)])
    assert matrix[:, column("window_vector")] == pytest.approx([1.0, 1.0])  # m2 is beside both


# -- fitting -------------------------------------------------------------------------------
def sample(group: str, relevant_row: int, marked_row: int, rows: int = 12) -> Sample:
    """Candidates in fused order whose answer at ``relevant_row`` is marked by the speaker
    feature at ``marked_row``."""
    matrix = np.zeros((rows, len(FEATURES)), dtype=np.float32)
    matrix[:, column("fused")] = np.linspace(1.0, 0.5, rows)
    matrix[marked_row, column("speaker")] = 1.0
    relevant = np.zeros(rows, dtype=bool)
    relevant[relevant_row] = True
    return Sample(matrix, relevant, group)


def test_positions_and_recall() -> None:
    data = [
        sample("a", 3, 3),
        sample("a", 0, 5),
        Sample(np.zeros((0, len(FEATURES))), np.zeros(0, bool), "a"),
    ]
    assert positions(data, only("fused")) == [3, 0, None]
    assert positions(data, only("speaker", 1.0)) == [0, 1, None]
    figures = recall([0, 3, None, 11])
    assert figures == {"r@1": 0.25, "r@5": 0.5, "r@10": 0.5, "mrr": 0.312, "questions": 4}
    assert objective([0, None]) == pytest.approx((1 + 1 + 1) / 2)


def test_fit_finds_the_feature_that_marks_the_answers() -> None:
    data = [sample(g, row, row) for g in "abc" for row in (6, 8, 10, 11)]
    weights = fit(data, ("speaker", "time"))
    assert weights["speaker"] > 0
    assert weights["time"] == 0.0
    assert weights["fused"] == 1.0
    assert positions(data, weights) == [0] * len(data)
    assert fit(data, ()) == weight_vector_dict(only("fused"))
    with pytest.raises(ValueError, match="unknown features: nope"):
        fit(data, ("nope",))


def weight_vector_dict(weights: dict[str, float]) -> dict[str, float]:
    return {name: weights.get(name, 0.0) for name in FEATURES}


def test_cross_validation_holds_each_group_out() -> None:
    # in groups a and b the speaker marks the answer; in c it marks a wrong candidate
    data = [sample(g, row, row) for g in "ab" for row in (6, 8, 11)]
    data += [sample("c", 0, 9) for _ in range(3)]
    held, folds = cross_validate(data, ("speaker",))
    assert sorted(folds) == ["a", "b", "c"]
    assert folds["c"]["speaker"] > 0  # fitted on a and b only
    assert held[-3:] == [1, 1, 1]  # so c's answers drop one place
    assert held[:6] == [0] * 6


def test_a_hit_without_neighbouring_turns_is_its_own_window() -> None:
    """An entity (or a message alone in its thread) has no neighbours: its window is itself,
    so an exact entity is not pushed below a message that merely sits next to a close turn."""
    candidates = [Candidate("message", 0.2, 0.1, None), Candidate("entity", 0.2, 1.0, None)]
    inputs = {
        "message": text_of("Mel: unrelated", "", (0, unit(0, 1)), (1, QUERY)),
        "entity": text_of("Kuzu", "", (0, QUERY)),
    }
    matrix = feature_matrix(QueryCues.of("kuzu"), QUERY, candidates, inputs)
    message, entity = matrix
    assert message[column("window_vector")] == pytest.approx(1.0)  # its neighbour matches
    assert entity[column("window_vector")] == pytest.approx(1.0)  # itself
    order = ranking(matrix, weight_vector(WEIGHTS))
    assert candidates[int(order[0])].node_id == "entity"
