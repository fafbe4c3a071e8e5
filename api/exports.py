"""Graph exports: the subgraph to export (an entity's neighbourhood, the whole graph, the nodes
and relationships of a Cypher result) and its GraphML. Builders only; the routes are
api.routes.exports, and the CSV sheets api.export_sheets.

Nothing here filters: every subgraph comes from the caller's view of the snapshot (an entity's
neighbourhood, the whole graph it holds) or from their clearance's own graph (a Cypher result,
api.cleared), so what a caller may not see never reaches a builder. GraphML is written through
xml.etree and streamed, element by element.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from api.entities import Neighbourhood
from api.graph_index import GraphIndex
from graph.store import QueryResult
from kg.markings import marking_of
from kg.types import Document

GRAPHML_TYPE = "application/graphml+xml; charset=utf-8"
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
_SCHEMA = "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"
# Store ids of a result's relationships whose end nodes the result left out are read back in
# batches of this many (a node's internal id is the store's own: id() on FalkorDB, elementId()
# on Neo4j; the one dialect difference here).
_FETCH_BATCH = 1000
_NODES_BY_STORE_ID = {
    "falkordb": "MATCH (n) WHERE id(n) IN $ids RETURN n",
    "neo4j": "MATCH (n) WHERE elementId(n) IN $ids RETURN n",
}
# Characters XML 1.0 cannot hold at all (C0 controls but tab, newline and return; the
# non-characters FFFE/FFFF; lone surrogates): dropped, or the file would not parse.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Items written per chunk of a streamed body.
_CHUNK_ITEMS = 500


# -- the subgraph ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportNode:
    """A node to export: its key (the entity's stable id), type (label) and name."""

    key: str
    type: str
    name: str | None
    properties: Mapping[str, Any] = field(default_factory=dict)  # more data (query results)


@dataclass(frozen=True)
class ExportEdge:
    """A relationship to export, with the document it was read in."""

    key: str
    source: str
    target: str
    relation: str
    doc_id: str | None = None
    as_of: str | None = None
    quote: str | None = None
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Subgraph:
    """Nodes and relationships to write, and whether a cap cut them short."""

    nodes: list[ExportNode]
    edges: list[ExportEdge]
    truncated: bool
    description: str


def document_markings(documents: Iterable[Document], default: str) -> dict[str, str]:
    """Document id -> its protective marking."""
    return {d.id: marking_of(d, default) for d in documents}


def _marked(doc_id: str | None, markings: Mapping[str, str]) -> dict[str, Any]:
    marking = markings.get(doc_id) if doc_id is not None else None
    return {"marking": marking} if marking is not None else {}


def neighbourhood_graph(hood: Neighbourhood, markings: Mapping[str, str]) -> Subgraph:
    """The subgraph GET /entities/{id}/neighbours returns (the same nodes and edges)."""
    nodes = [ExportNode(n.id, n.type, n.name, {"depth": n.depth}) for n in hood.nodes]
    edges = [
        ExportEdge(
            f"e{i}",
            e.source,
            e.target,
            e.relation,
            e.doc_id,
            e.as_of,
            e.quote,
            _marked(e.doc_id, markings),
        )
        for i, e in enumerate(hood.edges)
    ]
    what = f"the entities within {hood.depth} hops of {hood.entity.id} and their relationships"
    return Subgraph(nodes, edges, hood.truncated, what)


def whole_graph(index: GraphIndex, markings: Mapping[str, str]) -> Subgraph:
    """Every entity of the caller's graph and every fact between them (one per document)."""
    nodes = [ExportNode(e.id, e.type, e.name) for _, e in sorted(index.entities.items())]
    edges = [
        ExportEdge(
            f"e{i}",
            f.source,
            f.target,
            f.relation,
            f.evidence.doc_id,
            f.evidence.as_of,
            f.evidence.quote or None,
            _marked(f.evidence.doc_id, markings),
        )
        for i, f in enumerate(index.facts)
    ]
    return Subgraph(nodes, edges, False, "every entity the caller may see and their facts")


# -- Cypher results ------------------------------------------------------------------------


def is_node(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"id", "labels", "properties"}


def is_relationship(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"id", "type", "start", "end", "properties"}


def is_path(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"nodes", "relationships"}


def _walk(value: Any, nodes: dict[Any, dict[str, Any]], rels: dict[Any, dict[str, Any]]) -> None:
    """Collect the nodes and relationships anywhere in a value (lists, maps, paths)."""
    if is_node(value):
        nodes.setdefault(value["id"], value)
    elif is_relationship(value):
        rels.setdefault(value["id"], value)
    elif is_path(value):
        for part in (*value["nodes"], *value["relationships"]):
            _walk(part, nodes, rels)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, nodes, rels)
    elif isinstance(value, list):
        for item in value:
            _walk(item, nodes, rels)


