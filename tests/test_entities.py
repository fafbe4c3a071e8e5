"""GET /entities, the entity card, neighbours, dependency chains and `kg entities`.

Lookup and cards run on the session corpus (tests/conftest.py CORPUS); neighbours and chains on
a second small corpus written here, whose graph has a dependency chain two hops each way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import bearer, make_settings, write_corpus
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import Services
from cli import main as cli
from indexer.pipeline import Indexer
from kg.settings import EmbeddingSettings, GraphSettings, get_settings
from vectors.encoder import ModelEncoder

# Written for these tests: invented people and initiatives, two documents two years apart.
CHAIN_CORPUS = {
    "resilience.txt": """Harbour Resilience Plan
4 May 2019

1. Operation Lantern relies on the Harbour Data Hub.
2. The Harbour Data Hub relies on the Tidewater Platform.
3. Operation Lantern is a dependency for Project Gannet.
4. Project Gannet is a dependency for Operation Osprey.
5. Chief Superintendent Ivo Brannock leads Operation Lantern.
6. The key risk for Operation Lantern is the loss of trained staff.
7. The Harbour Data Hub is part of the Regional Organised Crime Unit.
""",
    "update.txt": """Harbour Resilience Update
9 February 2021

1. Superintendent Ivo Brannock leads Operation Lantern.
""",
}
ENTITY_FIELDS = {"id", "name", "type", "aliases", "score", "matchedBy"}
QUILL = "person:mara-quill"
CHAIN = "/initiatives/initiative:volunteer-cadet/dependencies"
LANTERN = "initiative:lantern"


@pytest.fixture(scope="module")
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(
        create_app(services.settings, services), headers=bearer(services.settings)
    ) as c:
        yield c


@pytest.fixture(scope="module")
def chain_services(
    tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder
) -> Iterator[Services]:
    root = tmp_path_factory.mktemp("chains")
    write_corpus(root / "corpus", CHAIN_CORPUS)
    settings = make_settings(root)
    Indexer(settings, encoder).run(progress=False)
    services = Services(settings, encoder)
    yield services
    services.close()


@pytest.fixture(scope="module")
def chain(chain_services: Services) -> Iterator[TestClient]:
    with TestClient(
        create_app(chain_services.settings, chain_services), headers=bearer(chain_services.settings)
    ) as c:
        yield c


def find(client: TestClient, q: str, **params: Any) -> list[dict[str, Any]]:
    r = client.get("/entities", params={"q": q, **params})
    assert r.status_code == 200, r.text
    entities: list[dict[str, Any]] = r.json()["entities"]
    assert all(set(e) == ENTITY_FIELDS for e in entities)
    return entities


# -- lookup --------------------------------------------------------------------------------


def test_lookup_by_exact_name_returns_the_entity_with_its_aliases(client: TestClient) -> None:
    first = find(client, "Mara Quill")[0]
    assert first["id"] == QUILL and first["type"] == "Person" and first["name"] == "Mara Quill"
    assert first["score"] == 1.0 and first["matchedBy"] == "name"
    assert "Inspector Mara Quill" in first["aliases"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("VCS", "initiative:volunteer-cadet"),  # defined inline: "Volunteer Cadet Scheme (VCS)"
        ("GRIT", "unit:graded-response-improvement-team"),  # from the document's glossary
    ],
)
def test_lookup_by_acronym_alias(client: TestClient, q: str, expected: str) -> None:
    first = find(client, q)[0]
    assert first["id"] == expected and q in first["aliases"]


def test_lookup_expands_an_acronym_the_entity_does_not_carry(chain: TestClient) -> None:
    # ROCU is in the packaged glossary; the documents only ever spell the unit out.
    first = find(chain, "ROCU")[0]
    assert first["id"] == "unit:regional-organised-crime-unit"
    assert first["matchedBy"] == "acronym" and first["aliases"] == []


@pytest.mark.parametrize(
    "q", ["Inspector Quill", "Mara Quill", "Quill", "Insp Mara Quill", "inspector mara quill"]
)
def test_lookup_of_a_person_ignores_rank(client: TestClient, q: str) -> None:
    first = find(client, q)[0]
    assert first["id"] == QUILL and first["score"] >= 0.9


@pytest.mark.parametrize(
    ("q", "expected"),
    [("Mara Quil", QUILL), ("Volunter Cadet Scheme", "initiative:volunteer-cadet")],
)
def test_lookup_finds_a_misspelling_with_a_lower_score(
    client: TestClient, q: str, expected: str
) -> None:
    first = find(client, q)[0]
    assert first["id"] == expected and first["matchedBy"] == "fuzzy"
    assert 0.5 < first["score"] < 1.0


def test_type_filter_keeps_only_that_type_and_ignores_case(client: TestClient) -> None:
    assert find(client, "Quill", type="person")[0]["id"] == QUILL
    assert all(e["type"] == "Unit" for e in find(client, "Quill", type="Unit"))
    assert QUILL not in {e["id"] for e in find(client, "Quill", type="Unit")}


def test_risks_are_found_by_their_words(chain: TestClient) -> None:
    risks = find(chain, "loss of trained staff", type="Risk")
    assert [r["type"] for r in risks] == ["Risk"] and risks[0]["matchedBy"] == "words"
    assert "trained staff" in risks[0]["name"]


def test_limit_caps_the_results(client: TestClient) -> None:
    assert len(find(client, "volunteer cadet scheme", limit=1)) == 1


def test_nothing_found_is_an_empty_list(client: TestClient) -> None:
    assert find(client, "Zebulon Thackeray-Vane", type="Person") == []


# -- validation and errors -------------------------------------------------------------------


def assert_error(r: Any, status: int, code: str, mentions: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "detail"}
    assert body["error"]["code"] == code
    assert mentions in body["error"]["message"]


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({}, "q is required"),
        ({"q": ""}, "q must not be empty"),
        ({"q": "   "}, "q must not be blank"),
        ({"q": "x" * 201}, "at most 200 characters"),
        ({"q": "Quill", "type": "Spaceship"}, "type must be one of Person, Post"),
        ({"q": "Quill", "type": "Chunk"}, "got 'Chunk'"),
        ({"q": "Quill", "limit": 0}, "limit must be at least 1; got 0"),
        ({"q": "Quill", "limit": 51}, "limit must be at most 50; got 51"),
        ({"q": "Quill", "limit": "many"}, "limit must be a whole number; got 'many'"),
        ({"q": "Quill", "k": 3}, "k is not a parameter of this endpoint"),
    ],
)
def test_lookup_validation_errors_are_422_in_the_error_shape(
    client: TestClient, params: dict[str, Any], mentions: str
) -> None:
    assert_error(client.get("/entities", params=params), 422, "invalid_request", mentions)


@pytest.mark.parametrize(
    ("path", "params", "mentions"),
    [
        (f"/entities/{QUILL}/neighbours", {"depth": 0}, "depth must be at least 1"),
        (f"/entities/{QUILL}/neighbours", {"depth": 4}, "depth must be at most 3"),
        (f"/entities/{QUILL}/neighbours", {"depth": "deep"}, "depth must be a whole number"),
        (
            "/initiatives/initiative:volunteer-cadet/dependencies",
            {"depth": 0},
            "depth must be at least 1",
        ),
        (
            "/initiatives/initiative:volunteer-cadet/dependencies",
            {"depth": 6},
            "depth must be at most 5",
        ),
        (
            "/initiatives/initiative:volunteer-cadet/dependencies",
            {"direction": "sideways"},
            "direction must be one of 'dependencies', 'dependents' or 'both'",
        ),
    ],
)
def test_depth_and_direction_validation_errors_are_422(
    client: TestClient, path: str, params: dict[str, Any], mentions: str
) -> None:
    assert_error(client.get(path, params=params), 422, "invalid_request", mentions)


@pytest.mark.parametrize(
    "path",
    [
        "/entities/person:nobody",
        "/entities/person:nobody/neighbours",
        "/initiatives/initiative:nothing/dependencies",
        "/entities/harbour.txt",  # a document is not an entity
    ],
)
def test_unknown_entity_is_404_in_the_error_shape(client: TestClient, path: str) -> None:
    assert_error(client.get(path), 404, "not_found", "no entity with id")


# -- the card ------------------------------------------------------------------------------


def test_card_has_every_source_with_quote_document_and_date(
    client: TestClient, services: Services
) -> None:
    r = client.get(f"/entities/{QUILL}")
    assert r.status_code == 200
    card = r.json()
    assert (card["id"], card["name"], card["type"]) == (QUILL, "Mara Quill", "Person")
    assert card["properties"]["ranks"] == ["Inspector"]
    assert card["properties"]["surname"] == "Quill"
    [source] = card["sources"]
    assert source["docId"] == "harbour.txt" and source["title"] == "Quayside Patrol Review"
    assert source["date"] == "2015-03-03" and source["chunkId"]
    assert source["quote"].startswith("Inspector Mara Quill leads the speed enforcement work")
    text = services.search.index.document("harbour.txt").text
    assert " ".join(text[source["start"] : source["end"]].split()) == source["quote"]
    assert [(h["kind"], h["title"], h["asOf"]) for h in card["history"]] == [
        ("rank", "Inspector", "2015-03-03")
    ]
    assert card["truncated"] is False


def test_card_lists_facts_both_ways(client: TestClient) -> None:
    [fact] = client.get(f"/entities/{QUILL}").json()["facts"]
    target = "objective:speed-enforcement-work"
    assert (fact["relation"], fact["direction"], fact["other"]["id"]) == (
        "LEADS",
        "outgoing",
        target,
    )
    assert fact["other"]["type"] == "Objective"
    assert fact["asOf"] == "2015-03-03" and fact["docId"] == "harbour.txt"
    assert "speed enforcement" in fact["quote"]
    [back] = client.get(f"/entities/{target}").json()["facts"]
    assert (back["relation"], back["direction"], back["other"]["name"]) == (
        "LEADS",
        "incoming",
        "Mara Quill",
    )


def test_card_lists_sources_and_facts_most_recent_first(chain: TestClient) -> None:
    card = chain.get("/entities/person:ivo-brannock").json()
    assert [s["date"] for s in card["sources"]] == ["2021-02-09", "2019-05-04"]
    assert [(f["asOf"], f["other"]["id"], f["title"]) for f in card["facts"]] == [
        ("2021-02-09", LANTERN, "Harbour Resilience Update"),
        ("2019-05-04", LANTERN, "Harbour Resilience Plan"),
    ]
    assert card["properties"]["ranks"] == ["Chief Superintendent", "Superintendent"]


# -- neighbours ----------------------------------------------------------------------------


def hood(client: TestClient, entity_id: str, **params: Any) -> dict[str, Any]:
    r = client.get(f"/entities/{entity_id}/neighbours", params=params)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_neighbours_at_depth_one_are_the_direct_relations(chain: TestClient) -> None:
    body = hood(chain, LANTERN)  # depth 1 by default
    assert body["depth"] == 1 and body["truncated"] is False
    assert {n["id"]: n["depth"] for n in body["nodes"]} == {
        LANTERN: 0,
        "unit:harbour-data-hub": 1,
        "initiative:gannet~project": 1,
        "person:ivo-brannock": 1,
        "risk:the-key-risk-for-operation-lantern-is-the-b690911e": 1,
    }
    leads = [e for e in body["edges"] if e["relation"] == "LEADS"]
    assert {(e["source"], e["target"], e["docId"], e["asOf"]) for e in leads} == {
        ("person:ivo-brannock", LANTERN, "update.txt", "2021-02-09"),
        ("person:ivo-brannock", LANTERN, "resilience.txt", "2019-05-04"),
    }
    assert all(e["quote"] and e["docId"] for e in body["edges"])


def test_neighbours_at_depth_two_reach_one_hop_further(chain: TestClient) -> None:
    one, two = hood(chain, LANTERN, depth=1), hood(chain, LANTERN, depth=2)
    nodes_one = {n["id"] for n in one["nodes"]}
    assert {n["id"] for n in two["nodes"]} - nodes_one == {
        "objective:tidewater-platform",
        "initiative:osprey",
        "unit:regional-organised-crime-unit",
    }
    assert {n["depth"] for n in two["nodes"]} == {0, 1, 2}
    assert len(two["edges"]) == len(one["edges"]) + 3
    # Every edge joins two listed nodes; chunks and documents never appear.
    ids = {n["id"] for n in two["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in two["edges"])
    assert {n["type"] for n in two["nodes"]}.isdisjoint({"Chunk", "Document"})
    assert len(two["edges"]) <= GraphSettings().neighbour_edges


def test_neighbours_of_an_entity_without_facts_is_just_the_entity(client: TestClient) -> None:
    body = hood(client, "theme:road-safety", depth=3)
    assert [n["id"] for n in body["nodes"]] == ["theme:road-safety"] and body["edges"] == []


# -- dependency chains ---------------------------------------------------------------------


def deps(client: TestClient, **params: Any) -> set[tuple[str, int, str]]:
    r = client.get(f"/initiatives/{LANTERN}/dependencies", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["initiative"]["id"] == LANTERN and body["truncated"] is False
    return {(link["direction"], link["depth"], link["id"]) for link in body["chain"]}


def test_dependencies_follow_the_chain_both_ways_to_the_depth_asked(chain: TestClient) -> None:
    one = {
        ("dependency", 1, "unit:harbour-data-hub"),
        ("dependent", 1, "initiative:gannet~project"),
    }
    assert deps(chain) == one
    assert deps(chain, depth=2) == one | {
        ("dependency", 2, "objective:tidewater-platform"),
        ("dependent", 2, "initiative:osprey"),
    }
    assert deps(chain, depth=5) == deps(chain, depth=2)


def test_dependencies_direction_keeps_one_side(chain: TestClient) -> None:
    assert {d for d, _, _ in deps(chain, depth=2, direction="dependencies")} == {"dependency"}
    assert deps(chain, depth=2, direction="dependents") == {
        ("dependent", 1, "initiative:gannet~project"),
        ("dependent", 2, "initiative:osprey"),
    }


def test_dependency_rows_carry_the_path(chain: TestClient) -> None:
    body = chain.get(f"/initiatives/{LANTERN}/dependencies", params={"depth": 2}).json()
    far = next(link for link in body["chain"] if link["id"] == "initiative:osprey")
    assert far["path"] == ["Lantern", "Project Gannet", "Osprey"]
    assert far["pathIds"] == [LANTERN, "initiative:gannet~project", "initiative:osprey"]


def test_dependencies_of_a_non_initiative_is_404(client: TestClient) -> None:
    r = client.get(f"/initiatives/{QUILL}/dependencies")
    assert_error(r, 404, "not_found", "is not an initiative")


# -- kg entities ---------------------------------------------------------------------------


@pytest.fixture
def kg(
    services: Services,
    encoder: ModelEncoder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Any]:
    """`kg ARGS...` in-process over the session index, sharing the session's model."""

    def shared_encoder(settings: EmbeddingSettings) -> ModelEncoder:
        return encoder

    monkeypatch.setattr("api.deps.make_encoder", shared_encoder)
    monkeypatch.setenv("KG_DATA_DIR", str(services.settings.data_dir))
    get_settings.cache_clear()

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    yield run
    get_settings.cache_clear()


