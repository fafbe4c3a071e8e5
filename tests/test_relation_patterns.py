"""Every surface pattern in relations.yaml, each on a sentence written for the tests.

Role facts (LEADS, HEADS, CHAIRS) are read by the syntactic frames; see test_frames.py.

The people, units and initiatives are invented. Each case asserts that the pattern's own
rule (Fact.evidence.rule) produced a fact of the pattern's relation type between the expected
subject and object, so a case cannot pass on a fact some other rule happened to produce.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pytest
import yaml
from test_extract import extract, facts

# (pattern name, text, subject name, object name); names compare case-insensitively.
CASES: list[tuple[str, str, str, str]] = [
    # --- LEADS
    (
        "lead_for_topic_colon",
        "Briefing Notes\n\nCycle theft: Superintendent Mara Quill is the gold lead.\n",
        "Mara Quill",
        "cycle theft",
    ),
    (
        "lead_agency",
        "### Operation Lantern\n\nThe Harbour Authority is the lead agency.\n",
        "Harbour Authority",
        "Lantern",
    ),
    # --- CHAIRS
    # --- HEADS
    # --- HOLDS_POST
    (
        "post_dash_person",
        "Head of Harbour Policing – Helen Quill\n",
        "Helen Quill",
        "Head of Harbour Policing",
    ),
    (
        "person_is_post",
        "Superintendent Mara Quill is the new Head of Harbour Policing.\n",
        "Mara Quill",
        "Head of Harbour Policing",
    ),
    # --- MEMBER_OF
    (
        "seconded_to",
        "Inspector Dov Arkwright has been seconded to the Harbour Watch Unit.\n",
        "Dov Arkwright",
        "Harbour Watch Unit",
    ),
    (
        "sits_on",
        "Superintendent Mara Quill sits on the Night Safety Forum.\n",
        "Mara Quill",
        "Night Safety Forum",
    ),
    # --- PART_OF
    (
        "part_of",
        "The Harbour Watch Unit is part of the Coastal Policing Department.\n",
        "Harbour Watch Unit",
        "Coastal Policing Department",
    ),
    (
        "one_of_the",
        "Operation Lantern is one of the neighbourhood crime projects.\n",
        "Lantern",
        "neighbourhood crime",
    ),
    (
        "transferred_into",
        "Operation Lantern has been transferred into the Coastal Crime Unit.\n",
        "Lantern",
        "Coastal Crime Unit",
    ),
    (
        "responsibility_moved",
        "In April, responsibility for Operation Beacon passed to the Coastal Crime Unit.\n",
        "Beacon",
        "Coastal Crime Unit",
    ),
    (
        "team_within",
        "The Harbour Watch Team is a team within the Coastal Policing Department.\n",
        "Harbour Watch Team",
        "Coastal Policing Department",
    ),
    (
        "including_parenthesis",
        "The Night Safety Forum (including Operation Lantern) meets monthly.\n",
        "Lantern",
        "Night Safety Forum",
    ),
    (
        "consortium_of",
        "The Harbour Partnership is a consortium of three bodies: Port Trust, "
        "Quayside Council and Estuary Rescue.\n",
        "Quayside Council",
        "Harbour Partnership",
    ),
    (
        "projects_such_as",
        "Operation Lantern funds several smaller projects such as Project Wick and the "
        "Ember Scheme.\n",
        "Ember Scheme",
        "Lantern",
    ),
    # --- DEPENDS_ON
    (
        "relies_on",
        "Operation Lantern relies on the Harbour Camera Network.\n",
        "Lantern",
        "Harbour Camera Network",
    ),
    (
        "underpins",
        "Shared camera data underpins Operation Lantern.\n",
        "Lantern",
        "Shared camera data",
    ),
    (
        "dependency_for",
        "The Harbour Camera Network is a key dependency for Operation Lantern.\n",
        "Lantern",
        "Harbour Camera Network",
    ),
    (
        "subject_to",
        "Operation Lantern remains dependent on Operation Beacon.\n",
        "Lantern",
        "Beacon",
    ),
    (
        "builds_on",
        "Operation Lantern builds on the earlier street lighting survey.\n",
        "Lantern",
        "earlier street lighting survey",
    ),
    # --- PARTNERS_WITH
    (
        "forged_partnerships",
        "Operation Lantern has developed close links with the Port Trust.\n",
        "Lantern",
        "Port Trust",
    ),
    (
        "in_partnership_with",
        "Operation Lantern is delivered in partnership with the Port Trust.\n",
        "Lantern",
        "Port Trust",
    ),
    (
        "linked_in_with",
        "The Harbour Watch Unit is closely linked with the Port Trust.\n",
        "Harbour Watch Unit",
        "Port Trust",
    ),
    (
        "working_together",
        "The Harbour Watch Unit and CPS work closely together.\n",
        "Harbour Watch Unit",
        "Crown Prosecution Service",
    ),
    (
        "key_partners_in",
        "The Port Trust and the Harbour Watch Unit are key partners in Operation Lantern.\n",
        "Harbour Watch Unit",
        "Lantern",
    ),
    (
        "working_with_partners_in",
        "### Operation Lantern\n\nWorking with partners in the Port Trust and Estuary Rescue.\n",
        "Lantern",
        "Estuary Rescue",
    ),
    # --- ADDRESSES
    (
        "focused_on",
        "Operation Lantern focuses on cycle theft and shoplifting.\n",
        "Lantern",
        "shoplifting",
    ),
    (
        "particular_focus",
        "Operation Lantern was launched in May. Particular focus is placed on cycle theft.\n",
        "Lantern",
        "cycle theft",
    ),
    (
        # A sentence-initial "The approach" is read as an Initiative name (gazetteer keyword
        # "Approach"), so the pattern can only fire on a lower-case start, as in a bullet.
        "approach_to_tackle",
        "### Operation Lantern\n\n- the approach to tackling cycle theft.\n",
        "Lantern",
        "cycle theft",
    ),
    (
        "looking_into",
        "Operation Lantern – looking into cycle theft near the station.\n",
        "Lantern",
        "cycle theft near the station",
    ),
    (
        "formed_to",
        "The Harbour Watch Unit was set up to protect vulnerable swimmers.\n",
        "Harbour Watch Unit",
        "vulnerable swimmers",
    ),
    (
        "operation_in_brackets",
        "The force has committed extra patrols to cycle theft (Operation Lantern).\n",
        "Lantern",
        "cycle theft",
    ),
    # --- SUCCEEDS
    (
        "replacing",
        "Operation Lantern is replacing the old paper tasking system.\n",
        "Lantern",
        "old paper tasking system",
    ),
    (
        "replaced_by",
        "The paper tasking system will be replaced by Operation Lantern.\n",
        "Lantern",
        "paper tasking system",
    ),
    # --- MERGES_INTO
    (
        "will_merge_with",
        "The Harbour Watch Unit will merge with the Coastal Crime Unit.\n",
        "Harbour Watch Unit",
        "Coastal Crime Unit",
    ),
    (
        "subsumed",
        "The Coastal Crime Unit absorbed the Harbour Watch Team.\n",
        "Harbour Watch Team",
        "Coastal Crime Unit",
    ),
]


@cache
def patterns() -> dict[str, dict[str, object]]:
    """The relation patterns in relations.yaml, by name."""
    text = (resources.files("kg") / "data/relations.yaml").read_text(encoding="utf-8")
    return {rule["name"]: rule for rule in yaml.safe_load(text)["relations"]}


PARAMS = [pytest.param(*case, id=case[0]) for case in CASES]


@pytest.mark.parametrize(("name", "text", "subject", "obj"), PARAMS)
def test_relation_pattern(name: str, text: str, subject: str, obj: str) -> None:
    relation = str(patterns()[name]["type"])
    ex = extract(text)
    produced = {
        (f.subject.name.casefold(), f.object.name.casefold())
        for f in ex.facts
        if f.relation == relation and f.evidence.rule == name
    }
    assert (subject.casefold(), obj.casefold()) in produced, (
        f"{name}: no {relation} ({subject!r}, {obj!r}) from this rule; "
        f"it produced {sorted(produced)}, all rules {sorted(facts(ex, relation))}"
    )


def test_every_pattern_has_a_case() -> None:
    names = [case[0] for case in CASES]
    assert len(names) == len(set(names)), "a pattern has two cases"
    assert set(names) == set(patterns())
