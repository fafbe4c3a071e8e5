"""Shared helpers for the benchmarks: machine description, timing, result files."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    """CPU model, cores and memory of this machine, in words."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except OSError:
        mem = "?"
    return f"{cpu}, {os.cpu_count()} cores, {mem} RAM, Python {platform.python_version()}"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(seconds: list[float]) -> dict[str, float]:
    """p50, p90, p99, mean and max of durations, in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "p50": round(percentile(ms, 50), 2),
        "p90": round(percentile(ms, 90), 2),
        "p99": round(percentile(ms, 99), 2),
        "mean": round(statistics.fmean(ms), 2),
        "max": round(max(ms), 2),
        "n": len(ms),
    }


def run_timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MiB) and stdout of a command, via /usr/bin/time if present."""
    start = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *cmd] if Path("/usr/bin/time").exists() else cmd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    peak = 0
    if Path("/usr/bin/time").exists():
        peak = int(proc.stderr.strip().splitlines()[-1]) // 1024
    return wall, peak, proc.stdout


def save(name: str, result: dict[str, Any]) -> Path:
    """Write a result as JSON under bench/results/ and print it."""
    RESULTS.mkdir(exist_ok=True)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **result,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return path


def bench_key(env: dict[str, str]) -> str:
    """A new admin API key of TOP SECRET clearance in env's data directory, for a benchmark
    to call its server with (`Authorization: Bearer <key>`)."""
    import sys

    name = f"bench-{os.getpid()}-{time.time_ns()}"
    create = ["keys", "create", "--name", name, "--role", "admin", "--clearance", "TOP SECRET"]
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", *create, "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    key: str = json.loads(out)["key"]
    return key


# A benchmark's server runs without the per-key rate limit, which a load test would trip.
SERVER_ENV = {"KG_ACCESS__RATE_LIMIT": ""}
