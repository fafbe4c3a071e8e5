"""Hostile Cypher cannot wedge the service: each query ends within its limit plus 5 s with a 4xx,
and search and a simple query answer within 2 s while it runs and straight after.

A real uvicorn server over real Services and a real embedded FalkorDB (its own copy of the
session index), with small time limits so the suite stays fast. The graph gets a few hundred
extra nodes and relationships so that runaway patterns have something to run away on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import bearer
from serving import copy_of_index, live_server, timed

from api.deps import Services
from kg.settings import Settings
from vectors.encoder import ModelEncoder

TIMEOUT_MS = 1_000
GRACE_MS = 500
LIMIT_S = (TIMEOUT_MS + GRACE_MS) / 1000
SLACK_S = 5.0  # the acceptance bound: limit + 5 s
RESPONSIVE_S = 2.0
HEADERS: dict[str, str] = {}  # an analyst's key, made by the server fixture

BOUNDS: dict[str, Any] = {
    "query_timeout_ms": TIMEOUT_MS,
    "max_query_timeout_ms": TIMEOUT_MS,
    "deadline_grace_ms": GRACE_MS,
    "ping_timeout_s": 1.0,
    # Long enough that no case here resets the store (tests/test_resilience.py covers resets);
    # a query overrunning on the server still ends by its deadline for the client.
    "stuck_after_s": 60.0,
    "max_rows": 100,
    "max_rows_limit": 1_000,
    "query_memory_mb": 64,
    "max_result_bytes": 200_000,
    "max_query_chars": 100_000,  # so that the nesting gate, not the length gate, refuses
}

HOSTILE = [
    pytest.param("RETURN " + "(" * 4000 + "1" + ")" * 4000, 400, "nested", id="nested-parens"),
    pytest.param("RETURN " + "[" * 4000 + "1" + "]" * 4000, 400, "nested", id="nested-lists"),
    pytest.param("RETURN " + "NOT " * 3000 + "true", 400, "nested", id="3000-nots"),
    pytest.param("RETURN " + "{a: " * 30 + "1" + "}" * 30, 400, "nested", id="nested-maps"),
    pytest.param(
        "MATCH p = (a)-[*1..20]-(b) RETURN count(p)", 408, "time limit", id="runaway-path-count"
    ),
    pytest.param(
        "MATCH p = (a)-[*1..20]-(b) RETURN p ORDER BY length(p) DESC",
        408,
        "time limit",
        id="runaway-paths-returned",
    ),
    pytest.param(
        "MATCH (a), (b), (c), (d) RETURN count(*)", 408, "time limit", id="cartesian-product"
    ),
    pytest.param(
        "UNWIND range(1, 100000000) AS x RETURN collect(x)", None, None, id="memory-collect"
    ),
    pytest.param(
        "UNWIND range(1, 1000) AS i RETURN i, range(1, 100000) AS xs", None, None, id="huge-rows"
    ),
    pytest.param("RETURN range(1, 30000) AS xs", 400, "larger than", id="huge-single-row"),
]


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    indexed: Settings,
    encoder: ModelEncoder,
) -> Iterator[str]:
    settings = copy_of_index(indexed, tmp_path_factory.mktemp("hostile"), encoder, **BOUNDS)
    services = Services(settings, encoder)
    # Filler: 300 nodes, about 1,800 relationships between them.
    services.graph.write("UNWIND range(1, 300) AS i CREATE (:Filler {n: i})")
    services.graph.write(
        "MATCH (a:Filler), (b:Filler) WHERE (a.n * 7 + b.n * 13) % 50 = 0 CREATE (a)-[:NEAR]->(b)"
    )
    try:
        HEADERS.update(bearer(settings, "analyst", "TOP SECRET"))
        with live_server(services) as url:
            yield url
    finally:
        services.close()


def assert_responsive(client: httpx.Client, url: str) -> None:
    """Search and a simple Cypher query answer within RESPONSIVE_S."""
    search, search_s = timed(client, "GET", f"{url}/search", params={"q": "cadet scheme", "k": 3})
    assert search.status_code == 200 and search.json()["results"], search.text
    assert search_s < RESPONSIVE_S, f"/search took {search_s:.2f} s"
    simple, simple_s = timed(client, "POST", f"{url}/cypher", json={"query": "RETURN 1 AS one"})
    assert simple.status_code == 200 and simple.json()["rows"] == [[1]], simple.text
    assert simple_s < RESPONSIVE_S, f"a simple query took {simple_s:.2f} s"


def wait_until_ready(url: str) -> None:
    """Each case starts on a ready service (a previous case may still run on the server)."""
    deadline = time.monotonic() + 30
    while httpx.get(f"{url}/health/ready", timeout=10, headers=HEADERS).status_code != 200:
        assert time.monotonic() < deadline, "the service did not become ready"
        time.sleep(0.2)


@pytest.mark.parametrize(("query", "status", "says"), HOSTILE)
def test_hostile_query_ends_in_time_with_a_4xx_and_the_service_stays_responsive(
    server: str, query: str, status: int | None, says: str | None
) -> None:
    wait_until_ready(server)
    outcome: dict[str, Any] = {}

    def hostile() -> None:
        with httpx.Client(timeout=60, headers=HEADERS) as own:
            response, took = timed(own, "POST", f"{server}/cypher", json={"query": query})
            outcome.update(response=response, took=took)

    runner = threading.Thread(target=hostile)
    runner.start()
    with httpx.Client(timeout=30, headers=HEADERS) as client:
        time.sleep(0.2)
        while runner.is_alive():  # while the hostile query runs
            assert_responsive(client, server)
            time.sleep(0.2)
        runner.join()
        response: httpx.Response = outcome["response"]
        took: float = outcome["took"]
        assert 400 <= response.status_code < 500, response.text
        if status is not None:
            assert response.status_code == status, response.text
        error = response.json()["error"]
        if says is not None:
            assert says in error["message"], error["message"]
        assert took < LIMIT_S + SLACK_S, f"took {took:.2f} s"
        assert_responsive(client, server)  # and straight after


def test_nesting_is_refused_before_the_store_and_names_the_limit(server: str) -> None:
    response = httpx.post(
        f"{server}/cypher",
        json={"query": "RETURN " + "(" * 13 + "1" + ")" * 13},
        headers=HEADERS,
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["detail"]["refused"] == "nesting" and error["detail"]["max_nesting"] == 12
    assert "nested 13 levels deep" in error["message"] and "limit is 12" in error["message"]


def test_rows_up_to_the_cap_come_back_truncated_within_the_limit(server: str) -> None:
    with httpx.Client(timeout=30, headers=HEADERS) as client:
        response, took = timed(
            client,
            "POST",
            f"{server}/cypher",
            json={"query": "MATCH (a:Filler), (b:Filler) RETURN a.n, b.n", "maxRows": 50},
        )
    assert response.status_code == 200 and took < LIMIT_S
    body = response.json()
    assert len(body["rows"]) == 50 and body["truncated"] is True


def test_syntax_errors_say_where_in_plain_words(server: str) -> None:
    response = httpx.post(f"{server}/cypher", json={"query": "MATCH (n\nRETURN n"}, headers=HEADERS)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"].startswith("Cypher syntax error at line 2, column 1:")
    assert "errMsg" not in error["message"] and "errCtx" not in error["message"]
    assert error["detail"] == {"line": 2, "column": 1, "offset": 9}
