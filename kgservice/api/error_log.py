"""Keep the server log for real faults: client errors are answered, not logged as crashes.

Strawberry logs every GraphQL error with its traceback. Errors the client caused (invalid
documents, limits, kgservice's own user-facing errors) are answered in the response; this
filter drops them from the log, so a traceback in the log always means an unexpected error.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError

from kgservice.errors import KgError

STRAWBERRY_LOGGER = "strawberry.execution"


class ClientErrorFilter(logging.Filter):
    """Drop log records of GraphQL errors that are the client's, not the server's."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.msg
        if not isinstance(error, GraphQLError):
            return True
        original = error.original_error
        return not (original is None or isinstance(original, KgError | GraphQLError))


def install_client_error_filter() -> None:
    """Add the filter to strawberry's execution logger (once per process)."""
    logger = logging.getLogger(STRAWBERRY_LOGGER)
    if not any(isinstance(f, ClientErrorFilter) for f in logger.filters):
        logger.addFilter(ClientErrorFilter())
