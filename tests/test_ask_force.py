"""/ask with the force in the question: a post is answered from that force's papers, and an
unqualified post that several forces have says which force each candidate belongs to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import index_of

from api.deps import Services
from vectors.encoder import ModelEncoder

PAPERS = {
    "fenmoor_board_2022.txt": """FENMOOR CONSTABULARY STRATEGIC BOARD
MINUTES
3 March 2022

Present:
CC Ruth Calloway (Chair) | Chief Constable
DCC Owen Marsh | Deputy Chief Constable

1. Estates
1.1 The Deputy Chief Constable reported on the custody suite rebuild.

2. Audit
2.1 The Joint Audit Committee is chaired by Mrs Ada Quint.
""",
    "fenmoor_board_2022.txt.meta.yaml": 'force: "Fenmoor Constabulary"\n',
    "highcliff_panel_2023.txt": """HIGHCLIFF POLICE AND CRIME PANEL
14 June 2023

Present:
CC Ade Brennan | Chief Constable
DCC Leah Morrow | Deputy Chief Constable
PCC Dana Frost | Police and Crime Commissioner

2. Performance
2.1 The Deputy Chief Constable presented the quarterly performance report.

3. Audit
3.1 The Joint Audit Committee is chaired by Mr Rhys Kell.
""",
    "highcliff_panel_2023.txt.meta.yaml": 'force: "Highcliff Police"\n',
}


@pytest.fixture(scope="module")
def two_forces(
    tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder
) -> Iterator[Services]:
    root = tmp_path_factory.mktemp("forces")
    services = Services(index_of(root, encoder, PAPERS), encoder)
    yield services
    services.close()


@pytest.mark.parametrize(
    ("question", "holder", "other"),
    [
        ("Who is the deputy chief constable of Fenmoor?", "Owen Marsh", "Leah Morrow"),
        ("Highcliff's deputy chief constable", "Leah Morrow", "Owen Marsh"),
        ("Who is the Highcliff Police deputy chief constable?", "Leah Morrow", "Owen Marsh"),
        ("Who is the chief constable of Fenmoor Constabulary?", "Ruth Calloway", "Ade Brennan"),
        # Highcliff's chair is the newer fact; the question asks for Fenmoor's.
        ("Who chairs the Joint Audit Committee in Fenmoor?", "Ada Quint", "Rhys Kell"),
    ],
)
def test_a_post_is_answered_from_the_force_the_question_names(
    two_forces: Services, question: str, holder: str, other: str
) -> None:
    answer = two_forces.ask.ask(question)
    assert answer.facts and holder in answer.facts[0].subject
    assert all(other not in f.subject for f in answer.facts)


def test_an_unqualified_post_of_two_forces_names_each_force(two_forces: Services) -> None:
    answer = two_forces.ask.ask("Who is the deputy chief constable?")
    assert "Fenmoor Constabulary" in answer.answer and "Highcliff Police" in answer.answer


def test_the_passages_of_a_question_naming_a_force_come_from_its_papers(
    two_forces: Services,
) -> None:
    answer = two_forces.ask.ask("What did the Deputy Chief Constable report in Fenmoor?")
    assert answer.passages
    assert {h.chunk.doc_id for h in answer.passages} == {"fenmoor_board_2022.txt"}
    unnamed = two_forces.ask.ask("What did the Deputy Chief Constable report?")
    assert {h.chunk.doc_id for h in unnamed.passages} == {
        "fenmoor_board_2022.txt",
        "highcliff_panel_2023.txt",
    }


def test_a_post_merely_like_the_target_does_not_answer_for_it(two_forces: Services) -> None:
    # The papers name no chair of the panel; the commissioner's post only resembles it.
    answer = two_forces.ask.ask("Who chairs the Highcliff Police and Crime Panel?")
    assert all("Dana Frost" not in f.subject for f in answer.facts)
    held = two_forces.ask.ask("Who is the Highcliff Police and Crime Commissioner?")
    assert held.facts and "Dana Frost" in held.facts[0].subject


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("Highcliff's deputy chief constable", "deputy chief constable"),
        ("the deputy chief constable of Highcliff Police", "the deputy chief constable"),
        ("Joint Audit Committee in Fenmoor", "Joint Audit Committee"),
        ("the Fenmoor Constabulary DCC", "the DCC"),
        ("the Joint Audit Committee", "the Joint Audit Committee"),
    ],
)
def test_the_force_is_taken_off_the_target(two_forces: Services, text: str, left: str) -> None:
    assert two_forces.search.index.forces.without(text) == left
