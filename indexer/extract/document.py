"""Extraction of one document: mentions and facts, each with its evidence."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache

import numpy as np

from graph.model import (
    HEADS_TYPES,
    INITIATIVE,
    PERSON,
    POST,
    THEME,
    UNIT,
    Extraction,
    Fact,
    Mention,
    Span,
)
from indexer.clean import CleanText
from indexer.extract.findings import FindingReader
from indexer.extract.frames import FrameInput, FrameReader
from indexer.extract.layout import Layout, LayoutReader
from indexer.extract.lexicon import Lexicon
from indexer.extract.masking import Masked, mask
from indexer.extract.named import NamedFilter
from indexer.extract.names import NameFinder
from indexer.extract.parse import Parser
from indexer.extract.people import PeopleFinder
from indexer.extract.relations import Context, RelationReader
from indexer.extract.structured import ListReader, MilestoneReader
from indexer.extract.text import EvidenceMaker, Sentence, sentences
from indexer.segment import Structure
from kg.settings import ExtractSettings
from kg.types import Chunk, Document
from kg.vocab import Vocabulary, default_vocabulary

# Which span wins when two overlap and have the same length.
_PRIORITY = {PERSON: 0, POST: 1, UNIT: 2, INITIATIVE: 3, "Organisation": 4, "Theme": 5}
_SEPARATOR = re.compile(r"^,?[ \t]*$")


@lru_cache(maxsize=4)
def _lexicon(vocab: Vocabulary) -> Lexicon:
    return Lexicon(vocab)


def settle_overlaps(spans: Sequence[Span]) -> list[Span]:
    """Keep people, then the longest of overlapping spans (ties: post, unit, ... confidence)."""
    # People first: a name read with a rank is never part of a longer name.
    ranked = sorted(
        spans,
        key=lambda s: (
            s.type != PERSON,
            -(s.end - s.start),
            _PRIORITY.get(s.type, 9),
            -s.confidence,
            s.start,
        ),
    )
    taken: list[tuple[int, int]] = []
    kept: list[Span] = []
    for span in ranked:
        i = bisect.bisect_left(taken, (span.start, span.end))
        clash = (i > 0 and taken[i - 1][1] > span.start) or (
            i < len(taken) and taken[i][0] < span.end
        )
        if not clash:
            taken.insert(i, (span.start, span.end))
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


class DocumentExtractor:
    """Reads one document at a time with one vocabulary and acronym table."""

    def __init__(
        self,
        acronyms: Mapping[str, str] | None = None,
        vocab: Vocabulary | None = None,
        parser: Parser | None = None,
    ):
        self.vocab = vocab or default_vocabulary()
        self.lex = _lexicon(self.vocab)
        self.people = PeopleFinder(self.lex)
        self.names = NameFinder(self.lex, acronyms or {})
        self.milestones = MilestoneReader(self.lex, self.people)
        self.lists = ListReader(self.lex)
        self.layout = LayoutReader(self.lex, self.people)
        self.named = NamedFilter(self.lex)
        self.findings = FindingReader(self.vocab)
        self.relations = RelationReader(self.lex, self.vocab.relations.relations)
        self.frames = FrameReader(self.lex, parser or Parser(ExtractSettings().spacy_model))

    def extract(
        self, document: Document, view: CleanText, structure: Structure, chunks: Sequence[Chunk]
    ) -> Extraction:
        """Mentions and facts of one document."""
        text = view.text
        sents = sentences(text)
        evidence = EvidenceMaker(document, view, chunks)
        out = Extraction(document.id)
        milestones = self.milestones.read(text)
        owner_ranges = [(s.start, s.end) for m in milestones for s in m.owners]
        # Layouts are read on the text as written: the clean view may join a long list line
        # to the next one, as it joins hard-wrapped prose.
        layout = _to_clean(self.layout.read(document.text), view)
        candidates = [
            *layout.spans,
            *_initials(text, layout.initials),
            *self.people.find(text),
            *self.names.find(text, structure, sents),
            *self.lists.read(sents),
        ]
        candidates = [
            c
            for c in candidates
            if not any(a <= c.start < b for a, b in owner_ranges) and self.named.keep(c, text)
        ]
        spans = settle_overlaps(candidates)
        starts = [s.start for s in sents]

        def sentence_of(offset: int) -> Sentence:
            i = max(0, bisect.bisect_right(starts, offset) - 1)
            return sents[i]

        def mention(span: Span, sent: Sentence | None = None) -> Mention:
            sent = sent or sentence_of(span.start)
            lo = max(0, span.start - sent.start)
            ev = evidence.make(sent, (lo, lo + span.end - span.start), span.rule, span.confidence)
            extra = {("alias", a) for a in span.aliases}
            if span.type == POST:
                # "the DCC" refers to someone; "a detective inspector", "each commander" do not.
                before = text[max(0, span.start - 12) : span.start].lower().split()
                article = before[-1] if before else ""
                if article in ("the", "our", "its", "their") or span.text.lower().startswith(
                    "the "
                ):
                    extra.add(("definite", "yes"))
            attrs = tuple(sorted({*span.attrs, *extra}))
            return Mention(span.type, span.text, span.name, ev, attrs, span.acronym)

        mentions: dict[tuple[int, int, str, str], Mention] = {}

        def get(span: Span, sent: Sentence | None = None) -> Mention:
            key = (span.start, span.end, span.type, span.name)
            if key not in mentions:
                mentions[key] = mention(span, sent)
            return mentions[key]

        for span in spans:
            get(span)
        for lf in layout.facts:
            sent = sentence_of(lf.line[0])
            ev = evidence.make(sent, (0, len(sent.text)), lf.rule, 0.9)
            out.facts.append(Fact(get(lf.subject, sent), lf.relation, get(lf.object, sent), ev))
        for ms in milestones:
            objective = get(ms.objective, ms.sentence)
            ev = evidence.make(ms.sentence, (0, len(ms.sentence.text)), "milestone_owner_line", 0.9)
            for owner in ms.owners:
                out.facts.append(Fact(get(owner, ms.sentence), "LEADS", objective, ev))
        for finding in self.findings.read(text, structure, sents):
            get(finding.span, finding.sentence)
            about = [
                s
                for s in spans
                if finding.sentence.start <= s.start < finding.sentence.end
                and s.type in (UNIT, INITIATIVE)
            ]
            if about and finding.span.type == "Risk":
                ev = evidence.make(
                    finding.sentence, (0, 1), finding.span.rule, finding.span.confidence
                )
                out.facts.append(
                    Fact(get(about[0]), "HAS_RISK", get(finding.span, finding.sentence), ev)
                )

        span_starts = [s.start for s in spans]
        masks: list[Masked] = []
        frame_inputs: list[FrameInput] = []
        for i, sent in enumerate(sents):
            lo = bisect.bisect_left(span_starts, sent.start)
            hi = bisect.bisect_left(span_starts, sent.end)
            inside = spans[lo:hi]
            merged, facts = self._appositions(sent, inside)
            for subject, relation, obj in facts:
                ev = evidence.make(
                    sent,
                    (subject.start - sent.start, obj.end - sent.start),
                    f"apposition_{relation.lower()}",
                    0.8,
                )
                out.facts.append(Fact(get(subject), relation, get(obj), ev))
            context = Context(_previous(masks, i), _heading(self, structure, text, sent.start))
            if self.frames.wants(sent.text, inside):
                # The frames see the entities as found, before the apposition merge: a person
                # and the post beside them stay two ("ACC Local Policing, Jo Bloggs, chairs").
                frame_inputs.append(
                    FrameInput(
                        sent,
                        inside,
                        _referent(self.relations, context),
                        _bullets(sents, i, spans, span_starts),
                        _recent(spans, span_starts, sent.start),
                    )
                )
            masked = mask(sent, merged)
            masks.append(masked)
            for found in self.relations.read(masked, context):
                focus = found.focus
                ev = evidence.make(sent, focus, found.rule.name, found.rule.confidence)
                out.facts.append(Fact(get(found.subject), found.rule.type, get(found.object), ev))
        for item, found_facts in zip(frame_inputs, self.frames.read(frame_inputs), strict=True):
            for rf in found_facts:
                ev = evidence.make(item.sentence, rf.focus, rf.rule, rf.confidence)
                out.facts.append(
                    Fact(
                        get(rf.subject, item.sentence),
                        rf.relation,
                        get(rf.object, item.sentence),
                        ev,
                    )
                )
        out.mentions = list(mentions.values())
        return out

    def _heading_span(self, structure: Structure, text: str, offset: int) -> Span | None:
        i = bisect.bisect_right([h.start for h in structure.headings], offset) - 1
        if i < 0:
            return None
        h = structure.headings[i]
        title = h.text.strip("#* ").strip()
        title = title.title() if title.isupper() else title
        typed = self.lex.classify(title)
        type_ = typed.type if typed else INITIATIVE
        name = typed.name if typed else title
        start = text.find(h.text, h.start)
        start = start if start >= 0 else h.start
        return Span(start, start + len(h.text), type_, h.text, name, "section_heading", 0.5)

    def _appositions(
        self, sent: Sentence, spans: Sequence[Span]
    ) -> tuple[list[Span], list[tuple[Span, str, Span]]]:
        """Merge "POST, PERSON" and "PERSON (POST)" into the person; say what they tell."""
        text = sent.text
        facts: list[tuple[Span, str, Span]] = []
        merged: list[Span] = []
        skip = set()
        items = list(spans)
        for j, span in enumerate(items):
            if j in skip:
                continue
            nxt = items[j + 1] if j + 1 < len(items) else None
            if span.type == PERSON and span.attrs:
                facts += self._rank_post(span)
            if nxt is not None and span.type == POST and nxt.type == PERSON:
                gap = self._between(sent, span, nxt)
                if gap is not None and _SEPARATOR.match(gap):
                    facts.append((nxt, "HOLDS_POST", span))
                    facts += self._head_of(nxt, span)
                    facts += self._rank_post(nxt)
                    merged.append(
                        Span(
                            span.start,
                            nxt.end,
                            PERSON,
                            nxt.text,
                            nxt.name,
                            nxt.rule,
                            nxt.confidence,
                            nxt.attrs,
                        )
                    )
                    skip.add(j + 1)
                    continue
            if nxt is not None and span.type == PERSON and nxt.type in (POST, UNIT):
                gap = self._between(sent, span, nxt)
                tail = self._after(sent, nxt)
                if gap is not None and gap.strip() == "(" and tail.startswith(")"):
                    relation = "HOLDS_POST" if nxt.type == POST else "MEMBER_OF"
                    facts.append((span, relation, nxt))
                    if nxt.type == POST:
                        facts += self._head_of(span, nxt)
                    merged.append(
                        Span(
                            span.start,
                            nxt.end + 1,
                            PERSON,
                            span.text,
                            span.name,
                            span.rule,
                            span.confidence,
                            span.attrs,
                        )
                    )
                    skip.add(j + 1)
                    continue
            merged.append(span)
        _ = text
        return merged, facts

    def _between(self, sent: Sentence, a: Span, b: Span) -> str | None:
        if a.end > b.start:
            return None
        lo, hi = sent.pieces[0][0], sent.pieces[-1][1]
        if not (lo <= a.end <= hi and lo <= b.start <= hi):
            return None
        local_a, local_b = a.end - sent.start, b.start - sent.start
        if len(sent.pieces) > 1:
            return None if local_b - local_a > 3 else " "
        return sent.text[local_a:local_b]

    def _after(self, sent: Sentence, span: Span) -> str:
        local = span.end - sent.start
        return sent.text[local : local + 2] if len(sent.pieces) == 1 else ""

    def _rank_post(self, person: Span) -> list[tuple[Span, str, Span]]:
        rank_name = next((v for k, v in person.attrs if k == "rankName"), None)
        rank = next((r for r in self.vocab.ranks.ranks if r.name == rank_name), None)
        if rank is None or not rank.post:
            return []
        post = Span(
            person.start,
            person.start + len(next(v for k, v in person.attrs if k == "rank")),
            POST,
            rank.name,
            rank.name,
            "rank_post",
            0.8,
            (("rankName", rank.name),),
        )
        return [(person, "HOLDS_POST", post)]

    def _head_of(self, person: Span, post: Span) -> list[tuple[Span, str, Span]]:
        m = re.match(r"^(?:The )?(?:Deputy |Assistant )?Head of (?:the )?(.+)$", post.name)
        if not m:
            return []
        target = re.sub(r"\s+(?:Manager|Role|Lead)$", "", m.group(1))
        candidates = [target, target.split(" and ")[0]]
        for name in candidates:
            typed = self.lex.classify(name)
            if typed and typed.type in HEADS_TYPES:
                relation = "HEADS" if typed.type == UNIT else "LEADS"
                start = post.start + post.text.find(name) if name in post.text else post.start
                span = Span(
                    start, start + len(name), typed.type, name, typed.name, "post_head_of", 0.75
                )
                return [(person, relation, span)]
        return []


def _previous(masks: list[Masked], i: int) -> Callable[[int], Masked | None]:
    def previous(back: int) -> Masked | None:
        return masks[i - back] if i - back >= 0 else None

    return previous


def _to_clean(layout: Layout, view: CleanText) -> Layout:
    """A layout read on the document text, with its offsets moved into the clean view."""
    origin = view.origin

    def at(offset: int) -> int:
        return int(np.searchsorted(origin, offset, side="left"))

    def span(s: Span) -> Span:
        return replace(s, start=at(s.start), end=max(at(s.start), at(s.end)))

    return Layout(
        [span(s) for s in layout.spans],
        [
            replace(
                f,
                subject=span(f.subject),
                object=span(f.object),
                line=(at(f.line[0]), at(f.line[1])),
            )
            for f in layout.facts
        ],
        {k: span(v) for k, v in layout.initials.items()},
    )


def _initials(text: str, people: Mapping[str, Span]) -> list[Span]:
    """Later mentions of people by the initials an attendance list gave them ("JB said")."""
    out = []
    for initials, person in people.items():
        for m in re.finditer(rf"(?<![\w\-(]){re.escape(initials)}(?![\w\-)])", text):
            out.append(
                Span(
                    m.start(),
                    m.end(),
                    PERSON,
                    initials,
                    person.name,
                    "layout_initials",
                    0.85,
                    person.attrs,
                )
            )
    return out


def _bullets(
    sents: Sequence[Sentence], i: int, spans: Sequence[Span], starts: Sequence[int]
) -> Callable[[], list[Span]]:
    """The first named thing of each bullet line right after sentence i (a laid-out list)."""

    def bullets() -> list[Span]:
        out = []
        for sent in sents[i + 1 : i + 30]:
            if not (sent.line_start and sent.body and sent.text[:1] in "-•*–"):
                break
            lo = bisect.bisect_left(starts, sent.start)
            hi = bisect.bisect_left(starts, sent.end)
            named = [s for s in spans[lo:hi] if s.type in HEADS_TYPES or s.type == THEME]
            if named:
                out.append(named[0])
        return out

    return bullets


def _recent(
    spans: Sequence[Span], starts: Sequence[int], before: int
) -> Callable[[str], Span | None]:
    """The latest unit or initiative before `before` whose name ends in a type word."""

    def recent(word: str) -> Span | None:
        hi = bisect.bisect_left(starts, before)
        for span in reversed(spans[max(0, hi - 400) : hi]):
            words = [w.lower().rstrip("s") for w in f"{span.text} {span.name}".split()]
            if span.type in HEADS_TYPES and word.rstrip("s") in (words[:1] + words[-1:]):
                return span  # "the project": Project Ceibwr; "the board": the Harbour Board
        return None

    return recent


def _referent(relations: RelationReader, context: Context) -> Callable[[], Span | None]:
    def referent() -> Span | None:
        return relations.antecedent(context)

    return referent


def _heading(
    extractor: DocumentExtractor, structure: Structure, text: str, offset: int
) -> Callable[[], Span | None]:
    def heading() -> Span | None:
        return extractor._heading_span(structure, text, offset)

    return heading


def extract_document(
    document: Document,
    view: CleanText,
    structure: Structure,
    chunks: Sequence[Chunk],
    acronyms: Mapping[str, str] | None = None,
    vocab: Vocabulary | None = None,
) -> Extraction:
    """Mentions and facts of one document (a convenience over DocumentExtractor)."""
    return DocumentExtractor(acronyms, vocab).extract(document, view, structure, chunks)