Fetch = Callable[[list[Any]], list[list[Any]]]


def nodes_by_store_id(store: str) -> str:
    """The read-only query that returns nodes by the store's internal ids ($ids)."""
    return _NODES_BY_STORE_ID[store]


@dataclass(frozen=True)
class ResultParts:
    """The nodes and relationships of a Cypher result, by store id, with the end nodes of
    its relationships that the result itself left out read back."""

    nodes: dict[Any, dict[str, Any]]
    relationships: dict[Any, dict[str, Any]]
    keys: dict[Any, str]  # store id -> the key written for the node (its stable id if unique)


def result_parts(result: QueryResult, fetch: Fetch) -> ResultParts:
    """Walk a result's rows; read the missing end nodes with `fetch` (store ids -> rows)."""
    nodes: dict[Any, dict[str, Any]] = {}
    rels: dict[Any, dict[str, Any]] = {}
    for row in result.rows:
        for value in row:
            _walk(value, nodes, rels)
    missing = sorted(
        {r[end] for r in rels.values() for end in ("start", "end")} - set(nodes), key=str
    )
    for i in range(0, len(missing), _FETCH_BATCH):
        for row in fetch(missing[i : i + _FETCH_BATCH]):
            for value in row:
                if is_node(value):
                    nodes.setdefault(value["id"], value)
    keys: dict[Any, str] = {}
    taken: dict[str, int] = {}
    for node in nodes.values():
        stable = node["properties"].get("id")
        if isinstance(stable, str) and stable:
            taken[stable] = taken.get(stable, 0) + 1
    for store_id, node in nodes.items():
        stable = node["properties"].get("id")
        unique = isinstance(stable, str) and stable and taken.get(stable) == 1
        keys[store_id] = stable if unique else f"n{store_id}"
    for r in rels.values():  # an end node the store did not give back: keyed by its store id
        for end in ("start", "end"):
            keys.setdefault(r[end], f"n{r[end]}")
    return ResultParts(nodes, rels, keys)


_EDGE_FIELDS = ("docId", "asOf", "quote")


def result_graph(result: QueryResult, fetch: Fetch) -> Subgraph:
    """The nodes and relationships a Cypher result holds (in any column, list, map or path),
    and the end nodes of its relationships."""
    parts = result_parts(result, fetch)
    nodes = []
    for store_id, node in parts.nodes.items():
        props = node["properties"]
        extra = {k: v for k, v in props.items() if k not in ("id", "name")}
        labels = node["labels"]
        nodes.append(
            ExportNode(parts.keys[store_id], ":".join(labels), text_of(props.get("name")), extra)
        )
    known = {n.key for n in nodes}
    for key in sorted(set(parts.keys.values()) - known):  # ends the store did not give back
        nodes.append(ExportNode(key, "", None))
    edges = []
    for store_id, rel in parts.relationships.items():
        props = rel["properties"]
        extra = {k: v for k, v in props.items() if k not in _EDGE_FIELDS}
        edges.append(
            ExportEdge(
                f"e{store_id}",
                parts.keys[rel["start"]],
                parts.keys[rel["end"]],
                rel["type"],
                text_of(props.get("docId")),
                text_of(props.get("asOf")),
                text_of(props.get("quote")),
                extra,
            )
        )
    return Subgraph(nodes, edges, result.truncated, "the nodes and relationships of a query")


