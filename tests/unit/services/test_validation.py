from __future__ import annotations

import pytest

from kgservice.errors import InputError
from kgservice.ids import new_id
from kgservice.services.validation import metadata_json, require_choice, require_id, require_text


def test_text_is_kept_as_given() -> None:
    assert require_text("content", "  spaced  ") == "  spaced  "
    assert require_text("content", "", empty=True) == ""
    with pytest.raises(InputError, match="must not be empty"):
        require_text("name", " ")
    with pytest.raises(InputError, match="at most 3"):
        require_text("name", "abcd", max_length=3)
    with pytest.raises(InputError, match="NUL"):
        require_text("name", "a\x00b")


def test_choice_id_and_metadata() -> None:
    assert require_choice("role", "user", ("user",)) == "user"
    with pytest.raises(InputError) as caught:
        require_choice("role", "bot", ("user", "system"))
    assert caught.value.field == "role"
    require_id("threadId", new_id("Thread"), "Thread")
    with pytest.raises(InputError, match="is not a Thread id"):
        require_id("threadId", new_id("Message"), "Thread")
    assert metadata_json("metadata", {"b": 1, "a": "é"}) == '{"a": "é", "b": 1}'
    with pytest.raises(InputError, match="must be an object"):
        metadata_json("metadata", [1])
    with pytest.raises(InputError, match="JSON-serialisable"):
        metadata_json("metadata", {"x": float("nan")})
