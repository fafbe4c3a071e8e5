"""Layouts that state posts and roles (attendance lists and tables, role tables, label lines),
post holders read from context, the document's force, and spelling slips. Papers written here.
"""

from __future__ import annotations

from datetime import date

from test_extract import extract, make_item

from indexer.extract import Extraction
from indexer.metadata import guess_title
from indexer.resolve import GraphData, build_graph
from kg.forces import canonical_force, find_force


def facts(ex: Extraction | GraphData, relation: str) -> set[tuple[str, str]]:
    if isinstance(ex, GraphData):
        names = {e.id: e.name.lower() for e in ex.entities}
        return {(names[r.source], names[r.target]) for r in ex.relations if r.type == relation}
    return {
        (f.subject.name.lower(), f.object.name.lower()) for f in ex.facts if f.relation == relation
    }


def has(found: set[tuple[str, str]], subject: str, obj: str) -> bool:
    return any(subject.lower() in s and obj.lower() in o for s, o in found)


MINUTES_TABLE = """ESTUARY POLICE AND CRIME PANEL

Minutes of the meeting held on 3 May 2022

Present

| Name | Role |
| --- | --- |
| Mrs Helen Varga (Chair) | Independent Member |
| Mr Tobias Crane | Independent Member |
| DCC Ruth Ellery | Deputy Chief Constable, Kent Police |

Apologies

- Mr Omar Pike (Treasurer)

1. The DCC chairs the Estuary Vetting Board. Mr Crane asked about the budget.
"""

MINUTES_DASH = """HARBOUR JOINT AUDIT COMMITTEE

Present:
Councillor Lena Marsh (LM) – Chair
Councillor Ivo Brandt (IB) – Vice-Chair
Alan Pryor (AP)\tChief Finance Officer, Office of the Police and Crime Commissioner

1 Minutes

LM signed the minutes. AP manages the Harbour Safety Fund.
"""


def test_an_attendance_table_gives_posts_and_the_chair_of_the_meeting() -> None:
    ex = extract(MINUTES_TABLE)
    posts = facts(ex, "HOLDS_POST")
    assert has(posts, "Helen Varga", "Independent Member")
    assert has(posts, "Tobias Crane", "Independent Member")
    assert has(posts, "Ruth Ellery", "Deputy Chief Constable")
    assert has(posts, "Omar Pike", "Treasurer")  # absent, but still the treasurer
    chairs = facts(ex, "CHAIRS")
    assert has(chairs, "Helen Varga", "Police and Crime Panel")
    assert not has(chairs, "Omar Pike", "")
    assert not has(chairs, "Tobias Crane", "")
    people = {m.name for m in ex.mentions if m.type == "Person"}
    assert {"Helen Varga", "Tobias Crane", "Ruth Ellery", "Omar Pike"} <= people


def test_dash_and_tab_lists_with_initials_that_later_name_the_person() -> None:
    ex = extract(MINUTES_DASH)
    assert has(facts(ex, "CHAIRS"), "Lena Marsh", "Joint Audit Committee")
    assert has(facts(ex, "HOLDS_POST"), "Ivo Brandt", "Vice-Chair")
    assert has(facts(ex, "HOLDS_POST"), "Alan Pryor", "Chief Finance Officer")
    assert has(facts(ex, "LEADS"), "Alan Pryor", "Harbour Safety Fund")  # "AP manages ..."


def test_rank_name_chair_lines() -> None:
    ex = extract(
        "STRATEGIC POLICING BOARD\n\nPresent:\nCC Tim Halloran (Chair)\n"
        "ACC Nadia Quist, Assistant Chief Constable (Crime)\n\n1. Opening\n\nThe board met.\n"
    )
    assert has(facts(ex, "CHAIRS"), "Tim Halloran", "Strategic Policing Board")
    assert has(facts(ex, "HOLDS_POST"), "Nadia Quist", "Assistant Chief Constable")


def test_a_role_table_and_role_label_lines() -> None:
    ex = extract(
        "Delivery plan\n\n"
        "| Objective | Lead | Reporting frequency |\n"
        "| --- | --- | --- |\n"
        "| 1. Reduce knife-enabled violence by 10 per cent | Head of Crime | Monthly |\n\n"
        "Command structure\n\n"
        "Silver lead, serious violence: Chief Superintendent Owain Pryce\n"
        "Bronze lead, knife crime: Detective Chief Inspector Sam Okoro\n"
    )
    leads = facts(ex, "LEADS")
    assert has(leads, "Head of Crime", "Reduce knife-enabled violence")
    assert has(leads, "Owain Pryce", "serious violence")
    assert has(leads, "Sam Okoro", "knife crime")
    objective = next(m for m in ex.mentions if m.name.startswith("Reduce knife"))
    assert objective.attr("frequency") == "Monthly"


def test_the_dcc_is_the_person_the_paper_names_in_that_post() -> None:
    data = build_graph([make_item("minutes.txt", MINUTES_TABLE)])
    chairs = facts(data, "CHAIRS")
    assert has(chairs, "deputy chief constable", "Estuary Vetting Board")  # kept on the post
    assert has(chairs, "Ruth Ellery", "Estuary Vetting Board")  # and given to its holder


