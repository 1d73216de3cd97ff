"""Relay-style connections with opaque keyset cursors.

A cursor is the base64 of ``v1:<kind>:<key>``, where the key is the sort key of the edge
(a message's idx, a thread's id): pages are found with ``WHERE key > $after``, never OFFSET.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry

from kgservice.errors import InputError

T = TypeVar("T")
DEFAULT_PAGE = 50
MAX_PAGE = 100


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="One item of a connection with its cursor.")
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list that can grow.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds.")
    async def total_count(self) -> int:
        return await self.count()


@functools.lru_cache(maxsize=4096)
def encode_cursor(kind: str, key: str | int) -> str:
    """Return the opaque cursor for ``key`` in a list of ``kind`` (recent ones remembered)."""
    return base64.urlsafe_b64encode(f"v1:{kind}:{key}".encode()).decode()


def decode_cursor(field: str, cursor: str, kind: str) -> str:
    """Return the key inside ``cursor``, or raise InputError naming ``field``."""
    try:
        text = base64.b64decode(cursor.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InputError(field, "is not a valid cursor") from None
    version, _, rest = text.partition(":")
    found_kind, _, key = rest.partition(":")
    if version != "v1" or found_kind != kind or not key:
        raise InputError(field, f"is not a cursor of this list ({kind})")
    return key


@dataclass(frozen=True)
class PageRequest:
    """Validated paging arguments: direction, size and the decoded bounds."""

    limit: int
    backward: bool
    after: str | None
    before: str | None


def page_request(
    kind: str,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> PageRequest:
    """Check first/after/last/before and decode the cursors."""
    if first is not None and last is not None:
        raise InputError("first", "use either first or last, not both")
    size = last if last is not None else first if first is not None else DEFAULT_PAGE
    name = "last" if last is not None else "first"
    if not 0 <= size <= MAX_PAGE:
        raise InputError(name, f"must be between 0 and {MAX_PAGE}")
    return PageRequest(
        limit=size,
        backward=last is not None,
        after=decode_cursor("after", after, kind) if after else None,
        before=decode_cursor("before", before, kind) if before else None,
    )


def build_connection(
    kind: str,
    request: PageRequest,
    rows: Sequence[T],
    key: Callable[[T], str | int],
    count: Callable[[], Awaitable[int]],
) -> Connection[T]:
    """Make a connection from up to ``limit + 1`` rows fetched in the request's direction."""
    has_more = len(rows) > request.limit
    page = list(rows[: request.limit])
    if request.backward:
        page.reverse()
    edges = [Edge(cursor=encode_cursor(kind, key(item)), node=item) for item in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_more if not request.backward else request.before is not None,
            has_previous_page=has_more if request.backward else request.after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=count,
    )
