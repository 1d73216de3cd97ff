"""``kgservice link-mentions``: the mention backfill from the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kgservice.cli import app
from kgservice.embedding import Embedder
from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage
from kgservice.settings import Settings
from kgservice.stores.opening import open_stores


def test_link_mentions_dry_run_then_for_real(
    settings: Settings, data_dir: Path, embedder: Embedder
) -> None:
    with open_stores(settings) as stores:
        services = Services.create(stores, embedder)
        project = services.sessions.create_project("p")
        session = services.sessions.create_session(project.id, "s")
        thread = services.sessions.create_thread(session.id, "t")
        services.entities.create("typer", "library")
        services.sessions.add_messages(
            thread.id, [NewMessage("user", f"typer command {i}") for i in range(3)]
        )
        with stores.graph.transaction() as tx:  # texts written before linking existed
            tx.execute_trusted("MATCH (:Message)-[m:MENTIONS]->(:Entity) DELETE m")
    runner = CliRunner()
    engine = ["--data-dir", str(data_dir)]
    dry = runner.invoke(
        app, ["link-mentions", *engine, "--dry-run"], env={"KG_GRAPH_ENGINE": settings.graph_engine}
    )
    assert dry.exit_code == 0, dry.output
    assert "scanned 3 texts; would link 3 mentions (Message 3)" in dry.stdout
    done = runner.invoke(
        app, ["link-mentions", *engine], env={"KG_GRAPH_ENGINE": settings.graph_engine}
    )
    assert "linked 3 mentions" in done.stdout
    again = runner.invoke(
        app, ["link-mentions", *engine], env={"KG_GRAPH_ENGINE": settings.graph_engine}
    )
    assert "linked 0 mentions" in again.stdout
