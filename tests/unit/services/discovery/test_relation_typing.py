"""Typing: text first (with direction), then kind pairs, then structure, else related_to."""

from __future__ import annotations

import pytest

from kgservice.services.discovery.code_imports import (
    CodeImports,
    RepositoryImports,
    RepositoryInfo,
    entity_imports,
    linked_repositories,
)
from kgservice.services.discovery.relation_typing import decide_type
from kgservice.services.discovery.snapshot import EntityInfo


def entity(name: str, kind: str, *observations: str, aliases: tuple[str, ...] = ()) -> EntityInfo:
    return EntityInfo(f"id-{name}", name, kind, tuple(observations), aliases)


APP = entity("webapp", "project")
NUMPY = entity("numpy", "library")
SCIPY = entity("scipy", "library")


@pytest.mark.parametrize(
    ("text", "kind", "forward"),
    [
        ("scipy depends on numpy for its arrays.", "depends_on", True),
        ("numpy is used by scipy.", "uses", True),
        ("SciPy uses NumPy.", "uses", True),
        ("scipy extends numpy with more routines", "extends", True),
        ("numpy is part of scipy", "part_of", False),
        ("scipy contains numpy", "part_of", False),
    ],
)
def test_text_gives_type_and_direction(text: str, kind: str, forward: bool) -> None:
    typed = decide_type(SCIPY, NUMPY, [text], {})
    assert (typed.type, typed.forward, typed.source) == (kind, forward, "text")
    assert typed.evidence[0]["quotes"]


def test_phrases_across_sentences_do_not_count() -> None:
    typed = decide_type(SCIPY, NUMPY, ["scipy is great. Everyone uses numpy."], {})
    assert typed.source == "default"


def test_observations_speak_for_their_entity() -> None:
    app = entity("webapp", "project", "Relies on numpy for maths")
    typed = decide_type(NUMPY, app, [], {})
    assert (typed.type, typed.forward) == ("uses", False)


def test_aliases_match_too() -> None:
    np_alias = entity("numpy", "library", aliases=("np",))
    assert decide_type(SCIPY, np_alias, ["scipy requires np"], {}).type == "depends_on"


def test_text_beats_kind_rules() -> None:
    typed = decide_type(APP, NUMPY, ["webapp tests numpy"], {})
    assert typed.type == "tests"


@pytest.mark.parametrize(
    ("a", "b", "kind", "forward"),
    [
        (APP, NUMPY, "uses", True),
        (NUMPY, APP, "uses", False),
        (entity("suite", "test"), APP, "tests", True),
        (APP, entity("redis", "service"), "connects_to", True),
    ],
)
def test_kind_pair_rules(a: EntityInfo, b: EntityInfo, kind: str, forward: bool) -> None:
    typed = decide_type(a, b, [], {})
    assert (typed.type, typed.forward, typed.source) == (kind, forward, "kind_pair")


def test_imports_between_projects_mean_depends_on() -> None:
    core, cli = entity("Core Lib", "project"), entity("cli", "project")
    imports = {(cli.id, core.id): CodeImports(["cli"], ["core-lib"], 4, 5, ["a.py -> b.py"])}
    typed = decide_type(core, cli, [], imports)
    assert (typed.type, typed.forward, typed.source) == ("depends_on", False, "structure")
    assert typed.evidence == [
        {
            "typing": "structure",
            "importer_repositories": ["cli"],
            "imported_repositories": ["core-lib"],
            "importing_files": 4,
            "imports": 5,
            "examples": ["a.py -> b.py"],
        }
    ]


def test_structure_types_any_kinds_and_the_busier_side_imports() -> None:
    imports = {
        (SCIPY.id, NUMPY.id): CodeImports(importing_files=30, imports=80),
        (NUMPY.id, SCIPY.id): CodeImports(importing_files=1, imports=1),
    }
    typed = decide_type(NUMPY, SCIPY, [], imports)
    assert (typed.type, typed.forward, typed.source) == ("depends_on", False, "structure")
    assert typed.evidence[0]["reverse_importing_files"] == 1
    # Text still comes first.
    typed = decide_type(NUMPY, SCIPY, ["numpy uses scipy"], imports)
    assert (typed.type, typed.forward, typed.source) == ("uses", True, "text")


