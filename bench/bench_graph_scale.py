"""Graph at scale: a synthetic graph of N entities and M facts in the embedded FalkorDB.

Run: .venv/bin/python bench/bench_graph_scale.py --entities 100000 --facts 300000
     [--rounds 200] [--slow-rounds 20] [--index-repeats 3] [--batch-size 5000]

The graph has the make-up of the corpus graph (build_graph over corpus/, measured 2026-12-03:
835 entities, 259 facts, so CORPUS_TYPES and CORPUS_SHAPES below), scaled to the sizes asked
for: entity types in the corpus's proportions, facts in the proportions of its (source type,
relation, target type) shapes, a few targets led or joined often (as a few posts lead most
objectives there), about two mentions per entity. Names are drawn from the corpus's own words
and ids are made by indexer.resolve.make_id, so they look and sort like real ones
("person:mara-quill", "objective:increase-confidence-in-policing"). The graph is written by
graph.load.load_graph, so nodes, relationships and provenance have the shape `kg index` gives.

Then it times, on the same server:
- api.graph_index.GraphIndex.load (what /ask reads into memory; target <= 30 s at 100k
  entities), each in a fresh process so its peak RSS is its own; median of --index-repeats;
- p50/p99 of who_leads, dependency_chain and entity_neighbours from cypher/ (start found by a
  labelled index seek) and of their unlabelled forms in bench/unlabelled/ (--slow-rounds
  calls, since entity_neighbours unlabelled reads every relationship), on the same
  parameters, checking both return the same rows.
Results go to bench/results/graph_scale.json. The machine is shared: repeat and take medians.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import save, summary_ms

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.load import load_graph  # noqa: E402
from graph.model import Entity, Evidence, GraphData, Mention, Relation  # noqa: E402
from indexer.resolve import make_id  # noqa: E402
from kg.settings import GraphSettings, Settings  # noqa: E402
from kg.types import Chunk, Document  # noqa: E402

# Entities per type in the corpus graph.
CORPUS_TYPES = {
    "Initiative": 227,
    "Unit": 176,
    "Objective": 122,
    "Organisation": 92,
    "Recommendation": 57,
    "Post": 48,
    "Theme": 42,
    "Person": 38,
    "Risk": 33,
}
# Facts per (source type, relation, target type) in the corpus graph; shapes seen once are
# left out (they add up to 4% of the facts).
CORPUS_SHAPES = {
    ("Post", "LEADS", "Objective"): 68,
    ("Objective", "DEPENDS_ON", "Objective"): 15,
    ("Person", "HOLDS_POST", "Post"): 15,
    ("Person", "LEADS", "Objective"): 14,
    ("Person", "CHAIRS", "Unit"): 11,
    ("Initiative", "ADDRESSES", "Theme"): 10,
    ("Person", "PARTNERS_WITH", "Organisation"): 10,
    ("Post", "CHAIRS", "Unit"): 10,
    ("Initiative", "PARTNERS_WITH", "Organisation"): 8,
    ("Organisation", "ADDRESSES", "Theme"): 7,
    ("Person", "LEADS", "Theme"): 7,
    ("Post", "LEADS", "Unit"): 6,
    ("Person", "LEADS", "Unit"): 5,
    ("Initiative", "SUCCEEDS", "Initiative"): 4,
    ("Initiative", "HAS_RISK", "Risk"): 4,
    ("Objective", "PART_OF", "Objective"): 4,
    ("Objective", "PARTNERS_WITH", "Organisation"): 4,
    ("Person", "LEADS", "Initiative"): 4,
    ("Post", "LEADS", "Initiative"): 4,
    ("Unit", "PARTNERS_WITH", "Organisation"): 4,
    ("Organisation", "LEADS", "Objective"): 3,
    ("Unit", "LEADS", "Objective"): 3,
    ("Initiative", "PARTNERS_WITH", "Unit"): 2,
    ("Initiative", "PART_OF", "Initiative"): 2,
    ("Objective", "DEPENDS_ON", "Initiative"): 2,
    ("Organisation", "LEADS", "Initiative"): 2,
    ("Person", "CHAIRS", "Organisation"): 2,
    ("Person", "HEADS", "Unit"): 2,
    ("Person", "MEMBER_OF", "Unit"): 2,
    ("Theme", "PARTNERS_WITH", "Organisation"): 2,
    ("Unit", "MERGES_INTO", "Unit"): 2,
    ("Unit", "HAS_RISK", "Risk"): 2,
    ("Unit", "LEADS", "Initiative"): 2,
}
# Chains (a dependency, a succession) join things one to one; the rest point at favourites.
CHAIN_RELATIONS = {"DEPENDS_ON", "SUCCEEDS", "PART_OF", "MERGES_INTO"}
MENTIONS_PER_ENTITY = 2.1  # corpus: 1754 mentions of 835 entities
ENTITIES_PER_DOC = 150  # corpus: 835 entities in 5 documents
CHUNKS_PER_DOC = 40
QUERIES = ("who_leads", "dependency_chain", "entity_neighbours")
LEADING = ("LEADS", "HEADS", "CHAIRS", "HOLDS_POST")
_MIB = 1024


def corpus_words() -> list[str]:
    """Distinct lower-case words of four letters or more in corpus/*.txt, sorted."""
    words: set[str] = set()
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        words.update(re.findall(r"[a-z]{4,}", path.read_text(encoding="utf-8").lower()))
    return sorted(words)


def synthetic_graph(n_entities: int, n_facts: int, seed: int = 7) -> GraphData:
    """GraphData of n_entities entities and n_facts facts with the corpus graph's make-up."""
    rng = random.Random(seed)
    words = corpus_words()
    n_docs = max(1, n_entities // ENTITIES_PER_DOC)
    documents, chunks = [], []
    for d in range(n_docs):
        doc_id = f"{d:04d}_{hashlib.sha1(str(d).encode()).hexdigest()[:16]}.txt"
        documents.append(
            Document(
                id=doc_id,
                source=f"/synthetic/{doc_id}",
                format="txt",
                text="",
                title=f"Board paper {d}",
                date=date(2010, 1, 1) + timedelta(days=(d * 37) % 5000),
                date_text=None,
                date_source="none",
                sha256=hashlib.sha256(doc_id.encode()).hexdigest(),
            )
        )
        for c in range(CHUNKS_PER_DOC):
            chunks.append(
                Chunk(
                    id=f"{doc_id}#{c}",
                    doc_id=doc_id,
                    ordinal=c,
                    start=c * 1000,
                    end=c * 1000 + 1000,
                    text=f"Passage {c} of board paper {d}.",
                    section=f"Section {c // 4}",
                    paragraph=str(c),
                )
            )
    as_of = {d.id: d.date.isoformat() for d in documents if d.date}
    by_type: dict[str, list[Entity]] = {}
    entities: list[Entity] = []
    seen: set[str] = set()
    for kind, count in _shares(n_entities).items():
        for _ in range(count):
            length = 2 if kind == "Person" else rng.choice((2, 3, 3, 4, 6, 10))
            name = " ".join(rng.choice(words) for _ in range(length))
            if kind == "Person":
                name = name.title()
            entity_id = make_id(kind, name)
            suffix = 1
            while entity_id in seen:  # same name, distinct thing: the resolver disambiguates
                suffix += 1
                entity_id = make_id(kind, name, str(suffix))
            seen.add(entity_id)
            entity = Entity(entity_id, kind, name)
            if kind == "Person":
                given, surname = name.split(" ", 1)
                entity.properties.update(
                    {"givenName": given, "surname": surname, "ranks": ["inspector"]}
                )
            for _ in range(int(MENTIONS_PER_ENTITY) + (rng.random() < MENTIONS_PER_ENTITY % 1)):
                chunk = chunks[rng.randrange(len(chunks))]
                entity.mentions.append(
                    Mention(
                        kind, name, name, _evidence(chunk, name, "synthetic.mention", as_of, rng)
                    )
                )
            by_type.setdefault(kind, []).append(entity)
            entities.append(entity)
    shapes = list(CORPUS_SHAPES)
    weights = list(CORPUS_SHAPES.values())
    relations: dict[tuple[str, str, str], Relation] = {}
    while len(relations) < n_facts:
        src_type, rel_type, dst_type = rng.choices(shapes, weights)[0]
        source = rng.choice(by_type[src_type])
        targets = by_type[dst_type]
        if rel_type in CHAIN_RELATIONS:
            target = rng.choice(targets)
        else:
            target = targets[int(len(targets) * rng.random() ** 3)]  # skewed: favourites
        key = (source.id, rel_type, target.id)
        if target.id == source.id or key in relations:
            continue
        chunk = rng.choice(chunks)
        quote = f"{source.name} {rel_type.lower().replace('_', ' ')} {target.name}."
        relations[key] = Relation(
            source.id, rel_type, target.id, [_evidence(chunk, quote, "synthetic.fact", as_of, rng)]
        )
    return GraphData(documents, chunks, entities, list(relations.values()))


def _shares(n: int) -> dict[str, int]:
    """n entities split in the corpus's proportions (largest remainders), at least one each."""
    total = sum(CORPUS_TYPES.values())
    exact = {kind: n * count / total for kind, count in CORPUS_TYPES.items()}
    counts = {kind: max(1, int(x)) for kind, x in exact.items()}
    for kind in sorted(exact, key=lambda k: exact[k] - int(exact[k]), reverse=True):
        if sum(counts.values()) >= n:
            break
        counts[kind] += 1
    return counts


def _evidence(
    chunk: Chunk, quote: str, rule: str, as_of: dict[str, str], rng: random.Random
) -> Evidence:
    start = chunk.start + rng.randrange(900)
    return Evidence(
        chunk.doc_id, chunk.id, start, start + len(quote), quote, as_of.get(chunk.doc_id), rule, 0.8
    )


def sample_params(data: GraphData, rounds: int, seed: int = 11) -> dict[str, list[dict[str, Any]]]:
    """Parameters for each timed query: real ids; half the targets are led, half the chain
    starts have dependencies, entity_neighbours asks for one to three entities."""
    rng = random.Random(seed)
    all_ids = [e.id for e in data.entities]
    led = sorted({r.target for r in data.relations if r.type in LEADING})
    chained = sorted({r.source for r in data.relations if r.type == "DEPENDS_ON"})
    return {
        "who_leads": [{"entityId": rng.choice(led if i % 2 else all_ids)} for i in range(rounds)],
        "dependency_chain": [
            {"initiativeId": rng.choice(chained if i % 2 else all_ids), "depth": 3}
            for i in range(rounds)
        ],
        "entity_neighbours": [
            {"ids": rng.sample(all_ids, 1 + i % 3), "limit": 500} for i in range(rounds)
        ],
    }


def bench_settings(data_dir: Path, batch_size: int = 5000) -> Settings:
    """Settings with bounds wide enough for a whole-graph load and read."""
    return Settings(
        data_dir=data_dir,
        graph=GraphSettings(
            query_timeout_ms=600_000,
            max_query_timeout_ms=600_000,
            query_memory_mb=0,
            batch_size=batch_size,
        ),
    )


def index_load(data_dir: Path) -> dict[str, Any]:
    """GraphIndex.load against the running server of data_dir, in this (fresh) process."""
    from api.cypher import CypherService
    from api.graph_index import GraphIndex
    from graph.store import open_store

    settings = bench_settings(data_dir)
    store = open_store(settings)
    try:
        service = CypherService(settings, store, ROOT / "cypher")
        rss_before = _status_mib("VmRSS")
        started = time.perf_counter()
        index = GraphIndex.load(service)
        seconds = time.perf_counter() - started
    finally:
        store.close()
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mib": _status_mib("VmHWM"),
        "rss_before_mib": rss_before,
        "entities": len(index.entities),
        "facts": len(index.facts),
        "findings": len(index.findings),
    }


def time_queries(
    store: Any, directory: Path, params: dict[str, list[dict[str, Any]]], rounds: dict[str, int]
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """p50/p99 of each query in directory over the first rounds[name] parameters, and rows."""
    from graph.named_queries import load_named_queries

    queries = load_named_queries(directory)
    timed: dict[str, Any] = {}
    answers: dict[str, list[Any]] = {}
    for name in QUERIES:
        text = queries[name].text
        chosen = params[name][: rounds[name]]
        store.read(text, chosen[0], max_rows=10_000)  # warm the plan cache
        seconds, rows = [], []
        for p in chosen:
            t0 = time.perf_counter()
            out = store.read(text, p, max_rows=10_000)
            seconds.append(time.perf_counter() - t0)
            rows.append(out.rows)
        answers[name] = rows
        timed[name] = {
            **summary_ms(seconds),
            "rows_mean": round(statistics.fmean(map(len, rows)), 1),
        }
        print(f"{directory.name} {name}: {timed[name]}", file=sys.stderr)
    return timed, answers


def _status_mib(field: str, pid: int | str = "self") -> int | None:
    """A memory field of /proc/PID/status (VmRSS, VmHWM) in MiB. VmHWM, not ru_maxrss: a
    child started by exec reports its parent's ru_maxrss when that is larger."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    m = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return round(int(m.group(1)) / _MIB) if m else None


def server_peak_rss_mib(store: Any) -> int | None:
    """The embedded FalkorDB server's peak resident memory (VmHWM), in MiB."""
    server = getattr(store, "server", None)
    pid_path = getattr(server, "pid_path", None)
    try:
        pid = int(Path(pid_path).read_text().strip()) if pid_path else None
    except (OSError, ValueError):
        return None
    return _status_mib("VmHWM", pid) if pid else None


def main() -> None:
    """Build the graph, time GraphIndex.load and the named queries, save graph_scale.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--facts", type=int, default=None, help="default: 3 per entity")
    parser.add_argument("--rounds", type=int, default=200, help="timed calls per query")
    parser.add_argument(
        "--slow-rounds", type=int, default=20, help="timed calls per unlabelled form"
    )
    parser.add_argument("--index-repeats", type=int, default=3, help="GraphIndex.load runs")
    parser.add_argument("--batch-size", type=int, default=5000, help="rows per UNWIND batch")
    parser.add_argument("--name", default="graph_scale", help="result file name")
    parser.add_argument("--index-load", type=Path, help=argparse.SUPPRESS)  # the child's job
    args = parser.parse_args()
    if args.index_load:
        print(json.dumps(index_load(args.index_load)))
        return

    from graph.store import open_store

    n_facts = args.facts if args.facts is not None else 3 * args.entities
    with tempfile.TemporaryDirectory(prefix="kg-graph-scale-") as tmp:
        settings = bench_settings(Path(tmp), args.batch_size)
        started = time.perf_counter()
        data = synthetic_graph(args.entities, n_facts)
        generate_s = time.perf_counter() - started
        store = open_store(settings)
        try:
            started = time.perf_counter()
            report = load_graph(store, data, batch_size=args.batch_size)
            load_s = time.perf_counter() - started
            result: dict[str, Any] = {
                "entities": report.entities,
                "facts": report.relations,
                "mentions": report.mentions,
                "documents": report.documents,
                "chunks": report.chunks,
                "nodes": store.read("MATCH (n) RETURN count(n)").rows[0][0],
                "relationships": store.read("MATCH ()-[r]->() RETURN count(r)").rows[0][0],
                "generate_s": round(generate_s, 2),
                "load_graph_s": round(load_s, 2),
                "batch_size": args.batch_size,
            }
            print(f"built: {result}", file=sys.stderr)
            runs = []
            for _ in range(args.index_repeats):
                done = subprocess.run(
                    [sys.executable, __file__, "--index-load", tmp],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(f"GraphIndex.load: {runs[-1]}", file=sys.stderr)
            result["graph_index_load"] = {
                "median_s": statistics.median(r["seconds"] for r in runs),
                "runs_s": [r["seconds"] for r in runs],
                "peak_rss_mib": max(r["peak_rss_mib"] or 0 for r in runs),
                "rss_before_load_mib": max(r["rss_before_mib"] or 0 for r in runs),
                **{k: runs[-1][k] for k in ("entities", "facts", "findings")},
            }
            params = sample_params(data, args.rounds)
            labelled, after = time_queries(
                store, ROOT / "cypher", params, dict.fromkeys(QUERIES, args.rounds)
            )
            slow = min(args.slow_rounds, args.rounds)
            unlabelled, before = time_queries(
                store, ROOT / "bench" / "unlabelled", params, dict.fromkeys(QUERIES, slow)
            )
            result["queries"] = {"labelled": labelled, "unlabelled": unlabelled}
            result["same_rows"] = {name: after[name][:slow] == before[name] for name in QUERIES}
            result["falkordb_peak_rss_mib"] = server_peak_rss_mib(store)
            result["bench_peak_rss_mib"] = _status_mib("VmHWM")
        finally:
            store.close()
    save(args.name, result)


if __name__ == "__main__":
    main()