def test_kg_entities_json_is_the_api_body(kg: Any, client: TestClient) -> None:
    code, out, _ = kg("entities", "Inspector Quill", "--type", "Person", "--json")
    assert code == 0
    api = client.get("/entities", params={"q": "Inspector Quill", "type": "Person"}).json()
    assert json.loads(out) == api and api["entities"][0]["id"] == QUILL


def test_kg_entities_prints_a_table_and_a_card(kg: Any, client: TestClient) -> None:
    code, out, _ = kg("entities", "VCS")
    assert code == 0 and "initiative:volunteer-cadet" in out and "Volunteer Cadet Scheme" in out
    code, out, _ = kg("entities", "--id", QUILL, "--json")
    assert code == 0 and json.loads(out) == client.get(f"/entities/{QUILL}").json()
    code, out, _ = kg("entities", "--id", QUILL)
    assert code == 0 and "Quayside Patrol Review" in out and "2015-03-03" in out


@pytest.mark.parametrize(
    ("argv", "mentions"),
    [
        ([], "give either a QUERY or --id ID"),
        (["Quill", "--id", QUILL], "give either a QUERY or --id ID"),
        (["--id", QUILL, "--type", "Person"], "--type and --limit go with a QUERY"),
        (["Quill", "--type", "Spaceship"], "--type must be one of Person"),
        (["Quill", "--limit", "0"], "--limit must be at least 1"),
        (["x" * 201], "QUERY must be at most 200 characters"),
    ],
)
def test_kg_entities_usage_errors_exit_2(kg: Any, argv: list[str], mentions: str) -> None:
    code, out, err = kg("entities", *argv)
    assert code == 2 and out == "" and mentions in err


def test_kg_entities_bad_limit_and_unknown_id(kg: Any) -> None:
    with pytest.raises(SystemExit) as usage:
        kg("entities", "Quill", "--limit", "many")
    assert usage.value.code == 2
    code, _, err = kg("entities", "--id", "person:nobody")
    assert code == 1 and "no entity with id" in err


def test_every_entity_route_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for route in (
        "GET /entities?q=",
        "GET /entities/{id}",
        "GET /entities/{id}/neighbours",
        "GET /initiatives/{id}/dependencies",
        "kg entities",
    ):
        assert route in readme
