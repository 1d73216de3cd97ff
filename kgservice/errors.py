"""Errors kgservice raises on purpose; each carries a one-line, user-facing message."""

from __future__ import annotations


class KgError(Exception):
    """Base class of every error kgservice raises deliberately."""


class SettingsError(KgError):
    """The configuration is invalid (bad value, unusable data directory)."""


class StoreError(KgError):
    """A store could not do what was asked."""


class StoreLockedError(StoreError):
    """Another process holds the database read-write."""


class QueryError(StoreError):
    """A named query is unknown, got wrong parameters, or failed in the engine."""


class QueryTimeoutError(QueryError):
    """A query ran past its time budget and was interrupted."""


class MigrationError(KgError):
    """A migration could not be applied or rolled back."""


class SchemaOutdatedError(MigrationError):
    """The stores hold an older schema than this build expects."""
