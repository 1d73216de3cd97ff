"""Results of the graph algorithms, shared by both engines."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ComponentSummary:
    """Weakly connected components of a namespace's relation graph."""

    count: int
    largest: int


@dataclass(frozen=True)
class RankedEntity:
    """An entity and its PageRank score (scores of a namespace sum to 1)."""

    id: str
    score: float


@dataclass(frozen=True)
class Community:
    """One community: its size and its member ids, sorted."""

    size: int
    member_ids: tuple[str, ...]


def ordered_communities(groups: list[list[str]]) -> list[Community]:
    """Communities largest first, ties broken by their smallest member id."""
    communities = [Community(len(members), tuple(sorted(members))) for members in groups]
    communities.sort(key=lambda c: (-c.size, c.member_ids[0] if c.member_ids else ""))
    return communities
