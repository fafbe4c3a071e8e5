"""The graph's entities and facts in memory, and name resolution over them.

Loaded from the store with the named queries graph_entities, graph_facts and graph_findings
(a few thousand rows for a corpus of board papers), reloaded when `kg index` publishes a new
generation. Resolution tries, in order: exact name or alias; the name with its acronyms
expanded ("T&C board" -> "trust and confidence board"); a person's name without rank;
fuzzy spelling; and the embedding model for paraphrases ("child exploitation lead").
"""

from __future__ import annotations

import logging
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from api.cypher import NamedQueries
from kg.vocab import default_vocabulary
from vectors.encoder import Encoder

log = logging.getLogger(__name__)

_PAGE = 5000
_FIRST_RANGE = 1000  # entities whose facts the first query reads
_IDS_PER_RANGE = 20_000  # the most entities whose facts one query reads
_FILL = 0.7  # share of a page the next range of ids is sized to fill
_WORD = re.compile(r"[a-z0-9]+(?:&[a-z0-9]+)*")
# Fuzzy matching is for spelling: plain edit-distance ratio, so that a short name inside a
# longer phrase ("crime" in "student crime reduction initiative") does not count as a match.
_FUZZY_CUTOFF = 86
_EMBEDDING_CUTOFF = 0.62
# Entities whose names are long free text (a risk, a recommendation) are found by their
# words, not by name resolution.
FINDING_TYPES = ("Risk", "Recommendation")


def norm(text: str) -> str:
    """Lower-case words only: "The T&C Board's" -> "t&c board"."""
    text = text.lower().replace("’", "'").replace("'s ", " ").replace("-", " ")
    words = _WORD.findall(text)
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


@dataclass(frozen=True)
class GraphEntity:
    """A named entity of the graph."""

    id: str
    type: str
    name: str
    aliases: tuple[str, ...] = ()
    ranks: tuple[str, ...] = ()
    surname: str | None = None

    @property
    def display(self) -> str:
        """The name as an answer shows it: a person with their (latest) rank."""
        if self.type == "Person" and self.ranks and not self.name.startswith(self.ranks[-1]):
            return f"{self.ranks[-1]} {self.name}"
        return self.name


@dataclass(frozen=True)
class Evidence:
    """Where a fact or finding was read."""

    doc_id: str
    chunk_id: str | None
    start: int | None
    end: int | None
    quote: str
    as_of: str | None


@dataclass(frozen=True)
class GraphFact:
    """One relationship from one source document."""

    source: str
    relation: str
    target: str
    evidence: Evidence
    confidence: float = 1.0


@dataclass(frozen=True)
class Candidate:
    """An entity a piece of text may name, how sure we are, and how it was found."""

    entity: GraphEntity
    score: float
    how: str


