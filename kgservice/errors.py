"""Errors kgservice raises on purpose; each carries a one-line, user-facing message."""

from __future__ import annotations


class KgError(Exception):
    """Base class of every error kgservice raises deliberately."""


class SchemaDefinitionError(KgError):
    """The GraphQL schema, as the code defines it, is inconsistent (a bug, found at start)."""


class EmbedderError(KgError):
    """The embedder cannot run (model files missing or unreadable, cache not writable...)."""


class SettingsError(KgError):
    """The configuration is invalid (bad value, unusable data directory)."""


class StoreError(KgError):
    """A store could not do what was asked."""


class StoreLockedError(StoreError):
    """Another process holds the database read-write."""


class VectorValidationError(StoreError):
    """A vector, text item, search parameter or embedding model was refused by the store."""


class QueryError(StoreError):
    """A named query is unknown, got wrong parameters, or failed in the engine."""


class QueryTimeoutError(QueryError):
    """A query ran past its time budget and was interrupted."""


class MigrationError(KgError):
    """A migration could not be applied or rolled back."""


class SchemaOutdatedError(MigrationError):
    """The stores hold an older schema than this build expects."""


class InputError(KgError):
    """A request's input is invalid; ``field`` names the offending input field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class NotFoundError(KgError):
    """A referenced node does not exist."""

    def __init__(self, node_id: str, what: str = "node") -> None:
        super().__init__(f"{what} {node_id} not found")
        self.node_id = node_id


class ConflictError(KgError):
    """A write lost a race or broke a uniqueness rule; ``current`` is the winning value."""

    def __init__(self, message: str, current: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.current = current
