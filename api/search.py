"""Hybrid search: dense (vector-index port) and BM25 candidates, fused by a weighted score."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

import numpy as np

from api.confidence import Relevance, default_relevance
from api.query import Forces, Glossary, Period, default_acronyms, periods
from api.request import Filters, check_request  # noqa: F401 (re-exported)
from api.snippets import snippet
from kg.errors import IndexError_, InvalidRequest
from kg.settings import Settings
from kg.text import terms
from kg.types import Chunk, Document
from vectors.encoder import Encoder
from vectors.generations import Snapshot

log = logging.getLogger(__name__)

Mode = Literal["hybrid", "dense", "keyword"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "keyword")
# Expansion terms (an acronym's long form, a long form's acronym) count for less than the
# words the user typed: they widen recall without outranking exact matches.
_EXPANSION_WEIGHT = 0.6
# A passage from a document dated in the period a query names ("chief constable 2006") gains
# this much of the fused score's range: a nudge between close candidates, not a filter.
_PERIOD_BOOST = 0.15
# Query encodings run here, beside the keyword scoring of the same request.
_ENCODING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="query-encoder")


@dataclass(frozen=True)
class Hit:
    """One ranked passage with its citation."""

    chunk: Chunk
    document: Document
    score: float
    dense: float
    keyword: float
    snippet: str
    # The calibrated probability that it is relevant to the query (None in keyword mode).
    relevance: float | None = None


@dataclass(frozen=True)
class AnalysedQuery:
    """A query with its expansions, as each retriever will see it."""

    text: str
    expansions: tuple[tuple[str, str], ...]
    dense_text: str
    keyword_terms: dict[str, float]
    periods: tuple[Period, ...] = ()


class LoadedIndex:
    """One index generation, opened for reading.

    What every query touches is in memory: the documents' metadata (`documents`; their
    texts are read on demand with document()), the document of each row, the vectors, the
    memory-mapped BM25 matrix and the glossary. Chunk texts stay in the generation's SQLite
    table and are read for the rows a query returns, so opening a generation costs seconds
    at a million chunks and its memory does not grow with their text.
    """

    @classmethod
    def open_current(cls, settings: Settings) -> LoadedIndex:
        """The current generation under settings.index_dir, or IndexNotFound."""
        return cls(Snapshot.open_current(settings.index_dir, nprobe=settings.search.nprobe))

    def __init__(self, snapshot: Snapshot) -> None:
        self.name = snapshot.path.name
        self.snapshot = snapshot
        self.documents = {s.document.id: s.document for s in snapshot.documents(text=False)}
        self.forces = Forces.of(d.force for d in self.documents.values() if d.force)
        self.vectors = snapshot.vectors
        doc_ids = sorted(self.documents)
        code = {doc_id: i for i, doc_id in enumerate(doc_ids)}
        row_docs = snapshot.row_documents()
        self.size = len(row_docs)
        # Rows grouped by document: one stable sort of the rows' document codes.
        codes = np.fromiter((code[d] for d in row_docs), dtype=np.int32, count=self.size)
        del row_docs
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(doc_ids) + 1))
        self.doc_rows: dict[str, np.ndarray] = {
            doc_id: order[bounds[i] : bounds[i + 1]] for i, doc_id in enumerate(doc_ids)
        }
        self._row_dates = np.asarray(
            [_ordinal(self.documents[d].date) for d in doc_ids], dtype=np.int64
        )[codes]
        self.keyword = snapshot.keyword_index()
        if len(self.keyword) != self.size:
            raise IndexError_(
                f"index generation {snapshot.path}: keyword index has {len(self.keyword)} rows, "
                f"the chunk table {self.size}"
            )
        self.glossary = Glossary.build(snapshot.acronyms(), default_acronyms())

    def chunks(self, rows: Sequence[int]) -> list[Chunk]:
        """The chunks of `rows`, in that order."""
        return self.snapshot.chunks_at(rows)

    def rows_of(self, chunk_ids: Sequence[str]) -> dict[str, int]:
        """The row of each known chunk id."""
        return self.snapshot.rows_of(chunk_ids)

    def documents_of(self, force: str) -> tuple[str, ...]:
        """The ids of the documents that come from `force`."""
        return tuple(sorted(d.id for d in self.documents.values() if d.force == force))

    def document(self, doc_id: str) -> Document | None:
        """One document with its text, None if the generation does not hold it."""
        found = self.documents.get(doc_id)
        if found is None:
            return None
        text = self.snapshot.document_text(doc_id)
        return None if text is None else replace(found, text=text)

    def rows_dated_in(self, rows: np.ndarray, wanted: Sequence[Period]) -> np.ndarray:
        """1.0 for rows whose document is dated in one of the periods, else 0.0."""
        dates = self._row_dates[rows]
        out = np.zeros(len(rows), dtype=np.float32)
        for i, ordinal in enumerate(dates.tolist()):
            if ordinal and any(p.contains(date.fromordinal(ordinal)) for p in wanted):
                out[i] = 1.0
        return out


def _ordinal(day: date | None) -> int:
    return day.toordinal() if day is not None else 0


class SearchService:
    """Search over one index generation (a new generation gets a new service)."""

    def __init__(
        self,
        settings: Settings,
        encoder: Encoder,
        index: LoadedIndex | None = None,
        relevance: Relevance | None = None,
    ):
        self.settings = settings
        self.encoder = encoder
        self.index = index if index is not None else LoadedIndex.open_current(settings)
        self.relevance = relevance or default_relevance()

    def documents(self) -> list[Document]:
        """Every indexed document, by id."""
        return sorted(self.index.documents.values(), key=lambda d: d.id)

    def chunk_count(self, doc_id: str) -> int:
        """How many chunks a document has."""
        return len(self.index.doc_rows.get(doc_id, ()))

    def analyse(self, query: str, index: LoadedIndex | None = None) -> AnalysedQuery:
        """Expand acronyms and long forms; build each retriever's view of the query."""
        index = index or self.index
        expansions = tuple(index.glossary.expand(query))
        extra = [form for acronym, form in expansions if acronym in query] + [
            acronym for acronym, _ in expansions if acronym not in query
        ]
        dense_text = f"{query} ({'; '.join(extra)})" if extra else query
        weights = index.keyword.weighted_terms(query)
        for text in extra:
            for term, weight in index.keyword.weighted_terms(text, _EXPANSION_WEIGHT).items():
                weights.setdefault(term, weight)
        return AnalysedQuery(query, expansions, dense_text, weights, periods(query))

    def _mask(self, index: LoadedIndex, filters: Filters) -> np.ndarray | None:
        if not filters.active:
            return None
        unknown = [d for d in filters.docs if d not in index.documents]
        if unknown:
            raise InvalidRequest(f"doc: unknown document(s): {', '.join(unknown)}")
        mask = np.zeros(index.size, dtype=bool)
        for doc_id, document in index.documents.items():
            if filters.docs and doc_id not in filters.docs:
                continue
            if (filters.date_from or filters.date_to) and document.date is None:
                continue
            if filters.date_from and document.date and document.date < filters.date_from:
                continue
            if filters.date_to and document.date and document.date > filters.date_to:
                continue
            mask[index.doc_rows[doc_id]] = True
        return mask

    def search(
        self, query: str, k: int = 10, filters: Filters | None = None, mode: Mode = "hybrid"
    ) -> list[Hit]:
        """The k best passages for `query`."""
        index = self.index
        filters = filters or Filters()
        mask = self._mask(index, filters)
        n = index.size
        if n == 0 or (mask is not None and not mask.any()):
            return []
        analysed = self.analyse(query, index)
        depth = min(max(self.settings.search.candidates, k), n)

        # The query is embedded on another thread while BM25 scores on this one: torch and
        # numpy release the GIL, so on two cores the keyword side costs no wall time.
        encoding = (
            _ENCODING.submit(self.encoder.encode, [analysed.dense_text])
            if mode != "keyword"
            else None
        )
        keyword_all = np.zeros(n, dtype=np.float32)
        if mode != "dense":
            keyword_all = index.keyword.scores(analysed.keyword_terms)
            if mask is not None:
                keyword_all[~mask] = 0.0
        keyword_rows = _top(keyword_all, depth) if mode != "dense" else np.zeros(0, np.int64)
        dense_rows, dense_scores = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if encoding is not None:
            qvec = encoding.result()
            selector = None if mask is None else np.flatnonzero(mask)
            dense_rows, dense_scores = index.vectors.search(qvec[0], depth, selector)

        if mode == "dense":
            dense_of = dict(zip(dense_rows.tolist(), dense_scores.tolist(), strict=True))
            return self._hits(
                index, analysed, dense_rows[:k], dense_scores[:k], dense_of, keyword_all
            )
        if mode == "keyword":
            rows = keyword_rows[:k]
            return self._hits(index, analysed, rows, keyword_all[rows], {}, keyword_all)

        candidates = np.union1d(dense_rows, keyword_rows)
        dense_of = dict(zip(dense_rows.tolist(), dense_scores.tolist(), strict=True))
        missing = [int(r) for r in candidates if int(r) not in dense_of]
        if missing:
            vectors = index.vectors.reconstruct(np.asarray(missing, dtype=np.int64))
            for r, s in zip(missing, (vectors @ qvec[0]).tolist(), strict=True):
                dense_of[r] = s
        dense_c = np.asarray([dense_of[int(r)] for r in candidates], dtype=np.float32)
        keyword_c = keyword_all[candidates]
        alpha = self.settings.search.dense_weight
        fused = alpha * _minmax(dense_c) + (1.0 - alpha) * _minmax(keyword_c)
        if analysed.periods:
            fused += _PERIOD_BOOST * index.rows_dated_in(candidates, analysed.periods)
        order = np.argsort(-fused, kind="stable")[:k]
        return self._hits(index, analysed, candidates[order], fused[order], dense_of, keyword_all)

    def _hits(
        self,
        index: LoadedIndex,
        analysed: AnalysedQuery,
        rows: np.ndarray,
        scores: np.ndarray,
        dense_of: dict[int, float],
        keyword_all: np.ndarray,
    ) -> list[Hit]:
        typed = set(terms(analysed.text))
        highlight = set(analysed.keyword_terms) | typed
        hits = []
        chunks = index.chunks(rows.tolist())
        for row, score, chunk in zip(rows.tolist(), scores.tolist(), chunks, strict=True):
            dense = float(dense_of.get(row, 0.0))
            # Keyword mode reads no vectors: no cosine, so no relevance.
            relevance = (
                self.relevance.of(dense, coverage(typed, analysed, chunk.text))
                if dense_of
                else None
            )
            hits.append(
                Hit(
                    chunk=chunk,
                    document=index.documents[chunk.doc_id],
                    score=round(float(score), 6),
                    dense=round(dense, 6),
                    keyword=round(float(keyword_all[row]), 6),
                    snippet=snippet(chunk.text, highlight, self.settings.search.snippet_chars),
                    relevance=relevance,
                )
            )
        return hits


def coverage(
    typed: set[str], analysed: AnalysedQuery, text: str, *, acronyms: bool = False
) -> float:
    """The share of the query's own words that `text` holds; an acronym counts when its long
    form is there instead ("CSE" in a passage on child sexual exploitation), and with
    `acronyms`, a long form's words when its acronym is."""
    if not typed:
        return 0.0
    held = set(terms(text))
    found = typed & held
    for acronym, form in analysed.expansions:
        short, long = set(terms(acronym)), set(terms(form))
        if long <= held:
            found |= short & typed
        if acronyms and short and short <= held:
            found |= long & typed
    return len(found) / len(typed)


def _minmax(values: np.ndarray) -> np.ndarray:
    if len(values) == 0:
        return values
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.ones_like(values) if high > 0 else np.zeros_like(values)
    return (values - low) / (high - low)


def _top(scores: np.ndarray, depth: int) -> np.ndarray:
    """Rows of the `depth` highest positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > depth:
        positive = positive[np.argpartition(-scores[positive], depth - 1)[:depth]]
    return positive[np.argsort(-scores[positive], kind="stable")]


def all_modes() -> Sequence[Mode]:
    """The search modes, hybrid first."""
    return MODES
