"""Write resolved entities and facts into any GraphStore: idempotent MERGE in UNWIND batches.

Provenance: every entity has MENTIONED_IN relationships to the chunks that mention it, each
carrying docId, chunkId, start, end, quote, asOf, rule and confidence (of the first mention
in that chunk; `mentions` counts them). A fact between two entities is stored as one
relationship per source document: `(a)-[:TYPE {docId}]->(b)`, whose properties are the
provenance of its first evidence in that document (docId, chunkId, start, end, quote, asOf,
rule, confidence) plus the lists quotes, chunkIds, starts, ends, rules and confidences for
every evidence in the document. A fact seen in three documents is three relationships, so
"the documents a fact comes from" is `collect(r.docId)` over the pair, and replacing one
document's facts deletes exactly that document's relationships.

`load_graph` replaces the facts of the documents it is given (their chunks, mentions and
relationships), then drops entities no document mentions any more. Loading the same data twice
leaves node and relationship counts unchanged. Node properties (name, aliases, ranks) are set
from the data given, so give it every indexed document (build_graph resolves across them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph import writes
from graph.model import ENTITY_TYPES, GraphData
from graph.store import GraphStore


@dataclass(frozen=True)
class LoadReport:
    """What a load wrote."""

    documents: int
    chunks: int
    entities: int
    mentions: int
    relations: int


def _doc_row(document: Any, signature: str | None) -> dict[str, Any]:
    return {
        "id": document.id,
        "title": document.title,
        "date": document.date.isoformat() if document.date else None,
        "sha256": document.sha256,
        "format": document.format,
        "force": document.force,
        "signature": signature,
    }


def loaded_documents(store: GraphStore) -> dict[str, tuple[str | None, str | None]]:
    """Documents the graph holds: id -> (sha256, signature of the extraction that loaded it)."""
    result = store.read(writes.LOADED_DOCUMENTS, max_rows=1_000_000)
    return {row[0]: (row[1], row[2]) for row in result.rows}


def remove_documents(store: GraphStore, doc_ids: Sequence[str]) -> None:
    """Delete documents' chunks, mentions and facts, the documents, then orphaned entities."""
    _delete_facts(store, doc_ids)
    store.write(writes.DELETE_DOCUMENTS, {"docs": list(doc_ids)})
    _drop_orphans(store)


def _delete_facts(store: GraphStore, doc_ids: Sequence[str]) -> None:
    docs = {"docs": list(doc_ids)}
    store.write(writes.DELETE_DOCUMENT_FACTS, docs)
    store.write(writes.DELETE_DOCUMENT_CHUNKS, docs)


def _drop_orphans(store: GraphStore) -> None:
    for label in ENTITY_TYPES:
        store.write(writes.drop_orphans(label))


def load_graph(
    store: GraphStore,
    data: GraphData,
    batch_size: int | None = None,
    signature: str | None = None,
) -> LoadReport:
    """Replace the facts of `data`'s documents with `data` (idempotent).

    `signature` names the extraction rules that produced `data`; it is stored on each Document
    node (written last, so a load that dies midway is seen as out of date and redone).
    """
    store.ensure_schema()
    _delete_facts(store, data.doc_ids)
    store.write_batch(
        writes.MERGE_DOCUMENTS,
        [_doc_row(d, signature) for d in data.documents],
        batch_size,
    )
    chunk_rows = [
        {
            "id": c.id,
            "docId": c.doc_id,
            "ordinal": c.ordinal,
            "start": c.start,
            "end": c.end,
            "text": c.text,
            "section": c.section,
            "paragraph": c.paragraph,
        }
        for c in data.chunks
    ]
    store.write_batch(
        writes.MERGE_CHUNKS,
        chunk_rows,
        batch_size,
    )
    by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    mention_rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    labels: dict[str, str] = {}
    chunk_ids = {c.id for c in data.chunks}
    for entity in data.entities:
        labels[entity.id] = entity.type
        row: dict[str, Any] = {"id": entity.id, "name": entity.name, "aliases": entity.aliases}
        for key in writes.ENTITY_PROPERTIES:
            row[key] = entity.properties.get(key)
        by_label[entity.type].append(row)
        per_chunk: dict[str, dict[str, Any]] = {}
        for m in entity.mentions:
            ev = m.evidence
            if ev.chunk_id is None or ev.chunk_id not in chunk_ids:
                continue
            if ev.chunk_id in per_chunk:
                per_chunk[ev.chunk_id]["mentions"] += 1
                continue
            per_chunk[ev.chunk_id] = {
                "entityId": entity.id,
                "chunkId": ev.chunk_id,
                "docId": ev.doc_id,
                "start": ev.start,
                "end": ev.end,
                "quote": ev.quote,
                "asOf": ev.as_of,
                "rule": ev.rule,
                "confidence": ev.confidence,
                "surface": m.text,
                "mentions": 1,
            }
        mention_rows[entity.type].extend(per_chunk.values())
    for label, rows in sorted(by_label.items()):
        store.write_batch(writes.merge_entities(label), rows, batch_size)
    mention_count = 0
    for label, rows in sorted(mention_rows.items()):
        mention_count += len(rows)
        store.write_batch(writes.merge_mentions(label), rows, batch_size)
    rel_rows: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for rel in data.relations:
        per_doc: dict[str, list[Any]] = defaultdict(list)
        for ev in rel.evidence:
            per_doc[ev.doc_id].append(ev)
        for doc_id, evs in sorted(per_doc.items()):
            first = evs[0]
            rel_rows[(labels[rel.source], rel.type, labels[rel.target])].append(
                {
                    "source": rel.source,
                    "target": rel.target,
                    "docId": doc_id,
                    "chunkId": first.chunk_id,
                    "start": first.start,
                    "end": first.end,
                    "quote": first.quote,
                    "asOf": first.as_of,
                    "rule": first.rule,
                    "confidence": max(e.confidence for e in evs),
                    "quotes": [e.quote for e in evs],
                    "chunkIds": [e.chunk_id or "" for e in evs],
                    "starts": [e.start for e in evs],
                    "ends": [e.end for e in evs],
                    "rules": [e.rule for e in evs],
                    "confidences": [e.confidence for e in evs],
                }
            )
    rel_count = 0
    for (src_label, rel_type, dst_label), rows in sorted(rel_rows.items()):
        rel_count += len(rows)
        store.write_batch(writes.merge_facts(src_label, rel_type, dst_label), rows, batch_size)
    _drop_orphans(store)
    # Last: mark the documents as loaded by these rules (a load that died before this is redone).
    store.write_batch(
        writes.MARK_DOCUMENTS_LOADED,
        [_doc_row(d, signature) for d in data.documents],
        batch_size,
    )
    return LoadReport(
        len(data.documents), len(chunk_rows), len(data.entities), mention_count, rel_count
    )
