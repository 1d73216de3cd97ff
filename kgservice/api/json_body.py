"""Request bodies decoded as JSON within limits, or refused with a one-line reason.

orjson decodes most bodies; json takes what orjson would decode differently (integers
beyond 64 bits, which orjson turns into floats) or refuses (``NaN``, which json accepts).
A body is refused when it is not UTF-8 JSON, nests deeper than the limit, holds a number
no float can hold (``1e999``) or an integer longer than Python converts, or a string with
an unpaired surrogate (``"\\ud800"``, which no store can keep).
"""

from __future__ import annotations

import json
import math
import re

import orjson

#: A number orjson might not decode as json does (beyond 64 bits).
_LONG_DIGITS = re.compile(rb"\d{19}")


class BodyDecodeError(ValueError):
    """A body the service cannot or will not decode; the message is one line."""


def decode_body(data: str | bytes, max_depth: int) -> object:
    """Decode ``data`` as JSON nested at most ``max_depth`` arrays and objects deep.

    Raises:
        BodyDecodeError: for any body that is refused (see the module docstring).
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _LONG_DIGITS.search(raw) is None:
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:  # orjson refuses unpaired surrogates itself
            _check(value, max_depth, strings=False)
            return value
    value = _json_loads(raw)
    _check(value, max_depth, strings=True)
    return value


def _json_loads(raw: bytes) -> object:
    try:
        return json.loads(raw, parse_float=_finite_float)
    except RecursionError:
        raise BodyDecodeError("request body nests too deeply") from None
    except UnicodeDecodeError:
        raise BodyDecodeError("request body is not valid UTF-8") from None
    except BodyDecodeError:
        raise
    except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BodyDecodeError(f"request body is not valid JSON: {reason}") from None


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyDecodeError(f"request body holds a number out of range: {text[:40]}")
    return value


def _check(value: object, max_depth: int, *, strings: bool) -> None:
    """Refuse nesting deeper than ``max_depth`` (and, if ``strings``, unpaired surrogates)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
            if strings:
                children.extend(item.keys())
        elif isinstance(item, list):
            children = item
        else:
            if strings and isinstance(item, str):
                _check_string(item)
            continue
        if depth > max_depth:
            raise BodyDecodeError(f"request body nests deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children)


def _check_string(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyDecodeError("request body holds an unpaired surrogate escape") from None
