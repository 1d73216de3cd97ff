"""Schema-wide conventions: exported SDL, request limits, error masking."""

from __future__ import annotations

from kgservice.api.limits import MAX_ALIASES, MAX_DEPTH
from kgservice.cli.graphql_schema import sdl
from kgservice.resources import resource_dir
from tests.api.conftest import GraphQLClient


def test_exported_sdl_matches_the_code() -> None:
    exported = (resource_dir("schema") / "schema.graphql").read_text()
    assert exported == sdl(), "schema/schema.graphql drifted; run: uv run kgservice graphql-schema"


def test_every_mutation_returns_a_union_with_typed_errors() -> None:
    from graphql import GraphQLNonNull, GraphQLUnionType

    from kgservice.api.schema import build_schema

    mutation = build_schema()._schema.mutation_type
    assert mutation is not None
    for name, field in mutation.fields.items():
        result = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        assert isinstance(result, GraphQLUnionType), name
        members = {member.name for member in result.types}
        assert {"ValidationError", "NotFoundError", "ConflictError"} <= members, name
        assert list(field.args) == ["input"], name


def test_depth_limit(gql: GraphQLClient) -> None:
    inner = "id"
    for _ in range(6):
        inner = f"latestSession {{ project {{ {inner} }} }}"
    body = gql(f'{{ project(id: "x") {{ {inner} }} }}')
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    assert MAX_DEPTH == 10


def test_alias_limit(gql: GraphQLClient) -> None:
    query = "{ " + " ".join(f"a{i}: version {{ service }}" for i in range(MAX_ALIASES + 1)) + " }"
    body = gql(query)
    assert "aliases" in body["errors"][0]["message"].lower()


def test_token_limit(gql: GraphQLClient) -> None:
    query = "{ " + " ".join("version { service }" for _ in range(2000)) + " }"
    body = gql(query)
    assert "token" in body["errors"][0]["message"].lower()


def test_service_keeps_serving_after_limit_errors(gql: GraphQLClient) -> None:
    gql("{ " + " ".join("version { service }" for _ in range(2000)) + " }")
    assert gql("{ version { service } }")["data"]["version"]["service"]
