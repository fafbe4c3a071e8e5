"""PNGs of the three pages (the question page, an entity, the workbench) over the current index.

Run: .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--question "who leads CSE"]
(`make screenshots` indexes corpus/ first). It serves the index on a free loopback port, signs
in with a key made for the run and revoked after it, and drives Debian's Chromium.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

from kg.keys import KeyStore
from kg.settings import get_settings

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(url: str, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"kg serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health/live", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("kg serve did not start")


def _best_connected_person(page: Any, url: str) -> str | None:
    """The person with the most facts, asked through the API with the page's session."""
    query = (
        "MATCH (p:Person)-[r]-(o) WHERE NOT type(r) IN ['MENTIONED_IN', 'FROM_DOCUMENT'] "
        "RETURN p.id AS id, count(r) AS facts ORDER BY facts DESC, id LIMIT 1"
    )
    response = page.request.post(f"{url}/cypher", data={"query": query})
    rows = response.json().get("rows", []) if response.ok else []
    return str(rows[0][0]) if rows else None


def main() -> None:
    """Write ask.png, entity.png and workbench.png into --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--question", default="who leads CSE")
    parser.add_argument(
        "--entity",
        help="the entity page to show (default: the person with the most facts in the graph)",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    settings = get_settings()
    keys = KeyStore(settings.access_dir)
    name = f"screenshots-{uuid.uuid4().hex[:8]}"
    key, _ = keys.create(name, "analyst", "TOP SECRET")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        _wait_ready(url, server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{url}/signin")
            page.get_by_label("API key or access token").fill(key)
            page.get_by_label("Reason for this session").fill("README screenshots")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{url}/")
            page.goto(f"{url}/?q={quote(args.question)}")
            page.get_by_test_id("answer").wait_for()
            page.screenshot(path=str(args.out / "ask.png"))
            entity_id = args.entity or _best_connected_person(page, url)
            target = f"/entity/{quote(entity_id)}" if entity_id else None
            if target:
                page.goto(url + target)
                # (wait_for_function evaluates text in the page, which its policy refuses)
                page.locator("#graph canvas").first.wait_for()
                page.screenshot(path=str(args.out / "entity.png"))
            else:
                print(f"no entity answers {args.question!r}: entity.png not written")
            page.goto(f"{url}/workbench")
            page.get_by_role("button", name="Run", exact=True).click()
            page.get_by_test_id("result").wait_for()
            page.screenshot(path=str(args.out / "workbench.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        keys.revoke(name)
    print(f"screenshots in {args.out}")


if __name__ == "__main__":
    main()