@dataclass
class GraphIndex:
    """Entities, facts and findings, indexed for answering questions."""

    entities: dict[str, GraphEntity]
    facts: list[GraphFact]
    findings: dict[str, list[Evidence]] = field(default_factory=dict)
    by_source: dict[str, list[GraphFact]] = field(default_factory=dict)
    by_target: dict[str, list[GraphFact]] = field(default_factory=dict)
    _keys: dict[str, set[str]] = field(default_factory=dict)
    _names: list[tuple[str, str]] = field(default_factory=list)  # (normalised name, entity id)
    _vectors: np.ndarray | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        by_source: dict[str, list[GraphFact]] = defaultdict(list)
        by_target: dict[str, list[GraphFact]] = defaultdict(list)
        for fact in self.facts:
            by_source[fact.source].append(fact)
            by_target[fact.target].append(fact)
        self.by_source, self.by_target = dict(by_source), dict(by_target)
        rank_forms = {norm(f) for f in default_vocabulary().rank_by_form}
        keys: dict[str, set[str]] = defaultdict(set)
        for entity in self.entities.values():
            if entity.type in FINDING_TYPES:
                continue
            for name in (entity.name, *entity.aliases):
                key = norm(name)
                if key:
                    keys[key].add(entity.id)
                    keys[_without_ranks(key, rank_forms)].add(entity.id)
            if entity.type == "Person" and entity.surname:
                keys[norm(entity.surname)].add(entity.id)
        keys.pop("", None)
        self._keys = dict(keys)
        self._rank_forms = rank_forms
        gazetteer = default_vocabulary().gazetteer
        self._kind_words = {w.lower() for w in gazetteer.initiative_keywords}
        self._names = [
            (norm(e.name), e.id) for e in self.entities.values() if e.type not in FINDING_TYPES
        ]

    @classmethod
    def load(cls, cypher: NamedQueries) -> GraphIndex:
        """Read the whole graph's entities, facts and findings through the named queries."""
        entities = {}
        for row in _keyset_pages(cypher, "graph_entities"):
            entity_id, label, name, aliases, ranks, surname, _given = row
            entities[entity_id] = GraphEntity(
                entity_id, label, name, tuple(aliases or ()), tuple(ranks or ()), surname
            )
        ids = sorted(entities)
        facts = []
        for row in _id_ranges(cypher, "graph_facts", ids, {}):
            source, relation, target, doc, chunk, start, end, quote, as_of, confidence = row
            if source in entities and target in entities:
                evidence = Evidence(doc, chunk, start, end, quote or "", as_of)
                weight = float(confidence) if confidence is not None else 1.0
                facts.append(GraphFact(source, relation, target, evidence, weight))
        findings: dict[str, list[Evidence]] = defaultdict(list)
        # Only risks and recommendations have findings: ranges over their ids alone.
        finding_ids = [i for i in ids if entities[i].type in FINDING_TYPES]
        for entity_id, doc, chunk, start, end, quote, as_of in _id_ranges(
            cypher, "graph_findings", finding_ids, {"labels": list(FINDING_TYPES)}
        ):
            findings[entity_id].append(Evidence(doc, chunk, start, end, quote or "", as_of))
        # The ranges come back in the store's own order: sort, so answers are deterministic.
        facts.sort(key=lambda f: (f.source, f.relation, f.target, f.evidence.doc_id))
        for read in findings.values():
            read.sort(key=lambda e: (e.doc_id, e.start))
        return cls(entities, facts, dict(findings))

    def of_type(self, types: Iterable[str]) -> list[GraphEntity]:
        """Entities of the given types."""
        wanted = set(types)
        return [e for e in self.entities.values() if e.type in wanted]

    def resolve(
        self,
        text: str,
        *,
        types: Sequence[str] | None = None,
        acronyms: Mapping[str, Sequence[str]] | None = None,
        encoder: Encoder | None = None,
        limit: int = 5,
    ) -> list[Candidate]:
        """Entities `text` may name, best first."""
        found: dict[str, Candidate] = {}

        def add(entity_ids: Iterable[str], score: float, how: str) -> None:
            for entity_id in entity_ids:
                entity = self.entities[entity_id]
                if types and entity.type not in types:
                    continue
                if entity_id not in found or found[entity_id].score < score:
                    found[entity_id] = Candidate(entity, score, how)

        key = norm(text)
        add(self._keys.get(key, ()), 1.0, "name")
        for shorter in _trimmed(key, self._kind_words):
            add(self._keys.get(shorter, ()), 0.9, "name without qualifier")
        for expanded in _expansions(text, acronyms or {}):
            add(self._keys.get(norm(expanded), ()), 0.95, "acronym")
        bare = _without_ranks(key, self._rank_forms)
        if bare != key:
            add(self._keys.get(bare, ()), 0.9, "name without rank")
        if key:  # spelling variants rank below exact names, but are always offered
            choices = [name for name, _ in self._names]
            for _, score, i in process.extract(
                key, choices, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=limit
            ):
                add([self._names[i][1]], 0.85 * score / 100, "fuzzy")
        if not found and encoder is not None and key:
            for entity_id, score in self._nearest(text, encoder, limit):
                # A paraphrase is weaker evidence than a name: it ranks candidates, but counts
                # for about half of an exact match when facts are weighed.
                add([entity_id], 0.6 * score, "embedding")
        return sorted(found.values(), key=lambda c: (-c.score, c.entity.name))[:limit]

    def _nearest(self, text: str, encoder: Encoder, limit: int) -> list[tuple[str, float]]:
        """Entities whose names are closest in meaning to `text` (cosine >= cutoff)."""
        with self._lock:
            if self._vectors is None:
                self._vectors = encoder.encode([name for name, _ in self._names])
        scores = self._vectors @ encoder.encode([text])[0]
        order = np.argsort(-scores)[:limit]
        return [
            (self._names[i][1], float(scores[i])) for i in order if scores[i] >= _EMBEDDING_CUTOFF
        ]


