"""Syntactic frames of role facts (frames.yaml over spaCy parses), on sentences written here.

Every person, unit and initiative is invented. Each positive case names the frame that must
have produced the fact (Fact.evidence.rule), so a case cannot pass on another rule's fact;
the negative cases assert that no role fact joins the named pair at all.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pytest
import yaml
from test_extract import extract

from indexer.extract import Extraction

ROLE = ("LEADS", "HEADS", "CHAIRS")


def role_facts(ex: Extraction) -> set[tuple[str, str, str, str]]:
    """(subject, relation, object, rule) of every role fact, names lower-cased."""
    return {
        (f.subject.name.lower(), f.relation, f.object.name.lower(), f.evidence.rule)
        for f in ex.facts
        if f.relation in ROLE
    }


def found(ex: Extraction, subject: str, relation: str, obj: str, rule: str | None = None) -> bool:
    return any(
        subject.lower() in s
        and r == relation
        and obj.lower() in o
        and (rule is None or got == rule or got.endswith(f":{rule}"))
        for s, r, o, got in role_facts(ex)
    )


# (frame, text, subject, relation, object)
CASES: list[tuple[str, str, str, str, str]] = [
    (
        "active",
        "Superintendent Mara Quill leads Operation Lantern.",
        "Mara Quill",
        "LEADS",
        "Lantern",
    ),
    (
        # The small parser reads "co-chair" as a noun here: the surface frame reads it.
        "surface_active",
        "Inspector Dov Arkwright and Sergeant Pia Lund co-chair the Harbour Safety Board.",
        "Pia Lund",
        "CHAIRS",
        "Harbour Safety Board",
    ),
    (
        "active",
        "Superintendent Mara Quill leads Operation Lantern, Operation Beacon and the Tidewater "
        "Project.",
        "Mara Quill",
        "LEADS",
        "Beacon",
    ),
    (
        "active_on",
        "Chief Inspector Rhys Gower is leading on the development of neighbourhood profiles.",
        "Rhys Gower",
        "LEADS",
        "development of neighbourhood profiles",
    ),
    (
        "control",
        "Superintendent Mara Quill will continue to chair the Estuary Partnership Forum.",
        "Mara Quill",
        "CHAIRS",
        "Estuary Partnership Forum",
    ),
    (
        "object_control",
        "The Chief Constable asked Superintendent Mara Quill to chair the Vetting Review Board.",
        "Mara Quill",
        "CHAIRS",
        "Vetting Review Board",
    ),
    (
        "passive",
        "Operation Lantern is led by Inspector Dov Arkwright.",
        "Dov Arkwright",
        "LEADS",
        "Lantern",
    ),
    (
        "participle",
        "Inspector Dov Arkwright reported to the Harbour Safety Board chaired by Superintendent "
        "Mara Quill.",
        "Mara Quill",
        "CHAIRS",
        "Harbour Safety Board",
    ),
    (
        "relative",
        "The Harbour Safety Board, which Superintendent Mara Quill chairs, meets monthly.",
        "Mara Quill",
        "CHAIRS",
        "Harbour Safety Board",
    ),
    (
        "copula",
        "Detective Inspector Tessa Marlow is the Bronze lead for knife crime.",
        "Tessa Marlow",
        "LEADS",
        "knife crime",
    ),
    (
        "copula_reversed",
        "The strategic lead for knife crime is Superintendent Mara Quill.",
        "Mara Quill",
        "LEADS",
        "knife crime",
    ),
    (
        "apposition",
        "Superintendent Mara Quill, head of the Marine Policing Unit, said the pilot had worked.",
        "Mara Quill",
        "HEADS",
        "Marine Policing Unit",
    ),
    (
        # "who" reads through to the person the relative clause describes.
        "copula",
        "Superintendent Mara Quill, who is the senior responsible owner for Project Tidewater, "
        "spoke first.",
        "Mara Quill",
        "LEADS",
        "Tidewater",
    ),
    (
        "holding",
        "Superintendent Mara Quill holds the national lead for cycle theft.",
        "Mara Quill",
        "LEADS",
        "cycle theft",
    ),
    (
        "placing",
        "Responsibility for cycle theft lies with Superintendent Mara Quill.",
        "Mara Quill",
        "LEADS",
        "cycle theft",
    ),
    (
        "adjective",
        "Superintendent Mara Quill is responsible for the Harbour Watch scheme.",
        "Mara Quill",
        "LEADS",
        "Harbour Watch",
    ),
    (
        "in_charge",
        "Detective Superintendent Rachel Orme is in charge of the Kestrel Review Team.",
        "Rachel Orme",
        "LEADS",
        "Kestrel Review Team",
    ),
    (
        "tenure_possessive",
        "Under Superintendent Mara Quill's leadership, the Harbour Safety Board has met monthly.",
        "Mara Quill",
        "LEADS",
        "Harbour Safety Board",
    ),
    (
        "tenure_of",
        "The Harbour Safety Board continues its work under the leadership of Chief "
        "Superintendent Ivo Dancer.",
        "Ivo Dancer",
        "LEADS",
        "Harbour Safety Board",
    ),
    (
        # Parsed as "Home Office led [an] initiative": the light noun "initiative" reads
        # through to what the copula says it is.
        "active",
        "Troubled Homes is a Home Office led initiative.",
        "Home Office",
        "LEADS",
        "Troubled Homes",
    ),
    (
        "shared_subject_adjective",
        "Superintendent Mara Quill will move to Intelligence and will be responsible for the "
        "Harbour Watch scheme.",
        "Mara Quill",
        "LEADS",
        "Harbour Watch",
    ),
    (
        "shared_subject_passive",
        "Operation Lantern is delivered with the harbour council and is led by Inspector Dov "
        "Arkwright.",
        "Dov Arkwright",
        "LEADS",
        "Lantern",
    ),
    (
        "holding_object",
        "Councillor Rhiannon Vale holds the policing and crime portfolio.",
        "Rhiannon Vale",
        "LEADS",
        "policing and crime portfolio",
    ),
    (
        "surface_apposition",
        "The manual is being reviewed by Supt Arlo Penrose the Force's Silver Lead for hate crime.",
        "Arlo Penrose",
        "LEADS",
        "hate crime",
    ),
    (
        "as_role",
        "Chief Superintendent Ivo Dancer took over as chair of the Harbour Safety Board in March.",
        "Ivo Dancer",
        "CHAIRS",
        "Harbour Safety Board",
    ),
    (
        # The parser reads "chairs" as a noun here: the surface frame reads it.
        "surface_relative",
        "The Harbour Safety Partnership, which the Commissioner chairs, met in February.",
        "Police and Crime Commissioner",
        "CHAIRS",
        "Harbour Safety Partnership",
    ),
    (
        "relative_of",
        "The Harbour Ethics Board, of which Ms Joan Vale is chair, met in May.",
        "Joan Vale",
        "CHAIRS",
        "Harbour Ethics Board",
    ),
    (
        "holding_verb_prep",
        "Chief Inspector Beth Arden will take the lead on implementing Operation Lantern.",
        "Beth Arden",
        "LEADS",
        "Lantern",
    ),
    (
        "shared_subject_active",
        "Superintendent Mara Quill joined in May and now chairs the Estuary Partnership Forum.",
        "Mara Quill",
        "CHAIRS",
        "Estuary Partnership Forum",
    ),
    (
        # The small pipeline reads "lead" as the verb of "officer"; the frame reads it back.
        "copula_reversed_misparsed",
        "The chief officer lead for harbour policing is the ACC (operations), supported by a "
        "chief superintendent in headquarters.",
        "ACC Operations",
        "LEADS",
        "harbour",
    ),
]


@cache
def _frame_names() -> list[str]:
    raw = resources.files("kg").joinpath("data/frames.yaml").read_text("utf-8")
    data = yaml.safe_load(raw)
    return [f["name"] for f in data["frames"]] + [f["name"] for f in data.get("surface", [])]


@pytest.mark.parametrize(("frame", "text", "subject", "relation", "obj"), CASES)
def test_frame(frame: str, text: str, subject: str, relation: str, obj: str) -> None:
    ex = extract(text + "\n")
    assert found(ex, subject, relation, obj, f"frame_{frame}"), sorted(role_facts(ex))


def test_frames_with_written_cases_cover_the_main_constructions() -> None:
    """Most frames have a case here; the rest are variants read in the layouts tests."""
    tested = {c[0] for c in CASES}
    untested = set(_frame_names()) - tested
    assert len(tested) >= 18
    assert untested <= {
        "control_shared_object",
        "passive_control",
        "copula_compound",
        "adjective_list",
        "shared_subject_adjective_list",
        "shared_subject_copula",
        "relative_copula",
        "agent_modifier",
        "surface_passive",
    }, untested


@pytest.mark.parametrize(
    ("text", "subject", "obj"),
    [
        ("Inspector Dov Arkwright attended the Harbour Safety Board.", "Dov Arkwright", "Harbour"),
        (
            "Inspector Dov Arkwright reported to the Harbour Safety Board chaired by "
            "Superintendent Mara Quill.",
            "Dov Arkwright",
            "Harbour",
        ),
        ("Superintendent Mara Quill does not lead Operation Lantern.", "Mara Quill", "Lantern"),
        (
            "Superintendent Mara Quill thanked the Harbour Safety Board for its work.",
            "Mara Quill",
            "Harbour",
        ),
        (
            "Operation Lantern was discussed by Superintendent Mara Quill.",
            "Mara Quill",
            "Lantern",
        ),
        # A lesser role (lexicon `lesser`) is not the role itself.
        (
            "Councillor Tom Vale is the vice chair of the Harbour Safety Board.",
            "Tom Vale",
            "Harbour",
        ),
        (
            "Superintendent Mara Quill is the deputy head of the Major Crime Unit.",
            "Mara Quill",
            "Major",
        ),
        ("Inspector Ivo Lund is deputy lead for Operation Lantern.", "Ivo Lund", "Lantern"),
        (
            "Inspector Ivo Lund, assistant director of the Tidewater Partnership, spoke.",
            "Ivo Lund",
            "Tidewater",
        ),
        # Those who "act as vice chairs" after the chair are not co-chairs.
        (
            "The Harbour Safety Board chair is Councillor Ruth Amos, and the Reverend Ian Pike "
            "and Councillor Dev Shah act as vice chairs.",
            "Ian Pike",
            "Harbour",
        ),
        # The words before a role noun qualify it: "the chief officer lead" is not a leader.
        (
            "The chief officer lead for harbour policing is the ACC (operations), supported by "
            "a chief superintendent in headquarters.",
            "chief officer",
            "harbour",
        ),
        # An idiom of the verb (lexicon `idioms`) names no role.
        ("The Tidewater Constabulary is leading the way on cycle theft.", "Tidewater", "way"),
    ],
)
def test_no_role_fact_where_none_is_stated(text: str, subject: str, obj: str) -> None:
    ex = extract(text + "\n")
    assert not any(subject.lower() in s and obj.lower() in o for s, _, o, _ in role_facts(ex))


def test_an_unnamed_holder_is_a_post_never_a_person() -> None:
    ex = extract("A detective inspector will lead the Harbour Watch review.\n")
    holders = [f.subject for f in ex.facts if f.relation == "LEADS"]
    assert holders and all(h.type == "Post" for h in holders)
    assert "detective inspector" in holders[0].name.lower()


def test_a_list_after_a_colon_gives_one_fact_per_item() -> None:
    ex = extract(
        "The Force Crime Registrar will be responsible for:\n"
        "- The Audit and Compliance Team\n"
        "- The Crime Recording Team\n"
    )
    assert found(ex, "Force Crime Registrar", "LEADS", "Audit and Compliance Team")
    assert found(ex, "Force Crime Registrar", "LEADS", "Crime Recording Team")


def test_a_pronoun_reads_through_to_what_the_sentence_before_named() -> None:
    ex = extract(
        "The Estuary Partnership Forum is an integral part of the portfolio. "
        "It is chaired by Superintendent Mara Quill.\n"
    )
    assert found(ex, "Mara Quill", "CHAIRS", "Estuary Partnership Forum")


def test_he_is_the_person_named_before_him() -> None:
    ex = extract(
        "The Silver lead, Superintendent Ivo Dancer, runs the weekly tasking meeting, which he "
        "chairs.\n"
    )
    assert found(ex, "Ivo Dancer", "CHAIRS", "tasking meeting")


def test_organisations_and_units_can_lead() -> None:
    ex = extract("The Domestic Abuse Review is led by the Public Protection Unit.\n")
    assert found(ex, "Public Protection Unit", "LEADS", "Domestic Abuse Review")


def test_the_role_beside_a_lesser_one_is_still_read() -> None:
    ex = extract(
        "Superintendent Mara Quill is the chair of the Harbour Safety Board, and Inspector Ivo "
        "Lund is its vice chair.\n"
    )
    assert found(ex, "Mara Quill", "CHAIRS", "Harbour Safety Board")
    assert not found(ex, "Ivo Lund", "CHAIRS", "Harbour Safety Board")


def test_the_chair_before_the_vice_chairs_is_the_only_chair() -> None:
    ex = extract(
        "The Harbour Safety Board chair is Councillor Ruth Amos, and the Reverend Ian Pike and "
        "Councillor Dev Shah act as vice chairs.\n"
    )
    chairs = {s for s, r, o, _ in role_facts(ex) if r == "CHAIRS" and "harbour" in o}
    assert chairs == {"ruth amos"}
