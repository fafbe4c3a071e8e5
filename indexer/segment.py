"""Find the structure of a clean text: headings and numbered paragraphs, with their spans."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TypeVar

_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
# "27. In July ..." or "2.3 The board ..."; a number without a dot ("12 June 2012") is not one.
_NUMBERED_PARAGRAPH = re.compile(
    r"^(\d{1,3}\.\d{1,2}|\d{1,3}(?=\.))\.?\s+(?=[A-Z\"“‘'(])", re.MULTILINE
)
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "via",
        "per",
        "vs",
        "&",
        "–",
        "-",
    ]
)
# A cell of a table row: a count, an amount or a percentage ("167,126", "£2.4m", "5%").
_NUMBER_CELL = re.compile(r"[-+(]?[£$€]?\d[\d,.]*(?:%|[kmbn]{1,2})?\)?")
_MAX_HEADING_CHARS = 100
_MAX_HEADING_WORDS = 14


@dataclass(frozen=True)
class Heading:
    """A heading line: its text and where the line starts and ends in the clean text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Paragraph:
    """A numbered paragraph ("27. In July last year ..."): its number and start."""

    number: str
    start: int


_Item = TypeVar("_Item", Heading, Paragraph)


@dataclass(frozen=True)
class Structure:
    """Headings and numbered paragraphs of one clean text, sorted by position."""

    headings: tuple[Heading, ...]
    paragraphs: tuple[Paragraph, ...]

    def section_at(self, offset: int) -> str | None:
        """The heading in force at `offset`."""
        starts = [h.start for h in self.headings]
        i = bisect.bisect_right(starts, offset) - 1
        return self.headings[i].text if i >= 0 else None

    def section_for(self, start: int, end: int) -> str | None:
        """The heading for a span: one starting in its first half, else the one in force."""
        heading = _starting_in_first_half(self.headings, start, end)
        return heading.text if heading else self.section_at(start)

    def paragraph_for(self, start: int, end: int) -> str | None:
        """The numbered paragraph for a span, by the same rule as `section_for`."""
        paragraph = _starting_in_first_half(self.paragraphs, start, end)
        return paragraph.number if paragraph else self.paragraph_at(start)

    def paragraph_at(self, offset: int) -> str | None:
        """The number of the numbered paragraph holding `offset`, if it is in one.

        A paragraph ends where the next numbered paragraph or the next heading starts.
        """
        starts = [p.start for p in self.paragraphs]
        i = bisect.bisect_right(starts, offset) - 1
        if i < 0:
            return None
        paragraph = self.paragraphs[i]
        for heading in self.headings:
            if paragraph.start < heading.start <= offset:
                return None
        return paragraph.number


def _starting_in_first_half(items: tuple[_Item, ...], start: int, end: int) -> _Item | None:
    """The first item that starts within the first half of [start, end)."""
    middle = start + (end - start) // 2
    i = bisect.bisect_left([item.start for item in items], start)
    if i < len(items) and items[i].start <= middle:
        return items[i]
    return None


def _is_heading_line(line: str, previous: str) -> str | None:
    """The heading text if `line` looks like a heading, else None."""
    m = _MARKDOWN_HEADING.match(line)
    if m:
        text = m.group(2).strip()
        return text if len(text) >= 3 else None
    text = line.strip()
    if not (3 <= len(text) <= _MAX_HEADING_CHARS) or text[-1] in ".,;:!?":
        return None
    if _NUMBERED_PARAGRAPH.match(text) or text[0] in "-*•(":
        return None
    # A row of a table (cells split by tabs or bars, one of them a number) names nothing.
    cells = [c.strip() for c in re.split(r"\t+|\s\|\s|\s{3,}", text) if c.strip()]
    if len(cells) > 1 and any(_NUMBER_CELL.fullmatch(c) for c in cells):
        return None
    words = re.findall(r"[A-Za-z][A-Za-z'’&/-]*", text)
    if not words or len(words) > _MAX_HEADING_WORDS or not any(len(w) >= 3 for w in words):
        return None
    if not text[0].isupper() and not text[0].isdigit():
        return None
    # A heading follows a finished sentence, a blank line or another heading-like line.
    if previous and previous.rstrip()[-1:] not in ".:!?" and len(previous) > _MAX_HEADING_CHARS:
        return None
    significant = [w for w in words if w.lower() not in _SMALL_WORDS]
    capitalised = sum(1 for w in significant if w[0].isupper())
    if text.isupper() or (significant and capitalised / len(significant) >= 0.75):
        return text
    return None


def segment(text: str) -> Structure:
    """Headings and numbered paragraphs of a clean text."""
    headings: list[Heading] = []
    offset = 0
    previous = ""
    for line in text.split("\n"):
        heading = _is_heading_line(line, previous) if line.strip() else None
        if heading:
            headings.append(Heading(heading, offset, offset + len(line)))
        offset += len(line) + 1
        if line.strip():
            previous = line
    paragraphs = tuple(
        Paragraph(m.group(1), m.start())
        for m in _NUMBERED_PARAGRAPH.finditer(text)
        if int(m.group(1).split(".")[0]) > 0
    )
    return Structure(tuple(headings), paragraphs)