_QUALIFIER = re.compile(r"\s+(?:of|in|at|for|within|across|from)\s+(?!.*\s(?:of|in|at|for)\s).+$")


def _trimmed(key: str, kind_words: set[str]) -> list[str]:
    """`key` without trailing qualifiers or a trailing kind of thing: "chief constable of west
    midlands police" -> "chief constable"; "contact counts strategy" -> "contact counts"."""
    out: list[str] = []
    while True:
        shorter = _QUALIFIER.sub("", key)
        words = shorter.split()
        if len(words) > 1 and words[-1] in kind_words:
            shorter = " ".join(words[:-1])
        if shorter == key or not shorter:
            return out
        out.append(shorter)
        key = shorter


def _without_ranks(key: str, rank_forms: set[str]) -> str:
    words = key.split()
    while len(words) > 1 and words[0] in rank_forms:
        words = words[1:]
    for n in (3, 2):  # multi-word ranks ("chief superintendent")
        if len(words) > n and " ".join(words[:n]) in rank_forms:
            words = words[n:]
    return " ".join(words)


def _expansions(text: str, acronyms: Mapping[str, Sequence[str]]) -> list[str]:
    """`text` with each acronym in it replaced by each of its long forms."""
    out: list[str] = []
    for token in re.findall(r"[A-Za-z][A-Za-z0-9&+/\-]*", text):
        for form in acronyms.get(token, ()):
            out.append(re.sub(rf"(?<!\w){re.escape(token)}(?!\w)", form, text))
    return out


def _keyset_pages(cypher: NamedQueries, name: str) -> Iterable[list[Any]]:
    # Keyset paging (id > $after) keeps each page an index range; SKIP re-reads every earlier row.
    after = ""
    while True:
        result = cypher.run_named(name, {"after": after, "limit": _PAGE}, max_rows=_PAGE)
        yield from result.rows
        if len(result.rows) < _PAGE:
            return
        after = result.rows[-1][0]


def _id_ranges(
    cypher: NamedQueries, name: str, ids: Sequence[str], params: dict[str, Any]
) -> Iterable[list[Any]]:
    """Rows of a query bounded by entity id ($after < id <= $through), a range of ids at a time.

    Each range is an index range over `ids` (sorted), never SKIP. The next range is sized for
    about _FILL of a page at the number of rows per id just read, growing at most twofold
    and to _IDS_PER_RANGE ids: sorted ids come in runs of one type, whose entities have like
    numbers of rows (a post leads many objectives, a risk few things). A range whose rows do
    not fit in one page is halved and read again, down to a single id.
    """
    lo, span = 0, min(_FIRST_RANGE, _IDS_PER_RANGE)
    while lo < len(ids):
        hi = min(lo + span, len(ids))
        bounds = {"after": ids[lo - 1] if lo else "", "through": ids[hi - 1]}
        # One row past the page: the store stops there rather than at its own row cap.
        result = cypher.run_named(name, {**params, **bounds, "limit": _PAGE + 1}, max_rows=_PAGE)
        if result.truncated and hi - lo > 1:
            span = (hi - lo) // 2
            continue
        if result.truncated:
            log.warning(
                "%s: entity %s has more than %d rows; the rest are left out", name, ids[lo], _PAGE
            )
        yield from result.rows
        span = min(_IDS_PER_RANGE, 2 * (hi - lo))
        if result.rows:
            span = max(1, min(span, int(_FILL * _PAGE * (hi - lo) / len(result.rows))))
        lo = hi


GraphIndexLoader = Callable[[], GraphIndex]