def test_kind_rules_yield_to_imports_only_the_other_way() -> None:
    agrees = {(APP.id, NUMPY.id): CodeImports(importing_files=2, imports=2)}
    assert (decide_type(APP, NUMPY, [], agrees).source) == "kind_pair"
    against = {(NUMPY.id, APP.id): CodeImports(importing_files=2, imports=2)}
    typed = decide_type(APP, NUMPY, [], against)
    assert (typed.type, typed.forward, typed.source) == ("depends_on", False, "structure")


def test_entities_link_to_repositories_by_name_or_project() -> None:
    names = [("Core-Lib",), ("webapp", "web_app"), ("tools",)]
    repositories = [
        RepositoryInfo("r1", "core_lib", None),
        RepositoryInfo("r2", "frontend", "Web App"),
        RepositoryInfo("r3", "unrelated", None),
    ]
    assert linked_repositories(names, repositories) == {"r1": [0], "r2": [1]}
    imports = [
        RepositoryImports(
            "r2", "r1", {("web/a.py", "core_lib/x.py"), ("web/b.py", "core_lib/x.py")}
        ),
        RepositoryImports("r3", "r1", {("u.py", "core_lib/x.py")}),
    ]
    found = entity_imports(names, repositories, imports)
    assert list(found) == [(1, 0)]
    assert found[(1, 0)] == CodeImports(
        importer_repositories=["frontend"],
        imported_repositories=["core_lib"],
        importing_files=2,
        imports=2,
        examples=["web/a.py -> core_lib/x.py", "web/b.py -> core_lib/x.py"],
    )


def test_otherwise_related_to() -> None:
    typed = decide_type(SCIPY, NUMPY, ["scipy and numpy"], {})
    assert (typed.type, typed.source) == ("related_to", "default")


@pytest.mark.parametrize(
    ("text", "kind", "forward"),
    [
        ("scipy is a plugin for numpy", "depends_on", True),
        ("scipy, an extension of numpy", "depends_on", True),
        ("scipy is a thin wrapper around numpy", "depends_on", True),
        ("scipy provides bindings for numpy", "depends_on", True),
        ("scipy is a client for numpy", "depends_on", True),
        ("scipy is built on numpy", "depends_on", True),
        ("numpy is a backend for scipy", "depends_on", True),
        ("numpy: core functionality for scipy", "depends_on", True),
        ("scipy is a port of numpy", "extends", True),
        ("numpy is a fork of scipy", "extends", False),
        ("scipy: fast routines for numpy", "depends_on", True),
    ],
)
def test_directional_phrases(text: str, kind: str, forward: bool) -> None:
    typed = decide_type(SCIPY, NUMPY, [text], {})
    assert (typed.type, typed.forward, typed.source) == (kind, forward, "text")


def test_an_observation_naming_the_other_before_a_directional_noun() -> None:
    plugin = entity("pytest-timeout", "library", "pytest plugin to abort hanging tests")
    pytest_entity = entity("pytest", "library")
    typed = decide_type(pytest_entity, plugin, [], {})
    assert (typed.type, typed.forward, typed.source) == ("depends_on", False, "text")
    stubs = entity("types-cachetools", "library", "Typing stubs for cachetools")
    typed = decide_type(stubs, entity("cachetools", "library"), [], {})
    assert (typed.type, typed.forward) == ("depends_on", True)
    unrelated = entity("other", "library", "Fast pytest runs, for everyone")
    assert decide_type(unrelated, pytest_entity, [], {}).source != "text"
    far = entity("mypy-extensions", "library", "Extensions for programs checked with the mypy")
    assert decide_type(far, entity("mypy", "library"), [], {}).source != "text"
