"""Entities for people and tools: lookup by name, the entity card, neighbours, dependency chains.

Lookup is GraphIndex.resolve (name, alias, acronym, name without rank, fuzzy spelling, the
embedding model for paraphrases); risks and recommendations, whose names are sentences, are
found by their words. Cards, neighbours and chains read the store through the named queries
entity_properties, entity_sources, person_posts, entity_neighbours and dependency_chain; the
facts on a card come from the GraphIndex the ask service shares. Every answer is bounded by the
caps below, and says when a cap cut it short.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from api.cypher import NamedQueries
from api.graph_index import FINDING_TYPES, Evidence, GraphEntity, GraphFact, GraphIndex, norm
from graph.model import NODE_LABELS
from kg.errors import NotFound
from kg.settings import GraphSettings
from vectors.encoder import Encoder

# Types a user may filter by: every node label except the text's own (documents, chunks).
ENTITY_TYPES: tuple[str, ...] = tuple(t for t in NODE_LABELS if t not in ("Document", "Chunk"))
Direction = Literal["dependencies", "dependents", "both"]

# Depth ceilings are fixed by the named queries; row caps are settings (KG_GRAPH__*).
MAX_NEIGHBOUR_DEPTH = 3
MAX_CHAIN_DEPTH = 5  # dependency_chain.cypher's own ceiling
# Node properties worth showing on a card (the rest are provenance the card lists otherwise).
CARD_PROPERTIES = (
    "surname",
    "givenName",
    "ranks",
    "ranksAsWritten",
    "suffix",
    "owner",
    "frequency",
    "kind",
    "number",
)
_DIRECTION_ROWS = {"dependencies": {"dependency"}, "dependents": {"dependent"}}


@dataclass(frozen=True)
class EntityMatch:
    """An entity a lookup found, how sure it is, and how it was found."""

    entity: GraphEntity
    score: float
    matched_by: str


@dataclass(frozen=True)
class Source:
    """A passage that mentions an entity: the mention's evidence (its `as_of` is the
    document's date) and the document's title."""

    evidence: Evidence
    title: str | None


@dataclass(frozen=True)
class CardFact:
    """A fact about an entity, seen from the entity: the relation, its direction, the other end."""

    relation: str
    outgoing: bool
    other: GraphEntity
    fact: GraphFact
    title: str | None


@dataclass(frozen=True)
class HistoryEvent:
    """A post or rank a person held, as of a document (person_posts.cypher)."""

    kind: str
    title: str
    post_id: str | None
    as_of: str | None
    doc_id: str | None
    quote: str | None


@dataclass(frozen=True)
class EntityCard:
    """An entity with its properties, every source that mentions it and its facts."""

    entity: GraphEntity
    properties: dict[str, Any]
    sources: list[Source]
    facts: list[CardFact]
    history: list[HistoryEvent]
    truncated: bool


@dataclass(frozen=True)
class Node:
    """An entity in a neighbourhood, and how many hops it lies from the centre."""

    id: str
    name: str
    type: str
    depth: int


@dataclass(frozen=True)
class Edge:
    """A relationship in a neighbourhood, with the document it was read in."""

    source: str
    relation: str
    target: str
    doc_id: str | None
    as_of: str | None
    quote: str | None


@dataclass(frozen=True)
class Neighbourhood:
    """The entities and relationships within `depth` hops of an entity."""

    entity: GraphEntity
    depth: int
    nodes: list[Node]
    edges: list[Edge]
    truncated: bool


@dataclass(frozen=True)
class ChainLink:
    """One entity in a dependency chain, with the path to it (dependency_chain.cypher)."""

    direction: str
    depth: int
    id: str
    name: str
    type: str
    path: list[str]
    path_ids: list[str]


@dataclass(frozen=True)
class DependencyChain:
    """What an initiative depends on and what depends on it, up to `depth` hops."""

    initiative: GraphEntity
    direction: Direction
    depth: int
    links: list[ChainLink]
    truncated: bool


class EntityService:
    """Entity lookup and cards over one index generation's graph."""

    def __init__(
        self,
        index: GraphIndex,
        cypher: NamedQueries,
        *,
        acronyms: Mapping[str, Sequence[str]] | None = None,
        titles: Mapping[str, str] | None = None,
        encoder: Encoder | None = None,
        limits: GraphSettings | None = None,
    ) -> None:
        self.limits = limits or GraphSettings()
        self.index = index
        self.cypher = cypher
        self.acronyms = acronyms or {}
        self.titles = titles or {}
        self.encoder = encoder

    def find(self, query: str, type_: str | None = None, limit: int = 10) -> list[EntityMatch]:
        """Entities `query` may name, best first (optionally only of one type)."""
        matches: list[EntityMatch] = []
        if type_ not in FINDING_TYPES:
            found = self.index.resolve(
                query,
                types=[type_] if type_ else None,
                acronyms=self.acronyms,
                encoder=self.encoder,
                limit=limit,
            )
            matches = [EntityMatch(c.entity, round(c.score, 4), c.how) for c in found]
        if not matches and (type_ is None or type_ in FINDING_TYPES):
            matches = self._findings(query, [type_] if type_ else FINDING_TYPES, limit)
        return matches

    def get(self, entity_id: str) -> GraphEntity:
        """The entity with this id; NotFound if there is none."""
        entity = self.index.entities.get(entity_id)
        if entity is None:
            raise NotFound(f"no entity with id {entity_id!r}")
        return entity

    def card(self, entity_id: str) -> EntityCard:
        """The entity card: properties, every source (newest first) and facts both ways."""
        entity = self.get(entity_id)
        rows = self._rows("entity_properties", {"entityId": entity_id}, 1)
        properties = {
            key: rows[0][key]
            for key in CARD_PROPERTIES
            if rows and rows[0].get(key) not in (None, "", [])
        }
        sources, sources_cut = self._capped(
            "entity_sources", {"entityId": entity_id}, self.limits.card_sources, with_limit=True
        )
        facts = [
            CardFact(f.relation, True, self.index.entities[f.target], f, self._title(f))
            for f in self.index.by_source.get(entity_id, [])
        ] + [
            CardFact(f.relation, False, self.index.entities[f.source], f, self._title(f))
            for f in self.index.by_target.get(entity_id, [])
        ]
        # Newest first: sort by the rest, then (stable) by date descending, undated last.
        facts.sort(key=lambda c: (c.relation, c.other.name, c.fact.evidence.doc_id))
        facts.sort(key=lambda c: c.fact.evidence.as_of or "", reverse=True)
        history: list[HistoryEvent] = []
        if entity.type == "Person":
            history = [
                HistoryEvent(r["kind"], r["title"], r["postId"], r["asOf"], r["docId"], r["quote"])
                for r in self._rows("person_posts", {"personId": entity_id}, self.limits.card_facts)
            ]
        return EntityCard(
            entity=entity,
            properties=properties,
            sources=[
                Source(
                    Evidence(
                        r["docId"], r["chunkId"], r["start"], r["end"], r["quote"] or "", r["date"]
                    ),
                    r["title"],
                )
                for r in sources
            ],
            facts=facts[: self.limits.card_facts],
            history=history,
            truncated=sources_cut or len(facts) > self.limits.card_facts,
        )

    def neighbours(self, entity_id: str, depth: int = 1) -> Neighbourhood:
        """Entities and relationships within `depth` hops (1..3), at most `neighbour_edges`."""
        entity = self.get(entity_id)
        depth = max(1, min(depth, MAX_NEIGHBOUR_DEPTH))
        nodes = {entity.id: Node(entity.id, entity.name, entity.type, 0)}
        edges: dict[tuple[Any, ...], Edge] = {}
        frontier = [entity.id]
        truncated = False
        for hop in range(1, depth + 1):
            # Each hop re-reads the edges back to the previous one; they are skipped, so every
            # hop may read up to the whole cap.
            rows, truncated = self._capped(
                "entity_neighbours", {"ids": frontier}, self.limits.neighbour_edges, with_limit=True
            )
            reached: list[str] = []
            for r in rows:
                key = (r["sourceId"], r["relation"], r["targetId"], r["docId"])
                if key in edges:
                    continue
                if len(edges) >= self.limits.neighbour_edges:
                    truncated = True
                    break
                edges[key] = Edge(
                    r["sourceId"], r["relation"], r["targetId"], r["docId"], r["asOf"], r["quote"]
                )
                for end in ("source", "target"):
                    node_id = r[f"{end}Id"]
                    if node_id not in nodes:
                        nodes[node_id] = Node(node_id, r[end] or node_id, r[f"{end}Type"], hop)
                        reached.append(node_id)
            if truncated or not reached:
                break
            frontier = reached
        return Neighbourhood(
            entity=entity,
            depth=depth,
            nodes=sorted(nodes.values(), key=lambda n: (n.depth, n.type, n.name, n.id)),
            edges=list(edges.values()),
            truncated=truncated,
        )

    def dependencies(
        self, initiative_id: str, depth: int = 1, direction: Direction = "both"
    ) -> DependencyChain:
        """An initiative's dependency chain to `depth` hops (1..5), one or both directions."""
        entity = self.get(initiative_id)
        if entity.type != "Initiative":
            raise NotFound(f"{initiative_id!r} is not an initiative (it is a {entity.type})")
        depth = max(1, min(depth, MAX_CHAIN_DEPTH))
        rows, truncated = self._capped(
            "dependency_chain",
            {"initiativeId": initiative_id, "depth": depth},
            self.limits.chain_rows,
        )
        wanted = _DIRECTION_ROWS.get(direction, {"dependency", "dependent"})
        links = [
            ChainLink(
                r["direction"],
                r["depth"],
                r["id"],
                r["name"] or r["id"],
                r["type"],
                list(r["path"]),
                list(r["pathIds"]),
            )
            for r in rows
            if r["direction"] in wanted
        ]
        return DependencyChain(entity, direction, depth, links, truncated)

    # -- helpers -----------------------------------------------------------------------------

    def _findings(self, query: str, types: Sequence[str], limit: int) -> list[EntityMatch]:
        """Risks and recommendations whose text holds the query's words as a phrase."""
        key = norm(query)
        if not key:
            return []
        found = []
        for entity in self.index.of_type(types):
            name = norm(entity.name)
            if f" {key} " in f" {name} ":
                # The more of the finding the query covers, the better it names it.
                score = 1.0 if key == name else 0.5 + 0.45 * len(key) / len(name)
                found.append(EntityMatch(entity, round(score, 4), "words"))
        found.sort(key=lambda m: (-m.score, m.entity.name, m.entity.id))
        return found[:limit]

    def _title(self, fact: GraphFact) -> str | None:
        return self.titles.get(fact.evidence.doc_id)

    def _rows(self, name: str, params: dict[str, Any], cap: int) -> list[dict[str, Any]]:
        result = self.cypher.run_named(name, params, max_rows=cap)
        return [dict(zip(result.columns, row, strict=True)) for row in result.rows]

    def _capped(
        self, name: str, params: dict[str, Any], cap: int, *, with_limit: bool = False
    ) -> tuple[list[dict[str, Any]], bool]:
        """At most `cap` rows of a named query, and whether there were more."""
        if with_limit:
            params = {**params, "limit": cap + 1}
        result = self.cypher.run_named(name, params, max_rows=cap + 1)
        rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
        return rows[:cap], result.truncated or len(rows) > cap
