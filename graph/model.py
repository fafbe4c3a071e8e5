"""The graph model: its names (DESIGN.md), the helper that puts a name into Cypher text, and
the plain data that travels from extraction through resolution into the store."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kg.types import Chunk, Document

# Labels are PascalCase, relationship types UPPER_SNAKE, properties camelCase.
NODE_LABELS: tuple[str, ...] = (
    "Document",
    "Chunk",
    "Person",
    "Post",
    "Unit",
    "Initiative",
    "Organisation",
    "Theme",
    "Risk",
    "Recommendation",
    "Objective",
)

RELATIONSHIP_TYPES: tuple[str, ...] = (
    "LEADS",
    "HEADS",
    "CHAIRS",
    "MEMBER_OF",
    "HOLDS_POST",
    "PART_OF",
    "DEPENDS_ON",
    "PARTNERS_WITH",
    "ADDRESSES",
    "SUCCEEDS",
    "MERGES_INTO",
    "HAS_RISK",
    "RECOMMENDS",
    "CONCERNS",
    "MENTIONED_IN",
    "FROM_DOCUMENT",
)

# Every node label carries a unique, deterministic `id` (ensure_schema makes it a constraint).
ID_PROPERTY = "id"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def quote_name(name: str) -> str:
    """Backtick-quote a label, relationship type or property name for Cypher text.

    Values always travel as $parameters; only names that must vary (a label chosen at run
    time) are put into the text, and only through here. The name must be a plain identifier:
    FalkorDB cannot parse an escaped backtick inside a quoted name, so instead of escaping
    anything exotic we refuse it.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain Cypher name: {name!r}")
    return f"`{name}`"


# What extraction reads: evidence, mentions of entities, and facts between them.

# Entity types (graph labels) the extractor produces.
PERSON = "Person"
POST = "Post"
UNIT = "Unit"
INITIATIVE = "Initiative"
ORGANISATION = "Organisation"
THEME = "Theme"
RISK = "Risk"
RECOMMENDATION = "Recommendation"
OBJECTIVE = "Objective"

ENTITY_TYPES = (
    PERSON,
    POST,
    UNIT,
    INITIATIVE,
    ORGANISATION,
    THEME,
    RISK,
    RECOMMENDATION,
    OBJECTIVE,
)


@dataclass(frozen=True)
class Evidence:
    """Where a mention or fact was read: document, chunk, span, quote, date and rule."""

    doc_id: str
    chunk_id: str | None
    start: int  # offsets into Document.text
    end: int
    quote: str  # the evidence sentence, cleaned, at most ~300 characters
    as_of: str | None  # the document's date (ISO) or None
    rule: str  # the extractor (pattern) that produced it
    confidence: float


@dataclass(frozen=True)
class Mention:
    """An entity as written in one place: its type, surface text and what it says about it.

    `attrs` holds type-specific facts read with the mention, as sorted (key, value) pairs:
    for a Person `surname`, `given`, `rank` (as written) and `rankName` (normalised); for a
    Post `rank`; for an Initiative `qualifier` (a naming prefix that tells things apart) and
    `context` (the unit it was read inside); for an Objective `owner` and `frequency`.
    """

    type: str
    text: str  # surface form, cleaned
    name: str  # the name the resolver starts from (acronym expanded, prefix rules applied)
    evidence: Evidence
    attrs: tuple[tuple[str, str], ...] = ()
    acronym: str | None = None  # the short form read with (or as) the mention

    def attr(self, key: str) -> str | None:
        """The value of one attribute, if present."""
        for k, v in self.attrs:
            if k == key:
                return v
        return None


@dataclass(frozen=True)
class Fact:
    """A relationship between two mentions, with the evidence for it."""

    subject: Mention
    relation: str  # a relationship type from graph.model
    object: Mention
    evidence: Evidence


@dataclass
class Extraction:
    """Everything read from one document."""

    doc_id: str
    mentions: list[Mention] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)


@dataclass(frozen=True)
class Span:
    """A recognised mention in a clean text, before it gets its evidence.

    `start`/`end` are clean-text offsets; `aliases` are other surface forms read with it.
    """

    start: int
    end: int
    type: str
    text: str
    name: str
    rule: str
    confidence: float = 0.8
    attrs: tuple[tuple[str, str], ...] = ()
    acronym: str | None = None
    aliases: tuple[str, ...] = ()


# Types a "Head of X" post may lead (an initiative) or head (a unit).
HEADS_TYPES = (UNIT, INITIATIVE)


# What resolution makes of them: entities, relations, and what it knows of each document.


@dataclass
class Entity:
    """A resolved entity: id, type, canonical name, aliases, properties and mentions."""

    id: str
    type: str
    name: str
    aliases: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class Relation:
    """A fact between two entities with every piece of evidence for it."""

    source: str
    type: str
    target: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class DocInfo:
    """What resolution needs to know of a document: its force and date."""

    force: str | None
    date: date | None


@dataclass
class GraphData:
    """What graph.load writes: documents, chunks, entities (with mentions) and relations."""

    documents: list[Document]
    chunks: list[Chunk]
    entities: list[Entity]
    relations: list[Relation]

    @property
    def doc_ids(self) -> list[str]:
        return [d.id for d in self.documents]
