"""Highlighted snippets: the window of a passage densest in query terms, matches marked."""

from __future__ import annotations

import html
import re

from kg.text import STOP_WORDS, stem

_WORD = re.compile(r"[A-Za-z0-9]+(?:&[A-Za-z0-9]+)*")


def snippet(text: str, query_terms: set[str], length: int) -> str:
    """HTML: the best `length`-character window of `text`, query words in <mark>, rest escaped."""
    matches: list[tuple[int, int, str]] = []  # (start, end, stem) of each query word
    for m in _WORD.finditer(text):
        word = m.group().lower()
        if word not in STOP_WORDS and (term := stem(word)) in query_terms:
            matches.append((m.start(), m.end(), term))
    start = 0
    if len(text) > length and matches:
        best = -1
        for i, (s, _, _) in enumerate(matches):
            covered = {t for _, b, t in matches[i:] if b <= s + length}
            if len(covered) > best:
                best, start = len(covered), s
        start = max(0, min(start - length // 4, len(text) - length))
        # Start and end on word boundaries.
        while 0 < start < len(text) and not text[start - 1].isspace():
            start += 1
    end = min(len(text), start + length)
    while end < len(text) and end > start and not text[end].isspace():
        end -= 1
    if end <= start:
        end = min(len(text), start + length)
    pieces: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for s, e, _ in matches:
        if s < start or e > end:
            continue
        pieces.append(html.escape(text[cursor:s]))
        pieces.append(f"<mark>{html.escape(text[s:e])}</mark>")
        cursor = e
    pieces.append(html.escape(text[cursor:end]))
    pieces.append("…" if end < len(text) else "")
    return "".join(pieces).replace("\n", " ")
