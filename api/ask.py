"""Answer staff questions: intent -> target -> graph facts with evidence, plus passages.

When the graph has nothing for the question (or the question is a plain search), the answer
is the best sentences of the top passages, each cited.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

from api.confidence import Calibration, Support, default_calibration
from api.extractive import Sentence, best_sentences
from api.graph_index import Evidence, GraphEntity, norm
from api.intents import Intent, IntentRecogniser
from api.query import Period, periods
from api.request import Filters
from api.search import Hit, SearchService, coverage
from api.spans import (
    BODY,
    PERSON,
    PLACE,
    POST,
    THEME,
    RoleWords,
    Span,
    SpanFinder,
    asks_for_many,
    question_types,
)
from kg.text import terms
from kg.vocab import default_vocabulary
from vectors.encoder import Encoder

_PASSAGES = 5
# The sentences of the top passages a typed answer is looked for in, best first.
_SENTENCES = 12
# The span an intent asks for when the question's wording sets none.
_INTENT_TYPES: dict[str, tuple[str, ...]] = {"who_leads": (PERSON, POST), "post_of": (POST,)}
_SPAN_SHARE = 0.5
_OFF_TARGET = 0.6  # the scale of an answer from a sentence that does not name the target
_WHO_IS = re.compile(r"^\s*who(?:m)?\s+(?:is|was|are|were|will be|has been)\b|^\s*who['’]s\b", re.I)
# A plural question's answer lists every span of its kind (bodies, themes, places) in one
# sentence; each span it lists after the first counts this much towards the sentence's score.
_LISTED = (BODY, THEME, PLACE)
_LIST_BONUS = 0.1
_LIST_MOST = 5
_PERIOD_YEARS = 3  # an answer's date this many years from the asked period fits it not at all


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
    support: Support | None = None  # what the answer rests on; None: nothing does
    confidence: float = 0.0  # the calibrated probability that the claim is right
    answered: bool = False  # False: "the documents do not say", with the nearest evidence
    dated: str | None = None  # the date of the passage a passage answer comes from


class GraphAnswerer(Protocol):
    """The graph side of /ask."""

    def answer(self, intent: Intent, question: str, passages: Sequence[Hit] = ()) -> Answer | None:
        """A graph answer for the intent, or None when the graph has none."""
        ...

    def holder_of(self, post: str, doc_id: str, as_of: str | None) -> GraphEntity | None:
        """The person who held `post` as that document records it, or None."""
        ...

    def shown(self, entity: GraphEntity) -> str:
        """How a dated answer names the entity (a person of several ranks by name alone)."""
        ...


def cite(hit: Hit) -> str:
    """A short citation for a passage: title and date."""
    document = hit.document
    when = document.date.strftime("%-d %B %Y") if document.date else "undated"
    return f"{document.title}, {when}"


class AskService:
    """Questions in, cited answers out, each with its confidence."""

    def __init__(
        self,
        search: SearchService,
        encoder: Encoder,
        recogniser: IntentRecogniser | None = None,
        graph: GraphAnswerer | None = None,
        calibration: Calibration | None = None,
        spans: SpanFinder | None = None,
    ) -> None:
        self.search = search
        self.encoder = encoder
        self.recogniser = recogniser or IntentRecogniser(encoder)
        self.graph = graph
        self.calibration = calibration or default_calibration()
        self.spans = spans or SpanFinder(default_vocabulary())
        self.roles = RoleWords(default_vocabulary())

    def ask(self, question: str) -> Answer:
        """Answer `question` from the graph or the passages, whichever is surer; an answer
        under the calibrated threshold says the documents do not say, beside the nearest
        evidence."""
        started = time.perf_counter()
        intent, passages, answers = self.candidates(question, every=False)
        answer = max(answers, key=lambda a: a.confidence)  # the graph's on a tie
        answer.answered = answer.confidence >= self.calibration.threshold
        if not answer.answered:
            nearest = f" Nearest evidence: {answer.answer}" if answer.support else ""
            elsewhere = self.search.index.forces.elsewhere(question)
            said = f"No indexed paper comes from {elsewhere}." if elsewhere else None
            answer.answer = (said or unanswered(intent, question)) + nearest
        answer.passages = passages
        answer.timings["total"] = round((time.perf_counter() - started) * 1000, 2)
        return answer

    def candidates(
        self, question: str, *, every: bool = True
    ) -> tuple[Intent, list[Hit], list[Answer]]:
        """The question's intent, its passages and the answers it could have, each with its
        confidence: the graph's, then the passages' (only when the graph's is under the
        threshold, unless `every`). Never empty: with nothing to go on, an empty answer."""
        started = time.perf_counter()
        intent = self.recogniser.recognise(question)
        # A question that names a force ("Kent's DCC") reads that force's papers only.
        force = self.search.index.forces.named_in(question)
        filters = Filters(self.search.index.documents_of(force)) if force else None
        passages = self.search.search(question, _PASSAGES, filters)
        searched = time.perf_counter()
        graph = self.graph.answer(intent, question, passages) if self.graph is not None else None
        answers = [a for a in (graph,) if a is not None and a.answer]
        wanted = periods(question)
        # A question about a force no indexed paper comes from has no answer here.
        foreign = self.search.index.forces.elsewhere(question) is not None
        for answer in answers:
            self._rate(answer, wanted, foreign)
        graphed = time.perf_counter()
        if every or not answers or answers[0].confidence < self.calibration.threshold:
            passage = self._from_passages(question, intent, passages)
            answers.append(self._rate(passage, wanted, foreign))
        timings = {"search": searched - started, "graph": graphed - searched}
        for answer in answers:
            answer.timings = {k: round(v * 1000, 2) for k, v in timings.items()}
        return intent, passages, answers

    def _rate(self, answer: Answer, wanted: tuple[Period, ...], foreign: bool) -> Answer:
        """Set the answer's confidence, with how near its evidence's date is to `wanted` and
        whether the question is about a force no indexed paper comes from."""
        if answer.support is not None:
            when = answer.facts[0].evidence.as_of if answer.facts else answer.dated
            fit = _period_fit(when, wanted) if wanted else 1.0
            answer.support = replace(answer.support, period=fit, force=0.0 if foreign else 1.0)
        answer.confidence = self.calibration.confidence(answer.support)
        return answer

    def _from_passages(self, question: str, intent: Intent, passages: list[Hit]) -> Answer:
        """The best sentences of the passages; for a question that asks for a type of span (a
        person, a date, a number, a body), the span of the best sentence that holds one, then
        that sentence, cited."""
        # The force a question names picked the passages; its words are not what a sentence
        # must hold ("who heads the northern district in Kent Police").
        content = self.search.index.forces.without(question)
        sentences = best_sentences(content, passages, limit=_SENTENCES)
        if not sentences:
            return Answer("", intent.name, intent.target)
        # The wording sets the type; failing that the intent does ("cycle theft lead" asks who).
        kinds = question_types(question) or _INTENT_TYPES.get(intent.name, ())
        asked = norm(content).split()
        # "Who chairs X" is answered by a sentence that says who leads, chairs or heads,
        # not by a name in a title line.
        roled = PERSON in kinds and self.roles.in_text(question)
        if PERSON in kinds and not roled and BODY not in kinds and not _WHO_IS.match(question):
            # "Who funds the service": a person, else a body; "who is the registrar" asks
            # for whoever holds a post, never a body.
            kinds = (*kinds, BODY)
        # A span comes only from a sentence about the question: one that scores at least
        # _SPAN_SHARE of the best sentence's score, not from one that merely sits nearby.
        floor = sentences[0].score * _SPAN_SHARE
        about = [s for s in sentences if s.score >= floor]
        # "Who chairs X" is answered by a sentence about X, not about another board: those
        # that name all of X come first, and an answer from one that does not is less sure.
        wanted = set(terms(intent.target or "")) if roled else set()
        analysed = self.search.analyse(question)

        def naming(sentence: Sentence) -> bool:
            return not wanted or coverage(wanted, analysed, sentence.reading, acronyms=True) == 1

        if roled:
            about = [s for s in about if self.roles.in_text(s.text)]
            about.sort(key=lambda s: not naming(s))  # stable: best first within each
        many = asks_for_many(question)
        said = norm(question).split()
        best: tuple[float, Sentence, str, list[Span]] | None = None
        for sentence, kind in _readings(kinds, about):
            if best is not None and best[2] != kind:
                break
            # A span that only repeats the question is no answer, the question's own force
            # (which `asked` lacks) included.
            spans = self.spans.find(kind, sentence.reading, said)
            if not spans:
                continue
            if not (many and kind in _LISTED):
                best = (sentence.score, sentence, kind, spans)
                break
            # "Which crime types": the sentence that lists them, among those about the question.
            listing = sentence.score + _LIST_BONUS * (min(len(spans), _LIST_MOST) - 1)
            if best is None or listing > best[0]:
                best = (listing, sentence, kind, spans)
        if best is not None:
            _, sentence, kind, spans = best
            reading = sentence.reading
            if many and kind in _LISTED:
                named = and_list([s.text for s in sorted(spans, key=lambda s: s.start)])
            else:
                named = self._holding(_nearest(spans, reading, asked), kind, sentence.hit)
            text = f"{named} ({cite(sentence.hit)}). Source: “{reading}”"
            fit = 1.0 if naming(sentence) else _OFF_TARGET
            return self._passage_answer(text, intent, sentence, typed=fit)
        text = " ".join(f"{s.text} ({cite(s.hit)})" for s in sentences[:2])
        return self._passage_answer(text, intent, sentences[0], 0.0 if kinds else 1.0)

    def _holding(self, span: Span, kind: str, hit: Hit) -> str:
        """A post span with its holder first, as the papers record it: "Ann Vale, ACC
        (Crime)"; any other span as it is."""
        if kind != POST or self.graph is None:
            return span.text
        when = hit.document.date.isoformat() if hit.document.date else None
        person = self.graph.holder_of(span.text, hit.chunk.doc_id, when)
        return f"{self.graph.shown(person)}, {span.text}" if person is not None else span.text

    @staticmethod
    def _passage_answer(text: str, intent: Intent, sentence: Sentence, typed: float) -> Answer:
        answer = Answer(text, intent.name, intent.target)
        hit = sentence.hit
        answer.support = Support("passage", sentence.score, hit.dense, sentence.coverage, typed)
        answer.dated = hit.document.date.isoformat() if hit.document.date else None
        return answer


