"""Exact against approximate vector search on realistic vectors, at a chosen size.

The vectors are the corpus's own chunk vectors (from an indexed data directory) and perturbed
copies of them (Gaussian noise, re-normalised), so they keep the corpus's clusters instead of
being uniform. Queries are other perturbed copies. Reports, for the flat index and for IVF at
several nprobe values: recall@10 against exact search, p50/p99 query latency, build time, and
recall@10 with a filter selecting 1% of the rows.

    python bench/bench_ann.py --data data --vectors 100000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, percentile, save

from vectors.generations import Snapshot
from vectors.index import build_index


def _perturbed(base: np.ndarray, n: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    picks = base[rng.integers(0, len(base), n)]
    out = picks + noise * rng.normal(size=picks.shape).astype(np.float32)
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def _timed(index, queries, k, selector=None) -> tuple[list[np.ndarray], list[float]]:
    found, times = [], []
    for q in queries:
        t = time.perf_counter()
        rows, _ = index.search(q, k, selector)
        times.append((time.perf_counter() - t) * 1000)
        found.append(rows)
    return found, times


def _recall(found: list[np.ndarray], truth: list[np.ndarray]) -> float:
    hits = [
        len(set(f.tolist()) & set(t.tolist())) / max(len(t), 1)
        for f, t in zip(found, truth, strict=True)
    ]
    return float(np.mean(hits))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data"), help="indexed data directory")
    parser.add_argument("--vectors", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--noise", type=float, default=0.02, help="per-dimension noise")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    base = Snapshot.open_current(args.data / "index").all_vectors()
    vectors = np.vstack([base, _perturbed(base, args.vectors - len(base), args.noise, rng)])
    queries = _perturbed(base, args.queries, args.noise, rng)
    selector = np.sort(rng.choice(len(vectors), len(vectors) // 100, replace=False))
    k = 10

    t = time.perf_counter()
    flat = build_index(vectors, approximate_above=0)
    flat_build = time.perf_counter() - t
    truth, flat_ms = _timed(flat, queries, k)
    truth_f, flat_f_ms = _timed(flat, queries, k, selector)
    rows = [
        {
            "index": "flat",
            "build_s": round(flat_build, 2),
            "recall@10": 1.0,
            "p50_ms": round(percentile(flat_ms, 50), 3),
            "p99_ms": round(percentile(flat_ms, 99), 3),
            "filtered_recall@10": 1.0,
            "filtered_p50_ms": round(percentile(flat_f_ms, 50), 3),
        }
    ]
    t = time.perf_counter()
    ivf = build_index(vectors, approximate_above=1)
    ivf_build = time.perf_counter() - t
    for nprobe in (8, 16, 32, 64):
        ivf.nprobe = nprobe  # type: ignore[union-attr]
        found, ms = _timed(ivf, queries, k)
        found_f, ms_f = _timed(ivf, queries, k, selector)
        rows.append(
            {
                "index": f"ivf nprobe={nprobe}",
                "build_s": round(ivf_build, 2),
                "recall@10": round(_recall(found, truth), 3),
                "p50_ms": round(percentile(ms, 50), 3),
                "p99_ms": round(percentile(ms, 99), 3),
                "filtered_recall@10": round(_recall(found_f, truth_f), 3),
                "filtered_p50_ms": round(percentile(ms_f, 50), 3),
            }
        )
    result = {
        "bench": "ann",
        "machine": machine(),
        "vectors": len(vectors),
        "corpus_vectors": len(base),
        "noise": args.noise,
        "queries": args.queries,
        "results": rows,
    }
    print(json.dumps(result, indent=2))
    save("ann", result)


if __name__ == "__main__":
    main()
