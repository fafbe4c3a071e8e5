"""Query encoders side by side, in one run, over one index of corpus/ and the dev questions.

Per option: query-encode p50/p99 (distinct queries, cache cleared), /search in-process p50
(hybrid, k=10) and R@5 / MRR@10 on the dev set (kg eval's matching rule), plus the smallest
cosine between its query vectors and sentence-transformers'. The options take turns round by
round in a shuffled order, so load from other processes on a shared machine falls on all of
them alike; the figures are medians over every round.

Options: the sentence-transformers encode and the direct torch forward (KG_EMBEDDING__ENCODER
sentence-transformers / torch), each on 2 and on 1 torch thread; OpenVINO when optimum-intel
is installed; a model2vec static model (--static FOLDER, distilled locally from the bundled
MiniLM by bench/distill_static.py), for which the corpus is re-embedded with that model, used
as the whole dense side. The query-vector cache is reported apart: it helps repeats only.

Run: .venv/bin/python bench/bench_encoders.py [--rounds 5] [--static DIR] [--data DIR]
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import percentile, save

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Option:
    """One way of encoding queries, and what was measured for it."""

    label: str
    encoder: Any
    threads: int | None  # torch threads while it runs (None: leave as is)
    service: Any = None
    encode_ms: list[float] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)


class StaticEncoder:
    """A model2vec static model behind the encoder port (bench only: it needs a re-index)."""

    def __init__(self, folder: Path) -> None:
        from model2vec import StaticModel

        self.model = StaticModel.from_pretrained(str(folder))
        self.name = str(folder)
        self.max_tokens = 512
        self.dim = int(self.model.dim)

    def count_tokens(self, text: str) -> int:
        """Unused by search."""
        return len(text.split())

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Normalised float32 vectors."""
        vectors = np.asarray(self.model.encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def clear_cache(self) -> None:
        """It has no cache."""


def _set_threads(n: int | None) -> None:
    if n:
        import torch

        torch.set_num_threads(n)


def _build_index(data: Path) -> None:
    env = {
        **os.environ,
        "KG_DATA_DIR": str(data),
        "KG_CORPUS_DIR": str(ROOT / "corpus"),
        "HF_HUB_OFFLINE": "1",
    }
    subprocess.run(
        [sys.executable, "-m", "cli.main", "index", "--no-progress"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def _embedding_texts(settings: Any, index: Any, encoder: Any) -> list[str]:
    """The texts `kg index` embedded for each chunk, in row order (header + chunk text)."""
    from indexer.chunk import Chunker

    chunker = Chunker(
        encoder.count_tokens,
        settings.chunk.size_tokens,
        settings.chunk.overlap_tokens,
        encoder.max_text_tokens,
    )
    return [chunker.embedding_text(index.documents[c.doc_id], c) for c in index.chunks]


def main() -> None:
    """Measure, print a table and save bench/results/encoders.json."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--qa", type=Path, default=ROOT.parent / "shared/eval/dev_qa.json")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--static", type=Path, help="a model2vec model folder")
    parser.add_argument("--data", type=Path, help="an indexed data dir (default: index anew)")
    args = parser.parse_args()

    from api.search import LoadedIndex, SearchService
    from kg.evaluation import evaluate_retrieval, load_questions
    from kg.settings import EmbeddingSettings, Settings
    from vectors.encoder import encoder_class
    from vectors.index import build_index

    questions = load_questions(args.qa)
    texts = [q.question for q in questions]
    data = args.data or Path(tempfile.mkdtemp(prefix="kg-bench-enc-"))
    try:
        if args.data is None:
            _build_index(data)
        settings = Settings(data_dir=data)
        index = LoadedIndex.open_current(settings)

        def encoder(kind: str, cache: int = 0) -> Any:
            return encoder_class(kind)(EmbeddingSettings(encoder=kind, query_cache=cache))

        options = [
            Option("sentence-transformers, 2 threads", encoder("sentence-transformers"), 2),
            Option("sentence-transformers, 1 thread", encoder("sentence-transformers"), 1),
            Option("torch, 2 threads", encoder("torch"), 2),
            Option("torch, 1 thread", encoder("torch"), 1),
        ]
        skipped: dict[str, str] = {}
        if find_spec("optimum") is not None and find_spec("optimum.intel") is not None:
            options.append(Option("openvino (its own threads)", encoder("openvino"), None))
        else:
            skipped["openvino"] = "optimum-intel is not installed in this environment"
        reference = options[0].encoder
        for option in options:
            option.service = SearchService(settings, option.encoder, index)
        if args.static is not None:
            static = StaticEncoder(args.static)
            static_index = copy.copy(index)
            chunk_texts = _embedding_texts(settings, index, reference)
            static_index.vectors = build_index(static.encode(chunk_texts), approximate_above=0)
            option = Option("model2vec static (dense side re-embedded)", static, None)
            option.service = SearchService(settings, static, static_index)
            options.append(option)
        else:
            skipped["model2vec"] = "no --static model folder given"

        # Load every model and warm every code path before anything is timed.
        for option in options:
            _set_threads(option.threads)
            for q in texts:
                option.service.search(q, 10)

        rng = random.Random(0)
        for _ in range(args.rounds):
            order = options[:]
            rng.shuffle(order)
            for option in order:
                _set_threads(option.threads)
                for q in texts[:3]:  # settle the thread pool after a change of thread count
                    option.encoder.encode([q])
                for q in texts:
                    started = time.perf_counter()
                    option.encoder.encode([q])
                    option.encode_ms.append((time.perf_counter() - started) * 1000)
                for q in texts:
                    option.encoder.clear_cache()
                    started = time.perf_counter()
                    option.service.search(q, 10)
                    option.search_ms.append((time.perf_counter() - started) * 1000)

        _set_threads(2)
        ref_vectors = np.stack([reference.encode([q])[0] for q in texts])
        rows: list[dict[str, Any]] = []
        for option in options:
            _set_threads(option.threads)
            service = option.service

            def run(query: str, service: Any = service) -> list[tuple[str, str]]:
                return [(h.chunk.doc_id, h.chunk.text) for h in service.search(query, 10)]

            metrics = evaluate_retrieval(questions, run)["overall"]
            vectors = np.stack([option.encoder.encode([q])[0] for q in texts])
            same_space = vectors.shape == ref_vectors.shape
            rows.append(
                {
                    "option": option.label,
                    "encode_p50_ms": round(percentile(option.encode_ms, 50), 2),
                    "encode_p99_ms": round(percentile(option.encode_ms, 99), 2),
                    "search_p50_ms": round(percentile(option.search_ms, 50), 2),
                    "search_p99_ms": round(percentile(option.search_ms, 99), 2),
                    "R@5": round(metrics["R@5"], 3),
                    "MRR@10": round(metrics["MRR@10"], 3),
                    "min_cosine_to_st": (
                        round(float(np.min(np.sum(vectors * ref_vectors, axis=1))), 6)
                        if same_space
                        else None
                    ),
                    "n": len(option.encode_ms),
                }
            )

        cache = _cache_hits(encoder, texts, args.rounds)
    finally:
        if args.data is None:
            shutil.rmtree(data, ignore_errors=True)

    _print_table(rows, cache, skipped)
    save(
        "encoders",
        {
            "questions": len(texts),
            "rounds": args.rounds,
            "load_average_after": os.getloadavg()[0],
            "options": rows,
            "query_cache_hit": cache,
            "skipped": skipped,
        },
    )


def _cache_hits(
    encoder: Callable[..., Any], texts: list[str], rounds: int
) -> dict[str, float | int]:
    """A repeated query with the default cache on: the lookup, not an encode (torch, 1 thread)."""
    _set_threads(1)
    cached = encoder("torch", cache=4096)
    for q in texts:
        cached.encode([q])
    hits = []
    for _ in range(rounds):
        for q in texts:
            started = time.perf_counter()
            cached.encode([q])
            hits.append((time.perf_counter() - started) * 1000)
    return {
        "hit_p50_ms": round(percentile(hits, 50), 4),
        "hit_p99_ms": round(percentile(hits, 99), 4),
        "n": len(hits),
    }


def _print_table(
    rows: list[dict[str, Any]], cache: dict[str, float | int], skipped: dict[str, str]
) -> None:
    head = f"{'option':<44}{'enc p50':>9}{'enc p99':>9}{'search p50':>12}{'R@5':>7}{'MRR':>7}"
    print(head + f"{'min cos':>10}")
    for r in rows:
        cos = "-" if r["min_cosine_to_st"] is None else f"{r['min_cosine_to_st']:.6f}"
        print(
            f"{r['option']:<44}{r['encode_p50_ms']:>9.2f}{r['encode_p99_ms']:>9.2f}"
            f"{r['search_p50_ms']:>12.2f}{r['R@5']:>7.3f}{r['MRR@10']:>7.3f}{cos:>10}"
        )
    print(f"query-vector cache hit (repeats only): p50 {cache['hit_p50_ms']} ms")
    for name, why in skipped.items():
        print(f"skipped {name}: {why}")


if __name__ == "__main__":
    main()
