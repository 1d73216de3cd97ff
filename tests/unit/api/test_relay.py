from __future__ import annotations

import pytest

from kgservice.api.relay import MAX_PAGE, decode_cursor, encode_cursor, page_request
from kgservice.errors import InputError


def test_cursor_round_trip_and_kind_check() -> None:
    cursor = encode_cursor("message", 41)
    assert decode_cursor("after", cursor, "message") == "41"
    with pytest.raises(InputError, match="not a cursor of this list"):
        decode_cursor("after", cursor, "thread")
    with pytest.raises(InputError, match="^after: is not a"):
        decode_cursor("after", "%%%", "thread")
    with pytest.raises(InputError, match="not a valid cursor"):
        decode_cursor("after", "\u00e9", "thread")


def test_page_request_defaults_and_bounds() -> None:
    request = page_request("thread", None, None, None, None)
    assert (request.limit, request.backward) == (50, False)
    assert page_request("thread", None, None, 3, None).backward
    with pytest.raises(InputError, match="between 0 and"):
        page_request("thread", MAX_PAGE + 1, None, None, None)
    with pytest.raises(InputError, match="either first or last"):
        page_request("thread", 1, None, 1, None)
