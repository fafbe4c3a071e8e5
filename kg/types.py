"""Plain data passed between the steps of the write and read paths."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Page:
    """A page of a paged format: its number (1-based) and its span in the document text."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """A loaded document. Every character offset elsewhere points into `text`."""

    id: str  # path relative to its corpus root, POSIX separators (e.g. "000_x.txt")
    source: str  # absolute path of the file it came from
    format: str  # txt, md, html, pdf, docx
    text: str
    title: str
    date: date | None
    date_text: str | None  # the date as written ("1st July 2014"), or as given by a sidecar
    date_source: str  # "sidecar", "text", "inferred" or "none"
    sha256: str  # of the file's bytes
    pages: tuple[Page, ...] = ()
    classification: str | None = None
    force: str | None = None  # the force or body it comes from (sidecar, text or setting)

    def page_at(self, offset: int) -> int | None:
        """The page number holding `offset`, for paged formats."""
        for page in self.pages:
            if page.start <= offset < page.end:
                return page.number
        return None


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: what is embedded, keyword-indexed and returned by search."""

    id: str  # from the document id and the chunk's content
    doc_id: str
    ordinal: int
    start: int  # offsets into Document.text
    end: int
    text: str  # the cleaned text of Document.text[start:end]
    section: str | None = None
    paragraph: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class AcronymDefinition:
    """An acronym and a long form the corpus gives for it, with where it was seen."""

    acronym: str
    expansion: str
    doc_id: str
    start: int
    end: int


@dataclass
class IndexReport:
    """What an index run did, for the CLI and the benchmark."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # source path -> reason
    chunks: int = 0
    chunks_embedded: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    graph: dict[str, object] = field(default_factory=dict)  # what the graph step did

    @property
    def changed(self) -> bool:
        """Whether the run wrote a new index generation."""
        return bool(self.added or self.replaced or self.removed)


def context_header(document: Document, section: str | None) -> str:
    """Text placed before a chunk when it is embedded: where in which document it sits."""
    parts = [document.title]
    if section and section.lower() not in document.title.lower():
        parts.append(section)
    return " — ".join(p for p in parts if p)
