"""The named queries of cypher/ on a graph built from sentences written here (invented people).

Each query runs through CypherService.run_named, as the API and the CLI run it: the gate, the
store's read-only mode and its bounds, on the real embedded FalkorDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from graph_fixtures import falkordb_settings
from test_extract import make_item

from api.cypher import CypherService
from graph.load import load_graph
from graph.named_queries import load_named_queries
from graph.store import GraphStore, open_store
from indexer.resolve import GraphData, build_graph
from kg.settings import Settings

CYPHER_DIR = Path(__file__).resolve().parents[1] / "cypher"

PLAN = (
    "Harbour Plan\n\n"
    "1. ACC Local Policing – Jo Bloggs\n"
    "2. ACC Jo Bloggs welcomed the plan.\n"
    "3. Child Sexual Exploitation: DI Mara Quill is the Bronze Lead.\n"
    "4. Operation Lantern relies on the Harbour Data Hub.\n"
    "5. The Harbour Data Hub relies on the Tidewater Platform.\n"
    "6. Operation Lantern is a dependency for Project Gannet.\n"
    "7. Project Gannet is a dependency for Operation Osprey.\n"
    "8. The key risk for Operation Lantern is the loss of trained staff.\n"
)
REPORT = (
    "Board Report\n\n"
    "1. Jo Bloggs is the Deputy Chief Constable.\n"
    "2. ACC Local Policing – Ruth Fenwick\n"
    "3. Child Sexual Exploitation: DI Mara Quill is the Bronze Lead.\n"
    "4. DI Mara Quill is the force lead for child sexual exploitation.\n"
    "5. The Harbour Command Unit is headed by Chief Superintendent Ivo Brannock.\n"
    "6. Insp Tam Rourke has been seconded to the Harbour Command Unit.\n"
    "7. The Dock Patrol Team is a team within the Harbour Command Unit.\n"
    "8. The Harbour Command Unit is chaired by ACC Local Policing.\n"
    "9. Operation Lantern creates a risk of delay to the Harbour Command Unit.\n"
    "10. A recommendation for ACC Local Policing is that hate crime victims are called "
    "within two days.\n"
    "11. Recommendation 2: The force should review its response to hate crime.\n"
    "12. Recommendation 3: ACC Fenwick to brief every harbour patrol.\n"
)
PLAN_DATE, REPORT_DATE = "2019-05-01", "2021-03-04"

# The queries this module checks, with parameters naming things in the graph above (the
# headers' own Examples name things in the bundled corpus: tests/test_named_examples.py).
QUERIES: dict[str, dict[str, Any]] = {
    "who_leads": {"entityId": "theme:child-sexual-exploitation"},
    "dependency_chain": {"initiativeId": "initiative:lantern", "depth": 2},
    "unit_members": {"unitId": "unit:harbour-command-unit"},
    "risks_by_initiative": {"initiativeId": "initiative:lantern"},
    "recommendations_by_owner": {"ownerId": "post:acc-local-policing"},
    "recommendations_by_topic": {"entityId": "theme:hate-crime", "topic": "hate crime"},
    "fact_evidence": {
        "subjectId": "person:mara-quill",
        "relation": "LEADS",
        "objectId": "theme:child-sexual-exploitation",
    },
    "person_posts": {"personId": "person:jo-bloggs"},
    "document_entity": {"docId": "board_report.txt", "entityId": "person:jo-bloggs"},
}


def named_query_graph() -> GraphData:
    """The graph of PLAN and REPORT, in which every Example of QUERIES finds rows."""
    return build_graph(
        [
            make_item("plan_2019.txt", PLAN, date(2019, 5, 1)),
            make_item("board_report.txt", REPORT, date(2021, 3, 4)),
        ]
    )


@pytest.fixture(scope="module")
def graph_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return falkordb_settings(tmp_path_factory.mktemp("named_queries"))


@pytest.fixture(scope="module")
def graph_store(graph_settings: Settings) -> Iterator[GraphStore]:
    store = open_store(graph_settings)
    load_graph(store, named_query_graph())
    yield store
    store.close()


@pytest.fixture(scope="module")
def service(graph_settings: Settings, graph_store: GraphStore) -> CypherService:
    return CypherService(graph_settings, graph_store, CYPHER_DIR)


def run(service: CypherService, name: str, **params: Any) -> list[dict[str, Any]]:
    result = service.run_named(name, params)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


@pytest.mark.parametrize("name", QUERIES)
def test_each_query_finds_rows_with_the_documented_columns(
    service: CypherService, name: str
) -> None:
    query = load_named_queries(CYPHER_DIR)[name]
    result = service.run_named(name, QUERIES[name])
    assert result.columns == query.returns
    assert result.rows, f"{name}: finds nothing"


def test_who_leads_a_theme_returns_the_person_newest_first(service: CypherService) -> None:
    rows = run(service, "who_leads", entityId="theme:child-sexual-exploitation")
    assert {r["leader"] for r in rows} == {"Mara Quill"}
    assert {(r["leaderId"], r["leaderType"], r["relation"]) for r in rows} == {
        ("person:mara-quill", "Person", "LEADS")
    }
    assert [r["asOf"] for r in rows] == [REPORT_DATE, PLAN_DATE]
    assert [r["docId"] for r in rows] == ["board_report.txt", "plan_2019.txt"]
    assert "Bronze Lead" in rows[-1]["quote"]


def test_who_leads_a_unit_names_the_head_and_the_holder_of_the_chairing_post(
    service: CypherService,
) -> None:
    rows = run(service, "who_leads", entityId="unit:harbour-command-unit")
    by_relation = {r["relation"]: r for r in rows}
    assert set(by_relation) == {"HEADS", "CHAIRS"}
    assert by_relation["HEADS"]["leader"] == "Ivo Brannock"
    assert by_relation["HEADS"]["holders"] == []
    chair = by_relation["CHAIRS"]
    assert (chair["leaderId"], chair["leaderType"]) == ("post:acc-local-policing", "Post")
    # The same document names the post's holder; the earlier holder is in another document.
    assert chair["holders"] == ["Ruth Fenwick"]


def test_who_leads_a_post_returns_its_holders(service: CypherService) -> None:
    rows = run(service, "who_leads", entityId="post:acc-local-policing")
    assert [(r["leader"], r["relation"], r["asOf"]) for r in rows] == [
        ("Ruth Fenwick", "HOLDS_POST", REPORT_DATE),
        ("Jo Bloggs", "HOLDS_POST", PLAN_DATE),
    ]


def test_who_leads_something_unknown_is_empty(service: CypherService) -> None:
    assert run(service, "who_leads", entityId="theme:no-such-theme") == []


def chains(service: CypherService, depth: int) -> set[tuple[str, int, tuple[str, ...]]]:
    rows = run(service, "dependency_chain", initiativeId="initiative:lantern", depth=depth)
    return {(r["direction"], r["depth"], tuple(r["pathIds"])) for r in rows}


def test_dependency_chain_depth_one_gives_the_direct_neighbours_each_way(
    service: CypherService,
) -> None:
    assert chains(service, 1) == {
        ("dependency", 1, ("initiative:lantern", "unit:harbour-data-hub")),
        ("dependent", 1, ("initiative:lantern", "initiative:gannet~project")),
    }


def test_dependency_chain_depth_two_follows_each_direction_one_hop_further(
    service: CypherService,
) -> None:
    two = chains(service, 2)
    assert two - chains(service, 1) == {
        (
            "dependency",
            2,
            ("initiative:lantern", "unit:harbour-data-hub", "objective:tidewater-platform"),
        ),
        ("dependent", 2, ("initiative:lantern", "initiative:gannet~project", "initiative:osprey")),
    }
    assert chains(service, 5) == two


def test_dependency_chain_rows_name_the_far_entity_and_the_path(service: CypherService) -> None:
    rows = run(service, "dependency_chain", initiativeId="initiative:lantern", depth=2)
    far = next(r for r in rows if r["id"] == "objective:tidewater-platform")
    assert far["name"] == "Tidewater Platform" and far["type"] == "Objective"
    assert far["path"] == ["Lantern", "Harbour Data Hub", "Tidewater Platform"]
    # Ordered by direction, then depth.
    assert [(r["direction"], r["depth"]) for r in rows] == sorted(
        (r["direction"], r["depth"]) for r in rows
    )


def test_dependency_chain_from_the_middle_sees_both_sides(service: CypherService) -> None:
    rows = run(service, "dependency_chain", initiativeId="unit:harbour-data-hub", depth=1)
    assert {(r["direction"], r["id"]) for r in rows} == {
        ("dependency", "objective:tidewater-platform"),
        ("dependent", "initiative:lantern"),
    }


def test_unit_members_lists_people_and_sub_units_heads_first(service: CypherService) -> None:
    rows = run(service, "unit_members", unitId="unit:harbour-command-unit")
    assert [(r["relation"], r["member"], r["memberType"]) for r in rows] == [
        ("HEADS", "Ivo Brannock", "Person"),
        ("CHAIRS", "ACC Local Policing", "Post"),
        ("MEMBER_OF", "Tam Rourke", "Person"),
        ("PART_OF", "Dock Patrol Team", "Unit"),
    ]
    assert all(r["docId"] == "board_report.txt" and r["quote"] for r in rows)


def test_risks_by_initiative_returns_each_risk_with_its_quote_newest_first(
    service: CypherService,
) -> None:
    rows = run(service, "risks_by_initiative", initiativeId="initiative:lantern")
    assert [(r["relation"], r["asOf"], r["docId"]) for r in rows] == [
        ("HAS_RISK", REPORT_DATE, "board_report.txt"),
        ("HAS_RISK", PLAN_DATE, "plan_2019.txt"),
    ]
    assert "risk of delay" in rows[0]["quote"]
    assert "loss of trained staff" in rows[1]["risk"]
    assert all(r["rule"] and 0 < r["confidence"] <= 1 for r in rows)


def test_risks_of_something_without_risks_are_empty(service: CypherService) -> None:
    assert run(service, "risks_by_initiative", initiativeId="initiative:osprey") == []


def test_recommendations_by_owner_matches_the_owner_the_document_names(
    service: CypherService,
) -> None:
    rows = run(service, "recommendations_by_owner", ownerId="post:acc-local-policing")
    assert [r["recommendationId"] for r in rows] == [
        "recommendation:hate-crime-victims-are-called-within-two-days"
    ]
    assert rows[0]["owner"] == "ACC Local Policing"
    assert rows[0]["asOf"] == REPORT_DATE and "within two days" in rows[0]["quote"]


def test_recommendations_by_owner_matches_a_person_the_recommendation_starts_with(
    service: CypherService,
) -> None:
    rows = run(service, "recommendations_by_owner", ownerId="person:ruth-fenwick")
    assert [(r["recommendation"], r["number"], r["owner"]) for r in rows] == [
        ("ACC Fenwick to brief every harbour patrol", "3", "Ruth Fenwick")
    ]
    assert run(service, "recommendations_by_owner", ownerId="person:jo-bloggs") == []


def topics(service: CypherService, entity_id: str, topic: str) -> set[str]:
    rows = run(service, "recommendations_by_topic", entityId=entity_id, topic=topic)
    return {r["recommendation"] for r in rows}


def test_recommendations_by_topic_entity_matches_names_in_the_passage(
    service: CypherService,
) -> None:
    assert topics(service, "theme:hate-crime", "") == {
        "hate crime victims are called within two days",
        "The force should review its response to hate crime",
    }
    assert topics(service, "unit:dock-patrol-team", "") == set()


def test_recommendations_by_topic_text_is_a_case_insensitive_substring(
    service: CypherService,
) -> None:
    assert topics(service, "", "WITHIN TWO days") == {
        "hate crime victims are called within two days"
    }
    assert topics(service, "", "harbour patrol") == {"ACC Fenwick to brief every harbour patrol"}
    assert topics(service, "", "") == set()


def test_fact_evidence_returns_every_source_with_its_quote(service: CypherService) -> None:
    rows = run(
        service,
        "fact_evidence",
        subjectId="person:mara-quill",
        relation="LEADS",
        objectId="theme:child-sexual-exploitation",
    )
    assert [(r["docId"], r["asOf"]) for r in rows] == [
        ("board_report.txt", REPORT_DATE),
        ("board_report.txt", REPORT_DATE),
        ("plan_2019.txt", PLAN_DATE),
    ]
    assert [r["rule"] for r in rows] == [
        "lead_for_topic_colon",
        "frame_copula",
        "lead_for_topic_colon",
    ]
    for r in rows:
        text = REPORT if r["docId"] == "board_report.txt" else PLAN
        assert r["quote"] in text and "Mara Quill" in r["quote"]
        assert text.index(r["quote"]) <= r["start"] < r["end"] <= len(text)
        assert r["chunkId"].startswith(r["docId"]) and 0 < r["confidence"] <= 1


def test_fact_evidence_compares_the_relation_type(service: CypherService) -> None:
    for relation in ("HEADS", "leads", "LEADS|HEADS", "` OR 1=1 //"):
        rows = run(
            service,
            "fact_evidence",
            subjectId="person:mara-quill",
            relation=relation,
            objectId="theme:child-sexual-exploitation",
        )
        assert rows == []


def test_person_posts_lists_posts_and_ranks_oldest_first(service: CypherService) -> None:
    rows = run(service, "person_posts", personId="person:jo-bloggs")
    assert [(r["asOf"], r["kind"], r["title"]) for r in rows] == [
        (PLAN_DATE, "post", "ACC Local Policing"),
        (PLAN_DATE, "post", "Assistant Chief Constable"),
        (PLAN_DATE, "rank", "Assistant Chief Constable"),
        (REPORT_DATE, "post", "Deputy Chief Constable"),
    ]
    assert rows[-1]["postId"] == "post:deputy-chief-constable"
    assert rows[-1]["docId"] == "board_report.txt"
    assert "Deputy Chief Constable" in rows[-1]["quote"]
    assert rows[2]["postId"] is None and rows[2]["quote"] is None


def test_person_posts_of_a_person_with_only_a_rank(service: CypherService) -> None:
    rows = run(service, "person_posts", personId="person:tam-rourke")
    assert [(r["kind"], r["title"], r["docId"]) for r in rows] == [
        ("rank", "Inspector", "board_report.txt")
    ]


def test_document_entity_gives_mentions_and_facts_of_that_document_only(
    service: CypherService,
) -> None:
    rows = run(service, "document_entity", docId="board_report.txt", entityId="person:jo-bloggs")
    assert {r["kind"] for r in rows} == {"mention", "fact"}
    facts = [(r["subject"], r["relation"], r["object"]) for r in rows if r["kind"] == "fact"]
    assert facts == [("Jo Bloggs", "HOLDS_POST", "Deputy Chief Constable")]
    mentions = [r for r in rows if r["kind"] == "mention"]
    assert mentions and all(r["relation"] == "MENTIONED_IN" for r in mentions)
    assert all(r["object"] == r["chunkId"] for r in mentions)
    assert all(r["asOf"] == REPORT_DATE and r["quote"] in REPORT for r in rows)
    assert [r["start"] for r in rows] == sorted(r["start"] for r in rows)


def test_document_entity_keeps_the_direction_of_facts_about_the_entity(
    service: CypherService,
) -> None:
    rows = run(
        service, "document_entity", docId="board_report.txt", entityId="unit:harbour-command-unit"
    )
    facts = {(r["subject"], r["relation"], r["object"]) for r in rows if r["kind"] == "fact"}
    assert facts == {
        ("Ivo Brannock", "HEADS", "Harbour Command Unit"),
        ("Tam Rourke", "MEMBER_OF", "Harbour Command Unit"),
        ("Dock Patrol Team", "PART_OF", "Harbour Command Unit"),
        ("ACC Local Policing", "CHAIRS", "Harbour Command Unit"),
    }
    assert (
        run(service, "document_entity", docId="plan_2019.txt", entityId="unit:harbour-command-unit")
        == []
    )


@pytest.mark.parametrize("hostile", ["x' OR 1=1 //", 'a"b\\c', "`id`", "line\nbreak", "$entityId"])
def test_hostile_parameters_are_values_not_cypher(service: CypherService, hostile: str) -> None:
    assert run(service, "who_leads", entityId=hostile) == []
    assert run(service, "recommendations_by_topic", entityId=hostile, topic=hostile) == []


# The start of who_leads, dependency_chain and entity_neighbours is found by a labelled index
# seek; before, by an unlabelled match (bench/unlabelled/). Both must give the same rows.
UNLABELLED_DIR = Path(__file__).resolve().parents[1] / "bench" / "unlabelled"


@pytest.mark.parametrize("name", ["who_leads", "dependency_chain", "entity_neighbours"])
def test_labelled_start_returns_the_rows_the_unlabelled_form_did(
    graph_store: GraphStore, name: str
) -> None:
    store = graph_store
    before = load_named_queries(UNLABELLED_DIR)[name].text
    after = load_named_queries(CYPHER_DIR)[name].text
    ids = [
        row[0] for row in store.read("MATCH (n) RETURN n.id ORDER BY n.id", max_rows=10_000).rows
    ]
    entity_ids = [i for i in ids if ":" in i]
    assert len(entity_ids) > 10
    cases: list[dict[str, Any]] = []
    for i, entity_id in enumerate([*ids, "theme:no-such-theme"]):
        if name == "who_leads":
            cases.append({"entityId": entity_id})
        elif name == "dependency_chain":
            cases += [{"initiativeId": entity_id, "depth": d} for d in (1, 3, 5)]
        else:
            pair = [entity_id, entity_ids[(i * 7) % len(entity_ids)]]
            cases += [{"ids": [entity_id], "limit": 100}, {"ids": pair, "limit": 100}]
    if name == "entity_neighbours":
        cases.append({"ids": entity_ids, "limit": 1000})
    found = 0
    for params in cases:
        rows = store.read(after, params, max_rows=10_000).rows
        assert rows == store.read(before, params, max_rows=10_000).rows, params
        found += bool(rows)
    assert found > 3
