"""CSV exports: a Cypher result, the i2 Analyst's Notebook entity and link sheets, and an
entity's timeline. Builders only; the routes are api.routes.exports.

As in api.exports, nothing here filters: the results, subgraphs and cards come from the
caller's clearance. Rows go through the csv module (RFC 4180 quoting, CRLF line ends) and are
streamed a chunk at a time.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from api.cypher import NamedQueries
from api.entities import EntityCard
from api.exports import ExportEdge, Subgraph, is_node, is_path, is_relationship, text_of
from graph.store import QueryResult

CSV_TYPE = "text/csv; charset=utf-8"

I2_ENTITY_COLUMNS = ("identity", "type", "label", "date", "source", "quote", "marking")
I2_LINK_COLUMNS = (
    "link_identity",
    "from_identity",
    "to_identity",
    "type",
    "label",
    "date",
    "source",
    "quote",
    "marking",
)
TIMELINE_COLUMNS = ("date", "kind", "direction", "title", "other_id", "doc_id", "quote")
# Ids per entity_first_mentions query.
_MENTION_BATCH = 1000
# A spreadsheet reads a cell that starts with one of these as a formula: such text gets a
# leading apostrophe, so opening an export in Excel runs nothing (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Rows written per chunk of a streamed body.
_CHUNK_ROWS = 500


# -- CSV ------------------------------------------------------------------------------------


def _safe(text: str) -> str:
    """Text as a cell: formula starts defused (see _FORMULA_START)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Rows as CSV text (RFC 4180 quoting, CRLF line ends), a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for i, row in enumerate(rows, 1):
        writer.writerow(["" if v is None else _safe(v) if isinstance(v, str) else v for v in row])
        if i % _CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(value: Any, keys: Mapping[Any, str]) -> Any:
    """A result value as one cell: a node as its id (or name), a relationship as
    `start-[:TYPE]->end`, a path as its chain, a list joined by "; ", a map as JSON."""
    if value is None or isinstance(value, str | int | float):
        if isinstance(value, bool):
            return "true" if value else "false"
        return value
    if is_node(value):
        return keys.get(value["id"]) or text_of(value["properties"].get("name")) or ""
    if is_relationship(value):
        start = keys.get(value["start"], f"n{value['start']}")
        end = keys.get(value["end"], f"n{value['end']}")
        return f"{start}-[:{value['type']}]->{end}"
    if is_path(value):
        nodes, rels = value["nodes"], value["relationships"]
        if not nodes:
            return ""
        previous, text = nodes[0], str(_cell(nodes[0], keys))
        for node, rel in zip(nodes[1:], rels, strict=False):
            forward = rel["start"] == previous["id"]
            text += (f"-[:{rel['type']}]->" if forward else f"<-[:{rel['type']}]-") + str(
                _cell(node, keys)
            )
            previous = node
        return text
    if isinstance(value, list):
        return "; ".join(str(_cell(v, keys)) for v in value)
    if isinstance(value, dict):
        return json.dumps({k: _cell(v, keys) for k, v in value.items()}, ensure_ascii=False)
    return str(value)


def result_csv(result: QueryResult, keys: Mapping[Any, str]) -> Iterator[str]:
    """A Cypher result as CSV: the header is its columns, one line per row."""
    return write_csv(result.columns, ([_cell(v, keys) for v in row] for row in result.rows))


# -- i2 Analyst's Notebook ------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """Where the documents first mention an entity (entity_first_mentions.cypher)."""

    doc_id: str | None
    as_of: str | None
    quote: str | None
    chunk_id: str | None


def first_mentions(cypher: NamedQueries, ids: Sequence[str]) -> dict[str, Mention]:
    """Entity id -> its first mention, for the entities a passage mentions."""
    found: dict[str, Mention] = {}
    for i in range(0, len(ids), _MENTION_BATCH):
        batch = list(ids[i : i + _MENTION_BATCH])
        result = cypher.run_named("entity_first_mentions", {"ids": batch}, max_rows=len(batch))
        for row in result.rows:
            r = dict(zip(result.columns, row, strict=True))
            found[r["id"]] = Mention(r["docId"], r["asOf"], r["quote"], r["chunkId"])
    return found


def link_label(relation: str) -> str:
    """A relationship type in words: DEPENDS_ON -> "depends on"."""
    return relation.replace("_", " ").lower()


def link_identity(edge: ExportEdge) -> str:
    """A link's identity, the same on every export: both ends, the type and the document."""
    return f"{edge.source}>{edge.relation}>{edge.target}@{edge.doc_id or ''}"


def i2_entities(
    sub: Subgraph,
    mentions: Mapping[str, Mention],
    markings: Mapping[str, str],
    labels: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """The i2 entity sheet: one row per node (I2_ENTITY_COLUMNS); date, source, quote and
    marking are those of the entity's first mention."""
    labels = labels or {}

    def rows() -> Iterator[list[Any]]:
        for n in sub.nodes:
            m = mentions.get(n.key, Mention(None, None, None, None))
            yield [
                n.key,
                n.type,
                labels.get(n.key) or n.name or n.key,
                m.as_of,
                m.doc_id,
                m.quote,
                markings.get(m.doc_id or ""),
            ]

    return write_csv(I2_ENTITY_COLUMNS, rows())


def i2_links(sub: Subgraph, markings: Mapping[str, str]) -> Iterator[str]:
    """The i2 link sheet: one row per relationship and source document (I2_LINK_COLUMNS)."""
    rows = (
        [
            link_identity(e),
            e.source,
            e.target,
            e.relation,
            link_label(e.relation),
            e.as_of,
            e.doc_id,
            e.quote,
            markings.get(e.doc_id or ""),
        ]
        for e in sub.edges
    )
    return write_csv(I2_LINK_COLUMNS, rows)


# -- timeline -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    """One dated event of an entity: a post or rank held, or a fact."""

    date: str | None
    kind: str  # post, rank, or the relation of a fact
    direction: str | None  # outgoing or incoming, for a fact
    title: str  # the post or rank, or the other end of the fact
    other_id: str | None
    doc_id: str | None
    quote: str | None


def timeline(card: EntityCard) -> list[TimelineRow]:
    """A person's posts and ranks, or any other entity's facts, oldest first (undated last)."""
    if card.entity.type == "Person":
        rows = [
            TimelineRow(h.as_of, h.kind, None, h.title, h.post_id, h.doc_id, h.quote)
            for h in card.history
        ]
    else:
        rows = [
            TimelineRow(
                f.fact.evidence.as_of,
                f.relation,
                "outgoing" if f.outgoing else "incoming",
                f.other.name,
                f.other.id,
                f.fact.evidence.doc_id,
                f.fact.evidence.quote or None,
            )
            for f in card.facts
        ]
    rows.sort(key=lambda r: (r.date is None, r.date or "", r.kind, r.title, r.doc_id or ""))
    return rows


def timeline_csv(rows: Sequence[TimelineRow]) -> Iterator[str]:
    """The timeline as CSV (TIMELINE_COLUMNS)."""
    return write_csv(
        TIMELINE_COLUMNS,
        ([r.date, r.kind, r.direction, r.title, r.other_id, r.doc_id, r.quote] for r in rows),
    )
