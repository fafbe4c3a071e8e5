"""A sentence with its entities replaced by placeholders, and back again."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from graph.model import (
    INITIATIVE,
    OBJECTIVE,
    ORGANISATION,
    PERSON,
    POST,
    THEME,
    UNIT,
    Span,
)
from indexer.extract.text import Sentence

OPEN, CLOSE = "\ue000", "\ue001"
LETTER = {
    PERSON: "P",
    POST: "Q",
    UNIT: "U",
    INITIATIVE: "I",
    ORGANISATION: "O",
    THEME: "T",
    OBJECTIVE: "J",
}
TOKEN = re.compile(f"{OPEN}([A-Z])(\\d+){CLOSE}")

SLOT_LETTERS = {
    "PERSON": "P",
    "POST": "Q",
    "HOLDER": "PQ",
    "AGENT": "PQUO",
    "NAMED": "UIOT",
    "INITIATIVE": "I",
    "UNIT": "U",
    "ANY": "PQUIOTJ",
}


@dataclass(frozen=True)
class Masked:
    """Masked text of a sentence body, its tokens and a map back to sentence offsets."""

    text: str
    spans: tuple[Span, ...]
    origin: tuple[int, ...]  # sentence offset of each masked character (+1 at the end)
    sentence: Sentence

    def token_span(self, token: str) -> Span:
        m = TOKEN.fullmatch(token)
        assert m is not None
        return self.spans[int(m.group(2))]

    def unmask(self, start: int, end: int) -> str:
        """The sentence text behind masked[start:end]."""
        lo, hi = self.origin[start], self.origin[end] if end < len(self.origin) else self.origin[-1]
        return self.sentence.text[lo:hi]

    def sentence_offsets(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[min(end, len(self.origin) - 1)]


def mask(sentence: Sentence, spans: Sequence[Span]) -> Masked:
    """Replace each span (clean offsets, inside the sentence) by a placeholder token."""
    local: list[tuple[int, int, Span]] = []
    for span in spans:
        lo = _to_sentence(sentence, span.start)
        hi = _to_sentence(sentence, span.end)
        if lo is not None and hi is not None and lo >= sentence.body and hi > lo:
            local.append((lo, hi, span))
    local.sort(key=lambda t: t[0])
    parts: list[str] = []
    origin: list[int] = []
    kept: list[Span] = []
    cursor = sentence.body
    for lo, hi, span in local:
        if lo < cursor:
            continue
        parts.append(sentence.text[cursor:lo])
        origin.extend(range(cursor, lo))
        token = f"{OPEN}{LETTER.get(span.type, 'X')}{len(kept)}{CLOSE}"
        kept.append(span)
        parts.append(token)
        origin.extend([lo] * (len(token) - 1) + [hi - 1])
        cursor = hi
    parts.append(sentence.text[cursor:])
    origin.extend(range(cursor, len(sentence.text) + 1))
    return Masked("".join(parts), tuple(kept), tuple(origin), sentence)


def _to_sentence(sentence: Sentence, clean: int) -> int | None:
    cursor = 0
    for start, end in sentence.pieces:
        if start <= clean <= end:
            return cursor + clean - start
        cursor += end - start + 1
    return None


def expand_slots(pattern: str) -> str:
    """{role:KIND} slots as named groups over masked text."""

    def repl(m: re.Match[str]) -> str:
        role, kind = m.group(1), m.group(2)
        if kind == "TEXT":
            return f"(?P<{role}>[^\\n]+?)"
        letters = SLOT_LETTERS[kind]
        return f"(?P<{role}>{OPEN}[{letters}]\\d+{CLOSE})"

    return re.sub(r"\{(\w+):(\w+)\}", repl, pattern)
