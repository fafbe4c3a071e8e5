"""Start-up and CLI latency: how soon `kg serve` accepts connections and answers /search, when it
is ready and warm, and how long `kg search` and `kg ask` take with a server running and alone.

Run: .venv/bin/python bench/bench_startup.py [--data DIR] [--rounds 5]
With no --data, the corpus is indexed into a temporary data directory first (not timed).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SERVER_ENV, bench_key, save

ROOT = Path(__file__).resolve().parents[1]
KG = [sys.executable, "-m", "cli.main"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_KEY = {"key": ""}  # the bench's API key, once created


def _get(url: str, timeout: float = 5.0) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {_KEY['key']}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, {}


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def _stats(values: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(values), 3),
        "max_s": round(max(values), 3),
        "n": len(values),
    }


def main() -> None:
    """Measure and save bench/results/startup.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, help="an indexed data directory to reuse")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    data = args.data or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    env = {
        **os.environ,
        "KG_DATA_DIR": str(data.resolve()),
        "KG_CORPUS_DIR": str(ROOT / "corpus"),
        "HF_HUB_OFFLINE": "1",
        "KG_LOG_LEVEL": "WARNING",
    }
    if args.data is None:
        subprocess.run([*KG, "index", "--no-progress"], env=env, check=True)

    _KEY["key"] = bench_key(env)
    # The CLI forwards to the running server only with a key of its own.
    env = {**env, **SERVER_ENV, "KG_ACCESS__API_KEY": _KEY["key"]}
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = subprocess.Popen(
        [*KG, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    result: dict[str, Any] = {}
    try:
        while _get(f"{url}/health/live", timeout=0.5)[0] != 200:
            time.sleep(0.02)
        result["server_accepts_s"] = round(time.perf_counter() - started, 3)
        status, body = _get(f"{url}/search?q=who+leads+CSE&k=5", timeout=30)
        assert status == 200, body
        result["first_search_answered_s"] = round(time.perf_counter() - started, 3)
        result["first_search_mode"] = body["mode"]
        while _get(f"{url}/health/ready", timeout=5)[0] != 200:
            time.sleep(0.05)
        result["server_ready_s"] = round(time.perf_counter() - started, 3)
        while _get(f"{url}/health/ready", timeout=5)[1].get("warmUp") != "done":
            time.sleep(0.05)
        result["warm_up_done_s"] = round(time.perf_counter() - started, 3)

        for name, cmd in (
            ("kg_search_with_server", [*KG, "search", "who leads CSE", "--json"]),
            ("kg_ask_with_server", [*KG, "ask", "who leads CSE", "--json"]),
            ("kg_search_server_url", [*KG, "search", "who leads CSE", "--server", url]),
        ):
            result[name] = _stats([_timed(cmd, env) for _ in range(args.rounds)])
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)

    for name, cmd in (
        ("kg_search_alone", [*KG, "search", "who leads CSE", "--json", "--local"]),
        ("kg_ask_alone", [*KG, "ask", "who leads CSE", "--json", "--local"]),
    ):
        result[name] = _stats([_timed(cmd, env) for _ in range(max(1, args.rounds // 2))])
    save("startup", result)


if __name__ == "__main__":
    main()
