"""Titles, dates and sidecar overrides: what `describe` finds for a document."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from indexer.load import load_document
from indexer.metadata import (
    describe,
    document_date,
    find_dates,
    guess_title,
    meaningful_title,
    parse_date,
    read_sidecar,
)
from kg.errors import DocumentError


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1st July 2014", date(2014, 7, 1)),
        ("2nd December 2014", date(2014, 12, 2)),
        ("23rd of March 2013", date(2013, 3, 23)),
        ("Tuesday 1st December 2015", date(2015, 12, 1)),
        ("1 July 2014", date(2014, 7, 1)),
        ("July 1, 2014", date(2014, 7, 1)),
        ("12 Sept 2014", date(2014, 9, 12)),
        ("October 2006", date(2006, 10, 1)),
        ("July 2014", date(2014, 7, 1)),
        ("JUNE 2013", date(2013, 6, 1)),
        ("2014-07-01", date(2014, 7, 1)),
        ("01/07/2014", date(2014, 7, 1)),
        ("1.7.2014", date(2014, 7, 1)),
    ],
)
def test_each_written_date_form_is_found(written: str, expected: date) -> None:
    found = find_dates(f"The meeting on {written} agreed it.")
    assert [(d.value, d.text) for d in found] == [(expected, written)]


@pytest.mark.parametrize(
    "text",
    ["31/02/2014", "30 February 2015", "the force may 2014 be", "March 1850", "Mayor 2014"],
)
def test_impossible_or_ambiguous_dates_are_ignored(text: str) -> None:
    assert find_dates(text) == []


def test_header_date_on_its_own_line_wins() -> None:
    text = "BOARD PAPER\nReview of custody\n\n3rd March 2015\n\n1. In January 2016 we will act.\n"
    found, source = document_date(text)
    assert source == "text"
    assert found is not None and (found.value, found.text) == (date(2015, 3, 3), "3rd March 2015")


def test_labelled_header_date_counts_as_its_own_line() -> None:
    found, source = document_date("Custody Review\nDate of meeting: 14/05/2012\n\nBody text.\n")
    assert source == "text"
    assert found is not None and found.value == date(2012, 5, 14)


def test_standalone_header_date_beats_one_inside_a_heading() -> None:
    found, source = document_date("## Baseline Assessment October 2006\n\n12 November 2006\n")
    assert source == "text"
    assert found is not None and found.value == date(2006, 11, 12)


def test_date_inside_a_short_header_heading_is_used() -> None:
    found, source = document_date("## Police Force\n\n### Baseline Assessment October 2006\n")
    assert source == "text"
    assert found is not None and found.value == date(2006, 10, 1)


def test_date_in_header_prose_is_not_a_header_date() -> None:
    text = "Title Line\n\nIn March 2013 the unit was set up and by June 2013 it had grown.\n"
    found, source = document_date(text)
    assert source == "inferred"
    assert found is not None and found.text == "June 2013"


def test_date_in_a_short_prose_line_is_not_a_header_date() -> None:
    assert document_date("Custody Review\n\nas it was in April 2012.\n")[1] == "inferred"


def test_without_header_date_the_latest_past_date_in_the_body_is_inferred() -> None:
    filler = "Body line.\n" * 60
    text = (
        f"Title\n{filler}Figures for March 2013.\nAgreed on 2 April 2012.\nPlan for 2099-01-01.\n"
    )
    found, source = document_date(text)
    assert source == "inferred"
    assert found is not None and (found.value, found.text) == (date(2013, 3, 1), "March 2013")


def test_text_without_dates_has_none() -> None:
    assert document_date("Title\n\nNo dates in 2014/15 or Q3 here.\n") == (None, "none")


def test_header_ends_after_forty_lines() -> None:
    text = "Title\n" + "\n" * 45 + "1 July 2014\n"
    assert document_date(text)[1] == "inferred"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2013-06-01", date(2013, 6, 1)),
        ("2013-06", date(2013, 6, 1)),
        ("June 2013", date(2013, 6, 1)),
        ("1st June 2013", date(2013, 6, 1)),
        ("2013-13", None),
        ("soon", None),
        ("2013", None),
    ],
)
def test_parse_date_reads_iso_and_written_forms(value: str, expected: date | None) -> None:
    assert parse_date(value) == expected


def test_title_skips_board_name_date_and_purpose_heading() -> None:
    text = (
        "\n\nSTRATEGIC POLICING AND CRIME BOARD\nTuesday 1st December 2015\n\n"
        "Programme Update – Local Policing & Risk\n\nPURPOSE OF REPORT\n\n1. Body.\n"
    )
    assert guess_title(text) == "Programme Update – Local Policing & Risk"


def test_title_joins_lines_of_a_wrapped_heading() -> None:
    assert guess_title("Custody and Detention\nPortfolio\n\nINTRODUCTION\n") == (
        "Custody and Detention Portfolio"
    )


def test_title_strips_markdown_and_html_emphasis() -> None:
    assert guess_title("# **Force Overview**\n\nText.\n") == "Force Overview"
    assert guess_title("<b>Force Overview</b>\n\nText.\n") == "Force Overview"


def test_title_joins_a_short_markdown_heading_and_its_subtitle() -> None:
    text = "\n## Northshire Police\n\n### Baseline Assessment 2006\n\n**CROWN COPYRIGHT**\n"
    assert guess_title(text) == "Northshire Police – Baseline Assessment 2006"


def test_title_is_the_first_sentence_of_a_long_opening_line() -> None:
    text = "BOARD\n1st July 2014\n\nReport from the Chief Officer. Reference is made to " + (
        "several matters of interest to members of the board " * 4
    )
    assert guess_title(text) == "Report from the Chief Officer"


def test_title_after_opening_paragraphs_is_found_lower_down() -> None:
    text = (
        "POLICE AND CRIME PANEL\n\n12th May 2014\n\nPURPOSE OF REPORT\n\n"
        "1. This report sets out progress against the plan and what is\n"
        "expected over the coming months.\n\nEXECUTIVE SUMMARY\n\n"
        "2. Crime fell across the area and confidence in policing rose.\n\n"
        "Progress against the 2014/15 Milestones and\n\nDeliverables in the Plan\n\n"
        "AGENDA ITEM 7\n 3. More body text follows.\n"
    )
    assert (
        guess_title(text) == "Progress against the 2014/15 Milestones and Deliverables in the Plan"
    )


def test_title_ignores_lone_page_numbers_and_agenda_items() -> None:
    assert guess_title("12\nAGENDA ITEM 4\nPage 1 of 9\nVictim Services Review\n") == (
        "Victim Services Review"
    )


def test_text_without_a_heading_has_no_title() -> None:
    assert guess_title("this is only lower case prose that runs on\nand on.\n") is None


@pytest.mark.parametrize(
    ("title", "meaningful"),
    [
        ("Annual Report", True),
        ("Untitled", False),
        ("Microsoft Word - report.docx", False),
        ("board_paper.pdf", False),
        ("12", False),
        ("", False),
        (None, False),
    ],
)
def test_format_titles_that_carry_no_meaning_are_ignored(
    title: str | None, meaningful: bool
) -> None:
    assert meaningful_title(title) is meaningful


def test_describe_prefers_a_meaningful_format_title(tmp_path: Path) -> None:
    text = "Heading In Text\n\nBody.\n"
    assert describe(tmp_path / "a.html", text, "Page Title").title == "Page Title"
    assert describe(tmp_path / "a.html", text, "Untitled").title == "Heading In Text"


def test_describe_falls_back_to_the_file_name(tmp_path: Path) -> None:
    meta = describe(tmp_path / "board-paper.txt", "only prose here, nothing more.\n")
    assert meta.title == "board-paper"
    assert (meta.date, meta.date_text, meta.date_source) == (None, None, "none")


def _doc(tmp_path: Path, sidecar: str | None, suffix: str = ".meta.yaml") -> Path:
    path = tmp_path / "paper.txt"
    path.write_text("Title From Text\n\n1st July 2014\n\nBody.\n", encoding="utf-8")
    if sidecar is not None:
        (tmp_path / f"paper.txt{suffix}").write_text(sidecar, encoding="utf-8")
    return path


def test_document_without_sidecar_uses_the_text(tmp_path: Path) -> None:
    doc = load_document(_doc(tmp_path, None), "paper.txt")
    assert (doc.title, doc.date, doc.date_text, doc.date_source) == (
        "Title From Text",
        date(2014, 7, 1),
        "1st July 2014",
        "text",
    )
    assert doc.classification is None


def test_yaml_sidecar_overrides_title_date_and_classification(tmp_path: Path) -> None:
    sidecar = 'title: Set By Hand\ndate: "2013-06"\nclassification: OFFICIAL\n'
    doc = load_document(_doc(tmp_path, sidecar), "paper.txt")
    assert (doc.title, doc.date, doc.date_text, doc.date_source, doc.classification) == (
        "Set By Hand",
        date(2013, 6, 1),
        "2013-06",
        "sidecar",
        "OFFICIAL",
    )


@pytest.mark.parametrize(
    ("sidecar", "expected"),
    [("date: 2013-06-02\n", date(2013, 6, 2)), ("date: June 2013\n", date(2013, 6, 1))],
)
def test_sidecar_date_may_be_a_yaml_date_or_text(
    tmp_path: Path, sidecar: str, expected: date
) -> None:
    doc = load_document(_doc(tmp_path, sidecar), "paper.txt")
    assert (doc.date, doc.date_source, doc.title) == (expected, "sidecar", "Title From Text")


def test_json_sidecar_is_read(tmp_path: Path) -> None:
    sidecar = json.dumps({"title": "From JSON", "date": "2012-01-31"})
    doc = load_document(_doc(tmp_path, sidecar, ".meta.json"), "paper.txt")
    assert (doc.title, doc.date) == ("From JSON", date(2012, 1, 31))


def test_empty_sidecar_changes_nothing(tmp_path: Path) -> None:
    assert read_sidecar(_doc(tmp_path, "# nothing yet\n")) is not None
    assert load_document(_doc(tmp_path, ""), "paper.txt").date_source == "text"


@pytest.mark.parametrize(
    ("sidecar", "message"),
    [
        ("titel: Typo\n", "unknown key 'titel'"),
        ("date: next spring\n", "'date' 'next spring' is not a date"),
        ('date: "2013-13"\n', "'date' '2013-13' is not a date"),
        ("date: 2013\n", "'date' 2013 is not a date"),
        ("title: ''\n", "'title' must be a non-empty string"),
        ("classification: [a, b]\n", "'classification' must be a non-empty string"),
        ("- just\n- a list\n", "must be a mapping"),
        ("title: [unclosed\n", "cannot read sidecar"),
    ],
)
def test_invalid_sidecar_is_refused_naming_file_and_key(
    tmp_path: Path, sidecar: str, message: str
) -> None:
    path = _doc(tmp_path, sidecar)
    with pytest.raises(DocumentError) as info:
        load_document(path, "paper.txt")
    assert message in str(info.value)
    assert "paper.txt.meta.yaml" in str(info.value)


def test_two_sidecars_for_one_document_are_refused(tmp_path: Path) -> None:
    path = _doc(tmp_path, "title: A\n")
    (tmp_path / "paper.txt.meta.json").write_text('{"title": "B"}', encoding="utf-8")
    with pytest.raises(DocumentError, match="keep one"):
        read_sidecar(path)
