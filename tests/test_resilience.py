"""The graph store stops under a running app: readiness says so, search and ask go on, and the
service restarts the store and recovers without a server restart.

The store is stopped with SIGSTOP, the nastiest way: the process lives, holds its socket and
answers nothing, as a wedged server does. Real uvicorn, real Services, real embedded FalkorDB.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import bearer
from serving import copy_of_index, live_server

from api.deps import Services
from graph.falkordb import FalkorDBStore
from kg.settings import Settings
from vectors.encoder import ModelEncoder

BOUNDS: dict[str, Any] = {
    "query_timeout_ms": 1_000,
    "max_query_timeout_ms": 2_000,
    "deadline_grace_ms": 500,
    "ping_timeout_s": 1.0,
    "stuck_after_s": 3.0,
}


@pytest.fixture
def running(
    tmp_path_factory: pytest.TempPathFactory,
    indexed: Settings,
    encoder: ModelEncoder,
) -> Iterator[tuple[str, Services]]:
    settings = copy_of_index(indexed, tmp_path_factory.mktemp("resilience"), encoder, **BOUNDS)
    services = Services(settings, encoder)
    try:
        with live_server(services) as url:
            yield url, services
    finally:
        services.close()


def server_pid(services: Services) -> int:
    store = services.graph.inner
    assert isinstance(store, FalkorDBStore) and store.server is not None
    return int(store.server.pid_path.read_text())


def test_a_stopped_store_is_reported_worked_around_and_restarted(
    running: tuple[str, Services],
) -> None:
    url, services = running
    with httpx.Client(base_url=url, timeout=30, headers=bearer(services.settings)) as client:
        ready = client.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"index": "ok", "graph": "ok", "model": "ok"}
        pid = server_pid(services)
        os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            down = client.get("/health/ready")
            assert down.status_code == 503 and time.monotonic() - started < 3
            error = down.json()["error"]
            assert error["code"] == "not_ready" and "graph store" in error["message"]
            assert error["detail"]["checks"]["graph"].startswith("unavailable")
            assert error["detail"]["checks"]["index"] == "ok"
            assert "/" not in down.text.replace("</", "")  # no filesystem path

            search = client.get("/search", params={"q": "volunteer cadet scheme", "k": 3})
            assert search.status_code == 200 and search.json()["results"]
            # The graph was never loaded for /ask, and cannot be now: passages answer.
            ask = client.get("/ask", params={"q": "who leads the speed enforcement work"})
            assert ask.status_code == 200, ask.text
            assert ask.json()["passages"] and ask.json()["answer"]

            deadline = time.monotonic() + 30
            while client.get("/health/ready").status_code != 200:
                assert time.monotonic() < deadline, "the service did not restart the store"
                time.sleep(0.25)
        finally:
            # The service kills the stopped server when it restarts it; should it not have,
            # let the process go on so that nothing is left stopped.
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        assert server_pid(services) != pid  # a new server: the stopped one was restarted
        assert services.graph.resets >= 1

        cypher = client.post("/cypher", json={"query": "MATCH (d:Document) RETURN count(d)"})
        assert cypher.status_code == 200 and cypher.json()["rows"] == [[4]]
        entities = client.get("/entities", params={"q": "Mara Quill"})
        assert entities.status_code == 200 and entities.json()["entities"]
        time.sleep(5.5)  # past the service's wait before it tries the graph again for /ask
        again = client.get("/ask", params={"q": "who leads the speed enforcement work"})
        assert again.status_code == 200 and again.json()["facts"], again.text
