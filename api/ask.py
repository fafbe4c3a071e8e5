"""Answer staff questions: intent -> target -> graph facts with evidence, plus passages.

When the graph has nothing for the question (or the question is a plain search), the answer
is the best sentences of the top passages, each cited.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from api.extractive import best_sentences
from api.graph_index import Evidence
from api.intents import Intent, IntentRecogniser
from api.request import Filters
from api.search import Hit, SearchService
from vectors.encoder import Encoder

_PASSAGES = 5


@dataclass(frozen=True)
class FactAnswer:
    """One fact behind an answer: its ends as an answer names them, and its evidence."""

    subject: str
    relation: str
    object: str
    evidence: Evidence
    title: str | None = None  # the title of the evidence's document


@dataclass(frozen=True)
class EntityRef:
    """An entity the question was resolved to."""

    id: str
    name: str
    type: str
    score: float


@dataclass
class Answer:
    """What /ask and `kg ask` return."""

    answer: str
    intent: str
    target: str | None
    entities: list[EntityRef] = field(default_factory=list)
    facts: list[FactAnswer] = field(default_factory=list)
    passages: list[Hit] = field(default_factory=list)
    candidates: list[EntityRef] = field(default_factory=list)  # when the target is ambiguous
    timings: dict[str, float] = field(default_factory=dict)
    found: bool = True  # False: nothing in the documents answers it ("the documents do not say")


class GraphAnswerer(Protocol):
    """The graph side of /ask."""

    def answer(self, intent: Intent, question: str, passages: Sequence[Hit] = ()) -> Answer | None:
        """A graph answer for the intent, or None when the graph has none."""
        ...


def cite(hit: Hit) -> str:
    """A short citation for a passage: title and date."""
    document = hit.document
    when = document.date.strftime("%-d %B %Y") if document.date else "undated"
    return f"{document.title}, {when}"


class AskService:
    """Questions in, cited answers out."""

    def __init__(
        self,
        search: SearchService,
        encoder: Encoder,
        recogniser: IntentRecogniser | None = None,
        graph: GraphAnswerer | None = None,
    ) -> None:
        self.search = search
        self.encoder = encoder
        self.recogniser = recogniser or IntentRecogniser(encoder)
        self.graph = graph

    def ask(self, question: str) -> Answer:
        """Answer `question` from the graph when it can, else from passages."""
        started = time.perf_counter()
        intent = self.recogniser.recognise(question)
        # A question that names a force ("Kent's DCC") reads that force's papers only.
        force = self.search.index.forces.named_in(question)
        filters = Filters(self.search.index.documents_of(force)) if force else None
        passages = self.search.search(question, _PASSAGES, filters)
        timings: dict[str, Any] = {"search": time.perf_counter() - started}
        answer = self.graph.answer(intent, question, passages) if self.graph is not None else None
        timings["graph"] = time.perf_counter() - started - timings["search"]
        if answer is None or not answer.answer:
            answer = self._from_passages(question, intent, passages)
        answer.passages = passages
        timings["total"] = time.perf_counter() - started
        answer.timings = {k: round(v * 1000, 2) for k, v in timings.items()}
        return answer

    def _from_passages(self, question: str, intent: Intent, passages: list[Hit]) -> Answer:
        sentences = best_sentences(question, passages)
        if not sentences:
            text = "No passage in the indexed documents answers this."
        else:
            text = " ".join(f"{s.text} ({cite(s.hit)})" for s in sentences)
        return Answer(answer=text, intent=intent.name, target=intent.target, found=bool(sentences))