def _readings(kinds: Sequence[str], sentences: list[Sentence]) -> Iterator[tuple[Sentence, str]]:
    """Where to look for a span, in order: the first kind in every sentence, best first (a
    who question wants a person wherever one is); then the other kinds sentence by sentence,
    so the best sentence's post or body comes before a lesser sentence's."""
    if not kinds:
        return
    for sentence in sentences:
        yield sentence, kinds[0]
    for sentence in sentences:
        for kind in kinds[1:]:
            yield sentence, kind


def and_list(items: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _nearest(spans: list[Span], sentence: str, asked: list[str]) -> Span:
    """The span nearest the question's words in the sentence (the first when none occurs)."""
    lowered = sentence.lower()
    at = [m.start() for w in asked if len(w) > 3 for m in re.finditer(re.escape(w), lowered)]
    if not at:
        return spans[0]
    return min(spans, key=lambda s: min(abs(s.start - a) for a in at))


def _period_fit(when: str | None, wanted: tuple[Period, ...]) -> float:
    """1 when `when` falls in a wanted period or up to a year after it (a paper reports on the
    year before it), falling to 0 at _PERIOD_YEARS further away either side."""
    try:
        day = date.fromisoformat(when or "")
    except ValueError:
        return 0.0
    if any(p.contains(day) for p in wanted):
        return 1.0
    at = day.year + (day.month - 1) / 12
    # Years outside each period: after its end less the year a report looks back on, or before it.
    apart = min(max(at - (p.year + 1) - 1, p.year - at, 0.0) for p in wanted)
    return max(0.0, 1.0 - apart / _PERIOD_YEARS)


# What "the documents do not say" says for each intent, about its target.
_UNANSWERED = {
    "who_leads": "The documents do not name who {verb} {target}.",
    "depends_on": "The documents do not say what {target} depends on.",
    "dependents": "The documents do not say what depends on {target}.",
    "partners": "The documents do not name partners of {target}.",
    "addresses": "The documents do not say what addresses {target}.",
    "define": "The documents do not define {target}.",
    "risks": "The documents do not name risks to {target}.",
    "recommendations": "The documents do not hold recommendations about {target}.",
}
_ROLE_VERBS = (("chair", "chairs"), ("conven", "chairs"), ("head", "heads"))


def unanswered(intent: Intent, question: str) -> str:
    """The plain sentence for a question the documents do not answer."""
    template = _UNANSWERED.get(intent.name) if intent.target else None
    if template is None:
        return "The indexed documents do not answer this."
    lowered = question.lower()
    verb = next((v for stem, v in _ROLE_VERBS if stem in lowered), "leads")
    return template.format(target=intent.target, verb=verb)
