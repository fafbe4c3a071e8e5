"""Health, readiness, metrics, JSON access logs and a start that does not wait for warm-up."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator

import pytest
from conftest import bearer
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import Services
from kg import logs
from kg.settings import Settings


@pytest.fixture(scope="module")
def client(indexed: Settings, services: Services) -> Iterator[TestClient]:
    services.encoder.encode(["load the model"])
    with TestClient(create_app(indexed, services), headers=bearer(indexed)) as test_client:
        yield test_client


def test_live_answers_and_touches_nothing(client: TestClient) -> None:
    response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "alive"}


def test_ready_checks_index_graph_and_model(client: TestClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"] == {"index": "ok", "graph": "ok", "model": "ok"}
    assert body["generation"].startswith("gen-")


def test_health_bodies_show_no_path(client: TestClient, indexed: Settings) -> None:
    for path in ("/health", "/health/live", "/health/ready"):
        text = client.get(path).text
        assert str(indexed.data_dir) not in text and "site-packages" not in text, text
        assert "/" not in text.replace("all-MiniLM-L6-v2", ""), text
    assert client.get("/health").json()["model"] == "all-MiniLM-L6-v2 (bundled)"


def test_ready_without_an_index_is_503_naming_the_index(
    tmp_path_factory: pytest.TempPathFactory, services: Services
) -> None:
    empty = Settings(data_dir=tmp_path_factory.mktemp("noindex") / "data")
    bare = Services(empty, services.encoder)
    try:
        with TestClient(create_app(empty, bare), headers=bearer(empty)) as bare_client:
            response = bare_client.get("/health/ready")
    finally:
        bare.close()
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "not_ready" and "the index is missing" in error["message"]
    assert error["detail"]["checks"]["index"].startswith("missing")
    assert error["detail"]["checks"]["graph"] == "ok"


def test_metrics_count_requests_per_route_and_the_service_counters(client: TestClient) -> None:
    client.get("/search", params={"q": "cadet scheme"})
    client.post("/cypher", json={"query": "MATCH (n RETURN n"})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'http_requests_total{handler="/search",method="GET",status="2xx"}' in text
    assert 'http_request_duration_seconds_bucket{handler="/search"' in text
    assert 'handler="/cypher",method="POST",status="4xx"' in text
    for counter in (
        "kg_index_runs_total 1.0",  # the session index was built by one run
        "kg_documents_failed_total 0.0",
        "kg_graph_store_errors_total",
        "kg_query_timeouts_total",
        "kg_graph_store_resets_total",
    ):
        assert counter in text, counter


def test_each_request_logs_one_json_line_with_its_id_route_status_and_duration(
    client: TestClient,
) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        logs.configure("INFO", "json")
        handler = root.handlers[0]
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(stream)
        response = client.get("/search", params={"q": "cadets"}, headers={"X-Request-ID": "abc-1"})
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert response.headers["X-Request-ID"] == "abc-1"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [line for line in lines if line.get("logger") == "kg.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "abc-1" and line["route"] == "/search"
    assert line["status"] == 200 and line["method"] == "GET"
    assert isinstance(line["duration_ms"], float) and "caller" in line
    assert line["timestamp"] and line["level"] == "INFO"


def test_a_new_app_answers_search_before_its_warm_up_is_done(indexed: Settings) -> None:
    started = time.perf_counter()
    with TestClient(
        create_app(indexed), headers=bearer(indexed)
    ) as fresh:  # builds and warms its own services
        first = fresh.get("/search", params={"q": "volunteer cadet scheme", "k": 3})
        answered_s = time.perf_counter() - started
        assert first.status_code == 200 and first.json()["results"]
        assert first.json()["mode"] in ("keyword", "hybrid")
        deadline = time.monotonic() + 60
        while (ready := fresh.get("/health/ready")).status_code != 200:
            assert time.monotonic() < deadline, ready.text
            time.sleep(0.2)
        assert ready.json()["warmUp"] in ("running", "done")
        while fresh.get("/health/ready").json()["warmUp"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert fresh.get("/search", params={"q": "cadets"}).json()["mode"] == "hybrid"
    assert answered_s < 5, f"first /search after {answered_s:.1f} s"
