"""decode_body: JSON as json decodes it, within the nesting limit, or a one-line refusal."""

from __future__ import annotations

import math

import pytest

from kgservice.api.json_body import BodyDecodeError, decode_body

LONG = "1" * 25  # sends a body to json instead of orjson


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("extra", ["", f', "n": {LONG}'])
def test_nesting_up_to_the_limit_decodes_and_one_more_is_refused(extra: str) -> None:
    assert decode_body(f'{{"v": {nested(3)}{extra}}}', max_depth=4)["v"] == [[[]]]  # type: ignore[index]
    with pytest.raises(BodyDecodeError, match="deeper than 4 levels"):
        decode_body(f'{{"v": {nested(4)}{extra}}}', max_depth=4)


@pytest.mark.parametrize("depth", [1_100, 5_000, 100_000])
def test_nesting_past_any_recursion_limit_is_refused(depth: int) -> None:
    for body in (nested(depth), nested(depth) + f" {LONG}"):
        with pytest.raises(BodyDecodeError):
            decode_body(body.encode(), max_depth=64)


def test_numbers_decode_as_json_decodes_them() -> None:
    value = decode_body(f'{{"big": {2**70}, "neg": {-(2**63) - 1}, "x": 0.5}}', 64)
    assert value == {"big": 2**70, "neg": -(2**63) - 1, "x": 0.5}
    nan = decode_body('{"x": NaN}', 64)
    assert math.isnan(nan["x"])  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[1e999]", "out of range"),
        (b"[" + b"9" * 5_000 + b"]", "not valid JSON"),
        (b'["caf\xc3\x28"]', "not valid UTF-8"),
        (b'["\\ud800"]', "unpaired surrogate"),
        (b'["\\udc00\\ud800", ' + LONG.encode() + b"]", "unpaired surrogate"),
        (b'{"\\ud800": 1, "n": ' + LONG.encode() + b"}", "unpaired surrogate"),
        (b"{", "not valid JSON"),
    ],
)
def test_refused_bodies_say_why_in_one_line(body: bytes, reason: str) -> None:
    with pytest.raises(BodyDecodeError, match=reason) as refused:
        decode_body(body, 64)
    assert "\n" not in str(refused.value)


def test_paired_surrogate_escapes_decode() -> None:
    assert decode_body('["\\ud83d\\ude00"]', 64) == ["\U0001f600"]
    assert decode_body(f'["\\ud83d\\ude00", {LONG}]', 64) == ["\U0001f600", int(LONG)]


def test_a_text_body_with_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(BodyDecodeError, match="surrogate"):
        decode_body('["\ud800"]', 64)
