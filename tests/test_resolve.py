"""Resolution: one entity per real thing, distinct things kept apart, ids stable."""

from __future__ import annotations

from test_extract import make_item

from indexer.resolve import GraphData, build_graph, core_name, make_id

DOC_A = (
    "Coastal Policing Update\n\n"
    "1. ACC Jo Bloggs opened the Estuary Partnership Forum in May.\n"
    "2. Jo Bloggs said the Coastal Safety Unit (CSU) will grow.\n"
    "3. C/Supt Wren Ashdown leads the harbour review.\n"
    "4. Operation Beacon focused on knife crime.\n"
)
DOC_B = (
    "Regional Update\n\n"
    "1. ACC Bloggs chairs the Estuary Partnership Forum.\n"
    "2. Chief Superintendent Ashdown met the CSU team.\n"
    "3. The regional unit functions are Tasking, Prison Liaison "
    "(Including Project Beacon – covert work).\n"
    "4. Supt Ann Carrow and Insp Bill Carrow attended; Supt Carrow spoke.\n"
)


def graph(*docs: tuple[str, str]) -> GraphData:
    items = [make_item(name, text) for name, text in docs]
    return build_graph(items, {"CSU": ["Coastal Safety Unit"]})


def people(data: GraphData) -> dict[str, list[str]]:
    return {e.id: [e.name, *e.aliases] for e in data.entities if e.type == "Person"}


def test_rank_and_name_forms_join_one_person() -> None:
    data = graph(("a.txt", DOC_A), ("b.txt", DOC_B))
    bloggs = [e for e in data.entities if e.type == "Person" and "Bloggs" in e.name]
    assert len(bloggs) == 1
    assert bloggs[0].name == "Jo Bloggs"
    assert {m.evidence.doc_id for m in bloggs[0].mentions} == {"a.txt", "b.txt"}


def test_rank_abbreviation_equals_long_form() -> None:
    data = graph(("a.txt", DOC_A), ("b.txt", DOC_B))
    ashdown = [e for e in data.entities if e.type == "Person" and "Ashdown" in e.name]
    assert len(ashdown) == 1
    assert ashdown[0].properties["ranks"] == ["Chief Superintendent"]
    assert set(ashdown[0].properties["ranksAsWritten"]) == {"C/Supt", "Chief Superintendent"}
    assert ashdown[0].properties["rankAsOf"] == ["2021-03-04", "2021-03-04"]


def test_shared_surname_stays_apart_when_ambiguous() -> None:
    data = graph(("b.txt", DOC_B))
    carrows = sorted(e.name for e in data.entities if e.type == "Person" and "Carrow" in e.name)
    assert carrows == ["Ann Carrow", "Bill Carrow", "Carrow"]


def test_same_name_with_different_qualifier_stays_apart() -> None:
    data = graph(("a.txt", DOC_A), ("b.txt", DOC_B))
    beacons = {e.id: e.name for e in data.entities if e.type == "Initiative" and "Beacon" in e.name}
    assert len(beacons) == 2
    assert "initiative:beacon" in beacons
    assert "initiative:beacon~project" in beacons
    part_of = [r for r in data.relations if r.type == "PART_OF" and r.source.endswith("~project")]
    assert part_of, "Project Beacon is read inside its unit"


def test_acronym_joins_its_long_form() -> None:
    data = graph(("a.txt", DOC_A), ("b.txt", DOC_B))
    units = [e for e in data.entities if e.type == "Unit" and "CSU" in [e.name, *e.aliases]]
    assert len(units) == 1
    assert units[0].name == "Coastal Safety Unit"


def test_ids_are_stable_across_runs() -> None:
    first = graph(("a.txt", DOC_A), ("b.txt", DOC_B))
    second = graph(("a.txt", DOC_A), ("b.txt", DOC_B))
    assert [e.id for e in first.entities] == [e.id for e in second.entities]
    assert [(r.source, r.type, r.target) for r in first.relations] == [
        (r.source, r.type, r.target) for r in second.relations
    ]


def test_id_shape() -> None:
    assert make_id("Person", "Jo Bloggs") == "person:jo-bloggs"
    assert make_id("Initiative", "Beacon", "project") == "initiative:beacon~project"
    long = make_id("Objective", "one two three four five six seven eight nine ten")
    assert long.startswith("objective:one-two-three") and len(long.split("-")[-1]) == 8
    assert core_name("Initiative", "Troubled Families Programme") == core_name(
        "Initiative", "Troubled Family"
    )
    assert core_name("Unit", "Public Protection Units") == "public protection unit"


def test_a_mention_that_is_only_an_article_makes_no_entity() -> None:
    from graph.model import INITIATIVE, Evidence, Extraction, Mention
    from indexer.resolve import Resolver

    evidence = Evidence("d.txt", None, 0, 3, "The scheme ran.", None, "test", 0.5)
    blank = Mention(INITIATIVE, "The", "The", evidence)
    named = Mention(INITIATIVE, "Harbour Watch", "Harbour Watch", evidence)
    entities, _ = Resolver().resolve([Extraction("d.txt", mentions=[blank, named])])
    assert [e.id for e in entities] == ["initiative:harbour-watch"]
