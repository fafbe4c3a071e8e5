"""The graph half of an index run: extract, resolve and load every indexed document.

Resolution works across documents (a surname alone joins a full name written elsewhere), so
the graph is rebuilt from all documents whenever it is out of step with the vector index:
a document added, changed or removed, or the extraction rules (kg/data/*.yaml) edited.
The check is one read of the graph's Document nodes, so an unchanged corpus costs little.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from graph.load import load_graph, loaded_documents, remove_documents
from graph.store import GraphStore
from indexer.clean import clean
from indexer.glossary import merge_definitions
from indexer.resolve import build_graph
from indexer.segment import segment
from kg.errors import KgError, StoreUnavailable
from kg.markings import MARKINGS, level_graph, marking_of, visible
from kg.types import AcronymDefinition, Chunk, Document
from vectors.generations import Snapshot

log = logging.getLogger(__name__)

# Bump when extraction code changes in a way that must reload every document's facts.
EXTRACTOR_VERSION = "5"
_RULE_FILES = (
    "ranks.yaml",
    "given_names.yaml",
    "gazetteer.yaml",
    "relations.yaml",
    "findings.yaml",
    "roles.yaml",
    "frames.yaml",
    "layouts.yaml",
)


def extraction_signature() -> str:
    """A digest of the extractor's version and its data files."""
    digest = hashlib.sha1(EXTRACTOR_VERSION.encode())
    data = resources.files("kg").joinpath("data")
    for name in _RULE_FILES:
        digest.update(data.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def sync_graph(
    store: GraphStore,
    snapshot: Snapshot,
    before_change: Callable[[], None] | None = None,
    *,
    graph_name: str = "kg",
) -> dict[str, object]:
    """Bring the graph, and one graph per clearance level, in line with an index generation.

    The store's own graph holds every document. Each level whose documents are fewer gets its
    own graph (`level_graph(graph_name, level)`), built from the documents at or below it
    alone, so that an analyst's Cypher on it cannot reach anything above (issue 9); a level
    that sees every document reads the full graph. `before_change` is called once, before the
    first write (not at all when every graph is up to date), so readers can stop trusting the
    graph while it changes.
    """
    started = time.perf_counter()
    changing = _Once(before_change)
    documents = [s.document for s in snapshot.documents()]
    chunks_by_doc: dict[str, list[Chunk]] = {}
    for stored in snapshot.chunks():
        chunks_by_doc.setdefault(stored.chunk.doc_id, []).append(stored.chunk)
    definitions = [a.definition for a in snapshot.acronyms()]
    items: dict[str, tuple[Any, ...]] = {}

    def prepared(document: Document) -> tuple[Any, ...]:
        if document.id not in items:
            view = clean(document.text)
            items[document.id] = (
                document,
                view,
                segment(view.text),
                chunks_by_doc.get(document.id, []),
            )
        return items[document.id]

    out = _sync_one(store, documents, definitions, prepared, changing, full=True)
    levels: dict[str, object] = {}
    for level in MARKINGS[:-1]:
        seen = [d for d in documents if visible(marking_of(d), level)]
        try:
            level_store = store.graph(level_graph(graph_name, level))
        except StoreUnavailable as e:
            # Neo4j with one database: the level gets no graph (its readers none either).
            if len(seen) < len(documents):
                levels[level] = {"status": "unsupported", "error": e.message}
            continue
        if len(seen) == len(documents):
            _drop(level_store, changing)  # the level reads the full graph
            continue
        allowed = {d.id for d in seen}
        defs = [a for a in definitions if a.doc_id in allowed]
        levels[level] = _sync_one(level_store, seen, defs, prepared, changing, full=False)
    if levels:
        out["levels"] = levels
    out["total_s"] = round(time.perf_counter() - started, 3)
    return out


class _Once:
    """Calls `work` the first time it is called, never again."""

    def __init__(self, work: Callable[[], None] | None) -> None:
        self._work = work

    def __call__(self) -> None:
        if self._work is not None:
            work, self._work = self._work, None
            work()


def _drop(store: GraphStore, changing: _Once) -> None:
    """Delete a level graph that is no longer needed (if it exists)."""
    try:
        loaded = loaded_documents(store)
    except KgError:
        return  # no such graph
    if loaded:
        changing()
        store.clear()


def _sync_one(
    store: GraphStore,
    documents: list[Document],
    definitions: list[AcronymDefinition],
    prepared: Callable[[Document], tuple[Any, ...]],
    changing: _Once,
    *,
    full: bool,
) -> dict[str, object]:
    """Bring one graph in line with `documents`."""
    started = time.perf_counter()
    signature = extraction_signature()
    wanted = {d.id: (d.sha256, signature) for d in documents}
    try:
        loaded = loaded_documents(store)
    except KgError:
        if full:
            raise
        loaded = None  # a level graph not made yet
    if loaded == wanted:
        return {"status": "up to date", "documents": len(wanted)}
    items = [prepared(d) for d in documents]
    acronyms = merge_definitions(definitions)
    t_build = time.perf_counter()
    data = build_graph(items, acronyms)
    t_load = time.perf_counter()
    changing()
    stale: list[str] = []
    if not full:
        store.clear()  # a level graph is rebuilt whole: nothing of a hidden document stays
    elif loaded:
        stale = sorted(set(loaded) - set(wanted))
        if stale:
            remove_documents(store, stale)
    report = load_graph(store, data, signature=signature)
    done = time.perf_counter()
    log.info("graph: %d entities, %d relations loaded", report.entities, report.relations)
    return {
        "status": "loaded",
        "documents": report.documents,
        "entities": report.entities,
        "relations": report.relations,
        "removed": len(stale),
        "build_s": round(t_load - t_build, 3),
        "load_s": round(done - t_load, 3),
        "total_s": round(done - started, 3),
    }
