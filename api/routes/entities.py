"""GET /entities, /entities/{id}, /entities/{id}/neighbours, /initiatives/{id}/dependencies."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.deps import SnapshotDep
from api.entities import (
    ENTITY_TYPES,
    MAX_CHAIN_DEPTH,
    MAX_NEIGHBOUR_DEPTH,
    DependencyChain,
    EntityCard,
    EntityMatch,
    Neighbourhood,
)
from api.graph_index import GraphEntity
from api.schemas import QueryText

router = APIRouter(tags=["entities"])

MAX_ENTITY_QUERY_CHARS = 200
MAX_ENTITY_LIMIT = 50


# -- requests ------------------------------------------------------------------------------


class EntitySearchParams(BaseModel):
    """Query string of GET /entities. Unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")

    q: QueryText = Field(
        ...,
        min_length=1,
        max_length=MAX_ENTITY_QUERY_CHARS,
        description="A name, alias or acronym, a person's name with or without rank, or a "
        "misspelling of one.",
    )
    type: str | None = Field(
        None, description=f"Only entities of this type: one of {', '.join(ENTITY_TYPES)}."
    )
    limit: int = Field(
        10, ge=1, le=MAX_ENTITY_LIMIT, description=f"Entities wanted (1..{MAX_ENTITY_LIMIT})."
    )

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is None:
            return None
        for known in ENTITY_TYPES:
            if value.strip().lower() == known.lower():
                return known
        raise ValueError(f"must be one of {', '.join(ENTITY_TYPES)} (any case); got {value!r}")


class NeighbourParams(BaseModel):
    """Query string of GET /entities/{id}/neighbours."""

    model_config = ConfigDict(extra="forbid")

    depth: int = Field(
        1, ge=1, le=MAX_NEIGHBOUR_DEPTH, description="Hops from the entity (1..3, default 1)."
    )


class DependencyParams(BaseModel):
    """Query string of GET /initiatives/{id}/dependencies."""

    model_config = ConfigDict(extra="forbid")

    depth: int = Field(
        1, ge=1, le=MAX_CHAIN_DEPTH, description="DEPENDS_ON hops to follow (1..5, default 1)."
    )
    direction: Literal["dependencies", "dependents", "both"] = Field(
        "both",
        description="dependencies: what the initiative relies on; dependents: what relies on it.",
    )


# -- responses -----------------------------------------------------------------------------


class EntityRef(BaseModel):
    """An entity: its stable id, canonical name and type (graph label)."""

    id: str
    name: str
    type: str

    @classmethod
    def of(cls, entity: GraphEntity) -> EntityRef:
        """Build from an internal entity."""
        return cls(id=entity.id, name=entity.name, type=entity.type)


class EntityMatchOut(EntityRef):
    """An entity a lookup found."""

    aliases: list[str]
    score: float = Field(description="1.0 for an exact name or alias; lower for looser matches.")
    matchedBy: str = Field(
        description="name, name without qualifier, acronym, name without rank, fuzzy, "
        "embedding, or words (risks and recommendations)."
    )

    @classmethod
    def of_match(cls, match: EntityMatch) -> EntityMatchOut:
        """Build from an internal match."""
        e = match.entity
        return cls(
            id=e.id,
            name=e.name,
            type=e.type,
            aliases=list(e.aliases),
            score=match.score,
            matchedBy=match.matched_by,
        )


class EntitySearchResponse(BaseModel):
    """Body of GET /entities and of `kg entities QUERY --json`."""

    entities: list[EntityMatchOut]

    @classmethod
    def of(cls, matches: list[EntityMatch]) -> EntitySearchResponse:
        """Build from internal matches."""
        return cls(entities=[EntityMatchOut.of_match(m) for m in matches])


class SourceOut(BaseModel):
    """A passage that mentions the entity."""

    docId: str
    title: str | None
    date: str | None = Field(description="The document's date (ISO) or null.")
    quote: str
    chunkId: str
    start: int | None = Field(description="Start offset of the quote in the document text.")
    end: int | None


class CardFactOut(BaseModel):
    """A fact about the entity, either way round."""

    relation: str
    direction: Literal["outgoing", "incoming"] = Field(
        description="outgoing: the entity RELATION other; incoming: other RELATION the entity."
    )
    other: EntityRef
    asOf: str | None = Field(description="The date the fact was true: its document's date.")
    docId: str
    title: str | None
    quote: str
    chunkId: str | None
    start: int | None
    end: int | None


class HistoryOut(BaseModel):
    """A post or rank a person held, as of a document."""

    kind: str = Field(description="post or rank.")
    title: str
    postId: str | None
    asOf: str | None
    docId: str | None
    quote: str | None


