"""Schema extensions applied to every request: limits, caches and error masking.

Each entry is a factory, so every request gets fresh extension instances.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from kgservice.api.access import WriteScopeGuard
from kgservice.api.budget import RequestBudget
from kgservice.api.metrics import RequestMetricsExtension
from kgservice.errors import KgError

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 5_000
CACHE_SIZE = 512


def _should_mask(error: GraphQLError) -> bool:
    """Mask unexpected errors; show GraphQL errors and kgservice's own user-facing ones."""
    original = error.original_error
    return original is not None and not isinstance(original, KgError | GraphQLError)


class KgMaskErrors(MaskErrors):
    """``MaskErrors``, skipping results without errors before its protocol check.

    Strawberry tests every result against a runtime-checkable protocol first, which costs
    about as much as executing a small query; an error-free result needs no masking.
    """

    def _process_result(self, result: object) -> None:
        if getattr(result, "errors", None):
            super()._process_result(result)


#: The depth and alias rules, built once: a fresh limiter per request would make new rule
#: classes each time, and the validation cache (keyed by the rules) would never hit.
_LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]


def extension_factories() -> list[Callable[[], SchemaExtension]]:
    """Return the factories of every request's extensions, cheapest checks first."""
    return [
        lambda: ParserCache(maxsize=CACHE_SIZE),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: AddValidationRules(_LIMIT_RULES),
        lambda: ValidationCache(maxsize=CACHE_SIZE),
        WriteScopeGuard,
        RequestBudget,
        lambda: KgMaskErrors(should_mask_error=_should_mask),
        RequestMetricsExtension,  # innermost: it sees each error before masking
    ]
