"""Name keys and kind checks."""

from __future__ import annotations

import pytest

from kgservice.errors import InputError
from kgservice.services.knowledge.names import name_key, require_kind, require_name


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Kuzu", "kuzu"),
        ("  session-buddy_v2.0 ", "session buddy v2 0"),
        ("Straße", "strasse"),
        ("\uff2b\uff35\uff3a\uff35", "kuzu"),  # NFKC folds full-width letters
        ("a -_. b", "a b"),
    ],
)
def test_name_key(name: str, key: str) -> None:
    assert name_key(name) == key


@pytest.mark.parametrize("kind", ["project", "library", "person", "my_kind", "k8s-operator"])
def test_kinds_accepted(kind: str) -> None:
    assert require_kind("kind", kind) == kind


@pytest.mark.parametrize("kind", ["", "Library", "1abc", "a b", "x" * 33, "lib!"])
def test_bad_kinds_refused(kind: str) -> None:
    with pytest.raises(InputError) as caught:
        require_kind("kind", kind)
    assert caught.value.field == "kind"


@pytest.mark.parametrize("name", ["", "   ", "-_.", "a\x00b", "x" * 201])
def test_bad_names_refused(name: str) -> None:
    with pytest.raises(InputError):
        require_name("name", name, 200)
