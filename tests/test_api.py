"""The HTTP API over the session index: contract fields, filters, modes and the one error shape."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS, bearer, make_settings, write_corpus
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import Services
from indexer.pipeline import Indexer
from kg.settings import Settings
from vectors.encoder import ModelEncoder

CONTRACT_FIELDS = {"doc", "chunkId", "text", "start", "end", "score", "title", "date"}
EXTRA_FIELDS = {"section", "paragraph", "snippet"}
DATES = {
    "harbour.txt": "2015-03-03",
    "inspection.md": "2010-10-01",
    "cadets.txt": "2012-06-12",
    "ferries.txt": "2016-09-01",
}
MARK = re.compile(r"<mark>(.*?)</mark>")


@pytest.fixture(scope="module")
def client(indexed: Settings, services: Services) -> Iterator[TestClient]:
    """One client over the session index (the model is loaded once for the session)."""
    with TestClient(create_app(indexed, services), headers=bearer(indexed)) as test_client:
        yield test_client


def words(text: str) -> list[str]:
    """Lower-cased word sequence, for comparing cleaned chunk text with the original."""
    return re.findall(r"\w+", text.lower())


def squash(text: str) -> str:
    """Whitespace runs collapsed to one space, ends trimmed."""
    return " ".join(text.split())


def is_subsequence(needle: list[str], haystack: list[str]) -> bool:
    """Whether `needle` appears in `haystack` in order (gaps allowed)."""
    remaining = iter(haystack)
    return all(word in remaining for word in needle)


def search(client: TestClient, **params: Any) -> dict[str, Any]:
    """GET /search, asserting success."""
    response = client.get("/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_error_shape(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the one JSON error shape with this status and code."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "detail"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"].strip()
    return error


# --- health and documents ---


def test_health_reports_ok_with_corpus_counts(client: TestClient) -> None:
    health = client.get("/health").json()
    documents = client.get("/documents").json()["documents"]
    assert health["status"] == "ok"
    assert health["documents"] == len(CORPUS)
    assert health["chunks"] == sum(d["chunks"] for d in documents) >= len(CORPUS)
    assert health["index"]
    assert health["model"]


def test_documents_lists_corpus_with_titles_and_dates(client: TestClient) -> None:
    response = client.get("/documents")
    assert response.status_code == 200
    documents = {d["id"]: d for d in response.json()["documents"]}
    assert set(documents) == set(CORPUS)
    assert {doc_id: d["date"] for doc_id, d in documents.items()} == DATES
    assert documents["inspection.md"]["title"] == "Annual Inspection of Lowmoor Constabulary"
    assert documents["cadets.txt"]["title"] == "Youth Engagement Update"
    assert documents["ferries.txt"]["title"] == "Ferry Terminal Security"
    assert all(d["title"].strip() for d in documents.values())
    assert all(d["chunks"] >= 1 for d in documents.values())


def test_document_detail_returns_the_original_text(client: TestClient) -> None:
    for doc_id, text in CORPUS.items():
        response = client.get(f"/documents/{doc_id}")
        assert response.status_code == 200
        body = response.json()
        assert body["id"] == doc_id
        assert body["text"] == text
        assert body["chars"] == len(text)


# --- search results ---


def test_search_results_carry_every_contract_field(client: TestClient) -> None:
    body = search(client, q="speed enforcement")
    assert body["results"], "expected at least one result"
    assert body["query"] == "speed enforcement"
    assert body["mode"] == "hybrid"
    for result in body["results"]:
        assert set(result) >= CONTRACT_FIELDS | EXTRA_FIELDS
        assert result["doc"] in CORPUS
        assert result["date"] == DATES[result["doc"]]
        assert isinstance(result["chunkId"], str) and result["chunkId"]
        assert isinstance(result["score"], float)
        assert 0 <= result["start"] < result["end"] <= len(CORPUS[result["doc"]])
    assert body["results"][0]["doc"] == "harbour.txt"


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_search_results_are_ranked_by_descending_score(client: TestClient, mode: str) -> None:
    results = search(client, q="collisions speed cameras district", mode=mode)["results"]
    assert results
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_search_offsets_point_into_the_document_text(client: TestClient) -> None:
    seen = set()
    for query in ("speed cameras", "custody suite", "cadet scheme recruited", "ferry terminal"):
        for result in search(client, q=query, k=4)["results"]:
            document = client.get(f"/documents/{result['doc']}").json()["text"]
            span = words(document[result["start"] : result["end"]])
            chunk = words(result["text"])
            assert chunk, result
            # Cleaning drops boilerplate, so the chunk's words are an ordered subsequence of the
            # span, which starts and ends on the chunk's own first and last words.
            assert is_subsequence(chunk, span), (result["doc"], result["start"], result["end"])
            assert span[0] == chunk[0] and span[-1] == chunk[-1]
            seen.add(result["doc"])
    assert seen == set(CORPUS)


def test_search_paragraph_is_the_numbered_paragraph_not_a_date_line(client: TestClient) -> None:
    cadets = search(client, q="cadet scheme recruited", doc="cadets.txt")["results"][0]
    ferries = search(client, q="kestrel watch", doc="ferries.txt")["results"][0]
    assert (cadets["paragraph"], ferries["paragraph"]) == ("3", "5")


def test_search_result_text_is_cleaned_of_boilerplate(client: TestClient) -> None:
    result = search(client, q="speed cameras", doc="harbour.txt")["results"][0]
    assert "Average speed cameras were installed" in result["text"]
    assert "\u2022" not in result["text"]
    assert "AGENDA ITEM" not in result["text"]
    inspection = search(client, q="custody suite", doc="inspection.md")["results"][0]
    assert "**" not in inspection["text"]
    assert "mailto:" not in inspection["text"]


def test_search_snippet_marks_query_words(client: TestClient) -> None:
    result = search(client, q="speed cameras", k=1)["results"][0]
    marked = [m.lower() for m in MARK.findall(result["snippet"])]
    assert "speed" in marked
    assert set(marked) <= {"speed", "cameras"}
    # Without the markup the snippet is a window of the passage text.
    plain = html.unescape(MARK.sub(r"\1", result["snippet"])).strip("…")
    assert squash(plain) in squash(result["text"])


@pytest.mark.parametrize("k", [1, 2, 3])
def test_search_k_limits_the_number_of_results(client: TestClient, k: int) -> None:
    assert len(search(client, q="report", k=k)["results"]) == k


def test_search_without_k_returns_at_most_the_default(client: TestClient) -> None:
    results = search(client, q="report")["results"]
    assert 1 <= len(results) <= 10


def test_search_doc_filter_restricts_to_one_document(client: TestClient) -> None:
    results = search(client, q="speed cameras", doc="ferries.txt")["results"]
    assert results
    assert {r["doc"] for r in results} == {"ferries.txt"}


def test_search_doc_filter_is_repeatable(client: TestClient) -> None:
    response = client.get(
        "/search", params=[("q", "volunteer cadets"), ("doc", "cadets.txt"), ("doc", "ferries.txt")]
    )
    assert response.status_code == 200
    docs = {r["doc"] for r in response.json()["results"]}
    assert "cadets.txt" in docs
    assert docs <= {"cadets.txt", "ferries.txt"}


def test_search_date_range_filter_keeps_documents_inside_it(client: TestClient) -> None:
    results = search(client, q="report", date_from="2012-01-01", date_to="2015-12-31")["results"]
    docs = {r["doc"] for r in results}
    assert docs
    assert docs <= {"cadets.txt", "harbour.txt"}
    assert all("2012-01-01" <= r["date"] <= "2015-12-31" for r in results)


def test_search_date_filter_bounds_are_inclusive(client: TestClient) -> None:
    results = search(client, q="report", date_from="2015-03-03", date_to="2015-03-03")["results"]
    assert {r["doc"] for r in results} == {"harbour.txt"}


def test_search_open_ended_date_filters(client: TestClient) -> None:
    after = search(client, q="security", date_from="2016-01-01")["results"]
    assert {r["doc"] for r in after} == {"ferries.txt"}
    before = search(client, q="inspection", date_to="2011-01-01")["results"]
    assert {r["doc"] for r in before} == {"inspection.md"}


def test_search_filters_that_match_nothing_return_no_results(client: TestClient) -> None:
    body = search(client, q="report", date_from="2030-01-01")
    assert body["results"] == []


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_search_every_mode_finds_the_matching_passage(client: TestClient, mode: str) -> None:
    body = search(client, q="custody suite at Eastgate", mode=mode, k=3)
    assert body["mode"] == mode
    assert body["results"][0]["doc"] == "inspection.md"


def test_search_keyword_mode_scores_by_keywords_only(client: TestClient) -> None:
    results = search(client, q="kestrel watch", mode="keyword")["results"]
    assert results
    assert all(r["keywordScore"] > 0 and r["denseScore"] == 0 for r in results)
    assert all(r["score"] == r["keywordScore"] for r in results)


def test_search_dense_mode_scores_by_vectors_only(client: TestClient) -> None:
    results = search(client, q="kestrel watch", mode="dense")["results"]
    assert results
    assert all(r["keywordScore"] == 0 and r["score"] == r["denseScore"] for r in results)


def test_search_expands_an_acronym_defined_in_the_corpus(client: TestClient) -> None:
    body = search(client, q="VCS")
    assert {"acronym": "VCS", "expansion": "Volunteer Cadet Scheme"} in body["expansions"]
    assert "cadets.txt" in {r["doc"] for r in body["results"]}


def test_keyword_search_for_an_acronym_finds_the_long_form_only_document(
    client: TestClient,
) -> None:
    # cadets.txt never says "VCS": only the expansion can make BM25 match it.
    results = search(client, q="VCS", mode="keyword")["results"]
    cadets = [r for r in results if r["doc"] == "cadets.txt"]
    assert cadets and cadets[0]["keywordScore"] > 0
    assert "VCS" not in CORPUS["cadets.txt"]


def test_search_without_acronyms_reports_no_expansions(client: TestClient) -> None:
    assert search(client, q="speed cameras")["expansions"] == []


def test_search_accepts_a_query_of_exactly_the_maximum_length(client: TestClient) -> None:
    query = ("speed cameras " * 40)[:512]
    assert len(query) == 512 and not query.endswith(" ")
    assert search(client, q=query, k=1)["results"]


# --- errors: every validation failure is a 4xx with the one shape ---


@pytest.mark.parametrize(
    ("params", "names"),
    [
        pytest.param({}, ["q"], id="missing-q"),
        pytest.param({"q": ""}, ["q"], id="empty-q"),
        pytest.param({"q": "   \t "}, ["q"], id="blank-q"),
        pytest.param({"q": "x" * 513}, ["q", "512"], id="q-over-configured-limit"),
        pytest.param({"q": "x" * 10_001}, ["q"], id="q-over-hard-limit"),
        pytest.param({"q": "report", "k": "0"}, ["k"], id="k-zero"),
        pytest.param({"q": "report", "k": "-1"}, ["k"], id="k-negative"),
        pytest.param({"q": "report", "k": "101"}, ["k", "100"], id="k-over-max"),
        pytest.param({"q": "report", "k": "ten"}, ["k"], id="k-not-integer"),
        pytest.param({"q": "report", "k": ""}, ["k"], id="k-empty"),
        pytest.param({"q": "report", "limit": "3"}, ["limit"], id="unknown-parameter"),
        pytest.param({"q": "report", "doc": "nope.txt"}, ["nope.txt"], id="unknown-doc"),
        pytest.param({"q": "report", "date_from": "2015-13-01"}, ["date_from"], id="bad-month"),
        pytest.param({"q": "report", "date_to": "03/03/2015"}, ["date_to"], id="bad-format"),
        pytest.param(
            {"q": "report", "date_from": "2016-01-01", "date_to": "2015-01-01"},
            ["date_from", "date_to"],
            id="from-after-to",
        ),
        pytest.param({"q": "report", "mode": "fuzzy"}, ["mode"], id="unknown-mode"),
    ],
)
def test_search_rejects_invalid_requests_with_the_error_shape(
    client: TestClient, params: dict[str, str], names: list[str]
) -> None:
    error = assert_error_shape(client.get("/search", params=params), 422, "invalid_request")
    for name in names:
        assert name in error["message"], error["message"]


def test_unknown_doc_among_known_ones_is_rejected(client: TestClient) -> None:
    response = client.get(
        "/search", params=[("q", "report"), ("doc", "cadets.txt"), ("doc", "missing.pdf")]
    )
    error = assert_error_shape(response, 422, "invalid_request")
    assert "missing.pdf" in error["message"]
    assert "cadets.txt" not in error["message"]


def test_unknown_route_is_404_with_the_error_shape(client: TestClient) -> None:
    assert_error_shape(client.get("/no/such/route"), 404, "not_found")


def test_unknown_document_is_404_with_the_error_shape(client: TestClient) -> None:
    error = assert_error_shape(client.get("/documents/nope.txt"), 404, "not_found")
    assert "nope.txt" in error["message"]


def test_wrong_method_is_405_with_the_error_shape(client: TestClient) -> None:
    assert_error_shape(client.post("/search", params={"q": "report"}), 405, "http_405")


# --- OpenAPI ---


def test_openapi_documents_search_and_its_parameters(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert {"/search", "/health", "/documents"} <= set(schema["paths"])
    parameters = {p["name"]: p for p in schema["paths"]["/search"]["get"]["parameters"]}
    assert set(parameters) == {"q", "k", "doc", "date_from", "date_to", "mode"}
    assert parameters["q"]["required"] is True
    assert all(p["in"] == "query" for p in parameters.values())
    assert set(parameters["mode"]["schema"]["enum"]) == {"hybrid", "dense", "keyword"}
    assert parameters["doc"]["schema"]["type"] == "array"


# --- snippets are HTML-escaped (a small index of its own, with markup-like characters) ---

ESCAPE_DOC = """Handover Times Review
4 April 2018

