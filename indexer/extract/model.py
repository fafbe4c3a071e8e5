"""Plain data the extractor produces: evidence, mentions of entities, and facts between them."""

from __future__ import annotations

from dataclasses import dataclass, field

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
