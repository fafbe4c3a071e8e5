"""The search service: acronyms learnt from the corpus, fusion, filters, periods."""

from __future__ import annotations

from datetime import date

import pytest

from api.deps import Services
from api.query import periods
from api.search import Filters, coverage
from indexer.glossary import find_definitions, infer_definitions, schwartz_hearst
from kg.errors import InvalidRequest
from kg.text import terms


def test_inline_definition_expands_the_acronym_both_ways(services: Services) -> None:
    search = services.search
    analysed = search.analyse("VCS recruits")
    assert ("VCS", "Volunteer Cadet Scheme") in analysed.expansions
    # cadets.txt never says "VCS": only the expansion can find it.
    assert "cadets.txt" in {h.chunk.doc_id for h in search.search("VCS", k=2, mode="keyword")}
    reverse = search.analyse("volunteer cadet scheme numbers")
    assert ("VCS", "Volunteer Cadet Scheme") in reverse.expansions


def test_glossary_entries_expand_queries(services: Services) -> None:
    analysed = services.search.analyse("KWX meetings")
    assert ("KWX", "kestrel watch exchange") in analysed.expansions
    hits = services.search.search("KWX", k=2)
    assert hits[0].chunk.doc_id in {"ferries.txt", "inspection.md"}
    assert "ferries.txt" in {h.chunk.doc_id for h in hits}


def test_packaged_policing_acronyms_expand_when_the_corpus_is_silent(
    services: Services,
) -> None:
    assert ("CSE", "child sexual exploitation") in services.search.analyse(
        "who leads CSE"
    ).expansions


def test_schwartz_hearst_rejects_parenthetical_remarks() -> None:
    assert schwartz_hearst("MASH", "the new Multi-Agency Safeguarding Hub") == (
        "Multi-Agency Safeguarding Hub"
    )
    assert schwartz_hearst("NB", "a remark about budgets") is None
    found = find_definitions("d", "Officers joined the Road Crime Team (RCT) in May (2014).")
    assert [(d.acronym, d.expansion) for d in found] == [("RCT", "Road Crime Team")]


def test_definition_is_inferred_from_a_capitalised_phrase() -> None:
    text = "Child Sexual Exploitation remains a priority. The CSE toolkit is new."
    found = infer_definitions("d", text, known=set())
    assert [(d.acronym, d.expansion) for d in found] == [("CSE", "Child Sexual Exploitation")]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_every_mode_ranks_the_obvious_passage_first(services: Services, mode: str) -> None:
    hits = services.search.search("speed enforcement collisions", k=3, mode=mode)  # type: ignore[arg-type]
    assert hits[0].chunk.doc_id == "harbour.txt"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_document_filter_restricts_every_mode(services: Services) -> None:
    for mode in ("hybrid", "dense", "keyword"):
        hits = services.search.search(
            "vehicle checks",
            k=10,
            filters=Filters(docs=("ferries.txt",)),
            mode=mode,  # type: ignore[arg-type]
        )
        assert hits and {h.chunk.doc_id for h in hits} == {"ferries.txt"}


def test_date_filter_is_inclusive_and_drops_other_documents(services: Services) -> None:
    window = Filters(date_from=date(2012, 6, 12), date_to=date(2015, 3, 3))
    hits = services.search.search("report", k=10, filters=window)
    assert {h.chunk.doc_id for h in hits} == {"cadets.txt", "harbour.txt"}


def test_unknown_document_in_filter_is_an_error(services: Services) -> None:
    with pytest.raises(InvalidRequest, match=r"nope\.txt"):
        services.search.search("x", filters=Filters(docs=("nope.txt",)))


def test_a_period_in_the_query_favours_documents_dated_then(services: Services) -> None:
    assert [(p.year, p.month) for p in periods("chief constable in December 2014")] == [(2014, 12)]
    assert [p.year for p in periods("the 2014/15 plan")] == [2014, 2015]
    undated = services.search.search("report", k=4)
    dated = services.search.search("report 2010", k=4)
    assert dated[0].chunk.doc_id == "inspection.md"
    assert dated[0].score > next(h.score for h in undated if h.chunk.doc_id == "inspection.md")


def test_snippet_marks_query_words_and_escapes_html(services: Services) -> None:
    hit = services.search.search("custody suite", k=1)[0]
    assert "<mark>custody</mark>" in hit.snippet.lower()
    assert "<b>" not in hit.snippet


def test_relevance_is_one_scale_across_queries(services: Services) -> None:
    # The fused score of each query's top hit is near 1 whatever the query; relevance is not.
    on_topic = services.search.search("speed enforcement collisions", k=3)[0]
    off_topic = services.search.search("banana bread recipe", k=3)[0]
    assert on_topic.relevance is not None and off_topic.relevance is not None
    assert 0.0 <= off_topic.relevance < on_topic.relevance <= 1.0
    assert all(h.relevance is None for h in services.search.search("cadets", 3, mode="keyword"))


def test_an_acronym_counts_as_its_long_form_in_the_query_words_a_passage_holds(
    services: Services,
) -> None:
    analysed = services.search.analyse("VCS recruits")
    text = "The volunteer cadet scheme recruits forty young people."
    assert coverage(set(terms("VCS recruits")), analysed, text) == 1.0
    assert coverage(set(terms("VCS recruits")), analysed, "Forty young people joined.") == 0.0
