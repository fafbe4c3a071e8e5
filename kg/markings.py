"""Protective markings (Government Security Classifications) and how a document gets one.

Markings are ordered: OFFICIAL < OFFICIAL-SENSITIVE < SECRET < TOP SECRET. A caller cleared to
a level sees the documents at or below it, and nothing else exists for them. Legacy (pre-2014
GPMS) markings map onto the current scheme by one table (LEGACY), documented in the README.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.types import Document

MARKINGS: tuple[str, ...] = ("OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET")
RANK: dict[str, int] = {m: i for i, m in enumerate(MARKINGS)}
# Government Protective Marking Scheme (before April 2014) -> Government Security Classifications.
LEGACY: dict[str, str] = {
    "NOT PROTECTIVELY MARKED": "OFFICIAL",
    "UNCLASSIFIED": "OFFICIAL",
    "PROTECT": "OFFICIAL",
    "RESTRICTED": "OFFICIAL-SENSITIVE",
    "CONFIDENTIAL": "SECRET",
}
# How far from either end of a document a printed marking line is looked for (characters).
_EDGE_CHARS = 1500
# A line that is only a marking, optionally with a descriptor or caveat after a colon or dash
# ("OFFICIAL-SENSITIVE: PERSONAL", "RESTRICTED - POLICE"), as headers and footers print it.
_ALL = sorted([*MARKINGS, *LEGACY, "OFFICIAL SENSITIVE", "TOPSECRET"], key=len, reverse=True)
_LINE = re.compile(
    r"^[ \t*\[(]*(?i:(?:protective\s+marking|(?:security\s+)?classification)\s*[:\-]\s*)?"
    r"(" + "|".join(re.escape(m).replace(r"\ ", r"[\s\-]+") for m in _ALL) + r")"
    r"\b(?:[ \t]*[:\-–][^\n]{0,60})?[ \t*\])]*$",
    re.MULTILINE,  # the marking itself in capitals, as printed: a heading "Protect" is not one
)


class UnknownMarking(ValueError):
    """A marking that is neither current nor in the legacy table."""


def normalise(text: str) -> str:
    """The current marking a written one stands for ("restricted" -> OFFICIAL-SENSITIVE).

    A descriptor after the marking ("OFFICIAL-SENSITIVE: PERSONAL") is dropped: it does not
    change who may read the document. Raises UnknownMarking for anything else.
    """
    head = re.split(r"[:–]| - ", text.strip(), maxsplit=1)[0]
    words = re.sub(r"[\s_\-]+", " ", head).strip().upper()
    if words == "TOPSECRET":
        words = "TOP SECRET"
    if words == "OFFICIAL SENSITIVE":
        return "OFFICIAL-SENSITIVE"
    if words in RANK:
        return words
    if words in LEGACY:
        return LEGACY[words]
    raise UnknownMarking(
        f"unknown protective marking {text!r} (one of {', '.join(MARKINGS)}, "
        f"or a legacy marking: {', '.join(LEGACY)})"
    )


def printed_marking(text: str) -> str | None:
    """The highest marking printed on its own line in the document's header or footer."""
    edges = text[:_EDGE_CHARS] + "\n" + text[-_EDGE_CHARS:]
    found = [normalise(m.group(1)) for m in _LINE.finditer(edges)]
    return max(found, key=RANK.__getitem__) if found else None


def rank(marking: str) -> int:
    """The marking's place in the order (OFFICIAL is 0)."""
    return RANK[marking]


def visible(marking: str, clearance: str) -> bool:
    """Whether a document marked `marking` exists for a caller cleared to `clearance`."""
    return RANK[marking] <= RANK[clearance]


def at_or_below(clearance: str) -> tuple[str, ...]:
    """The markings a caller cleared to `clearance` may see."""
    return MARKINGS[: RANK[clearance] + 1]


def marking_of(document: Document, default: str = "OFFICIAL") -> str:
    """The document's marking (`default` for one indexed before markings were recorded)."""
    if document.classification is None:
        return default
    try:
        return normalise(document.classification)
    except UnknownMarking:
        return MARKINGS[-1]  # unreadable: treat as the highest, never as open


def level_graph(graph_name: str, level: str) -> str:
    """The graph (FalkorDB key) holding only the documents at or below `level`."""
    return f"{graph_name}--{level.lower().replace(' ', '-')}"
