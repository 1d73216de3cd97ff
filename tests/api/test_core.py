"""node, health and version through GraphQL; /healthz."""

from __future__ import annotations

from starlette.testclient import TestClient

from kgservice.ids import new_id
from tests.api.conftest import GraphQLClient
from tests.conftest import TEST_ENGINE


def create_project(http: TestClient, legacy: str | None = None) -> str:
    stores = http.app.state.stores  # type: ignore[attr-defined]
    project = new_id("Project")
    with stores.graph.transaction() as tx:
        tx.execute_trusted(
            f"CREATE (:Project {{id: '{project}', name: 'demo', namespace: 'default', "
            "created_at: timestamp('2026-01-02T03:04:05')})"
        )
        if legacy:
            tx.execute_trusted(
                f"CREATE (:LegacyKey {{key: '{legacy}', label: 'Project', node_id: '{project}'}})"
            )
    return project


NODE = """
query($id: ID, $legacyId: String) {
  node(id: $id, legacyId: $legacyId) {
    id
    ... on GraphNode { label properties }
    ... on Project { name createdAt }
  }
}
"""


def test_node_by_id_gives_the_typed_object(http: TestClient, gql: GraphQLClient) -> None:
    project = create_project(http)
    node = gql(NODE, id=project)["data"]["node"]
    assert node == {"id": project, "name": "demo", "createdAt": "2026-01-02T03:04:05"}


def test_node_of_a_table_without_a_type_is_generic(http: TestClient, gql: GraphQLClient) -> None:
    stores = http.app.state.stores  # type: ignore[attr-defined]
    assignment = new_id("Assignment")
    with stores.graph.transaction() as tx:
        tx.execute_trusted(
            f"CREATE (:Assignment {{id: '{assignment}', unit_id: 'refactor', "
            "created_at: timestamp('2026-01-02T03:04:05')})"
        )
    node = gql(NODE, id=assignment)["data"]["node"]
    assert node["label"] == "Assignment"
    assert node["properties"]["unit_id"] == "refactor"
    assert node["properties"]["created_at"] == "2026-01-02T03:04:05"
    assert "external_id" not in node["properties"]  # only the table's own columns


def test_node_by_legacy_id(http: TestClient, gql: GraphQLClient) -> None:
    project = create_project(http, legacy="0cc175b9c0f1b6a831c399e269772661")
    body = gql(NODE, legacyId="0cc175b9c0f1b6a831c399e269772661")
    assert body["data"]["node"]["id"] == project
    assert gql(NODE, legacyId="nope")["data"]["node"] is None


def test_unknown_and_untagged_ids_are_null(gql: GraphQLClient) -> None:
    assert gql(NODE, id=new_id("Entity"))["data"]["node"] is None
    assert gql(NODE, id=new_id())["data"]["node"] is None
    assert gql(NODE, id="not-a-ulid")["data"]["node"] is None


def test_node_needs_exactly_one_key(gql: GraphQLClient) -> None:
    body = gql(NODE)
    assert body["errors"][0]["message"] == "node takes exactly one of id and legacyId"
    body = gql(NODE, id=new_id(), legacyId="x")
    assert body["errors"][0]["message"] == "node takes exactly one of id and legacyId"


def test_health_and_version(gql: GraphQLClient) -> None:
    body = gql(
        "{ health { ok graph { ok detail } vectors { ok } } version { service schema graphEngine } }"
    )
    assert body["data"]["health"]["ok"] is True
    engine = body["data"]["version"]["graphEngine"]
    assert body["data"]["health"]["graph"]["detail"].startswith(engine)
    assert body["data"]["version"]["schema"] >= 2
    assert engine == TEST_ENGINE


def test_healthz(http: TestClient) -> None:
    response = http.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["graph"]["ok"] is True


def test_healthz_reports_a_broken_store(http: TestClient) -> None:
    http.app.state.stores.vectors.close()  # type: ignore[attr-defined]
    response = http.get("/healthz")
    assert response.status_code == 503
    assert response.json()["vectors"] == {"ok": False, "detail": "the vector store is closed"}


def test_unexpected_errors_are_masked(http: TestClient, gql: GraphQLClient) -> None:
    stores = http.app.state.stores  # type: ignore[attr-defined]
    stores.graph.catalog._queries.pop("core/node_by_legacy_id")
    body = gql(NODE, legacyId="x")
    assert body["errors"][0]["message"] == "unknown query 'core/node_by_legacy_id'"
    original = stores.graph.columns
    stores.graph.columns = lambda label: (_ for _ in ()).throw(ZeroDivisionError("secret"))
    try:
        body = gql(NODE, id=create_project(http))
    finally:
        stores.graph.columns = original
    assert body["errors"][0]["message"] == "Unexpected error."


def test_root_is_the_playground(http: TestClient) -> None:
    response = http.get("/", follow_redirects=False)
    assert response.headers["content-type"].startswith("text/html")
    if response.status_code == 503:  # the bundle is not built here: the page says how
        assert "npm" in response.text
    else:
        assert response.status_code == 200
        assert "/static/playground.js" in response.text


def test_nodes_keeps_the_order_asked(http: TestClient, gql: GraphQLClient) -> None:
    first, second = create_project(http), create_project(http)
    missing = new_id("Project")
    body = gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=[second, missing, first])
    assert body["data"]["nodes"] == [{"id": second}, None, {"id": first}]
