"""The pages in a real headless Chromium (Debian's, driven by Playwright): the whole journey
from a question to every export, no request leaving 127.0.0.1, and axe-core's accessibility
rules on each page."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import networkx as nx
import pytest
from conftest import bearer
from serving import live_server
from web_papers import QUESTION

from api.deps import Services
from kg.settings import Settings
from vectors.encoder import ModelEncoder

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[1] / "web" / "node_modules" / "axe-core" / "axe.min.js"
# As the machine's own probe starts it: no sandbox as root, and none of Chromium's own calls
# home (its background networking would try hosts this closed network refuses).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() or not AXE.exists(),
    reason="needs Debian's chromium and web/node_modules (make install-test installs both)",
)


@pytest.fixture(scope="module")
def site(web_settings: Settings, encoder: ModelEncoder) -> Iterator[str]:
    services = Services(web_settings, encoder)
    with live_server(services) as url:
        yield url
    services.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


def key(settings: Settings, role: str = "analyst", clearance: str = "SECRET") -> str:
    return bearer(settings, role, clearance)["Authorization"].removeprefix("Bearer ")


class Watch:
    """Every request a page makes, and every script error or console error it reports."""

    def __init__(self, page: Any) -> None:
        self.urls: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on(
            "console",
            lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )

    def outside(self) -> list[str]:
        """Requests to anywhere but 127.0.0.1 (data: and blob: URLs stay in the page)."""
        return [
            u
            for u in self.urls
            if urlparse(u).scheme not in ("data", "blob") and urlparse(u).hostname != "127.0.0.1"
        ]


def sign_in(page: Any, url: str, credential: str, start: str = "/") -> None:
    page.goto(url + start)
    assert urlparse(page.url).path == "/signin"
    page.get_by_label("API key or access token").fill(credential)
    page.get_by_label("Reason for this session").fill("browser suite")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda u: urlparse(u).path == start)


def download(page: Any, click: Any, folder: Path) -> Path:
    with page.expect_download() as info:
        click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def graph_drawn(page: Any, seconds: float = 15) -> None:
    """Wait until the entity page's graph has its nodes. (Playwright's wait_for_function
    polls by evaluating its text in the page, which the pages' policy, no eval, refuses.)"""
    deadline = time.monotonic() + seconds
    while not page.evaluate("Boolean(window.kgGraph && window.kgGraph.cy.nodes().length)"):
        if time.monotonic() > deadline:
            raise AssertionError("the graph was not drawn")
        page.wait_for_timeout(50)


def graph_in_view(page: Any) -> dict[str, float]:
    """Scroll the graph into view and give its box once the graph has seen the scroll (two
    frames: the scroll event, on which cytoscape re-reads where its canvas is, comes first)."""
    page.locator("#graph").scroll_into_view_if_needed()
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    box: dict[str, float] = page.locator("#graph").bounding_box()
    return box


def rows_of(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text("utf-8-sig"))))


@pytest.fixture
def api(site: str, web_settings: Settings) -> Iterator[httpx.Client]:
    """The API, signed in as the journey's analyst."""
    headers = {"Authorization": f"Bearer {key(web_settings)}"}
    with httpx.Client(base_url=site, headers=headers) as client:
        yield client


