"""GET /entities, /entities/{id}, /entities/{id}/neighbours, /initiatives/{id}/dependencies."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from api.deps import SnapshotDep
from api.entities import (
    ENTITY_TYPES,
    MAX_CHAIN_DEPTH,
    MAX_NEIGHBOUR_DEPTH,
)
from api.schemas import READS_ATTRIBUTES, QueryText, reads

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
# Each reads the internal object by attribute (api.schemas.READS_ATTRIBUTES): a field whose
# name differs from the attribute says where it reads from (`reads`).


def _direction(value: object) -> object:
    """A card fact's `outgoing` flag as the direction word (a word is kept as it is)."""
    return value if isinstance(value, str) else ("outgoing" if value else "incoming")


class EntityRef(BaseModel):
    """An entity: its stable id, canonical name and type (graph label)."""

    model_config = READS_ATTRIBUTES

    id: str
    name: str
    type: str


class EntityMatchOut(EntityRef):
    """An entity a lookup found."""

    id: str = reads("entity", "id")
    name: str = reads("entity", "name")
    type: str = reads("entity", "type")
    aliases: list[str] = reads("entity", "aliases")
    score: float = Field(description="1.0 for an exact name or alias; lower for looser matches.")
    matchedBy: str = reads(
        "matched_by",
        description="name, name without qualifier, acronym, name without rank, fuzzy, "
        "embedding, or words (risks and recommendations).",
    )


class EntitySearchResponse(BaseModel):
    """Body of GET /entities and of `kg entities QUERY --json`."""

    entities: list[EntityMatchOut]


class SourceOut(BaseModel):
    """A passage that mentions the entity."""

    model_config = READS_ATTRIBUTES

    docId: str = reads("evidence", "doc_id")
    title: str | None
    date: str | None = reads("evidence", "as_of", description="The document's date (ISO) or null.")
    quote: str = reads("evidence", "quote")
    chunkId: str = reads("evidence", "chunk_id")
    start: int | None = reads(
        "evidence", "start", description="Start offset of the quote in the document text."
    )
    end: int | None = reads("evidence", "end")


class CardFactOut(BaseModel):
    """A fact about the entity, either way round."""

    model_config = READS_ATTRIBUTES

    relation: str
    direction: Annotated[Literal["outgoing", "incoming"], BeforeValidator(_direction)] = reads(
        "outgoing",
        description="outgoing: the entity RELATION other; incoming: other RELATION the entity.",
    )
    other: EntityRef
    asOf: str | None = reads(
        "fact", "evidence", "as_of", description="The date the fact was true: its document's date."
    )
    docId: str = reads("fact", "evidence", "doc_id")
    title: str | None
    quote: str = reads("fact", "evidence", "quote")
    chunkId: str | None = reads("fact", "evidence", "chunk_id")
    start: int | None = reads("fact", "evidence", "start")
    end: int | None = reads("fact", "evidence", "end")


class HistoryOut(BaseModel):
    """A post or rank a person held, as of a document."""

    model_config = READS_ATTRIBUTES

    kind: str = Field(description="post or rank.")
    title: str
    postId: str | None = reads("post_id")
    asOf: str | None = reads("as_of")
    docId: str | None = reads("doc_id")
    quote: str | None


class EntityCardOut(EntityRef):
    """Body of GET /entities/{id} and of `kg entities --id ID --json`."""

    id: str = reads("entity", "id")
    name: str = reads("entity", "name")
    type: str = reads("entity", "type")
    aliases: list[str] = reads("entity", "aliases")
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


class NodeOut(EntityRef):
    """An entity in a neighbourhood."""

    depth: int = Field(description="Hops from the centre (0 for the centre itself).")


class EdgeOut(BaseModel):
    """A relationship in a neighbourhood, as read in one document."""

    model_config = READS_ATTRIBUTES

    source: str = Field(description="Id of the entity the relationship starts from.")
    relation: str
    target: str = Field(description="Id of the entity it points to.")
    docId: str | None = reads("doc_id")
    asOf: str | None = reads("as_of")
    quote: str | None


class NeighboursResponse(BaseModel):
    """Body of GET /entities/{id}/neighbours."""

    model_config = READS_ATTRIBUTES

    entity: EntityRef
    depth: int
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool = Field(description="True when the cap KG_GRAPH__NEIGHBOUR_EDGES cut it short.")


class ChainLinkOut(BaseModel):
    """An entity in the chain and the path to it from the initiative."""

    model_config = READS_ATTRIBUTES

    direction: Literal["dependency", "dependent"] = Field(
        description="dependency: the initiative depends on it; dependent: it depends on the "
        "initiative."
    )
    depth: int
    id: str
    name: str
    type: str
    path: list[str] = Field(description="Names from the initiative to this entity.")
    pathIds: list[str] = reads("path_ids")


class DependenciesResponse(BaseModel):
    """Body of GET /initiatives/{id}/dependencies."""

    model_config = READS_ATTRIBUTES

    initiative: EntityRef
    direction: str
    depth: int
    chain: list[ChainLinkOut] = reads("links")
    truncated: bool = Field(
        description="True when the cap KG_GRAPH__CHAIN_ROWS cut the chain short."
    )


# -- routes --------------------------------------------------------------------------------


@router.get("/entities", response_model=EntitySearchResponse)
def find_entities(
    params: Annotated[EntitySearchParams, Query()], read: SnapshotDep
) -> EntitySearchResponse:
    """Find entities by name, alias, acronym, rank-free person name or fuzzy spelling."""
    return EntitySearchResponse(
        entities=[
            EntityMatchOut.model_validate(m)
            for m in read().entities.find(params.q, params.type, params.limit)
        ]
    )


@router.get("/entities/{entity_id}", response_model=EntityCardOut)
def entity_card(entity_id: str, read: SnapshotDep) -> EntityCardOut:
    """The entity card: properties, every source quote with document and date, and facts."""
    return EntityCardOut.model_validate(read().entities.card(entity_id))


@router.get("/entities/{entity_id}/neighbours", response_model=NeighboursResponse)
def neighbours(
    entity_id: str, params: Annotated[NeighbourParams, Query()], read: SnapshotDep
) -> NeighboursResponse:
    """The entities and relationships within depth hops (1..3), with provenance; capped."""
    return NeighboursResponse.model_validate(read().entities.neighbours(entity_id, params.depth))


@router.get("/initiatives/{initiative_id}/dependencies", response_model=DependenciesResponse)
def dependencies(
    initiative_id: str, params: Annotated[DependencyParams, Query()], read: SnapshotDep
) -> DependenciesResponse:
    """What an initiative depends on and what depends on it, to depth hops."""
    chain = read().entities.dependencies(initiative_id, params.depth, params.direction)
    return DependenciesResponse.model_validate(chain)
