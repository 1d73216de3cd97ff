"""kgservice backfill: messages stored without a place in their thread get it back."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kgservice.cli import app
from kgservice.embedding import Embedder
from kgservice.services.registry import Services
from kgservice.services.sessions import NewMessage
from kgservice.settings import Settings
from kgservice.stores.opening import open_stores


def test_backfill_places_messages(
    settings: Settings, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_stores(settings) as stores:
        services = Services.create(stores, embedder)
        project = services.sessions.create_project("kg")
        session = services.sessions.create_session(project.id, "agent-1")
        thread = services.sessions.create_thread(session.id, "t")
        services.sessions.add_messages(
            thread.id, [NewMessage("user", "one"), NewMessage("user", "two")]
        )
        with stores.vectors.transaction() as connection:  # as before migration 0007
            connection.execute("UPDATE node_text SET thread_id = NULL, position = NULL")
    monkeypatch.setenv("KG_CACHE_DIR", str(Path(embedder.cache_dir)))
    monkeypatch.setenv("KG_BUFFER_POOL_MB", "128")
    result = CliRunner().invoke(app, ["backfill", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 0, result.output
    assert "placed 2 messages in their threads" in result.output
    again = CliRunner().invoke(app, ["backfill", "--data-dir", str(settings.data_dir)])
    assert "placed" not in again.output
