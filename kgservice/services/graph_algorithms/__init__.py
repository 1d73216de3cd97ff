"""Graph algorithms: metrics, PageRank, communities, paths and neighbourhoods."""

from kgservice.services.graph_algorithms.service import GraphAlgorithms

__all__ = ["GraphAlgorithms"]
