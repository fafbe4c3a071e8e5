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

from graph.load import load_graph, loaded_documents, remove_documents
from graph.store import GraphStore
from indexer.clean import clean
from indexer.glossary import merge_definitions
from indexer.resolve import build_graph
from indexer.segment import segment
from kg.types import Chunk
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
    store: GraphStore, snapshot: Snapshot, before_change: Callable[[], None] | None = None
) -> dict[str, object]:
    """Bring the graph in line with an index generation; return what was done.

    `before_change` is called once, before the first write (not at all when the graph is up
    to date), so readers can stop trusting the graph while it changes.
    """
    started = time.perf_counter()
    signature = extraction_signature()
    documents = [s.document for s in snapshot.documents()]
    wanted = {d.id: (d.sha256, signature) for d in documents}
    loaded = loaded_documents(store)
    if loaded == wanted:
        return {"status": "up to date", "documents": len(wanted)}
    chunks_by_doc: dict[str, list[Chunk]] = {}
    for stored in snapshot.chunks():
        chunks_by_doc.setdefault(stored.chunk.doc_id, []).append(stored.chunk)
    items = []
    for document in documents:
        view = clean(document.text)
        items.append((document, view, segment(view.text), chunks_by_doc.get(document.id, [])))
    acronyms = merge_definitions(a.definition for a in snapshot.acronyms())
    t_build = time.perf_counter()
    data = build_graph(items, acronyms)
    t_load = time.perf_counter()
    if before_change is not None:
        before_change()
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
