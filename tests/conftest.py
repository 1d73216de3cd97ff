"""Fixtures: real stores in a temporary directory, never mocks of them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgservice.embedding import Embedder
from kgservice.settings import Settings, load_settings
from kgservice.stores.opening import Stores, open_stores

#: The graph engine under test. kuzu and ladybug cannot share a process (their bindings
#: register the same native types), so tests/unit/stores/test_engines.py reruns the store
#: tests in a subprocess with KGTEST_ENGINE=ladybug, and .ci/run reruns tests/api so.
TEST_ENGINE = os.environ.get("KGTEST_ENGINE", "kuzu")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no KG_* settings from the developer's shell, but the engine under test.

    Settings a test builds itself (and servers it starts) then open the same engine: a
    second engine in one process would crash it.
    """
    for name in list(os.environ):
        if name.startswith("KG_"):
            monkeypatch.delenv(name)
    if TEST_ENGINE != "kuzu":
        monkeypatch.setenv("KG_GRAPH_ENGINE", TEST_ENGINE)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return load_settings(
        data_dir=data_dir,
        buffer_pool_mb=256 if TEST_ENGINE == "ladybug" else 128,  # Ladybug needs more memory
        read_connections=2,
        graph_engine=TEST_ENGINE,
    )


@pytest.fixture
def stores(settings: Settings) -> Iterator[Stores]:
    with open_stores(settings) as opened:
        yield opened


@pytest.fixture
def engine_stores(stores: Stores) -> Stores:
    """Migrated stores on the engine under test (see TEST_ENGINE)."""
    return stores


@pytest.fixture(scope="session")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> Embedder:
    """One real fp32 MiniLM embedder for the whole run (its ONNX graph is built once)."""
    model = Embedder(tmp_path_factory.mktemp("model-cache"))
    model.load()
    return model
