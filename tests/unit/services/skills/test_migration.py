"""Migration 0004_skills: its down step restores exactly the schema before it."""

from __future__ import annotations

from kgservice.stores.migrations import discover_migrations
from kgservice.stores.opening import Stores
from kgservice.stores.schema_dump import render_graph_schema


def test_down_restores_the_schema_before_skills(stores: Stores) -> None:
    version = next(m.version for m in discover_migrations() if m.name == "skills")
    migrator = stores.migrator()
    migrator.down(to=0)
    migrator.up(to=version - 1)
    before = render_graph_schema(stores.graph)
    migrator.up()
    migrator.down(to=version - 1)
    assert render_graph_schema(stores.graph) == before
    count = stores.graph.execute_catalog("MATCH (c:SkillCategory) RETURN count(*) AS n")
    assert count == [{"n": 0}]
    migrator.up()
    names = stores.graph.execute_catalog("MATCH (c:SkillCategory) RETURN c.name AS name")
    assert len(names) == 6
