"""GraphQL surface of code graphs: ``indexCode`` (a Job), ``codeGraph``, ``impact``,
``callChain``, ``importers`` and ``codeFile``.

Reads take ``repo`` (a repository's name or path; optional when the namespace has one) and
``commit`` (a SHA or a prefix of one; the latest indexed commit when omitted). Bad input and
unknown repositories are GraphQL errors with ``extensions.code`` VALIDATION or NOT_FOUND.
"""

from kgservice.api.codegraph.nodes import CodeFile, CodeGraph, Commit, Repository, Symbol
from kgservice.api.codegraph.operations import CodeGraphMutation, CodeGraphQuery

__all__ = [
    "CodeFile",
    "CodeGraph",
    "CodeGraphMutation",
    "CodeGraphQuery",
    "Commit",
    "Repository",
    "Symbol",
]
