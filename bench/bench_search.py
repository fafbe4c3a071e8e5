"""Search and /ask latency: the dev questions, warm, uncached, in-process and over HTTP.
Run: .venv/bin/python bench/bench_search.py [--qa ../shared/eval/dev_qa.json] [--rounds 5]"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SERVER_ENV, bench_key, save, summary_ms

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    """Measure and save bench/results/search.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--qa", type=Path, default=ROOT.parent / "shared/eval/dev_qa.json")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    questions = [q["question"] for q in json.loads(args.qa.read_text())]

    data = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    env = {
        **os.environ,
        "KG_DATA_DIR": str(data),
        "KG_CORPUS_DIR": str(ROOT / "corpus"),
        "HF_HUB_OFFLINE": "1",
    }
    subprocess.run(
        [sys.executable, "-m", "cli.main", "index", "--no-progress"],
        env=env,
        check=True,
        capture_output=True,
    )
    try:
        from api.deps import Services
        from kg.settings import Settings

        services = Services(Settings(data_dir=data))
        services.warm_up()
        for q in questions:  # warm every code path once
            services.search.search(q, 10)

        def timed(call: Callable[[str], object]) -> list[float]:
            """Each question, `rounds` times, with the query-vector cache cleared first."""
            out = []
            for _ in range(args.rounds):
                for q in questions:
                    services.encoder.clear_cache()
                    start = time.perf_counter()
                    call(q)
                    out.append(time.perf_counter() - start)
            return out

        for q in questions:  # warm /ask too (loads the graph index once)
            services.ask.ask(q)
        in_process = timed(lambda q: services.search.search(q, 10))
        ask_in_process = timed(services.ask.ask)
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

        port = _free_port()
        key = bench_key(env)
        server = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "serve", "--port", str(port)],
            # No query-vector cache on the server: every request encodes its query.
            env={**env, **SERVER_ENV, "KG_LOG_LEVEL": "WARNING", "KG_EMBEDDING__QUERY_CACHE": "0"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.time() + 120
            while True:
                try:
                    urllib.request.urlopen(f"{base}/health", timeout=2).read()
                    break
                except OSError:
                    if time.time() > deadline or server.poll() is not None:
                        raise RuntimeError("server did not start") from None
                    time.sleep(0.5)

            def get(path: str, params: dict[str, object]) -> float:
                url = f"{base}{path}?" + urllib.parse.urlencode(params)
                start = time.perf_counter()
                request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                return time.perf_counter() - start

            for q in questions:
                get("/search", {"q": q, "k": 10})
                get("/ask", {"q": q})
            over_http = [
                get("/search", {"q": q, "k": 10}) for _ in range(args.rounds) for q in questions
            ]
            ask_http = [get("/ask", {"q": q}) for _ in range(args.rounds) for q in questions]
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        shutil.rmtree(data, ignore_errors=True)
    save(
        "search",
        {
            "questions": len(questions),
            "rounds": args.rounds,
            "k": 10,
            "search_in_process_ms": summary_ms(in_process),
            "search_http_ms": summary_ms(over_http),
            "ask_in_process_ms": summary_ms(ask_in_process),
            "ask_http_ms": summary_ms(ask_http),
            "peak_rss_mib_in_process": rss_mib,
        },
    )


if __name__ == "__main__":
    main()
