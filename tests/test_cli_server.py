"""`kg search` and `kg ask` send their request to a running server when there is one: the one
`kg serve` announced in the data directory, or the one --server names; same output."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import httpx
import pytest
from conftest import bearer
from pydantic import SecretStr
from serving import live_server

from api.deps import Services
from cli import main as cli
from cli.client import announce_path, announced, find_server
from kg.settings import Settings


@pytest.fixture(scope="module")
def served(indexed: Settings, services: Services) -> Iterator[str]:
    with live_server(services) as url:
        yield url


def run(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli, "get_settings", lambda: settings)
        code = cli.main(list(argv))
    return code, capsys.readouterr().out


def with_key(settings: Settings) -> Settings:
    """`settings` with an admin's API key for the CLI to send (KG_ACCESS__API_KEY)."""
    key = bearer(settings)["Authorization"].removeprefix("Bearer ")
    access = settings.access.model_copy(update={"api_key": SecretStr(key)})
    return settings.model_copy(update={"access": access})


def search_count(url: str, settings: Settings) -> float:
    response = httpx.get(f"{url}/metrics", headers=bearer(settings))
    for line in response.text.splitlines():
        if line.startswith('http_requests_total{handler="/search",method="GET",status="2xx"}'):
            return float(line.split()[-1])
    return 0.0


def test_an_announced_server_answers_kg_search_with_the_same_json(
    indexed: Settings, served: str, capsys: pytest.CaptureFixture[str]
) -> None:
    keyed = with_key(indexed)
    port = int(served.rsplit(":", 1)[1])
    local_code, local = run(indexed, capsys, "search", "cadet scheme", "--json", "--local")
    before = search_count(served, indexed)
    with announced(indexed, "127.0.0.1", port):
        assert json.loads(announce_path(indexed).read_text())["pid"] == os.getpid()
        assert find_server(indexed, None) == (None, False)  # no key to send: work alone
        assert find_server(keyed, None) == (served, False)
        code, remote = run(keyed, capsys, "search", "cadet scheme", "--json")
    assert not announce_path(indexed).exists()
    assert code == local_code == 0
    assert search_count(served, indexed) == before + 1  # the server answered it
    assert json.loads(remote) == json.loads(local)


def test_server_flag_answers_kg_ask_and_errors_keep_their_exit_codes(
    indexed: Settings, served: str, capsys: pytest.CaptureFixture[str]
) -> None:
    keyed = with_key(indexed)
    code, out = run(
        keyed, capsys, "ask", "who leads the speed enforcement work", "--json", "--server", served
    )
    body = json.loads(out)
    assert code == 0 and body["answer"] and body["answered"] is True
    assert 0.0 <= body["confidence"] <= 1.0
    code, _ = run(keyed, capsys, "search", "cadets", "--doc", "nope.txt", "--server", served)
    assert code == 1  # the server's 422 for an unknown document, as a runtime error


def test_a_stale_announcement_is_ignored(
    indexed: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = Settings(data_dir=tmp_path_factory.mktemp("stale"))
    announce_path(settings).write_text(json.dumps({"url": "http://127.0.0.1:9", "pid": 2**22 + 7}))
    assert find_server(settings, None) == (None, False)