1. Ambulance handovers at A&E took <15 minutes on "most" nights; the target is > 90%.
"""


@pytest.fixture(scope="module")
def escape_client(
    tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder
) -> Iterator[TestClient]:
    """A client over an index of one document full of characters HTML must escape."""
    root = tmp_path_factory.mktemp("escape")
    write_corpus(root / "corpus", {"handover.txt": ESCAPE_DOC})
    settings = make_settings(root)
    Indexer(settings, encoder).run()
    with TestClient(
        create_app(settings, Services(settings, encoder)), headers=bearer(settings)
    ) as test_client:
        yield test_client


def test_search_snippet_is_html_escaped(escape_client: TestClient) -> None:
    result = search(escape_client, q="ambulance handovers")["results"][0]
    snippet = result["snippet"]
    assert "<mark>handovers</mark>" in snippet
    outside_marks = re.sub(r"</?mark>", "", snippet)
    assert not set("<>\"'") & set(outside_marks), snippet
    assert "&lt;15" in snippet and "&gt; 90%" in snippet and "&amp;" in snippet
    assert squash(html.unescape(outside_marks).strip("…")) in squash(result["text"])


# --- a service with no index yet ---


@pytest.fixture
def empty_settings(tmp_path: Path) -> Settings:
    """Settings over an empty data folder: no index has been built."""
    return make_settings(tmp_path)


def test_health_without_index_says_no_index(
    empty_settings: Settings, encoder: ModelEncoder
) -> None:
    app = create_app(empty_settings, Services(empty_settings, encoder))
    with TestClient(app, headers=bearer(empty_settings)) as test_client:
        response = test_client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "no_index"
    assert body["documents"] == 0 and body["chunks"] == 0
    assert body.get("index") is None


def test_search_without_index_is_503_index_not_found(
    empty_settings: Settings, encoder: ModelEncoder
) -> None:
    app = create_app(empty_settings, Services(empty_settings, encoder))
    with TestClient(app, headers=bearer(empty_settings)) as test_client:
        error = assert_error_shape(
            test_client.get("/search", params={"q": "report"}), 503, "index_not_found"
        )
        assert "kg index" in error["message"]
        assert_error_shape(test_client.get("/documents"), 503, "index_not_found")
        # Validation still comes first: a bad request is a 422 even without an index.
        assert_error_shape(test_client.get("/search", params={"q": ""}), 422, "invalid_request")


def test_service_serves_an_index_built_after_it_started(
    empty_settings: Settings, encoder: ModelEncoder
) -> None:
    app = create_app(empty_settings, Services(empty_settings, encoder))
    with TestClient(app, headers=bearer(empty_settings)) as test_client:
        assert test_client.get("/health").json()["status"] == "no_index"
        write_corpus(empty_settings.corpus_dir, {"cadets.txt": CORPUS["cadets.txt"]})
        Indexer(empty_settings, encoder).run()
        health = test_client.get("/health").json()
        assert health["status"] == "ok" and health["documents"] == 1
        results = search(test_client, q="volunteer cadets")["results"]
        assert [r["doc"] for r in results] == ["cadets.txt"]
