"""Cleaning, segmentation and chunking: offsets, boilerplate, token budget, structure."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from indexer.chunk import Chunker
from indexer.clean import clean, load_patterns
from indexer.load import load_document
from indexer.segment import segment
from kg.errors import DocumentError
from vectors.encoder import ModelEncoder

BOARD_PAPER = """STRATEGIC POLICING BOARD
2nd February 2016

AGENDA ITEM 4

Fleet Review

PURPOSE OF REPORT
1. This paper sets out the fleet replacement plan for the coming year and the costs of the
electric vehicle trial that began in the autumn.

\u2022 Twelve vans were replaced.
\u2022 Four <b>electric</b> cars joined the pool.
Contact [fleet office](mailto:fleet@example.org) or mailto:fleet@example.org

7

VEHICLE TRIAL
2. The trial reported lower running costs and fewer breakdowns than the diesel fleet. The
drivers asked for more charging points at the northern depot.
"""


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]+", text)


def _is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    it = iter(haystack)
    return all(word in it for word in needle)


def test_clean_view_drops_boilerplate_but_keeps_offsets() -> None:
    view = clean(BOARD_PAPER)
    for residue in ("AGENDA ITEM", "\u2022", "<b>", "mailto", "\n7\n"):
        assert residue not in view.text
    assert "Four electric cars joined the pool." in view.text
    assert "Contact fleet office or" in view.text
    # Every kept character maps back to the same character of the original.
    for i, ch in enumerate(view.text):
        if not ch.isspace():
            assert BOARD_PAPER[view.origin[i]] == ch


def test_html_left_in_text_is_dropped_but_its_lines_and_cells_stay_apart() -> None:
    page = (
        '<p><b>Fleet Review</b></p> <ul style="x"> <li>Four electric cars</li>'
        " <li>Two <em>pool</em> vans</li></ul><table><tr><td>Cars</td><td>4</td></tr></table>"
        " Response times under 5 minutes rose where x<5 and y > 2."
    )
    view = clean(page)
    assert "<" not in view.text.replace("x<5", "")
    lines = view.text.split("\n")
    assert "Four electric cars" in lines and "Two pool vans" in lines
    assert "Cars\t4" in lines
    assert "x<5 and y > 2" in view.text  # not tags: kept
    for i, ch in enumerate(view.text):
        if not ch.isspace():
            assert page[view.origin[i]] == ch


def test_a_boilerplate_replacement_must_be_blank_space(tmp_path: Path) -> None:
    bad = tmp_path / "boilerplate.yaml"
    bad.write_text("patterns:\n  - name: x\n    regex: 'y'\n    replace: 'z'\n")
    with pytest.raises(DocumentError, match="pattern #1 is invalid: replace must be blank"):
        load_patterns(bad)


def test_hard_wrapped_lines_are_joined_but_headings_stay() -> None:
    view = clean(BOARD_PAPER)
    assert "for the coming year and the costs of the electric vehicle trial" in view.text
    structure = segment(view.text)
    headings = [h.text for h in structure.headings]
    assert "PURPOSE OF REPORT" in headings and "VEHICLE TRIAL" in headings
    assert [p.number for p in structure.paragraphs] == ["1", "2"]


def test_chunks_carry_offsets_section_and_paragraph(tmp_path: Path, encoder: ModelEncoder) -> None:
    path = tmp_path / "fleet.txt"
    path.write_text(BOARD_PAPER)
    document = load_document(path, "fleet.txt")
    view = clean(document.text)
    chunker = Chunker(encoder.count_tokens, 48, 8, encoder.max_text_tokens)
    chunks = chunker.split(document, view, segment(view.text))
    assert len(chunks) >= 2
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    for chunk in chunks:
        # The chunk's words appear, in order, in the document text at its offsets, which
        # start and end on the chunk's first and last words (boilerplate between is dropped).
        original = _words(document.text[chunk.start : chunk.end])
        words = _words(chunk.text)
        assert _is_subsequence(words, original)
        assert original[0] == words[0] and original[-1] == words[-1]
    trial = next(c for c in chunks if "fewer breakdowns" in c.text)
    assert trial.section == "VEHICLE TRIAL" and trial.paragraph == "2"


@pytest.mark.parametrize("size", [32, 128, 250])
def test_no_chunk_overflows_the_model_window(
    size: int, encoder: ModelEncoder, tmp_path: Path
) -> None:
    long_text = "Operational Update\n\n" + " ".join(
        f"Sentence {i} reports that the neighbourhood team attended {i} community meetings."
        for i in range(300)
    )
    path = tmp_path / "long.txt"
    path.write_text(long_text)
    document = load_document(path, "long.txt")
    view = clean(document.text)
    chunker = Chunker(encoder.count_tokens, size, size // 4, encoder.max_text_tokens)
    chunks = chunker.split(document, view, segment(view.text))
    for chunk in chunks:
        assert encoder.count_tokens(chunk.text) <= size
        assert encoder.count_tokens(chunker.embedding_text(document, chunk)) <= (
            encoder.max_text_tokens
        )


def test_chunk_size_larger_than_the_window_is_refused(
    encoder: ModelEncoder,
) -> None:
    with pytest.raises(ValueError, match="exceeds the model window"):
        Chunker(encoder.count_tokens, 400, 0, encoder.max_text_tokens)


def test_a_table_row_is_not_a_heading() -> None:
    text = (
        "Recorded Crime by Force\n\n"
        "West Yorkshire Police\t167,126\t7,616\t5%\n"
        "Kent Police | 98,004 | 4.1%\n"
        "Lancashire Constabulary    12,400    2%\n\n"
        "Next Steps\n"
    )
    headings = [h.text for h in segment(text).headings]
    assert headings == ["Recorded Crime by Force", "Next Steps"]
