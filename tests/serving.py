"""A real HTTP server for tests that need concurrent requests: uvicorn in a thread, on a copy of
the session index with its own embedded FalkorDB (so stopping or restarting that store touches
no other test)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from api.app import create_app
from api.deps import Services
from indexer.pipeline import Indexer
from kg.settings import AccessSettings, GraphSettings, Settings
from vectors.encoder import ModelEncoder


def copy_of_index(indexed: Settings, root: Path, encoder: ModelEncoder, **graph: Any) -> Settings:
    """Settings over a copy of the session's vector index, with the graph loaded into a new
    embedded FalkorDB under root (nothing is re-embedded: the documents are unchanged)."""
    shutil.copytree(indexed.index_dir, root / "data" / "index", symlinks=True)
    settings = Settings(
        data_dir=root / "data",
        corpus_dir=indexed.corpus_dir,
        graph=GraphSettings(**graph),
        # Load tests send many requests from one key: the rate limit has its own test.
        access=AccessSettings(rate_limit="100000/minute"),
    )
    report = Indexer(settings, encoder).run()
    assert report.chunks_embedded == 0 and report.graph.get("status") == "loaded", report
    return settings


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def live_server(services: Services) -> Iterator[str]:
    """Serve the app over services on 127.0.0.1 until the block ends; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(services.settings, services),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def timed(
    client: httpx.Client, method: str, url: str, **kwargs: Any
) -> tuple[httpx.Response, float]:
    """A request and the seconds it took."""
    started = time.perf_counter()
    response = client.request(method, url, **kwargs)
    return response, time.perf_counter() - started
