"""MCP tool results and errors: the GraphQL API's messages, typed as its error members."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import ValidationError as PydanticError

from kgservice.api.access import AccessDeniedError, RequestTimeoutError
from kgservice.api.mcp.outcomes import error_of, tool_error, tool_result
from kgservice.api.mcp.results import snippet
from kgservice.api.mcp.tools.sessions import AddMessagesArguments
from kgservice.errors import ConflictError, InputError, NotFoundError, QueryError
from kgservice.services.nodes import NodeRecord


def test_a_result_is_structured_and_json_text() -> None:
    result = tool_result({"at": datetime(2026, 1, 2, 3, 4, 5), "tags": ("a",)})
    assert result.structured_content == {"at": "2026-01-02T03:04:05", "tags": ["a"]}
    assert result.content[0].text == '{"at":"2026-01-02T03:04:05","tags":["a"]}'  # type: ignore[union-attr]
    assert not result.is_error


@pytest.mark.parametrize(
    ("exc", "error", "text"),
    [
        (
            InputError("importance", "must be between 0 and 1"),
            {
                "type": "ValidationError",
                "field": "importance",
                "message": "must be between 0 and 1",
            },
            "importance: must be between 0 and 1",
        ),
        (
            NotFoundError("01X", "thread"),
            {"type": "NotFoundError", "id": "01X", "message": "thread 01X not found"},
            "thread 01X not found",
        ),
        (
            ConflictError("expectedPrevious is not the project's latest session", "01S"),
            {
                "type": "ConflictError",
                "message": "expectedPrevious is not the project's latest session",
                "current": "01S",
            },
            "expectedPrevious is not the project's latest session (current: 01S)",
        ),
        (
            AccessDeniedError("API key 'k' may not use namespace 'x'"),
            {"type": "Forbidden", "message": "API key 'k' may not use namespace 'x'"},
            "API key 'k' may not use namespace 'x'",
        ),
        (
            RequestTimeoutError("the request ran past its time budget"),
            {"type": "Timeout", "message": "the request ran past its time budget"},
            "the request ran past its time budget",
        ),
        (QueryError("boom"), {"type": "Error", "message": "boom"}, "boom"),
    ],
)
def test_domain_errors_keep_their_messages(
    exc: Exception, error: dict[str, str], text: str
) -> None:
    assert error_of(exc, "tool") == error
    result = tool_error(error)
    assert result.is_error
    assert result.content[0].text == text  # type: ignore[union-attr]
    assert result.structured_content == {"error": error}


def test_argument_errors_name_the_argument_path() -> None:
    with pytest.raises(PydanticError) as caught:
        AddMessagesArguments.model_validate({"messages": [{"role": "user", "content": 3}]})
    assert error_of(caught.value, "add_messages") == {
        "type": "ValidationError",
        "field": "messages[0].content",
        "message": "Input should be a valid string",
    }


def test_an_unexpected_failure_is_an_error_without_internals(
    caplog: pytest.LogCaptureFixture,
) -> None:
    error = error_of(KeyError("secret detail"), "entity")
    assert error == {"type": "Error", "message": "internal error in entity (see the server log)"}
    assert "MCP tool entity failed" in caplog.text


def test_snippets_are_short_single_lines() -> None:
    entity = NodeRecord("Entity", {"id": "1", "name": "Kuzu", "observations": ["embedded", "fast"]})
    assert snippet(entity) == "Kuzu — embedded — fast"
    message = NodeRecord("Message", {"id": "2", "content": "a\n\nb " + "x" * 500})
    text = snippet(message)
    assert text.startswith("a b x")
    assert len(text) == 240
    assert text.endswith("…")