class EntityCardOut(EntityRef):
    """Body of GET /entities/{id} and of `kg entities --id ID --json`."""

    aliases: list[str]
    properties: dict[str, Any] = Field(
        description="What the documents say about the entity itself: ranks, surname and given "
        "name for people; owner and frequency for objectives; number for recommendations."
    )
    sources: list[SourceOut] = Field(description="Every passage that mentions it, newest first.")
    facts: list[CardFactOut] = Field(description="Its facts both ways, newest first.")
    history: list[HistoryOut] = Field(description="A person's posts and ranks, oldest first.")
    truncated: bool = Field(
        description="True when a cap (KG_GRAPH__CARD_SOURCES, KG_GRAPH__CARD_FACTS) cut the card."
    )

    @classmethod
    def of_card(cls, card: EntityCard) -> EntityCardOut:
        """Build from an internal card."""
        e = card.entity
        return cls(
            id=e.id,
            name=e.name,
            type=e.type,
            aliases=list(e.aliases),
            properties=card.properties,
            sources=[
                SourceOut(
                    docId=s.doc_id,
                    title=s.title,
                    date=s.date,
                    quote=s.quote,
                    chunkId=s.chunk_id,
                    start=s.start,
                    end=s.end,
                )
                for s in card.sources
            ],
            facts=[
                CardFactOut(
                    relation=f.relation,
                    direction="outgoing" if f.outgoing else "incoming",
                    other=EntityRef.of(f.other),
                    asOf=f.fact.evidence.as_of,
                    docId=f.fact.evidence.doc_id,
                    title=f.title,
                    quote=f.fact.evidence.quote,
                    chunkId=f.fact.evidence.chunk_id,
                    start=f.fact.evidence.start,
                    end=f.fact.evidence.end,
                )
                for f in card.facts
            ],
            history=[
                HistoryOut(
                    kind=h.kind,
                    title=h.title,
                    postId=h.post_id,
                    asOf=h.as_of,
                    docId=h.doc_id,
                    quote=h.quote,
                )
                for h in card.history
            ],
            truncated=card.truncated,
        )


class NodeOut(EntityRef):
    """An entity in a neighbourhood."""

    depth: int = Field(description="Hops from the centre (0 for the centre itself).")


class EdgeOut(BaseModel):
    """A relationship in a neighbourhood, as read in one document."""

    source: str = Field(description="Id of the entity the relationship starts from.")
    relation: str
    target: str = Field(description="Id of the entity it points to.")
    docId: str | None
    asOf: str | None
    quote: str | None


class NeighboursResponse(BaseModel):
    """Body of GET /entities/{id}/neighbours."""

    entity: EntityRef
    depth: int
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool = Field(description="True when the cap KG_GRAPH__NEIGHBOUR_EDGES cut it short.")

    @classmethod
    def of(cls, hood: Neighbourhood) -> NeighboursResponse:
        """Build from an internal neighbourhood."""
        return cls(
            entity=EntityRef.of(hood.entity),
            depth=hood.depth,
            nodes=[NodeOut(id=n.id, name=n.name, type=n.type, depth=n.depth) for n in hood.nodes],
            edges=[
                EdgeOut(
                    source=e.source,
                    relation=e.relation,
                    target=e.target,
                    docId=e.doc_id,
                    asOf=e.as_of,
                    quote=e.quote,
                )
                for e in hood.edges
            ],
            truncated=hood.truncated,
        )


class ChainLinkOut(BaseModel):
    """An entity in the chain and the path to it from the initiative."""

    direction: Literal["dependency", "dependent"] = Field(
        description="dependency: the initiative depends on it; dependent: it depends on the "
        "initiative."
    )
    depth: int
    id: str
    name: str
    type: str
    path: list[str] = Field(description="Names from the initiative to this entity.")
    pathIds: list[str]


class DependenciesResponse(BaseModel):
    """Body of GET /initiatives/{id}/dependencies."""

    initiative: EntityRef
    direction: str
    depth: int
    chain: list[ChainLinkOut]
    truncated: bool = Field(
        description="True when the cap KG_GRAPH__CHAIN_ROWS cut the chain short."
    )

    @classmethod
    def of(cls, chain: DependencyChain) -> DependenciesResponse:
        """Build from an internal chain."""
        return cls(
            initiative=EntityRef.of(chain.initiative),
            direction=chain.direction,
            depth=chain.depth,
            chain=[
                ChainLinkOut(
                    direction="dependency" if link.direction == "dependency" else "dependent",
                    depth=link.depth,
                    id=link.id,
                    name=link.name,
                    type=link.type,
                    path=link.path,
                    pathIds=link.path_ids,
                )
                for link in chain.links
            ],
            truncated=chain.truncated,
        )


# -- routes --------------------------------------------------------------------------------


@router.get("/entities", response_model=EntitySearchResponse)
def find_entities(
    params: Annotated[EntitySearchParams, Query()], read: SnapshotDep
) -> EntitySearchResponse:
    """Find entities by name, alias, acronym, rank-free person name or fuzzy spelling."""
    return EntitySearchResponse.of(read().entities.find(params.q, params.type, params.limit))


@router.get("/entities/{entity_id}", response_model=EntityCardOut)
def entity_card(entity_id: str, read: SnapshotDep) -> EntityCardOut:
    """The entity card: properties, every source quote with document and date, and facts."""
    return EntityCardOut.of_card(read().entities.card(entity_id))


@router.get("/entities/{entity_id}/neighbours", response_model=NeighboursResponse)
def neighbours(
    entity_id: str, params: Annotated[NeighbourParams, Query()], read: SnapshotDep
) -> NeighboursResponse:
    """The entities and relationships within depth hops (1..3), with provenance; capped."""
    return NeighboursResponse.of(read().entities.neighbours(entity_id, params.depth))


@router.get("/initiatives/{initiative_id}/dependencies", response_model=DependenciesResponse)
def dependencies(
    initiative_id: str, params: Annotated[DependencyParams, Query()], read: SnapshotDep
) -> DependenciesResponse:
    """What an initiative depends on and what depends on it, to depth hops."""
    chain = read().entities.dependencies(initiative_id, params.depth, params.direction)
    return DependenciesResponse.of(chain)
