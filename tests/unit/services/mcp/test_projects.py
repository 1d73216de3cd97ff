"""Projects by name or id, created on a name's first use."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from kgservice.errors import InputError, NotFoundError
from kgservice.ids import new_id
from kgservice.services.mcp.projects import ProjectDirectory
from kgservice.services.registry import Services


@pytest.fixture
def directory(services: Services) -> ProjectDirectory:
    return ProjectDirectory(services.stores.graph)


def test_a_name_is_created_once_then_found(directory: ProjectDirectory) -> None:
    assert directory.find("kgservice", "default") is None
    created, was_new = directory.find_or_create("kgservice", "default")
    again, again_new = directory.find_or_create("kgservice", "default")
    assert was_new
    assert not again_new
    assert again == created
    assert directory.find(created.id, "elsewhere") == created  # an id ignores the namespace
    assert directory.find("kgservice", "default") == created


def test_names_are_per_namespace_and_exact(directory: ProjectDirectory) -> None:
    default, _ = directory.find_or_create("app", "default")
    other, _ = directory.find_or_create("app", "team")
    assert default.id != other.id
    assert other.namespace == "team"
    assert directory.find("App", "default") is None


def test_the_oldest_of_same_named_projects_wins(
    services: Services, directory: ProjectDirectory
) -> None:
    first = services.sessions.create_project("twin")
    services.sessions.create_project("twin")
    assert directory.find("twin", "default") == first


def test_concurrent_first_uses_create_one_project(directory: ProjectDirectory) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(lambda _: directory.find_or_create("raced", "default"), range(8)))
    assert len({project.id for project, _ in found}) == 1
    assert sum(created for _, created in found) == 1


def test_an_unknown_id_is_not_a_name(directory: ProjectDirectory) -> None:
    missing = new_id("Project")
    with pytest.raises(NotFoundError, match=f"project {missing} not found"):
        directory.find_or_create(missing, "default")
    assert directory.find(missing, "default") is None


@pytest.mark.parametrize("bad", ["", "   ", "x" * 201, "a\x00b"])
def test_bad_names_are_refused(directory: ProjectDirectory, bad: str) -> None:
    with pytest.raises(InputError) as refused:
        directory.find_or_create(bad, "default")
    assert refused.value.field == "project"


def test_newest_projects_of_some_namespaces(directory: ProjectDirectory) -> None:
    made = [
        directory.find_or_create(name, ns)[0] for name, ns in (("1", "a"), ("2", "b"), ("3", "a"))
    ]
    newest = directory.newest(10)
    assert [p.id for p in newest] == sorted((p.id for p in made), reverse=True)  # ids sort by time
    assert [p.id for p in directory.newest(1)] == [newest[0].id]
    in_a = directory.newest(10, {"a"})
    assert {p.id for p in in_a} == {made[0].id, made[2].id}
    assert directory.newest(10, set()) == []