def text_of(value: Any) -> str | None:
    return None if value is None else str(value)


# -- GraphML --------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _attr_type(values: Iterable[Any]) -> str:
    """The GraphML attr.type that holds every value (string when they disagree)."""
    kinds = {type(v) for v in values if v is not None}
    if kinds == {bool}:
        return "boolean"
    if kinds == {int}:
        return "long"
    if kinds and kinds <= {int, float}:
        return "double"
    return "string"


def _valuetext_of(value: Any, kind: str) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("long", "double"):
        return repr(float(value)) if kind == "double" else str(int(value))
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _data(key: str, text: str) -> ET.Element:
    element = ET.Element("data", key=key)
    element.text = _clean(text)
    return element


def graphml(sub: Subgraph) -> Iterator[bytes]:
    """The subgraph as GraphML (UTF-8), streamed: keys, then nodes, then edges.

    Nodes carry type and name (and any other property a query returned); edges carry the
    relation, docId, asOf and quote where the graph has them, and marking.
    """
    node_fields: dict[str, list[Any]] = {"type": [], "name": []}
    for n in sub.nodes:
        node_fields["type"].append(n.type)
        node_fields["name"].append(n.name)
        for k, v in n.properties.items():
            node_fields.setdefault(k, []).append(v)
    edge_fields: dict[str, list[Any]] = {"relation": [], "docId": [], "asOf": [], "quote": []}
    for e in sub.edges:
        for k, v in e.properties.items():
            edge_fields.setdefault(k, []).append(v)
    # Keys are written before the graph, so each property gets one type for the whole file.
    keys: dict[tuple[str, str], tuple[str, str]] = {}  # (for, name) -> (key id, attr.type)
    for domain, fields in (("node", node_fields), ("edge", edge_fields)):
        for name, values in fields.items():
            keys[(domain, name)] = (f"{domain[0]}{len(keys)}", _attr_type(values))
    keys[("graph", "description")] = ("g0", "string")
    keys[("graph", "truncated")] = ("g1", "boolean")

    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<graphml xmlns="{GRAPHML_NS}" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{GRAPHML_NS} {_SCHEMA}">\n'
    ).encode()
    head = []
    for (domain, name), (key_id, kind) in keys.items():
        element = ET.Element(
            "key", {"id": key_id, "for": domain, "attr.name": _clean(name), "attr.type": kind}
        )
        head.append(ET.tostring(element, encoding="unicode"))
    graph = ET.Element("graph", id="G", edgedefault="directed")
    graph.append(_data("g0", sub.description))
    graph.append(_data("g1", "true" if sub.truncated else "false"))
    # The graph's own element, open: its nodes and edges follow, streamed.
    opening = ET.tostring(graph, encoding="unicode").removesuffix("</graph>")
    yield ("\n".join(head) + "\n" + opening + "\n").encode()

    def value(element: ET.Element, domain: str, name: str, raw: Any) -> None:
        if raw is None:
            return
        key_id, kind = keys[(domain, name)]
        element.append(_data(key_id, _valuetext_of(raw, kind)))

    def elements() -> Iterator[ET.Element]:
        for n in sub.nodes:
            element = ET.Element("node", id=_clean(n.key))
            value(element, "node", "type", n.type or None)
            value(element, "node", "name", n.name)
            for k, v in n.properties.items():
                value(element, "node", k, v)
            yield element
        for e in sub.edges:
            element = ET.Element(
                "edge", id=_clean(e.key), source=_clean(e.source), target=_clean(e.target)
            )
            value(element, "edge", "relation", e.relation)
            value(element, "edge", "docId", e.doc_id)
            value(element, "edge", "asOf", e.as_of)
            value(element, "edge", "quote", e.quote)
            for k, v in e.properties.items():
                value(element, "edge", k, v)
            yield element

    chunk: list[str] = []
    for element in elements():
        chunk.append(ET.tostring(element, encoding="unicode"))
        if len(chunk) >= _CHUNK_ITEMS:
            yield ("\n".join(chunk) + "\n").encode()
            chunk = []
    chunk.append("</graph>\n</graphml>\n")
    yield "\n".join(chunk).encode()
