"""Extraction: each relation pattern on sentences written for the tests (invented people)."""

from __future__ import annotations

import hashlib
from datetime import date
from importlib import resources

import pytest

from indexer.clean import clean
from indexer.extract import Extraction, extract_document, load_vocabulary
from indexer.extract.lexicon import Lexicon
from indexer.segment import segment
from kg.errors import DocumentError
from kg.types import Chunk, Document
from kg.vocab import default_vocabulary


def make_item(doc_id: str, text: str, when: date | None = date(2021, 3, 4)):  # type: ignore[no-untyped-def]
    """A Document with its clean view, structure and two overlapping chunks."""
    document = Document(
        id=doc_id,
        source=f"/tmp/{doc_id}",
        format="txt",
        text=text,
        title=doc_id,
        date=when,
        date_text=None,
        date_source="none",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    view = clean(text)
    structure = segment(view.text)
    half = len(text) // 2
    chunks = [
        Chunk(f"{doc_id}-c0", doc_id, 0, 0, min(len(text), half + 40), text[: half + 40]),
        Chunk(f"{doc_id}-c1", doc_id, 1, half, len(text), text[half:]),
    ]
    return document, view, structure, chunks


def extract(text: str, acronyms: dict[str, str] | None = None) -> Extraction:
    return extract_document(*make_item("doc.txt", text), acronyms=acronyms)


def facts(ex: Extraction, relation: str) -> set[tuple[str, str]]:
    return {(f.subject.name, f.object.name) for f in ex.facts if f.relation == relation}


def has(ex: Extraction, relation: str, subject: str, obj: str) -> bool:
    return any(
        subject.lower() in s.lower() and obj.lower() in o.lower() for s, o in facts(ex, relation)
    )


def test_topic_colon_bronze_lead() -> None:
    ex = extract("Wildlife Crime Update\n\nKnife crime: DI Tessa Marlow is the Bronze Lead.\n")
    assert has(ex, "LEADS", "Tessa Marlow", "knife crime")


def test_person_is_the_silver_lead_for_a_list() -> None:
    ex = extract("DS Kerrow is the silver lead for Forced Marriage and Honour Based Violence.\n")
    assert has(ex, "LEADS", "Kerrow", "forced marriage")
    assert has(ex, "LEADS", "Kerrow", "honour based violence")


def test_apposition_silver_lead_for() -> None:
    ex = extract(
        "The manual is being reviewed by Supt Arlo Penrose the Force's Silver Lead for "
        "Hate Crime.\n"
    )
    assert has(ex, "LEADS", "Arlo Penrose", "hate crime")


def test_lead_for_is_person() -> None:
    ex = extract("The Silver lead for ASB is now Supt. Ned Faraday (North LPU).\n")
    assert has(ex, "LEADS", "Ned Faraday", "anti-social behaviour")
    assert has(ex, "MEMBER_OF", "Ned Faraday", "North LPU")


def test_led_by_and_under_the_leadership_of() -> None:
    ex = extract(
        "Building a Harbour Watch Forum is a piece of work being led by Insp Omar Quayle.\n"
        "The Tidewater Board continues its work under the leadership of "
        "Chief Superintendent Brannock.\n"
    )
    assert has(ex, "LEADS", "Omar Quayle", "Harbour Watch Forum")
    assert has(ex, "LEADS", "Brannock", "Tidewater Board")


def test_chaired_by_and_chairs() -> None:
    ex = extract(
        "The scheme is overseen by a coastal safety board chaired by ACC Halloran.\n"
        "Councillor Priya Ostrander chairs the Estuary Partnership Forum.\n"
    )
    assert has(ex, "CHAIRS", "Halloran", "coastal safety board")
    assert has(ex, "CHAIRS", "Priya Ostrander", "Estuary Partnership Forum")


def test_this_is_chaired_by_refers_back() -> None:
    ex = extract(
        "The Rural Leaders Forum is an integral part of the portfolio. This is chaired by "
        "C/Supt Wren Ashdown and meets monthly.\n"
    )
    assert has(ex, "CHAIRS", "Wren Ashdown", "Rural Leaders Forum")


def test_head_of() -> None:
    ex = extract(
        "Chief Superintendent Ilse Tremaine is the head of the Marine Policing Department.\n"
        "Detective Chief Superintendent Corrin (Head of Force Intelligence) will attend.\n"
    )
    assert has(ex, "HEADS", "Ilse Tremaine", "Marine Policing Department")
    assert has(ex, "HEADS", "Corrin", "Force Intelligence")
    assert has(ex, "HOLDS_POST", "Corrin", "Head of Force Intelligence")


def test_milestone_owner_lines_name_posts() -> None:
    ex = extract(
        "Reduce harm on rural roads\nLead ACC Local Policing/Crime – Quarterly\n\n"
        "5. Progress was good.\n\n"
        "Grow the volunteer cadet scheme\nLead Director of Resources – 6 monthly\n"
    )
    assert has(ex, "LEADS", "ACC Local Policing", "Reduce harm on rural roads")
    assert has(ex, "LEADS", "ACC Crime", "Reduce harm on rural roads")
    assert has(ex, "LEADS", "Director of Resources", "Grow the volunteer cadet scheme")
    objective = next(m for m in ex.mentions if m.type == "Objective")
    assert objective.attr("frequency") in {"Quarterly", "6 monthly"}


def test_numbered_recommendations_and_areas_for_improvement() -> None:
    ex = extract(
        "Recommendation 1: All districts should appoint a cycle patrol coordinator.\n\n"
        "### Areas for Improvement\n\n"
        "- The force has no drone policy. The force should adopt the national drone guidance.\n"
    )
    recs = [m for m in ex.mentions if m.type == "Recommendation"]
    assert any(m.attr("number") == "1" for m in recs)
    assert any("national drone guidance" in m.evidence.quote for m in recs)


def test_risks() -> None:
    ex = extract(
        "A key risk to the project is the loss of volunteer drivers.\n"
        "The closure of the depot creates a risk for response times.\n"
        "The main areas of concern relate to;\n\n"
        "- Late recording of thefts\n"
        "- Missing audit trails\n\n"
        "Those areas will be reviewed.\n"
    )
    quotes = [m.evidence.quote for m in ex.mentions if m.type == "Risk"]
    assert any("volunteer drivers" in q for q in quotes)
    assert any("creates a risk" in q for q in quotes)
    assert any("Missing audit trails" in q for q in quotes)
    assert not any("Those areas" in q for q in quotes)


def test_dependency_partnership_merge_succession_part_of() -> None:
    ex = extract(
        "Project Lantern is a dependency for the Night Bus Scheme.\n"
        "Operation Heron has forged strong partnerships with the Harbour Authority.\n"
        "The Dock Patrol Team will merge with the Quay Response Team.\n"
        "The paper ledger was replaced by the Shoreline Tracker System.\n"
        "The Quay Response Team is part of the Marine Policing Department.\n"
        "Project Kestrel has recently been transferred into the Coastal Crime Unit.\n"
    )
    assert has(ex, "DEPENDS_ON", "Night Bus", "Lantern")
    assert has(ex, "PARTNERS_WITH", "Heron", "Harbour Authority")
    assert has(ex, "MERGES_INTO", "Dock Patrol Team", "Quay Response Team")
    assert has(ex, "SUCCEEDS", "Shoreline Tracker", "paper ledger")
    assert has(ex, "PART_OF", "Quay Response Team", "Marine Policing Department")
    assert has(ex, "PART_OF", "Kestrel", "Coastal Crime Unit")


def test_focus_on_themes() -> None:
    ex = extract("Operation Kittiwake focused on domestic abuse and knife crime.\n")
    assert has(ex, "ADDRESSES", "Kittiwake", "domestic abuse")


def test_every_fact_carries_provenance() -> None:
    text = "Intro line\n\nThe Tidewater Board continues under the leadership of Supt Brannock.\n"
    document, view, structure, chunks = make_item("prov.txt", text)
    ex = extract_document(document, view, structure, chunks)
    fact = next(f for f in ex.facts if f.relation == "LEADS")
    ev = fact.evidence
    assert ev.doc_id == "prov.txt" and ev.as_of == "2021-03-04" and ev.rule
    assert 0 < ev.confidence <= 1 and len(ev.quote) <= 300
    assert document.text[ev.start : ev.end].startswith("The Tidewater Board")
    holding = [c for c in chunks if c.start <= ev.start < c.end]
    assert ev.chunk_id == holding[0].id


def test_ranks_are_normalised() -> None:
    ex = extract("C/Supt Wren Ashdown met Chief Superintendent Ashdown's team.\n")
    people = [m for m in ex.mentions if m.type == "Person"]
    assert {m.attr("rankName") for m in people} == {"Chief Superintendent"}
    assert {m.attr("rank") for m in people} == {"C/Supt", "Chief Superintendent"}


def test_vocabulary_is_validated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name in ("ranks.yaml", "given_names.yaml", "gazetteer.yaml", "findings.yaml"):
        (tmp_path / name).write_text(
            (resources.files("kg") / f"data/{name}").read_text(),
            encoding="utf-8",
        )
    (tmp_path / "relations.yaml").write_text(
        "relations:\n  - {name: bad, type: NOT_A_TYPE, pattern: 'x'}\n", encoding="utf-8"
    )
    with pytest.raises(DocumentError):
        load_vocabulary(tmp_path)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        # A verb and its particle before the type word: no name of its own.
        ("The Roll out Plan was agreed by the board in April.", "Roll"),
        ("The Follow up programme will report in June.", "Follow"),
        # The end of a longer title: "Difference" alone names nothing.
        ("The latest wave of the Feeling the Difference survey was returned.", "Difference"),
    ],
)
def test_a_fragment_before_a_type_word_is_no_initiative(text: str, fragment: str) -> None:
    names = {m.name for m in extract(text + "\n").mentions if m.type == "Initiative"}
    assert fragment not in names


