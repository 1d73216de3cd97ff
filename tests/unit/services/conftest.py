"""Services over real stores in a temporary directory, and a thread to write into."""

from __future__ import annotations

import pytest

from kgservice.embedding import Embedder
from kgservice.services.registry import Services
from kgservice.stores.opening import Stores


@pytest.fixture
def services(stores: Stores, embedder: Embedder) -> Services:
    return Services.create(stores, embedder)


@pytest.fixture
def thread_id(services: Services) -> str:
    project = services.sessions.create_project("kg")
    session = services.sessions.create_session(project.id, "agent-1")
    return services.sessions.create_thread(session.id, "t").id
