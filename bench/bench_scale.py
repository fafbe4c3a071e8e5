"""Search at scale: a synthetic generation of N chunks, built, loaded and queried.

The chunks are drawn from the corpus: each copies a real chunk's section and length, with
a share of its words replaced by words drawn from the corpus vocabulary (by frequency), and
its vector is a perturbed copy of that chunk's vector (Gaussian noise, re-normalised), so
texts and vectors keep the corpus's clusters and agree with each other. Documents hold
--per-doc consecutive chunks each, dated across 2005-2025.

Reports, as JSON: the build (input generation alone, then the whole write: SQLite, vector
index, keyword index) with its peak RSS; opening the generation in process (time, peak RSS)
and /search and /ask p50/p99 there on the dev questions; then `kg serve` on it: time until
it accepts connections and until it is ready, its peak RSS, and /search and /ask p50/p99
over HTTP. No graph is built for the synthetic chunks, so /ask answers from passages
(bench/bench_graph_scale.py measures the graph at scale).

    python bench/bench_scale.py --chunks 1000000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SERVER_ENV, bench_key, save, summary_ms

ROOT = Path(__file__).resolve().parents[1]
KG = [sys.executable, "-m", "cli.main"]
_BLOCK = 10_000  # chunks generated together (texts are cached a block at a time)
_REPLACED = 0.3  # share of a chunk's words replaced by vocabulary words
_NOISE = 0.02  # per-dimension noise on the vectors (as bench_ann)
_WORD = re.compile(r"\S+")


def _peak_rss_mib(pid: int | None = None) -> int:
    """Peak resident memory of a process (VmHWM), in MiB; this process when pid is None."""
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


class _Source:
    """The corpus a synthetic generation is drawn from: chunks, vectors and vocabulary."""

    def __init__(self, index_dir: Path) -> None:
        from vectors.generations import Snapshot

        snapshot = Snapshot.open_current(index_dir)
        stored = snapshot.chunks()
        self.sections = [s.chunk.section for s in stored]
        words = [_WORD.findall(s.chunk.text) for s in stored]
        self.words = [np.asarray(w, dtype=object) for w in words]
        self.sizes = np.asarray([len(w) for w in words])
        self.vectors = snapshot.all_vectors()
        self.titles = [s.document.title for s in snapshot.documents()]
        counts = Counter(w for chunk in words for w in chunk)
        self.vocabulary = np.asarray(list(counts), dtype=object)
        self.weights = np.asarray(list(counts.values()), dtype=np.float64)
        self.weights /= self.weights.sum()
        snapshot.close()


class _Synthetic:
    """N chunks and their documents, generated on demand, the same each time they are read."""

    def __init__(self, source: _Source, n: int, per_doc: int, seed: int = 0) -> None:
        self.source = source
        self.n = n
        self.per_doc = per_doc
        rng = np.random.default_rng(seed)
        self.bases = rng.integers(0, len(source.words), n)
        self.dates = rng.integers(
            date(2005, 1, 1).toordinal(), date(2025, 12, 31).toordinal(), self.n_docs
        )
        self._block: tuple[int, list[Any]] = (-1, [])

    @property
    def n_docs(self) -> int:
        return -(-self.n // self.per_doc)

    def doc_id(self, d: int) -> str:
        return f"synthetic/{d:07d}.txt"

    def chunk_at(self, i: int) -> Any:
        block, chunks = self._block
        if block != i // _BLOCK:
            block = i // _BLOCK
            chunks = self._generate(block)
            self._block = (block, chunks)
        return chunks[i - block * _BLOCK]

    def _generate(self, block: int) -> list[Any]:
        from kg.types import Chunk

        source = self.source
        rows = range(block * _BLOCK, min((block + 1) * _BLOCK, self.n))
        rng = np.random.default_rng(block)
        bases = self.bases[rows.start : rows.stop]
        sizes = source.sizes[bases]
        total = int(sizes.sum())
        replaced = rng.random(total) < _REPLACED
        drawn = source.vocabulary[rng.choice(len(source.vocabulary), total, p=source.weights)]
        out: list[Any] = []
        at = 0
        for i, base, size in zip(rows, bases.tolist(), sizes.tolist(), strict=True):
            words = source.words[base].copy()
            mask = replaced[at : at + size]
            words[mask] = drawn[at : at + size][mask]
            at += size
            text = " ".join(words.tolist())
            d, ordinal = divmod(i, self.per_doc)
            key = hashlib.blake2b(f"{d}:{ordinal}:{text}".encode(), digest_size=10).hexdigest()
            start = out[-1].end + 2 if ordinal else 0  # chunks joined by a blank line
            out.append(
                Chunk(
                    id=key,
                    doc_id=self.doc_id(d),
                    ordinal=ordinal,
                    start=start,
                    end=start + len(text),
                    text=text,
                    section=source.sections[base],
                )
            )
        return out

    def vectors(self, path: Path) -> np.ndarray:
        """All N vectors, written to a memory-mapped .npy file a block at a time."""
        out = np.lib.format.open_memmap(
            path, mode="w+", dtype=np.float32, shape=(self.n, self.source.vectors.shape[1])
        )
        rng = np.random.default_rng(1)
        for start in range(0, self.n, 100_000):
            base = self.source.vectors[self.bases[start : start + 100_000]]
            noisy = base + _NOISE * rng.normal(size=base.shape).astype(np.float32)
            out[start : start + len(base)] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
        out.flush()
        return out


class _Chunks(Sequence[Any]):
    def __init__(self, synthetic: _Synthetic) -> None:
        self.synthetic = synthetic

    def __len__(self) -> int:
        return self.synthetic.n

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        from vectors.generations import StoredChunk

        if not 0 <= i < len(self):
            raise IndexError(i)
        return StoredChunk(self.synthetic.chunk_at(i), f"synthetic:{i}")

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))


class _Documents(Sequence[Any]):
    def __init__(self, synthetic: _Synthetic) -> None:
        self.synthetic = synthetic

    def __len__(self) -> int:
        return self.synthetic.n_docs

    def __getitem__(self, d):  # type: ignore[no-untyped-def,override]
        from kg.types import Document
        from vectors.generations import StoredDocument

        s = self.synthetic
        if not 0 <= d < len(self):
            raise IndexError(d)
        rows = range(d * s.per_doc, min((d + 1) * s.per_doc, s.n))
        text = "\n\n".join(s.chunk_at(i).text for i in rows)
        title = f"{s.source.titles[d % len(s.source.titles)]} ({d})"
        when = date.fromordinal(int(s.dates[d]))
        document = Document(
            id=s.doc_id(d),
            source=f"/synthetic/{d:07d}.txt",
            format="txt",
            text=text,
            title=title,
            date=when,
            date_text=when.isoformat(),
            date_source="sidecar",
            sha256=hashlib.sha256(text.encode()).hexdigest(),
        )
        return StoredDocument(document, document.sha256)

    def __iter__(self) -> Iterator[Any]:
        return (self[d] for d in range(len(self)))


def build(args: argparse.Namespace) -> None:
    """Child process: write the synthetic generation; print timings as JSON."""
    from kg.settings import Settings
    from vectors.generations import Generation, IndexDirectory

    settings = Settings(data_dir=args.data)
    source = _Source(args.source / "index")
    synthetic = _Synthetic(source, args.chunks, args.per_doc)
    t = time.perf_counter()
    synthetic.chunk_at(0)  # one block, for the rate the texts are generated at
    per_block = time.perf_counter() - t
    t = time.perf_counter()
    vectors = synthetic.vectors(args.data / "vectors.npy")
    vectors_s = time.perf_counter() - t
    generation = Generation(
        meta={"model": settings.embedding.model, "dim": str(vectors.shape[1]), "synthetic": "1"},
        documents=_Documents(synthetic),
        chunks=_Chunks(synthetic),
        vectors=vectors,
        acronyms=[],
    )
    t = time.perf_counter()
    IndexDirectory(settings.index_dir).write(
        generation, approximate_above=settings.search.approximate_above
    )
    write_s = time.perf_counter() - t
    del generation, vectors
    (args.data / "vectors.npy").unlink()
    blocks = -(-args.chunks // _BLOCK)
    print(
        json.dumps(
            {
                "synthetic_vectors_s": round(vectors_s, 2),
                # Texts are generated while they are written, in three passes (documents,
                # chunk table, keyword index): part of write_s that a real index run
                # would not spend.
                "synthetic_texts_s_est": round(3 * per_block * blocks, 1),
                "write_s": round(write_s, 2),
                "peak_rss_mib": _peak_rss_mib(),
            }
        )
    )


def in_process(args: argparse.Namespace) -> None:
    """Child process: open the generation and time /search and /ask in process."""
    from api.deps import Services
    from kg.settings import Settings

    questions = [q["question"] for q in json.loads(args.qa.read_text())]
    t = time.perf_counter()
    services = Services(Settings(data_dir=args.data))
    snapshot = services.snapshot()
    open_s = time.perf_counter() - t
    for q in questions:  # every code path once
        snapshot.search.search(q, 10)
        snapshot.ask.ask(q)

    def timed(call: Any) -> list[float]:
        out = []
        for _ in range(args.rounds):
            for q in questions:
                services.encoder.clear_cache()
                start = time.perf_counter()
                call(q)
                out.append(time.perf_counter() - start)
        return out

    search = timed(lambda q: snapshot.search.search(q, 10))
    ask = timed(snapshot.ask.ask)
    print(
        json.dumps(
            {
                "open_s": round(open_s, 2),
                "chunks": snapshot.index.size,
                "vector_index": snapshot.index.vectors.kind,
                "search_ms": summary_ms(search),
                "ask_ms": summary_ms(ask),
                "peak_rss_mib": _peak_rss_mib(),
            }
        )
    )
    services.close()


def _get(url: str, timeout: float = 30.0, key: str = "") -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


def over_http(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    """`kg serve` on the generation: start-up, memory, and latency over HTTP."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    base = f"http://127.0.0.1:{port}"
    questions = [q["question"] for q in json.loads(args.qa.read_text())]
    key = bench_key(env)
    started = time.perf_counter()
    server = subprocess.Popen(
        [*KG, "serve", "--port", str(port)],
        env={**env, **SERVER_ENV, "KG_LOG_LEVEL": "WARNING", "KG_EMBEDDING__QUERY_CACHE": "0"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    result: dict[str, Any] = {}
    try:
        while _get(f"{base}/health/live", timeout=0.5) != 200:
            if server.poll() is not None:
                raise RuntimeError("the server exited while starting")
            time.sleep(0.02)
        result["accepts_s"] = round(time.perf_counter() - started, 2)
        while _get(f"{base}/health/ready", timeout=5, key=key) != 200:
            if time.perf_counter() - started > 600:
                raise RuntimeError("the server was not ready within 600 s")
            time.sleep(0.05)
        result["ready_s"] = round(time.perf_counter() - started, 2)

        def timed(path: str, params: dict[str, Any]) -> float:
            url = f"{base}{path}?" + urllib.parse.urlencode(params)
            start = time.perf_counter()
            status = _get(url, key=key)
            if status != 200:
                raise RuntimeError(f"{url} answered {status}")
            return time.perf_counter() - start

        for q in questions:
            timed("/search", {"q": q, "k": 10})
            timed("/ask", {"q": q})
        rounds = range(args.rounds)
        result["search_ms"] = summary_ms(
            [timed("/search", {"q": q, "k": 10}) for _ in rounds for q in questions]
        )
        result["ask_ms"] = summary_ms([timed("/ask", {"q": q}) for _ in rounds for q in questions])
        result["peak_rss_mib"] = _peak_rss_mib(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    return result


def _child(mode: str, args: argparse.Namespace, env: dict[str, str]) -> tuple[float, dict]:
    cmd = [sys.executable, __file__, mode, "--data", str(args.data), "--qa", str(args.qa)]
    cmd += ["--chunks", str(args.chunks), "--per-doc", str(args.per_doc)]
    cmd += ["--rounds", str(args.rounds), "--source", str(args.source)]
    t = time.perf_counter()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t, json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="all", choices=("all", "build", "in-process"))
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--per-doc", type=int, default=100, help="chunks per synthetic document")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--qa", type=Path, default=ROOT.parent / "shared/eval/dev_qa.json")
    parser.add_argument("--source", type=Path, help="an indexed data directory to draw from")
    parser.add_argument("--data", type=Path, help="where to write the synthetic generation")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic data directory")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the generation already in --data (no build)"
    )
    args = parser.parse_args()
    if _BLOCK % args.per_doc:
        parser.error(f"--per-doc must divide {_BLOCK} (documents never straddle a block)")
    if args.mode == "build":
        return build(args)
    if args.mode == "in-process":
        return in_process(args)

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "KG_CORPUS_DIR": str(ROOT / "corpus")}
    temporary = []
    if args.source is None:
        args.source = Path(tempfile.mkdtemp(prefix="kg-scale-source-"))
        temporary.append(args.source)
        subprocess.run(
            [*KG, "index", "--no-progress"],
            env={**env, "KG_DATA_DIR": str(args.source)},
            check=True,
            capture_output=True,
        )
    if args.reuse and args.data is None:
        parser.error("--reuse needs --data")
    if args.data is None:
        args.data = Path(tempfile.mkdtemp(prefix="kg-scale-"))
        if not args.keep:
            temporary.append(args.data)
    env["KG_DATA_DIR"] = str(args.data)
    try:
        build_s, built = (None, {}) if args.reuse else _child("build", args, env)
        index_bytes = sum(f.stat().st_size for f in (args.data / "index").rglob("*") if f.is_file())
        _, loaded = _child("in-process", args, env)
        served = over_http(args, env)
    finally:
        for path in temporary:
            shutil.rmtree(path, ignore_errors=True)
    save(
        f"scale-{args.chunks}",
        {
            "chunks": args.chunks,
            "chunks_per_document": args.per_doc,
            "questions_x_rounds": f"dev questions x {args.rounds}",
            "build": {
                "process_s": build_s and round(build_s, 2),
                **built,
                "index_mib": index_bytes >> 20,
            },
            "in_process": loaded,
            "http": served,
        },
    )


if __name__ == "__main__":
    main()