def test_a_capitalised_name_before_a_type_word_is_still_an_initiative() -> None:
    ex = extract("The force launched the Safer Harbours plan in April.\n")
    assert "Safer Harbours" in {m.name for m in ex.mentions if m.type == "Initiative"}


def test_a_count_or_a_possessive_is_not_a_named_body() -> None:
    lexicon = Lexicon(default_vocabulary())
    assert lexicon.classify("300 Black Minority Ethnic", fallback="Initiative") is None
    assert lexicon.classify("Deputy Chief Constable's", fallback="Initiative") is None
    assert lexicon.classify("Deputy Chief Constable", fallback="Initiative") is None
    year_named = lexicon.classify("2020 Blueprint Programme")
    assert year_named is not None and year_named.type == "Initiative"
    assert lexicon.classify("October 2019", fallback="Initiative") is None  # a date alone
    assert lexicon.fallback("in 2011", "Initiative", 0.6) is None
    # A number starts a name that stands alone as a title (a heading, a list item).
    assert lexicon.fallback("200 Stories", "Initiative", 0.6, titled=True) is not None
    assert lexicon.fallback("200 Stories", "Initiative", 0.6) is None


@pytest.mark.parametrize(
    "text",
    [
        # The owner's possessive before a type word names no work of its own.
        "Two districts have adopted the Constabulary’s approach to repeat callers.\n",
        # A date heading over a paragraph about work.
        "March 2019\n\nThe project will deliver a new triage service for repeat callers.\n",
    ],
)
def test_a_possessive_or_a_date_found_by_layout_is_no_initiative(text: str) -> None:
    names = {m.name for m in extract(text).mentions if m.type == "Initiative"}
    assert not names & {"Constabulary’s", "March 2019"}


def test_a_partner_list_ends_where_the_clause_goes_on() -> None:
    ex = extract(
        "The Harbour Youth Panel was set up in partnership with Eastmoor Borough Council in 2011"
        " and has since expanded.\n"
    )
    assert facts(ex, "PARTNERS_WITH") == {("Harbour Youth Panel", "Eastmoor Borough Council")}
