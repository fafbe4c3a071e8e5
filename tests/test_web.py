"""The pages over HTTP: sign-in and its cookie, what each page shows, clearance, audit, errors.
(The same pages in a real browser: tests/test_browser.py.)"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from conftest import bearer
from fastapi.testclient import TestClient
from web_papers import FORCE, QUESTION, SECRET_NAME

from api.app import create_app
from api.deps import Services
from kg.audit import AuditLog
from kg.settings import Settings
from vectors.encoder import ModelEncoder


def key_of(settings: Settings, role: str, clearance: str) -> str:
    return bearer(settings, role, clearance)["Authorization"].removeprefix("Bearer ")


@pytest.fixture(scope="module")
def app_services(web_settings: Settings, encoder: ModelEncoder) -> Iterator[Services]:
    services = Services(web_settings, encoder)
    yield services
    services.close()


@pytest.fixture
def client(app_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(app_services.settings, app_services)) as c:
        yield c


def sign_in(client: TestClient, key: str, reason: str = "") -> None:
    response = client.post(
        "/signin",
        data={"credential": key, "reason": reason, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_a_browser_without_a_session_is_sent_to_sign_in_and_back(client: TestClient) -> None:
    page = client.get("/entity/x?depth=2", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/signin?next=%2Fentity%2Fx%3Fdepth%3D2"
    # An API client still gets the API's 401 and its error shape.
    api = client.get("/search", params={"q": "lantern"})
    assert api.status_code == 401 and api.json()["error"]["code"] == "unauthenticated"
    form = client.get("/signin", params={"next": "/entity/x"})
    assert form.status_code == 200 and 'name="next" value="/entity/x"' in form.text


def test_signing_in_sets_a_strict_httponly_cookie_that_signs_in_api_calls_too(
    client: TestClient, web_settings: Settings
) -> None:
    key = key_of(web_settings, "reader", "OFFICIAL")
    response = client.post(
        "/signin",
        data={"credential": key, "next": "/?q=lantern"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/?q=lantern"
    cookie = response.headers["set-cookie"]
    assert "kg_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert client.get("/search", params={"q": "lantern"}).status_code == 200
    assert "Signed in as" in client.get("/").text
    out = client.post("/signout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    assert client.get("/search", params={"q": "lantern"}).status_code == 401


def test_a_wrong_credential_is_refused_on_the_form_with_the_reason(client: TestClient) -> None:
    response = client.post("/signin", data={"credential": "kg_nothing_real", "next": "/"})
    assert response.status_code == 401
    assert 'role="alert"' in response.text and "kg_session" not in response.headers.get(
        "set-cookie", ""
    )


def test_sign_in_follows_only_paths_of_this_site(
    client: TestClient, web_settings: Settings
) -> None:
    key = key_of(web_settings, "reader", "OFFICIAL")
    for target in ("https://elsewhere.example/", "//elsewhere.example/x", "javascript:x"):
        response = client.post(
            "/signin", data={"credential": key, "next": target}, follow_redirects=False
        )
        assert response.headers["location"] == "/"


def test_a_form_posted_from_another_site_is_refused(
    client: TestClient, web_settings: Settings
) -> None:
    key = key_of(web_settings, "reader", "OFFICIAL")
    response = client.post(
        "/signin",
        data={"credential": key, "next": "/"},
        headers={"Origin": "https://elsewhere.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403 and "kg_session" not in response.headers.get(
        "set-cookie", ""
    )


def test_the_question_page_shows_the_answer_card_history_passages_and_markings(
    client: TestClient, web_settings: Settings
) -> None:
    key = key_of(web_settings, "analyst", "SECRET")
    answer = client.get("/ask", params={"q": QUESTION}, headers={"Authorization": f"Bearer {key}"})
    facts = answer.json()["facts"]
    assert len(facts) >= 2  # the papers name a lead in 2019 and another in 2021
    sign_in(client, key)
    page = client.get("/", params={"q": QUESTION})
    assert page.status_code == 200
    card = page.text.split('data-testid="answer-card"', 1)[1].split("</article>", 1)[0]
    assert facts[0]["subject"] in card and facts[0]["asOf"] in card
    assert quote_html(facts[0]["quote"]) in card
    assert f"/read/{quote(facts[0]['doc'])}?start={facts[0]['start']}" in card
    history = page.text.split('data-testid="history"', 1)[1].split("</ol>", 1)[0]
    assert all(f["subject"] in history and f["asOf"] in history for f in facts[1:])
    passages = page.text.split('data-testid="passages"', 1)[1].split("</ol>", 1)[0]
    items = passages.count("<li>")
    assert items > 0
    assert len(re.findall(r'class="marking"[^>]*>(OFFICIAL|SECRET)', passages)) == items
    assert (
        "Content-Security-Policy" in page.headers
        and "script-src 'self'" in (page.headers["Content-Security-Policy"])
    )


def test_the_question_page_says_when_the_documents_do_not_say_and_shows_confidence(
    client: TestClient, web_settings: Settings
) -> None:
    sign_in(client, key_of(web_settings, "analyst", "SECRET"))
    page = client.get("/", params={"q": QUESTION}).text
    assert 'data-testid="confidence">Confidence 0.' in page or "Confidence 1.00" in page
    unanswered = client.get("/", params={"q": "What is the recipe for banana bread?"}).text
    assert 'data-testid="answer-card"' not in unanswered
    notice = unanswered.split('data-testid="no-answer">', 1)[1].split("</p>", 1)[0]
    assert notice.startswith("The indexed documents do not answer this.")
    assert "Nearest evidence, not an answer:" in unanswered


def quote_html(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


def test_passage_filters_by_document_force_and_date(
    client: TestClient, web_settings: Settings
) -> None:
    sign_in(client, key_of(web_settings, "reader", "SECRET"))
    only = "northshire_inspection_2021.md"
    page = client.get("/", params={"q": "Operation Lantern", "doc": only})
    passages = page.text.split('data-testid="passages"', 1)[1].split("</ol>", 1)[0]
    shown = re.findall(r'<a href="/read/([^"?]+)', passages)
    assert shown and set(shown) == {only}
    none = client.get("/", params={"q": "Operation Lantern", "force": "Kent Police"})
    assert 'data-testid="passages"' not in none.text and "No passage matches" in none.text
    ours = client.get("/", params={"q": "Operation Lantern", "force": FORCE})
    assert ours.text.count(f"· {FORCE}") > 0
    later = client.get("/", params={"q": "Operation Lantern", "date_from": "2021-01-01"})
    dated = re.findall(
        r"<time>(\d{4}-\d\d-\d\d)</time>", later.text.split('data-testid="passages"')[1]
    )
    assert dated and all(d >= "2021-01-01" for d in dated)
    bad = client.get("/", params={"q": "Operation Lantern", "date_from": "spring"})
    assert bad.status_code == 422 and "date_from must be a date" in bad.text


def test_nothing_above_the_callers_clearance_reaches_any_page(
    client: TestClient, web_settings: Settings
) -> None:
    sign_in(client, key_of(web_settings, "analyst", "OFFICIAL-SENSITIVE"))
    asked = client.get("/", params={"q": "who leads the covert strand of Operation Lantern"})
    assert asked.status_code == 200 and SECRET_NAME not in asked.text
    hidden = client.get("/read/northshire_covert_2020.txt")
    assert hidden.status_code == 404 and SECRET_NAME not in hidden.text
    entity = client.get("/entity/initiative:lantern", params={"depth": 3})
    assert entity.status_code == 200 and SECRET_NAME not in entity.text
    result = client.post(
        "/workbench",
        data={"query": "MATCH (p:Person) RETURN p.name AS name", "params": "{}"},
    )
    assert result.status_code == 200 and "Rhys Vale" in result.text
    assert SECRET_NAME not in result.text


def test_the_document_page_highlights_the_cited_passage(
    client: TestClient, web_settings: Settings
) -> None:
    sign_in(client, key_of(web_settings, "reader", "OFFICIAL"))
    text = client.get("/documents/northshire_panel_2019.txt").json()["text"]
    start = text.index("Detective Chief Inspector Anna Brook")
    end = text.index("Operation Lantern.", start) + len("Operation Lantern.")
    page = client.get(f"/read/northshire_panel_2019.txt?start={start}&end={end}")
    mark = re.search(r'<mark id="passage"[^>]*>(.*?)</mark>', page.text, re.S)
    assert mark and mark.group(1) == quote_html(text[start:end])
    assert page.text.count('class="banner marking"') == 2 and "OFFICIAL" in page.text
    # Offsets outside the text show the document without a highlight.
    whole = client.get("/read/northshire_panel_2019.txt?start=5&end=999999")
    assert whole.status_code == 200 and 'id="passage"' not in whole.text


def test_the_entity_page_embeds_the_neighbourhood_the_api_returns(
    client: TestClient, web_settings: Settings
) -> None:
    key = key_of(web_settings, "reader", "SECRET")
    hood = client.get(
        "/entities/initiative:lantern/neighbours",
        params={"depth": 1},
        headers={"Authorization": f"Bearer {key}"},
    ).json()
    sign_in(client, key)
    page = client.get("/entity/initiative:lantern")
    data = re.search(
        r'<script type="application/json" id="graph-data">(.*?)</script>', page.text, re.S
    )
    assert data is not None
    graph = json.loads(data.group(1))
    assert {n["data"]["id"] for n in graph["nodes"]} == {n["id"] for n in hood["nodes"]}
    assert len(graph["edges"]) == len(hood["edges"])
    # Colour tells the type, so the legend names every type drawn, with its colour.
    drawn = {(n["data"]["type"], n["data"]["colour"]) for n in graph["nodes"]}
    assert drawn == {tuple(entry) for entry in graph["legend"]}
    for entity_type, _ in graph["legend"]:
        assert f"</span>{entity_type}</li>" in page.text
    missing = client.get("/entity/initiative:no-such-thing")
    assert missing.status_code == 404 and "no entity with id" in missing.text


def test_the_workbench_needs_the_query_right_and_runs_named_queries_from_their_forms(
    client: TestClient, web_settings: Settings
) -> None:
    sign_in(client, key_of(web_settings, "reader", "SECRET"))
    refused = client.get("/workbench")
    assert refused.status_code == 403 and "may not do this" in refused.text
    sign_in(client, key_of(web_settings, "analyst", "SECRET"))
    page = client.get("/workbench")
    assert page.status_code == 200 and 'name="p_entityId"' in page.text
    ran = client.post("/workbench", data={"name": "who_leads", "p_entityId": "initiative:lantern"})
    rows = ran.text.split('data-testid="result-table"', 1)[1].split("</tbody>", 1)[0]
    assert "Rhys Vale" in rows and "Anna Brook" in rows
    bad = client.post("/workbench", data={"query": "MATCH (n) DELETE n", "params": "{}"})
    assert bad.status_code == 400 and "DELETE" in bad.text
    wrong = client.post("/workbench", data={"query": "RETURN 1", "params": "[1]"})
    assert wrong.status_code == 422 and "JSON object" in wrong.text


def test_every_page_consultation_is_audited_with_what_it_showed(
    client: TestClient, web_settings: Settings
) -> None:
    sign_in(client, key_of(web_settings, "analyst", "SECRET"), reason="case 42 review")
    client.get("/", params={"q": QUESTION})
    record = list(AuditLog(web_settings.access_dir).records())[-1]
    assert record["endpoint"] == "/" and record["query"] == QUESTION
    assert record["justification"] == "case 42 review" and record["role"] == "analyst"
    assert "northshire_inspection_2021.md" in record["docs"] and record["chunks"]


def test_docs_are_served_from_the_package(client: TestClient, web_settings: Settings) -> None:
    sign_in(client, key_of(web_settings, "reader", "OFFICIAL"))
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/redoc").status_code == 404
