"""Whole-word, case-insensitive, unicode-aware matching of names in text."""

from __future__ import annotations

from kgservice.services.knowledge.mention_matcher import Matcher


def matcher(**names: list[str]) -> Matcher:
    return Matcher.from_entities((entity, terms[0], terms[1:]) for entity, terms in names.items())


def test_word_boundaries() -> None:
    found = matcher(go=["go"])
    assert found.entities_in("good going, ago") == set()
    assert found.entities_in("We use Go.") == {"go"}
    assert found.entities_in("GO") == {"go"}
    assert found.entities_in("go_lang") == set()  # '_' is a word character in text


def test_unicode_and_case() -> None:
    found = matcher(cafe=["Café"], strasse=["Straße"])
    assert found.entities_in("the CAFÉ opens") == {"cafe"}
    assert found.entities_in("café's menu") == {"cafe"}
    assert found.entities_in("cafés") == set()
    assert found.entities_in("STRASSE 5") == {"strasse"}
    assert found.entities_in("\uff33\uff34\uff32\uff21\uff33\uff33\uff25") == {
        "strasse"
    }  # full-width


def test_separators_and_aliases() -> None:
    found = matcher(sb=["session-buddy", "SB"])
    assert found.entities_in("Session Buddy is old") == {"sb"}
    assert found.entities_in("session_buddy and session.buddy") == {"sb"}
    assert found.entities_in("ask sb") == {"sb"}


def test_longest_match_wins_on_overlap() -> None:
    found = matcher(new=["new york"], city=["new york city"], york=["york"])
    assert found.entities_in("I love New York City") == {"city"}
    assert found.entities_in("I love New York") == {"new"}
    assert found.entities_in("New York-ish") == {"new"}


def test_names_with_symbols() -> None:
    found = matcher(cpp=["C++"], cs=["C#"], c=["C"])
    assert found.entities_in("written in c++ and C#") == {"cpp", "cs"}
    assert found.entities_in("plain C here") == {"c"}


def test_shared_alias_links_both_and_lookup() -> None:
    found = matcher(a=["alpha", "x1"], b=["beta", "X1"])
    assert found.entities_in("x1") == {"a", "b"}
    assert found.lookup("X-1") == set()
    assert found.lookup(" ALPHA ") == {"a"}


def test_empty_matcher() -> None:
    assert Matcher({}).entities_in("anything") == set()
