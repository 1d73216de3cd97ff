"""Code files and symbols as mention targets, and imports between projects' repositories."""

from __future__ import annotations

from pathlib import Path

from kgservice.services.codegraph.mention_targets import CodeMatcher
from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage
from tests.codegraph_fixture import make_repository, write_files

MENTIONS = """
MATCH (t)-[:MENTIONS]->(c) WHERE label(c) IN ['CodeFile', 'Symbol']
RETURN t.id AS text_id, label(c) AS label, c.id AS id
"""


def test_matcher_finds_paths_and_qualified_names() -> None:
    matcher = CodeMatcher.from_rows(
        [
            {
                "file_id": "F",
                "path": "kgservice/stores/graph.py",
                "symbol_id": "M",
                "qualname": "kgservice.stores.graph",
                "module": "kgservice.stores.graph",
            },
            {
                "file_id": "F",
                "path": "kgservice/stores/graph.py",
                "symbol_id": "S",
                "qualname": "kgservice.stores.graph.GraphStore.checkpoint",
                "module": "kgservice.stores.graph",
            },
            {
                "file_id": "F",
                "path": "kgservice/stores/graph.py",
                "symbol_id": "C",
                "qualname": "kgservice.stores.graph.GraphStore",
                "module": "kgservice.stores.graph",
            },
        ]
    )
    assert matcher.targets_in("see /work/x/kgservice/stores/graph.py: line 3") == {"F"}
    assert matcher.targets_in("GraphStore.checkpoint() stalls.") == {"S"}
    assert matcher.targets_in("self.store.GraphStore.checkpoint") == {"S"}
    assert matcher.targets_in("import kgservice.stores.graph") == {"M"}
    # A bare class name, other case or spacing is not a code mention.
    assert matcher.targets_in("GraphStore is slow; graphstore.checkpoint") == set()
    assert matcher.targets_in("graph store checkpoint") == set()


def test_texts_link_to_code_when_written_and_when_code_is_indexed(
    services: Services, tmp_path: Path
) -> None:
    project = services.sessions.create_project("fixture")
    session = services.sessions.create_session(project.id, "agent-1")
    thread = services.sessions.create_thread(session.id, "t").id
    before = services.memory.store_reflection(
        "We should split app/models.py before touching Base.validate.", project.id
    )
    root = tmp_path / "fixture"
    make_repository(root)
    report = services.codegraph.index(str(root))
    assert report.mentions == 2  # the stored reflection, linked when the code was indexed
    (after,) = services.sessions.add_messages(
        thread, [NewMessage("user", "app.store.load calls make_user; see app/cli.py")]
    )
    found = services.stores.graph.execute_catalog(MENTIONS)
    graph = services.codegraph.commit_graph("fixture", None, "default")
    names = {**{f.id: f.path for f in graph.files}, **{s.id: s.qualname for s in graph.symbols}}
    linked = {(row["text_id"], names[row["id"]]) for row in found}
    assert linked == {
        (before.id, "app/models.py"),
        (before.id, "app.models.Base.validate"),
        (after.id, "app.store.load"),
        (after.id, "app/cli.py"),
    }


def test_imports_between_projects_repositories(services: Services, tmp_path: Path) -> None:
    lib_project = services.sessions.create_project("libb")
    app_project = services.sessions.create_project("appa")
    lib = tmp_path / "libb"
    write_files(lib, {"libb/__init__.py": "", "libb/core.py": "def run():\n    return 1\n"})
    app = tmp_path / "appa"
    write_files(app, {"appa/__init__.py": "", "appa/main.py": "from libb.core import run\n"})
    services.codegraph.index(str(lib), project_id=lib_project.id)
    report = services.codegraph.index(str(app), project_id=app_project.id)
    assert report.imports == 1
    graph = services.stores.graph
    projects = {
        r["id"]: r["project"] for r in graph.run("discovery/repositories", {"namespace": "default"})
    }
    rows = graph.run("discovery/code_imports", {"namespace": "default"})
    assert [
        (projects[r["from_repository"]], r["from_path"], projects[r["to_repository"]], r["to_path"])
        for r in rows
    ] == [("appa", "appa/main.py", "libb", "libb/core.py")]
    # Within a commit, only the repository's own imports count.
    assert services.codegraph.commit_graph("appa", None, "default").module_imports() == []


def test_mentioned_by_pages_newest_first_within_namespaces(
    services: Services, tmp_path: Path
) -> None:
    project = services.sessions.create_project("fixture")
    root = tmp_path / "fixture"
    make_repository(root)
    services.codegraph.index(str(root))
    texts = [
        services.memory.store_reflection(f"app/cli.py, note {n}: Base.validate", project.id)
        for n in range(3)
    ]
    graph = services.codegraph.commit_graph("fixture", None, "default")
    (cli,) = [f.id for f in graph.files if f.path == "app/cli.py"]
    (validate,) = [s.id for s in graph.symbols if s.qualname == "app.models.Base.validate"]
    codegraph = services.codegraph
    newest = [node["id"] for _, node in codegraph.mentioned_by("CodeFile", cli, None, None, 2)]
    assert newest == [texts[2].id, texts[1].id]
    older = codegraph.mentioned_by("CodeFile", cli, texts[1].id, None, 2)
    assert [(label, node["id"]) for label, node in older] == [("Reflection", texts[0].id)]
    oldest = codegraph.mentioned_by("Symbol", validate, None, None, 2, backward=True)
    assert [node["id"] for _, node in oldest] == [texts[0].id, texts[1].id]
    before = codegraph.mentioned_by("Symbol", validate, None, texts[0].id, 5, backward=True)
    assert [node["id"] for _, node in before] == [texts[1].id, texts[2].id]
    assert codegraph.count_mentioned_by("CodeFile", cli) == 3
    assert codegraph.count_mentioned_by("Symbol", validate, {"default"}) == 3
    assert codegraph.count_mentioned_by("Symbol", validate, {"other"}) == 0
    assert codegraph.count_mentioned_by("Symbol", validate, set()) == 0
    assert codegraph.mentioned_by("CodeFile", cli, None, None, 5, namespaces={"other"}) == []