def test_the_whole_journey_from_a_question_to_every_export(
    browser: Any, site: str, web_settings: Settings, api: httpx.Client, tmp_path: Path
) -> None:
    credential = key(web_settings)
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(page)

    # The question, and its answer card as the API gives it.
    sign_in(page, site, credential)
    page.get_by_label("Question or search words").fill(QUESTION)
    page.get_by_role("button", name="Ask").click()
    facts = api.get("/ask", params={"q": QUESTION}).json()["facts"]
    card = page.get_by_test_id("answer-card")
    for part in (facts[0]["subject"], facts[0]["asOf"], facts[0]["quote"]):
        assert part in card.inner_text()
    history = page.get_by_test_id("history").locator("li")
    assert history.count() == len(facts) - 1
    passages = page.get_by_test_id("passages").locator("li")
    assert passages.count() > 0
    assert passages.locator(".marking").count() == passages.count()

    # The source passage, highlighted in its document.
    page.get_by_test_id("source-link").click()
    text = api.get(f"/documents/{facts[0]['doc']}").json()["text"]
    highlighted = page.get_by_test_id("passage")
    assert highlighted.inner_text() == text[facts[0]["start"] : facts[0]["end"]]
    assert facts[0]["quote"] in " ".join(highlighted.inner_text().split())
    assert page.get_by_test_id("marking").inner_text().strip() == "OFFICIAL"
    page.go_back()

    # The entity page and its graph: the neighbourhood the API returns, drawn.
    page.get_by_test_id("entity-link").first.click()
    entity_id = page.url.rsplit("/entity/", 1)[1].split("?")[0]
    entity_id = httpx.URL(f"/{entity_id}").path.lstrip("/")
    hood = api.get(f"/entities/{entity_id}/neighbours", params={"depth": 1}).json()
    graph_drawn(page)
    drawn = page.evaluate("[kgGraph.cy.nodes().length, kgGraph.cy.edges().length]")
    assert drawn == [len(hood["nodes"]), len(hood["edges"])]

    # Clicking a link shows its quote and source.
    box = graph_in_view(page)
    mid = page.evaluate(
        "(() => { const r = kgGraph.cy.edges()[0].renderedMidpoint(); return [r.x, r.y]; })()"
    )
    page.mouse.click(box["x"] + mid[0], box["y"] + mid[1])
    detail = page.get_by_test_id("edge-detail")
    detail.wait_for(state="visible")
    first_edge = page.evaluate("kgGraph.cy.edges()[0].data()")
    assert first_edge["quote"] in detail.inner_text()
    assert detail.get_by_test_id("edge-source").get_attribute("href") == first_edge["href"]

    # The entity page's exports: GraphML by networkx, the sheets and the timeline by csv.
    graphml = download(page, page.get_by_test_id("export-graphml").click, tmp_path)
    graph = nx.read_graphml(graphml)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (
        len(hood["nodes"]),
        len(hood["edges"]),
    )
    entities = rows_of(download(page, page.get_by_test_id("export-i2-entities").click, tmp_path))
    links = rows_of(download(page, page.get_by_test_id("export-i2-links").click, tmp_path))
    identities = {r[next(iter(r))] for r in entities}  # the first column is the identity
    assert len(entities) == len(hood["nodes"]) and len(links) == len(hood["edges"])
    assert all(set(list(r.values())[1:3]) <= identities for r in links)
    timeline = rows_of(download(page, page.get_by_test_id("export-timeline").click, tmp_path))
    dates = [r["date"] for r in timeline if r["date"]]
    assert timeline and dates == sorted(dates)

    # Clicking a node opens that entity.
    other = next(n for n in hood["nodes"] if n["depth"] == 1)
    point = page.evaluate(
        f"(() => {{ const p = kgGraph.cy.getElementById({json.dumps(other['id'])})"
        ".renderedPosition(); return [p.x, p.y]; })()"
    )
    box = graph_in_view(page)
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_url(lambda u: "/entity/" in u and entity_id not in httpx.URL(u).path)
    assert page.get_by_test_id("entity-name").inner_text() != ""

    # A named query from its form, its result exported as CSV.
    page.get_by_role("link", name="Workbench").click()
    named = page.get_by_test_id("named-who_leads")
    named.locator("summary").click()
    named.get_by_label("entityId").fill(entity_id)
    page.get_by_role("button", name="Run who_leads").click()
    table = page.get_by_test_id("result-table")
    expected = api.post("/queries/who_leads", json={"params": {"entityId": entity_id}}).json()
    assert table.locator("tbody tr").count() == len(expected["rows"]) > 0
    exported = rows_of(download(page, page.get_by_test_id("export-csv").click, tmp_path))
    assert list(exported[0]) == expected["columns"] and len(exported) == len(expected["rows"])

    # A query typed into the Cypher editor, its subgraph exported as GraphML.
    query = "MATCH (i:Initiative)-[r:DEPENDS_ON|LEADS]-(x) RETURN i, r, x"
    editor = page.locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(query)
    page.get_by_role("button", name="Run", exact=True).click()
    assert page.get_by_test_id("result-table").locator("tbody tr").count() > 0
    subgraph = nx.read_graphml(
        download(page, page.get_by_test_id("export-result-graphml").click, tmp_path)
    )
    counted = api.post(
        "/cypher",
        json={
            "query": "MATCH (i:Initiative)-[r:DEPENDS_ON|LEADS]-(x) "
            "WITH collect(DISTINCT i) + collect(DISTINCT x) AS ends, count(DISTINCT r) AS links "
            "UNWIND ends AS n RETURN count(DISTINCT n) AS nodes, max(links) AS links"
        },
    ).json()["rows"][0]
    assert [subgraph.number_of_nodes(), subgraph.number_of_edges()] == counted

    assert watch.errors == []
    assert watch.outside() == [], "the pages asked for something outside 127.0.0.1"
    context.close()


PAGES = [
    "/signin",
    "/",
    f"/?q={QUESTION.replace(' ', '+')}",
    "/read/northshire_panel_2019.txt?start=100&end=300",
    "/entity/initiative:lantern",
    "/workbench",
]


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_or_critical_violation(
    browser: Any, site: str, web_settings: Settings, path: str
) -> None:
    # axe is injected as a script, which the pages' own policy (script-src 'self') forbids.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    if path != "/signin":
        context.add_cookies([{"name": "kg_session", "value": key(web_settings), "url": site}])
    page = context.new_page()
    watch = Watch(page)
    page.goto(site + path)
    assert urlparse(page.url).path == path.split("?")[0]
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    report = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in report["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []
    assert watch.errors == [] and watch.outside() == []
    context.close()


def test_keyboard_alone_reaches_the_answer_with_visible_focus(
    browser: Any, site: str, web_settings: Settings
) -> None:
    context = browser.new_context()
    context.add_cookies([{"name": "kg_session", "value": key(web_settings), "url": site}])
    page = context.new_page()
    page.goto(site + "/")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")
    page.focus("#q")
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    page.get_by_test_id("answer-card").wait_for()
    context.close()


def test_the_api_docs_work_offline(browser: Any, site: str, web_settings: Settings) -> None:
    context = browser.new_context()
    context.add_cookies([{"name": "kg_session", "value": key(web_settings), "url": site}])
    page = context.new_page()
    watch = Watch(page)
    page.goto(site + "/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "policing-kg" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() > 10
    assert watch.outside() == []
    context.close()
