"""One score in [0, 1] per candidate pair, from the signals of the methods that ran.

Each method's signal is first mapped to a strength in [0, 1]:

- vector: ``v = clamp((cosine - 0.45) / (1 - 0.45), 0, 1)``; MiniLM gives unrelated short
  technical texts cosines up to about 0.45 (measured with bench/discovery_quality.py), so
  only the part above that floor counts.
- co_mention: the Ochiai coefficient ``c = shared / sqrt(texts(a) * texts(b))``.
- adamic_adar: ``aa = min(AA / sqrt(texts(a) * texts(b)), 1)`` with
  ``AA = sum over shared texts of 1 / ln(entities the text mentions)``.
- common_neighbours: the Salton index ``n = shared / sqrt(deg(a) * deg(b))``.
- code_imports: ``ci = 1 - 2^-files``, saturating in the number of files of either
  entity's code importing the other's (one file 0.5, two 0.75, three 0.875).

The strengths are combined as a weighted noisy-OR, so independent evidence adds up and the
score never leaves [0, 1]::

    score = 1 - (1 - 0.9 v) (1 - 0.8 c) (1 - 0.7 aa) (1 - 0.6 n) (1 - 0.9 ci)

(factors of methods that did not run, or found nothing, are 1). The pair's ``method`` names
the methods with a non-zero strength, joined by ``+``. :data:`WEIGHTS` are the shipped
weights; a namespace's review decisions may replace them for a job (see :mod:`calibration`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kgservice.services.discovery.candidates import Signals

COSINE_FLOOR = 0.45
WEIGHTS = {
    "vector": 0.9,
    "co_mention": 0.8,
    "adamic_adar": 0.7,
    "common_neighbours": 0.6,
    "code_imports": 0.9,
}


@dataclass(frozen=True)
class Scored:
    """A pair's score, the methods behind it and their strengths."""

    score: float
    method: str
    strengths: dict[str, float]


def strengths(signals: Signals) -> dict[str, float]:
    """Each method's strength in [0, 1] (methods with none are left out)."""
    found = zip(WEIGHTS, _strength_values(signals), strict=True)
    return {method: value for method, value in found if value > 0.0}


def _strength_values(signals: Signals) -> tuple[float, float, float, float, float]:
    return (
        min(max((signals.cosine - COSINE_FLOOR) / (1 - COSINE_FLOOR), 0.0), 1.0),
        min(signals.ochiai, 1.0),
        min(signals.adamic_adar_normalised, 1.0),
        min(signals.salton, 1.0),
        1.0 - 0.5 ** max(signals.importing_files, 0),
    )


def combine(found: Mapping[str, float], weights: Mapping[str, float] = WEIGHTS) -> float:
    """The weighted noisy-OR of method strengths (``found``: method -> strength in [0, 1]).

    Methods missing from ``weights`` take their shipped weight; unknown methods count nothing.
    """
    remaining = 1.0
    for method, shipped in WEIGHTS.items():
        value = found.get(method, 0.0)
        if value > 0.0:
            remaining *= 1.0 - weights.get(method, shipped) * value
    return round(1.0 - remaining, 6)


def score_value(signals: Signals, weights: Mapping[str, float] = WEIGHTS) -> float:
    """The pair's score alone (see the module docstring); cheap, for ranking many pairs."""
    remaining = 1.0
    for method, value in zip(WEIGHTS, _strength_values(signals), strict=True):
        remaining *= 1.0 - weights.get(method, WEIGHTS[method]) * value
    return round(1.0 - remaining, 6)


def score(signals: Signals, weights: Mapping[str, float] = WEIGHTS) -> Scored:
    """The pair's score with the methods behind it and their strengths."""
    found = strengths(signals)
    return Scored(
        score=score_value(signals, weights),
        method="+".join(method for method in WEIGHTS if method in found),
        strengths={method: round(value, 4) for method, value in found.items()},
    )
