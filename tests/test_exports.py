"""Graph exports: GraphML re-imported by networkx, CSV read by the csv module, i2 sheets and
timelines, each checked against the Cypher counts of the same subgraph, and bounded by the
caller's role and clearance.

One small corpus written here (invented people and initiatives), indexed once for the module:
a dependency chain, a person whose rank changes between two documents, and a SECRET briefing
that links a hidden person and initiative to a visible one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import networkx as nx
import pytest
from conftest import bearer, index_of
from fastapi.testclient import TestClient
from test_entities import CHAIN_CORPUS

from api import export_sheets, exports
from api.app import create_app
from api.deps import Services
from kg.audit import AuditLog
from kg.settings import Settings
from vectors.encoder import ModelEncoder

# The entity tests' papers, with markup in a quote for the writers to escape, and a SECRET
# briefing.
PAPERS = {
    **CHAIN_CORPUS,
    "update.txt": """Harbour Resilience Update
9 February 2021

1. Superintendent Ivo Brannock leads Operation Lantern ("Safe & Sound <North>").
""",
    "covert.txt": """SECRET
Covert Harbour Briefing
5 May 2020

1. Superintendent Ophelia Quenby leads Operation Lantern.
2. Operation Zanzibar relies on Operation Lantern.
""",
}
# Words only the SECRET briefing holds: no export to a caller below SECRET may contain one.
SECRET_WORDS = ("Quenby", "Zanzibar", "covert.txt", "Covert Harbour Briefing")
LANTERN = "initiative:lantern"
BRANNOCK = "person:ivo-brannock"
HIDDEN = ("MENTIONED_IN", "FROM_DOCUMENT")
ENTITY_NODES = "MATCH (n) WHERE NOT n:Document AND NOT n:Chunk RETURN count(n)"
FACTS = "MATCH ()-[r]->() WHERE NOT type(r) IN ['MENTIONED_IN', 'FROM_DOCUMENT'] RETURN count(r)"


@pytest.fixture(scope="module")
def papers(
    tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder
) -> Iterator[tuple[Settings, Services]]:
    settings = index_of(tmp_path_factory.mktemp("exports"), encoder, PAPERS)
    services = Services(settings, encoder)
    yield settings, services
    services.close()


def _client(papers: tuple[Settings, Services], role: str, clearance: str) -> Iterator[TestClient]:
    settings, services = papers
    app = create_app(settings, services)
    with TestClient(app, headers=bearer(settings, role, clearance)) as client:
        yield client


@pytest.fixture(scope="module")
def analyst(papers: tuple[Settings, Services]) -> Iterator[TestClient]:
    """An analyst who may see every paper."""
    yield from _client(papers, "analyst", "TOP SECRET")


@pytest.fixture(scope="module")
def official(papers: tuple[Settings, Services]) -> Iterator[TestClient]:
    """An analyst cleared to OFFICIAL: the SECRET briefing does not exist for them."""
    yield from _client(papers, "analyst", "OFFICIAL")


@pytest.fixture(scope="module")
def reader(papers: tuple[Settings, Services]) -> Iterator[TestClient]:
    yield from _client(papers, "reader", "TOP SECRET")


def cypher(client: TestClient, query: str, **params: Any) -> dict[str, Any]:
    response = client.post("/cypher", json={"query": query, "params": params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def count(client: TestClient, query: str, **params: Any) -> int:
    value: int = cypher(client, query, **params)["rows"][0][0]
    return value


def download(
    client: TestClient, method: str, url: str, media: str, **kwargs: Any
) -> tuple[str, str]:
    """(body, file name) of an export, after checking its status and headers."""
    response = client.request(method, url, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == f"{media}; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="') and disposition.endswith('"')
    assert response.headers["x-kg-truncated"] == "false"
    return response.text, disposition[len('attachment; filename="') : -1]


def graphml(client: TestClient, method: str, url: str, **kwargs: Any) -> nx.MultiDiGraph:
    text, name = download(client, method, url, "application/graphml+xml", **kwargs)
    assert name.endswith(".graphml")
    graph = nx.read_graphml(io.BytesIO(text.encode("utf-8")), force_multigraph=True)
    assert isinstance(graph, nx.MultiDiGraph)
    return graph


def sheet(client: TestClient, method: str, url: str, **kwargs: Any) -> list[dict[str, str]]:
    text, name = download(client, method, url, "text/csv", **kwargs)
    assert name.endswith(".csv")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"].strip()
    message: str = error["message"]
    return message


# -- GraphML ----------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_a_neighbourhood_graphml_has_the_nodes_and_edges_cypher_counts(
    analyst: TestClient, depth: int
) -> None:
    graph = graphml(
        analyst, "GET", "/export/graph.graphml", params={"entity": LANTERN, "depth": depth}
    )
    # The same subgraph in Cypher: the entities within depth hops, and every relationship
    # with an end closer than depth hops (each hop reads all of its frontier's relationships).
    ids = cypher(
        analyst,
        f"MATCH p = (c:Initiative {{id: $id}})-[*0..{depth}]-(n) "
        "WHERE all(r IN relationships(p) WHERE NOT type(r) IN ['MENTIONED_IN', 'FROM_DOCUMENT']) "
        "RETURN DISTINCT n.id",
        id=LANTERN,
    )["rows"]
    relationships = count(
        analyst,
        f"MATCH p = (c:Initiative {{id: $id}})-[*0..{depth - 1}]-(n) "
        "WHERE all(r IN relationships(p) WHERE NOT type(r) IN ['MENTIONED_IN', 'FROM_DOCUMENT']) "
        "WITH DISTINCT n MATCH (n)-[r]-() WHERE NOT type(r) IN ['MENTIONED_IN', 'FROM_DOCUMENT'] "
        "RETURN count(DISTINCT r)",
        id=LANTERN,
    )
    assert set(graph.nodes) == {row[0] for row in ids}
    assert graph.number_of_edges() == relationships > 0
    # ... and it is the subgraph the neighbours route returns.
    hood = analyst.get(f"/entities/{LANTERN}/neighbours", params={"depth": depth}).json()
    assert set(graph.nodes) == {n["id"] for n in hood["nodes"]}
    assert sorted(
        (s, t, d["relation"], d["docId"]) for s, t, d in graph.edges(data=True)
    ) == sorted((e["source"], e["target"], e["relation"], e["docId"]) for e in hood["edges"])
    for node in hood["nodes"]:
        assert graph.nodes[node["id"]] == {
            "type": node["type"],
            "name": node["name"],
            "depth": node["depth"],
        }
    assert graph.graph["truncated"] is False


def test_edges_carry_their_provenance_with_quotes_and_ampersands_intact(
    analyst: TestClient,
) -> None:
    graph = graphml(analyst, "GET", "/export/graph.graphml", params={"entity": BRANNOCK})
    edges = {d["docId"]: d for _, target, d in graph.edges(data=True) if target == LANTERN}
    assert set(edges) == {"resilience.txt", "update.txt"}
    update = edges["update.txt"]
    assert update["relation"] == "LEADS" and update["asOf"] == "2021-02-09"
    assert update["marking"] == "OFFICIAL"
    assert '("Safe & Sound <North>")' in update["quote"]  # escaped in the file, intact here
    assert edges["resilience.txt"]["quote"] == (
        "Chief Superintendent Ivo Brannock leads Operation Lantern."
    )


def test_the_whole_graph_graphml_has_every_entity_and_fact(analyst: TestClient) -> None:
    graph = graphml(analyst, "GET", "/export/graph.graphml")
    assert graph.number_of_nodes() == count(analyst, ENTITY_NODES)
    assert graph.number_of_edges() == count(analyst, FACTS)
    assert {"person:ophelia-quenby", "initiative:zanzibar", LANTERN} <= set(graph.nodes)
    assert not any(d["type"] in ("Document", "Chunk") for _, d in graph.nodes(data=True))


def test_a_query_graphml_has_the_nodes_and_relationships_it_returns(analyst: TestClient) -> None:
    query = "MATCH (a)-[r:DEPENDS_ON]->(b) RETURN a, r, b"
    graph = graphml(analyst, "POST", "/export/graphml", json={"query": query})
    nodes = count(
        analyst,
        "MATCH (a)-[:DEPENDS_ON]->(b) WITH collect(DISTINCT a) + collect(DISTINCT b) AS ns "
        "UNWIND ns AS n RETURN count(DISTINCT n)",
    )
    assert graph.number_of_nodes() == nodes
    assert graph.number_of_edges() == count(analyst, "MATCH ()-[r:DEPENDS_ON]->() RETURN count(r)")
    assert {d["relation"] for _, _, d in graph.edges(data=True)} == {"DEPENDS_ON"}
    assert graph.has_edge(LANTERN, "unit:harbour-data-hub")
    assert graph.nodes[LANTERN]["name"] == "Lantern"
    assert graph.nodes[LANTERN]["type"] == "Initiative"


def test_a_query_of_relationships_alone_brings_their_end_nodes(analyst: TestClient) -> None:
    graph = graphml(
        analyst, "POST", "/export/graphml", json={"query": "MATCH ()-[r:LEADS]->() RETURN r"}
    )
    ends = count(
        analyst,
        "MATCH (a)-[:LEADS]->(b) WITH collect(DISTINCT a) + collect(DISTINCT b) AS ns "
        "UNWIND ns AS n RETURN count(DISTINCT n)",
    )
    assert graph.number_of_nodes() == ends
    assert graph.number_of_edges() == count(analyst, "MATCH ()-[r:LEADS]->() RETURN count(r)")
    assert graph.nodes[BRANNOCK]["type"] == "Person"
    assert graph.number_of_edges(BRANNOCK, LANTERN) == 2  # one relationship per document


def test_graphml_escapes_markup_and_drops_what_xml_cannot_hold() -> None:
    tricky = "a \"quoted\" <b> & 'c'\x01\x1f end"
    sub = exports.Subgraph(
        nodes=[
            exports.ExportNode('x"<&>', "Type & Co", tricky, {"n": 3, "flag": True}),
            exports.ExportNode("y", "T", None, {"n": 4.5, "flag": False}),
        ],
        edges=[exports.ExportEdge("e0", 'x"<&>', "y", "R", "d.txt", None, tricky)],
        truncated=True,
        description="<test>",
    )
    graph = nx.read_graphml(io.BytesIO(b"".join(exports.graphml(sub))))
    clean = "a \"quoted\" <b> & 'c' end"
    assert graph.nodes['x"<&>'] == {"type": "Type & Co", "name": clean, "n": 3.0, "flag": True}
    assert graph.nodes["y"] == {"type": "T", "n": 4.5, "flag": False}
    edge = {"id": "e0", "relation": "R", "docId": "d.txt", "quote": clean}
    assert graph.edges['x"<&>', "y"] == edge
    assert (graph.graph["description"], graph.graph["truncated"]) == ("<test>", True)


# -- CSV --------------------------------------------------------------------------------------


def test_a_query_csv_has_the_cypher_columns_and_rows(analyst: TestClient) -> None:
    query = (
        "MATCH (a:Initiative)-[r]->(b) RETURN a.name AS name, a, r, b.id AS target ORDER BY name"
    )
    expected = cypher(analyst, query)
    text, name = download(analyst, "POST", "/export/csv", "text/csv", json={"query": query})
    assert name == "query.csv"
    header, *rows = rows_of(text)
    assert header == expected["columns"] == ["name", "a", "r", "target"]
    assert len(rows) == len(expected["rows"]) > 0
    for row, want in zip(rows, expected["rows"], strict=True):
        node, rel = want[1], want[2]
        assert row[0] == want[0] and row[3] == want[3]
        assert row[1] == node["properties"]["id"]  # a node: its id, not a JSON blob
        assert row[2] == f"{node['properties']['id']}-[:{rel['type']}]->{want[3]}"


def test_a_named_query_csv_has_its_columns_and_rows(analyst: TestClient) -> None:
    params = {"entityId": LANTERN}
    expected = analyst.post("/queries/who_leads", json={"params": params}).json()
    text, name = download(
        analyst, "POST", "/export/csv", "text/csv", json={"name": "who_leads", "params": params}
    )
    assert name == "who_leads.csv"
    header, *rows = rows_of(text)
    assert header == expected["columns"]
    assert len(rows) == len(expected["rows"]) > 0
    assert any("Ivo Brannock" in cell for row in rows for cell in row)


def test_csv_cells_that_a_spreadsheet_would_run_are_defused() -> None:
    text = "".join(
        export_sheets.write_csv(["a", "b", "c"], [["=HYPERLINK(1)", -3, "+1"], ["@x", None, "ok"]])
    )
    assert rows_of(text) == [["a", "b", "c"], ["'=HYPERLINK(1)", "-3", "'+1"], ["'@x", "", "ok"]]


# -- i2 Analyst's Notebook ----------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"entity": LANTERN, "depth": 2}])
def test_i2_sheets_link_only_entities_the_entity_sheet_lists(
    analyst: TestClient, params: dict[str, Any]
) -> None:
    entities = sheet(analyst, "GET", "/export/i2/entities.csv", params=params)
    links = sheet(analyst, "GET", "/export/i2/links.csv", params=params)
    assert list(entities[0]) == list(export_sheets.I2_ENTITY_COLUMNS)
    assert list(links[0]) == list(export_sheets.I2_LINK_COLUMNS)
    identities = [e["identity"] for e in entities]
    assert len(identities) == len(set(identities))
    assert len({link["link_identity"] for link in links}) == len(links) > 0
    for link in links:
        assert link["from_identity"] in identities and link["to_identity"] in identities
        assert link["type"] and link["label"] and link["source"] and link["date"]
        assert link["quote"] and link["marking"] in ("OFFICIAL", "SECRET")
    for entity in entities:
        assert entity["type"] and entity["label"]
        assert entity["source"] in PAPERS and entity["date"] and entity["quote"]
    graph = graphml(analyst, "GET", "/export/graph.graphml", params=params)
    assert set(identities) == set(graph.nodes)
    assert len(links) == graph.number_of_edges()


def test_the_i2_entity_sheet_gives_each_entity_its_first_mention(analyst: TestClient) -> None:
    entities = {e["identity"]: e for e in sheet(analyst, "GET", "/export/i2/entities.csv")}
    brannock = entities[BRANNOCK]
    assert brannock["type"] == "Person" and brannock["label"] == "Superintendent Ivo Brannock"
    assert (brannock["date"], brannock["source"], brannock["marking"]) == (
        "2019-05-04",
        "resilience.txt",
        "OFFICIAL",
    )
    assert "Ivo Brannock" in brannock["quote"]
    # Lantern is mentioned in 2019, 2020 and 2021: the first is the earliest by date, not by name.
    assert (entities[LANTERN]["date"], entities[LANTERN]["source"]) == (
        "2019-05-04",
        "resilience.txt",
    )
    zanzibar = entities["initiative:zanzibar"]
    assert (zanzibar["source"], zanzibar["marking"]) == ("covert.txt", "SECRET")


# -- timelines ----------------------------------------------------------------------------------


def test_a_persons_timeline_lists_their_ranks_by_date(analyst: TestClient) -> None:
    text, name = download(
        analyst, "GET", "/export/timeline.csv", "text/csv", params={"entity": BRANNOCK}
    )
    assert name == "timeline-person-ivo-brannock.csv"
    header, *rows = rows_of(text)
    assert header == list(export_sheets.TIMELINE_COLUMNS)
    card = analyst.get(f"/entities/{BRANNOCK}").json()
    assert len(rows) == len(card["history"]) >= 2
    dates = [r[0] for r in rows]
    assert dates == sorted(dates) and len(set(dates)) >= 2
    assert [(r[1], r[3]) for r in rows][:2] == [
        ("rank", "Chief Superintendent"),
        ("rank", "Superintendent"),
    ]


def test_an_initiatives_timeline_lists_its_facts_by_date(analyst: TestClient) -> None:
    rows = sheet(analyst, "GET", "/export/timeline.csv", params={"entity": LANTERN})
    card = analyst.get(f"/entities/{LANTERN}").json()
    assert len(rows) == len(card["facts"]) > 0
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)
    assert {(r["kind"], r["direction"], r["other_id"]) for r in rows} == {
        (f["relation"], f["direction"], f["other"]["id"]) for f in card["facts"]
    }


# -- access -------------------------------------------------------------------------------------


def test_no_export_shows_a_lower_clearance_what_is_above_it(official: TestClient) -> None:
    bodies = {
        url: official.get(url, params=params)
        for url, params in (
            ("/export/graph.graphml", {}),
            ("/export/graph.graphml", {"entity": LANTERN, "depth": 3}),
            ("/export/i2/entities.csv", {}),
            ("/export/i2/links.csv", {"entity": LANTERN}),
            ("/export/timeline.csv", {"entity": LANTERN}),
        )
    }
    for query in ("MATCH (n) RETURN n", "MATCH ()-[r]->() RETURN r"):
        bodies[f"csv {query}"] = official.post("/export/csv", json={"query": query})
        bodies[f"graphml {query}"] = official.post("/export/graphml", json={"query": query})
    for what, response in bodies.items():
        assert response.status_code == 200, (what, response.text)
        leaked = [w for w in SECRET_WORDS if w.lower() in response.text.lower()]
        assert not leaked, (what, leaked)
    # The caller's own graph, whole: counted by their own Cypher (their clearance's graph).
    graph = nx.read_graphml(io.BytesIO(official.get("/export/graph.graphml").content))
    assert graph.number_of_nodes() == count(official, ENTITY_NODES)
    assert graph.number_of_edges() == count(official, FACTS)
    assert "Brannock" in bodies["/export/timeline.csv"].text  # what they may see is there
    # A hidden entity answers as one that does not exist.
    for url in ("/export/graph.graphml", "/export/i2/links.csv", "/export/timeline.csv"):
        hidden = official.get(url, params={"entity": "person:ophelia-quenby"})
        absent = official.get(url, params={"entity": "person:no-such-person"})
        assert hidden.status_code == absent.status_code == 404
        assert hidden.text.replace("person:ophelia-quenby", "?") == absent.text.replace(
            "person:no-such-person", "?"
        )


def test_query_exports_need_the_query_right(reader: TestClient) -> None:
    for url in ("/export/csv", "/export/graphml"):
        response = reader.post(url, json={"query": "MATCH (n) RETURN n"})
        assert "analyst" in assert_error(response, 403, "forbidden")
    # Subgraph exports need only the read right.
    for url in ("/export/graph.graphml", "/export/i2/entities.csv", "/export/i2/links.csv"):
        assert reader.get(url, params={"entity": LANTERN}).status_code == 200
    assert reader.get("/export/timeline.csv", params={"entity": LANTERN}).status_code == 200


def test_the_audit_record_names_what_was_exported(
    papers: tuple[Settings, Services], analyst: TestClient
) -> None:
    settings, _ = papers
    log = AuditLog(settings.access_dir)
    links = sheet(analyst, "GET", "/export/i2/links.csv", params={"entity": BRANNOCK})
    record = list(log.records())[-1]
    assert record["endpoint"] == "/export/i2/links.csv" and record["status"] == 200
    assert record["params"] == {"entity": BRANNOCK}
    assert sorted(record["docs"]) == ["resilience.txt", "update.txt"]
    assert record["count"] == len(links) == 3
    params = {"entityId": LANTERN}
    analyst.post("/export/csv", json={"name": "who_leads", "params": params})
    record = list(log.records())[-1]
    assert record["endpoint"] == "/export/csv" and record["query"] == "named query who_leads"
    assert record["params"] == params and "update.txt" in record["docs"]
    leads = count(analyst, "MATCH ()-[r:LEADS]->() RETURN count(r)")
    analyst.post("/export/graphml", json={"query": "MATCH ()-[r:LEADS]->() RETURN r"})
    record = list(log.records())[-1]
    assert record["query"] == "MATCH ()-[r:LEADS]->() RETURN r" and record["count"] == leads
    assert sorted(record["docs"]) == sorted(PAPERS)
    assert log.verify().ok


# -- bad requests -------------------------------------------------------------------------------


def test_an_unknown_entity_is_a_404(analyst: TestClient) -> None:
    for url in (
        "/export/graph.graphml",
        "/export/i2/entities.csv",
        "/export/i2/links.csv",
        "/export/timeline.csv",
    ):
        response = analyst.get(url, params={"entity": "person:nobody"})
        assert "person:nobody" in assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"query": "RETURN 1", "name": "who_leads"}, "not both"),
        ({"params": {}}, "must give query"),
        ({"query": "RETURN 1", "format": "xlsx"}, "format is not a parameter"),
        ({"query": ""}, "query must not be empty"),
        ({"name": "who_leads", "params": {"entityId": 3}}, "must be text"),
    ],
)
def test_a_bad_csv_body_is_a_422_that_says_why(
    analyst: TestClient, body: dict[str, Any], words: str
) -> None:
    assert words in assert_error(analyst.post("/export/csv", json=body), 422, "invalid_request")


def test_bad_export_requests_say_what_is_wrong(analyst: TestClient) -> None:
    message = assert_error(
        analyst.get("/export/graph.graphml", params={"depth": 2}), 422, "invalid_request"
    )
    assert "depth needs entity" in message
    message = assert_error(
        analyst.get("/export/i2/links.csv", params={"entity": LANTERN, "depth": 4}),
        422,
        "invalid_request",
    )
    assert "depth must be at most 3" in message
    assert_error(analyst.get("/export/timeline.csv"), 422, "invalid_request")
    assert_error(
        analyst.post("/export/graphml", json={"query": "CREATE (n:Person {id: 'x'}) RETURN n"}),
        400,
        "query_rejected",
    )
    assert_error(analyst.post("/export/csv", json={"name": "no_such_query"}), 404, "not_found")
    assert_error(
        analyst.post(
            "/export/graphml", content=b"{not json", headers={"Content-Type": "application/json"}
        ),
        422,
        "invalid_request",
    )
