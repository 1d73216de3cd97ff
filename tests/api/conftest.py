"""The ASGI app over HTTP (httpx through Starlette's TestClient, lifespan included)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from kgservice.api.app import create_app
from kgservice.embedding import Embedder
from kgservice.settings import Settings


class GraphQLClient:
    """Posts GraphQL documents to /graphql and returns the decoded JSON body."""

    def __init__(self, http: TestClient) -> None:
        self.http = http

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def http(settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client


@pytest.fixture
def gql(http: TestClient) -> GraphQLClient:
    return GraphQLClient(http)
