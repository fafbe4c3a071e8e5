"""Sentences of a clean text (with their offsets) and the evidence built from them."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from graph.model import Evidence
from indexer.clean import CleanText
from kg.types import Chunk, Document

MAX_QUOTE = 300

_ABBREVIATIONS = frozenset(
    """
    supt dr mr mrs ms prof st no nos eg e.g ie i.e etc insp sgt ch op vs co cllr rev det approx
    para fig ref jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z0-9\"“‘'(\-])")
_LEAD_IN = re.compile(r"^(?:\d{1,3}(?:\.\d{1,2})?\.?[ \t]+(?=\S)|[-*•][ \t]+|\(\d{1,2}\)[ \t]*)")
# Page headers left inside a sentence that runs over a page break ("October 2006 undertake").
_PAGE_RESIDUE = re.compile(
    r"^\*?(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December)[ \t]+\d{4}\*?[ \t]+(?=[a-z])"
)
_TERMINAL = ".!?:;"


@dataclass(frozen=True)
class Sentence:
    """A sentence: one or more pieces of the clean text, read as one.

    `text` is the pieces joined by single spaces; `body` is where the text starts after a
    paragraph number or bullet ("27. ", "- ", "(3) "); `line_start` says whether the sentence
    starts a line; `enumerator` holds a "(3)" style list number if there was one.
    """

    pieces: tuple[tuple[int, int], ...]
    text: str
    body: int
    line_start: bool
    enumerator: str | None = None

    @property
    def start(self) -> int:
        return self.pieces[0][0]

    @property
    def end(self) -> int:
        return self.pieces[-1][1]

    def to_clean(self, offset: int) -> int:
        """The clean-text offset of a character of `text` (a join space maps to its piece end)."""
        cursor = 0
        for start, end in self.pieces:
            length = end - start
            if offset <= cursor + length:
                return start + max(0, offset - cursor)
            cursor += length + 1
        return self.pieces[-1][1]


def _split_line(line: str, offset: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = 0
    for m in _SENTENCE_END.finditer(line):
        before = line[cursor : m.start()].rstrip('.!?"”’)')
        last_word = before.split()[-1].lower() if before.split() else ""
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        spans.append((offset + cursor, offset + m.start()))
        cursor = m.end()
    if line[cursor:].strip():
        spans.append((offset + cursor, offset + len(line.rstrip())))
    return spans


def sentences(text: str) -> list[Sentence]:
    """The sentences of a clean text, in order; a sentence broken over lines is joined."""
    raw: list[tuple[int, int, bool]] = []  # start, end, starts a line
    offset = 0
    for line in text.split("\n"):
        for i, (start, end) in enumerate(_split_line(line, offset)):
            raw.append((start, end, i == 0))
        offset += len(line) + 1
    out: list[Sentence] = []
    pending: list[tuple[int, int]] = []
    pending_line_start = True
    for start, end, line_start in raw:
        if pending:
            prev_text = text[pending[-1][0] : pending[-1][1]].rstrip()
            residue = _PAGE_RESIDUE.match(text, start, end)
            next_start = residue.end() if residue else start
            joinable = (
                line_start
                and prev_text[-1:] not in _TERMINAL
                and text[next_start : next_start + 1].islower()
            )
            if joinable:
                pending.append((next_start, end))
                continue
            out.append(_make(text, pending, pending_line_start))
        pending = [(start, end)]
        pending_line_start = line_start
    if pending:
        out.append(_make(text, pending, pending_line_start))
    return out


def _make(text: str, pieces: list[tuple[int, int]], line_start: bool) -> Sentence:
    joined = " ".join(text[s:e] for s, e in pieces)
    body = 0
    enumerator = None
    m = _LEAD_IN.match(joined)
    if m and line_start:
        body = m.end()
        if m.group().startswith("("):
            enumerator = m.group().strip()
    return Sentence(tuple(pieces), joined, body, line_start, enumerator)


class EvidenceMaker:
    """Builds Evidence for spans of one document's clean text."""

    def __init__(self, document: Document, view: CleanText, chunks: Sequence[Chunk]) -> None:
        self.document = document
        self.view = view
        self.chunks = sorted(chunks, key=lambda c: (c.start, c.ordinal))
        self._ends = [c.end for c in self.chunks]
        self.as_of = document.date.isoformat() if document.date else None

    def chunk_for(self, doc_offset: int) -> str | None:
        """The first chunk whose span holds `doc_offset`."""
        i = bisect.bisect_right(self._ends, doc_offset)
        for chunk in self.chunks[i:]:
            if chunk.start <= doc_offset < chunk.end:
                return chunk.id
            if chunk.start > doc_offset:
                break
        return self.chunks[-1].id if self.chunks and doc_offset >= self.chunks[-1].start else None

    def make(
        self, sentence: Sentence, focus: tuple[int, int], rule: str, confidence: float
    ) -> Evidence:
        """Evidence quoting `sentence` (a window of it around `focus`, sentence offsets)."""
        text = sentence.text
        lo, hi = sentence.body, len(text)
        if hi - lo > MAX_QUOTE:
            lo = max(lo, min(focus[0] - 60, hi - MAX_QUOTE))
            if lo > sentence.body:
                space = text.find(" ", lo)
                lo = space + 1 if 0 <= space < focus[0] else lo
            hi = min(hi, lo + MAX_QUOTE)
            if hi < len(text):
                space = text.rfind(" ", lo, hi)
                hi = space if space > focus[1] - lo + lo else hi
        quote = re.sub(r"\s+", " ", text[lo:hi]).strip()
        start, end = self.view.span(sentence.to_clean(lo), sentence.to_clean(hi))
        return Evidence(
            doc_id=self.document.id,
            chunk_id=self.chunk_for(start),
            start=start,
            end=end,
            quote=quote,
            as_of=self.as_of,
            rule=rule,
            confidence=confidence,
        )
