"""Initiatives named by section headings."""

from __future__ import annotations

import re

from graph.model import INITIATIVE, Span
from indexer.extract.lexicon import Lexicon, Typed
from indexer.segment import Structure

_HEADING_WORK = re.compile(
    r"\b(?:the|this|a|an)(?: [a-z\-]+){0,3} "
    r"(?:project|programme|pilot|initiative|scheme|campaign)\b",
    re.IGNORECASE,
)

_BODY_KEYWORD = re.compile(
    r"(?: [a-z\-]+){0,2} (?:project|programme|pilots?|model|scheme|initiative|campaign|strategy)\b"
)


def _span(
    start: int, end: int, typed: Typed, rule: str, text: str, aliases: tuple[str, ...] = ()
) -> Span:
    return Span(start, end, typed.type, text, typed.name, rule, typed.confidence, (), None, aliases)


def heading_initiatives(lex: Lexicon, text: str, structure: Structure) -> list[Span]:
    """Headings naming initiatives: by keyword, by a keyword after them in the body text, or
    by a first sentence that speaks of "the project"."""
    out: list[Span] = []
    lowered = text.lower()
    for heading in structure.headings:
        line = text[heading.start : heading.end]
        for piece in re.split(r"\s*/\s*", heading.text.strip("#* ")):
            piece = piece.strip(" -–:")
            words = piece.split()
            if not (1 <= len(words) <= 7) or not piece[:1].isalnum():
                continue
            name = piece.title() if piece.isupper() else piece
            offset = line.find(piece)
            start = heading.start + max(offset, 0)
            typed = lex.classify(name)
            if typed and typed.type == INITIATIVE:
                out.append(_span(start, start + len(piece), typed, "heading_keyword", piece))
                continue
            if typed is not None:
                continue
            following = lowered[heading.end : heading.end + 400].split("\n\n")[0:2]
            first_sentence = " ".join(following)[:250]
            body_kw: tuple[int, int] | None = None
            at = lowered.find(piece.lower(), heading.end)
            while at >= 0 and body_kw is None:
                kw = _BODY_KEYWORD.match(lowered, at + len(piece))
                body_kw = (at, kw.end()) if kw else None
                at = lowered.find(piece.lower(), at + 1)
            worded = body_kw or (_HEADING_WORK.search(first_sentence) and len(words) >= 2)
            typed = lex.fallback(name, INITIATIVE, 0.6, titled=True) if worded else None
            if typed is not None:
                aliases = (text[body_kw[0] : body_kw[1]],) if body_kw else ()
                rule = "heading_initiative"
                out.append(_span(start, start + len(piece), typed, rule, piece, aliases))
    return out