def test_a_post_resolves_within_its_force_and_a_year() -> None:
    named = make_item(
        "a.txt", "Board Report\n\nDCC Ruth Ellery welcomed the plan.\n", date(2021, 3, 1)
    )
    later = make_item(
        "b.txt", "Board Report\n\nThe DCC chairs the Harbour Vetting Board.\n", date(2021, 9, 1)
    )
    far = make_item(
        "c.txt", "Board Report\n\nThe DCC chairs the Dock Review Board.\n", date(2024, 9, 1)
    )
    kent = [
        (d.__class__(**{**d.__dict__, "force": "Kent Police"}), *rest)
        for d, *rest in (named, later, far)
    ]
    chairs = facts(build_graph(kent), "CHAIRS")
    assert has(chairs, "Ruth Ellery", "Harbour Vetting Board")
    assert not has(chairs, "Ruth Ellery", "Dock Review Board")  # three years on: not her
    other = (
        later[0].__class__(**{**later[0].__dict__, "force": "Thames Valley Police"}),
        *later[1:],
    )
    chairs = facts(build_graph([kent[0], other]), "CHAIRS")
    assert not has(chairs, "Ruth Ellery", "Harbour Vetting Board")  # another force's DCC


def test_one_post_name_in_two_forces_is_two_posts() -> None:
    a = make_item("a.txt", "Report\n\nThe Deputy Chief Constable chairs the Harbour Board.\n")
    b = make_item("b.txt", "Report\n\nThe Deputy Chief Constable chairs the Dock Board.\n")
    a = (a[0].__class__(**{**a[0].__dict__, "force": "Kent Police"}), *a[1:])
    b = (b[0].__class__(**{**b[0].__dict__, "force": "Thames Valley Police"}), *b[1:])
    posts = [e.id for e in build_graph([a, b]).entities if e.type == "Post"]
    assert "post:deputy-chief-constable~kent-police" in posts
    assert "post:deputy-chief-constable~thames-valley-police" in posts


def test_names_one_letter_apart_merge_as_one() -> None:
    data = build_graph(
        [
            make_item(
                "a.txt",
                "Report\n\nSupt Felicity Gibling leads Operation Lantern. Supt Gibbling thanked "
                "the board. The INTERGRATED OFFENDER MANAGEMENT programme and the Integrated "
                "Offender Management programme were reviewed. Sentinel 2 follows Sentinel 3.\n",
            )
        ]
    )
    people = [e for e in data.entities if e.type == "Person"]
    assert len(people) == 1 and people[0].name == "Felicity Gibling"
    iom = [e for e in data.entities if "offender management" in e.name.lower()]
    assert len(iom) == 1


def test_the_force_comes_from_the_header_or_the_sidecar_name() -> None:
    assert (
        find_force("OFFICE OF THE POLICE AND CRIME COMMISSIONER FOR KENT\n\nMinutes")
        == "Kent Police"
    )
    assert (
        find_force("Thames Valley Police\n\nReport of the Chief Constable")
        == "Thames Valley Police"
    )
    assert find_force("A report with no force in it.") is None
    assert canonical_force("Avon and Somerset Constabulary") == "Avon and Somerset Police"
    assert canonical_force("Harbourshire Police") == "Harbourshire Police"


def test_titles_skip_web_page_furniture() -> None:
    page = (
        "Skip to main content\nCookies on this site\nAccept additional cookies\nMenu\n"
        "Home | News | Contact us\n6 minute read\nPublished 3 March 2021\n\n"
        "New Harbour Taskforce to tackle boat theft\n\nThe Commissioner announced ...\n"
    )
    assert guess_title(page) == "New Harbour Taskforce to tackle boat theft"


def test_a_name_and_role_table_without_an_attendance_heading() -> None:
    ex = extract(
        "HARBOUR POLICE AND CRIME PANEL\n\nWho came to the decision meeting\n\n"
        "Name\tRole\nSarah Hanley\tPolice and Crime Commissioner\n"
        "Dr Lewis Armitage (Director, Harbour Violence Reduction Unit)\n"
    )
    assert has(facts(ex, "HOLDS_POST"), "Sarah Hanley", "Police and Crime Commissioner")


def test_a_bracketed_post_with_a_comma_and_a_single_inline_apology() -> None:
    ex = extract(
        "HARBOUR AUDIT COMMITTEE\n\nPresent:\nDr Lewis Armitage (Director, Harbour Violence "
        "Reduction Unit)\nMr Tobias Crane (Independent Member)\n\n"
        "Apologies: Mrs H. Quill (External Audit Manager).\n\n1. Minutes\n\nAgreed.\n"
    )
    assert has(facts(ex, "HEADS"), "Lewis Armitage", "Harbour Violence Reduction Unit")
    assert has(facts(ex, "HOLDS_POST"), "Quill", "External Audit Manager")
    assert not has(facts(ex, "CHAIRS"), "Quill", "")
