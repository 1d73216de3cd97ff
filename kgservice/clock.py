"""The one place that reads the wall clock: UTC, naive, as the graph's TIMESTAMP type stores."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Return the current UTC time without tzinfo (the graph stores naive UTC timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None)
