"""Spelling slips: names one letter apart that mean one thing ("Gibbling" and "Gibling")."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

SLIP_MIN = 5  # shorter names are too close to each other to call a difference a slip
_SLIP_MIN_NAME = 8


def one_slip(a: str, b: str, max_edits: int) -> bool:
    """Whether two names differ by at most `max_edits` letters, none of them a digit."""
    if Levenshtein.distance(a.lower(), b.lower(), score_cutoff=max_edits) > max_edits:
        return False
    return [c for c in a if c.isdigit()] == [c for c in b if c.isdigit()]


def slip_pairs(names: Sequence[str], max_edits: int) -> list[tuple[str, str]]:
    """Pairs of long names within `max_edits` letters of each other (digits must agree)."""
    long = [n for n in names if len(n) >= _SLIP_MIN_NAME]
    if len(long) < 2:
        return []
    matrix = process.cdist(long, long, scorer=Levenshtein.distance, score_cutoff=max_edits)
    out = []
    for i, j in zip(*(matrix <= max_edits).nonzero(), strict=True):
        if i < j and one_slip(long[i], long[j], max_edits):
            out.append((long[i], long[j]))
    return out
