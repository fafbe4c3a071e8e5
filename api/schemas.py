"""Response and request models of the HTTP API (separate from the internal types)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import AfterValidator, AliasPath, BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    # Only the builders below use these; the command line imports the response models
    # without the search engine (FAISS, BM25, the chunker) behind them.
    from api.ask import Answer
    from api.search import Hit
    from kg.types import Document


def _stripped_not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


# Text a user typed (a query, a question): surrounding blanks removed, blank refused.
QueryText: TypeAlias = Annotated[str, AfterValidator(_stripped_not_blank)]

MAX_QUERY_CHARS = (
    10_000  # hard ceiling; the configured limit (KG_SEARCH__MAX_QUERY_CHARS) applies first
)


class SearchParams(BaseModel):
    """Query string of GET /search. Unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid")

    q: QueryText = Field(..., min_length=1, max_length=MAX_QUERY_CHARS, description="The query.")
    k: int | None = Field(
        None, ge=1, description="Results wanted (1..KG_SEARCH__MAX_K, default 10)."
    )
    doc: list[str] = Field(
        default_factory=list, description="Only these document ids (repeatable)."
    )
    date_from: date | None = Field(
        None, description="Only documents dated on or after (YYYY-MM-DD)."
    )
    date_to: date | None = Field(
        None, description="Only documents dated on or before (YYYY-MM-DD)."
    )
    mode: Literal["hybrid", "dense", "keyword"] = Field("hybrid", description="Retrieval mode.")


class SearchResult(BaseModel):
    """One ranked passage with its citation."""

    doc: str = Field(description="Document id: its path in the corpus (the file name).")
    chunkId: str
    text: str = Field(description="The passage, cleaned of conversion boilerplate.")
    start: int = Field(description="Start offset of the passage in the document text.")
    end: int = Field(description="End offset (exclusive) in the document text.")
    score: float = Field(
        description="Fused score (higher is better): the rank order within this query only, "
        "min-max normalised, so the top hit scores near 1 for any query."
    )
    relevance: float | None = Field(
        description="The calibrated probability that the passage is relevant to the query, from "
        "its cosine to the query and the share of the query's words it holds: one scale for "
        "every query, to threshold on (null in keyword mode, which reads no vectors)."
    )
    title: str
    date: date | None
    section: str | None
    paragraph: str | None
    page: int | None
    snippet: str = Field(description="HTML: the best window of the passage, matches in <mark>.")
    denseScore: float
    keywordScore: float

    @classmethod
    def from_hit(cls, hit: Hit) -> SearchResult:
        """Build from an internal search hit."""
        c, d = hit.chunk, hit.document
        return cls(
            doc=c.doc_id,
            chunkId=c.id,
            text=c.text,
            start=c.start,
            end=c.end,
            score=hit.score,
            relevance=hit.relevance,
            title=d.title,
            date=d.date,
            section=c.section,
            paragraph=c.paragraph,
            page=c.page,
            snippet=hit.snippet,
            denseScore=hit.dense,
            keywordScore=hit.keyword,
        )


class Expansion(BaseModel):
    """An acronym and the long form the query was widened with."""

    acronym: str
    expansion: str


class SearchResponse(BaseModel):
    """Body of GET /search and of `kg search --json`."""

    results: list[SearchResult]
    query: str
    mode: str
    expansions: list[Expansion]


class DocumentSummary(BaseModel):
    """A document in the index."""

    id: str
    title: str
    date: date | None
    dateText: str | None
    dateSource: str
    format: str
    sha256: str
    chars: int
    pages: int
    chunks: int

    @classmethod
    def build(cls, d: Document, chunks: int) -> DocumentSummary:
        """Build from an internal document."""
        return cls(
            id=d.id,
            title=d.title,
            date=d.date,
            dateText=d.date_text,
            dateSource=d.date_source,
            format=d.format,
            sha256=d.sha256,
            chars=len(d.text),
            pages=len(d.pages),
            chunks=chunks,
        )


class DocumentList(BaseModel):
    """Body of GET /documents."""

    documents: list[DocumentSummary]


class DocumentDetail(DocumentSummary):
    """Body of GET /documents/{id}: the summary and the text that offsets point into."""

    text: str


class Health(BaseModel):
    """Body of GET /health: the status alone to an anonymous caller; the counts of what the
    caller may see, the index and the model to a signed-in one."""

    status: Literal["ok", "no_index"]
    documents: int | None = None
    chunks: int | None = None
    index: str | None = None
    model: str | None = None


# Response models that read an internal object by attribute (`Model.model_validate(obj)`),
# and may still be built by field name.
READS_ATTRIBUTES = ConfigDict(from_attributes=True, validate_by_name=True, validate_by_alias=True)


def reads(*path: str, **field: Any) -> Any:
    """A response field that reads the internal object's attribute `path` (e.g. "evidence",
    "as_of"), where the field's name differs; `field` as for pydantic's Field."""
    return Field(validation_alias=AliasPath(*path), **field)


class EntityOut(BaseModel):
    """An entity a question was resolved to."""

    model_config = READS_ATTRIBUTES

    id: str
    name: str
    type: str
    score: float


class FactOut(BaseModel):
    """A fact behind an answer, with its evidence."""

    model_config = READS_ATTRIBUTES

    subject: str
    relation: str
    object: str
    asOf: str | None = reads(
        "evidence", "as_of", description="The date the fact was true: its document's date."
    )
    doc: str = reads("evidence", "doc_id")
    quote: str = reads("evidence", "quote")
    title: str | None
    chunkId: str | None = reads("evidence", "chunk_id")
    start: int | None = reads("evidence", "start")
    end: int | None = reads("evidence", "end")


class AskResponse(BaseModel):
    """Body of GET /ask and of `kg ask --json`."""

    answer: str = Field(
        description="The answer's own claim first (the person, post or span), then its date and "
        "quoted source; when `answered` is false, a sentence saying the documents do not say, "
        "then the nearest evidence."
    )
    answered: bool = Field(
        description="False when the documents do not answer the question: `confidence` is under "
        "the calibrated threshold."
    )
    confidence: float = Field(
        ge=0.0,
        le=1.0,
        description="The calibrated probability that the answer's claim is right; the same scale "
        "for every question.",
    )
    intent: str
    target: str | None
    entities: list[EntityOut]
    facts: list[FactOut]
    passages: list[SearchResult]
    candidates: list[EntityOut] = Field(
        description="When the question's subject is ambiguous: the entities it could mean."
    )

    @classmethod
    def from_answer(cls, answer: Answer) -> AskResponse:
        """Build from an internal answer."""
        return cls(
            answer=answer.answer,
            answered=answer.answered,
            confidence=answer.confidence,
            intent=answer.intent,
            target=answer.target,
            entities=[EntityOut.model_validate(e) for e in answer.entities],
            facts=[FactOut.model_validate(f) for f in answer.facts],
            passages=[SearchResult.from_hit(h) for h in answer.passages],
            candidates=[EntityOut.model_validate(e) for e in answer.candidates],
        )
