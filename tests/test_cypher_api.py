"""POST /cypher, the named queries and `kg cypher`, over a real embedded FalkorDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import bearer
from fastapi.testclient import TestClient
from graph_fixtures import falkordb_settings

from api.app import create_app
from api.deps import Services
from cli import main as cli
from kg.settings import get_settings
from vectors.encoder import ModelEncoder


@pytest.fixture(scope="module")
def graph_services(
    tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder
) -> Iterator[Services]:
    """Services whose graph is an embedded FalkorDB holding a small dense graph."""
    services = Services(falkordb_settings(tmp_path_factory.mktemp("cy")), encoder)
    store = services.graph
    store.ensure_schema()
    store.write(
        "UNWIND range(1, 25) AS i "
        "CREATE (:Initiative {id: 'i' + toString(i), name: 'Op ' + toString(i)})"
    )
    store.write("MATCH (a:Initiative), (b:Initiative) WHERE a <> b CREATE (a)-[:DEPENDS_ON]->(b)")
    yield services
    services.close()


@pytest.fixture(scope="module")
def client(graph_services: Services) -> Iterator[TestClient]:
    with TestClient(
        create_app(graph_services.settings, graph_services), headers=bearer(graph_services.settings)
    ) as c:
        yield c


def _counts(services: Services) -> tuple[Any, Any]:
    nodes = services.graph.read("MATCH (n) RETURN count(n)").rows[0][0]
    rels = services.graph.read("MATCH ()-[r]->() RETURN count(r)").rows[0][0]
    return nodes, rels


def test_cypher_returns_columns_and_rows(client: TestClient) -> None:
    r = client.post(
        "/cypher",
        json={
            "query": "MATCH (i:Initiative {id: $id}) RETURN i.name AS name",
            "params": {"id": "i3"},
        },
    )
    assert r.status_code == 200
    assert r.json() == {"columns": ["name"], "rows": [["Op 3"]], "truncated": False}


def test_cypher_row_cap_truncates(client: TestClient) -> None:
    r = client.post("/cypher", json={"query": "MATCH (i:Initiative) RETURN i.id", "maxRows": 5})
    body = r.json()
    assert r.status_code == 200 and len(body["rows"]) == 5 and body["truncated"] is True


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("CREATE (n:Person {id: 'x'}) RETURN n", "CREATE"),
        ("MERGE (n:Person {id: 'x'}) RETURN n", "MERGE"),
        ("MATCH (i:Initiative {id: 'i1'}) SET i.name = 'x' RETURN i", "SET"),
        ("MATCH (i:Initiative {id: 'i1'}) DELETE i", "DELETE"),
        ("MATCH (i:Initiative {id: 'i1'}) DETACH DELETE i", "DETACH"),
        ("MATCH (i:Initiative {id: 'i1'}) REMOVE i.name RETURN i", "REMOVE"),
        ("LOAD CSV FROM 'https://example.org/x.csv' AS row RETURN row", "LOAD CSV"),
        ("USE other MATCH (n) RETURN n", "USE"),
        ("MATCH (n) RETURN n; MATCH (m) RETURN m", "statement"),
        ("CALL db.idx.fulltext.drop('Initiative')", "CALL"),
        ("CALL dbms.killQueries(['x'])", "CALL"),
        ("MATCH (n) CALL { WITH n CREATE (:X) } RETURN n", "CREATE"),
    ],
)
def test_cypher_refuses_changes_with_a_4xx_and_changes_nothing(
    client: TestClient, graph_services: Services, query: str, named: str
) -> None:
    before = _counts(graph_services)
    r = client.post("/cypher", json={"query": query})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "query_rejected" and named.lower() in error["message"].lower()
    assert _counts(graph_services) == before


def test_runaway_query_times_out_cleanly(client: TestClient, graph_services: Services) -> None:
    r = client.post(
        "/cypher",
        json={
            "query": "MATCH p = (:Initiative)-[:DEPENDS_ON*]->(:Initiative) RETURN count(p)",
            "timeoutMs": 300,
        },
    )
    assert r.status_code == 408
    assert r.json()["error"]["code"] == "query_timeout"
    assert client.post("/cypher", json={"query": "RETURN 1 AS one"}).json()["rows"] == [[1]]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"query": ""},
        {"query": "RETURN 1", "timeoutMs": 0},
        {"query": "RETURN 1", "maxRows": -1},
        {"query": "RETURN 1", "extra": True},
        {"query": "RETURN 1", "params": [1, 2]},
    ],
)
def test_cypher_validation_errors_are_422(client: TestClient, body: dict[str, Any]) -> None:
    r = client.post("/cypher", json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"


def test_cypher_over_the_length_limit_is_refused(client: TestClient) -> None:
    long = "RETURN 1 AS x" + " " * 20_000
    r = client.post("/cypher", json={"query": long})
    assert r.status_code == 400 and "limit" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "hostile", ["it's", 'say "hi"', "back\\slash", "`tick`", "line\nbreak", "$dollar"]
)
def test_hostile_parameters_are_values_not_text(client: TestClient, hostile: str) -> None:
    r = client.post("/cypher", json={"query": "RETURN $v AS v", "params": {"v": hostile}})
    assert r.status_code == 200 and r.json()["rows"] == [[hostile]]


def test_named_queries_are_listed_with_their_headers(client: TestClient) -> None:
    listed = {q["name"]: q for q in client.get("/queries").json()}
    assert "documents" in listed
    assert listed["documents"]["answers"] and listed["documents"]["returns"]


def test_named_query_runs_and_checks_its_parameters(client: TestClient) -> None:
    documents = next(q for q in client.get("/queries").json() if q["name"] == "documents")
    ok = client.post("/queries/documents", json={"params": documents["example"]})
    assert ok.status_code == 200 and ok.json()["columns"] == documents["returns"]
    missing = client.post("/queries/documents", json={"params": {}})
    if documents["parameters"]:
        assert missing.status_code == 422 and "missing" in missing.json()["error"]["message"]
    unknown = client.post("/queries/documents", json={"params": {**documents["example"], "zz": 1}})
    assert unknown.status_code == 422 and "zz" in unknown.json()["error"]["message"]
    assert client.post("/queries/nope", json={}).status_code == 404


def test_kg_cypher_prints_json_and_refuses_writes(
    graph_services: Services, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = graph_services.settings
    monkeypatch.setenv("KG_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        code = cli.main(
            [
                "cypher",
                "MATCH (i:Initiative {id: $id}) RETURN i.name AS name",
                "--param",
                "id=i7",
                "--json",
            ]
        )
        assert code == 0
        assert capsys.readouterr().out.strip() == (
            '{"columns": ["name"], "rows": [["Op 7"]], "truncated": false}'
        )
        assert cli.main(["cypher", "MATCH (i:Initiative) DELETE i"]) == 1
        assert "DELETE" in capsys.readouterr().err
        assert graph_services.graph.read("MATCH (i:Initiative) RETURN count(i)").rows == [[25]]
        with pytest.raises(SystemExit) as usage:
            cli.main(["cypher", "RETURN 1", "--param", "noequals"])
        assert usage.value.code == 2
    finally:
        get_settings.cache_clear()


def test_queries_dir_default_is_the_repository_cypher_folder() -> None:
    assert (Path(__file__).resolve().parents[1] / "cypher") == get_settings().graph.queries_dir
