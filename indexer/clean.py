"""A cleaned view of a document's text that keeps a map back to the original offsets.

Boilerplate from conversion (page numbers, agenda headers, mailto residue, bullet glyphs,
markup) is dropped and whitespace normalised; every character of the clean text remembers
where it came from, so chunks carry offsets into the original document text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from kg.datafiles import read_yaml
from kg.errors import DocumentError

# A single edit: replace original[start:end] with `replacement`.
Edit = tuple[int, int, str]

_BLANK = r"[ \t\r\f\v\u00a0\u200b]"
# Blank runs spanning lines; runs of two or more spaces; odd blanks. Tabs alone are kept:
# they separate the columns of tables and glossaries.
_WHITESPACE_RUN = re.compile(
    rf"{_BLANK}*\n[\s\u00a0\u200b]*|[ \r\f\v\u00a0\u200b]{{2,}}|[\r\f\v\u00a0\u200b]|[ \t]*\t[ \t]*"
)
# A line break inside a sentence, as left by hard-wrapped PDF text: the line before does not
# end a sentence and either the next line starts in lower case or the line before is long
# (it ran to the wrap width). Headings and list items are short lines and stay on their own.
_SOFT_BREAK = re.compile(
    r"(?<=[^\n.:;!?])\n\n?(?=[a-z(])|(?<=[^\n]{60}[^\n.:;!?•\-])\n(?=[^\n\-•*#\d])"
)
_TABLE_ROW = re.compile(r"\t|^\s*\|.*\|\s*$")
_FLAG_NAMES = {"IGNORECASE": re.IGNORECASE}


@dataclass(frozen=True)
class CleanText:
    """Clean text and, for each of its characters, the offset in the original text."""

    text: str
    origin: np.ndarray  # int64, len(text) + 1: origin[i] is where clean char i came from

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the clean text's [start, end)."""
        if end <= start:
            pos = int(self.origin[start])
            return pos, pos
        return int(self.origin[start]), int(self.origin[end - 1]) + 1


@dataclass(frozen=True)
class BoilerplatePattern:
    """A named regular expression whose matches are dropped from chunk text."""

    name: str
    regex: re.Pattern[str]
    replacement: str = ""  # what a match becomes: nothing, or a line break for a block tag


def load_patterns(path: Path | None = None) -> tuple[BoilerplatePattern, ...]:
    """Boilerplate patterns from a YAML file (the packaged one by default), validated."""
    data, where = read_yaml("indexer", "data/boilerplate.yaml", path)
    patterns = []
    for i, entry in enumerate(data.get("patterns", [])):
        try:
            flags = re.MULTILINE
            for flag in entry.get("flags", []):
                flags |= _FLAG_NAMES[flag]
            replacement = entry.get("replace", "")
            if not isinstance(replacement, str) or replacement.strip(" \t\n"):
                raise TypeError(f"replace must be blank space, not {replacement!r}")
            regex = re.compile(entry["regex"], flags)
            patterns.append(BoilerplatePattern(entry["name"], regex, replacement))
        except (KeyError, TypeError, re.error) as e:
            raise DocumentError(f"{where}: pattern #{i + 1} is invalid: {e}") from e
    return tuple(patterns)


@lru_cache(maxsize=1)
def default_patterns() -> tuple[BoilerplatePattern, ...]:
    """The packaged boilerplate patterns, loaded once."""
    return load_patterns()


def apply_edits(text: str, edits: list[Edit]) -> tuple[str, np.ndarray]:
    """Apply sorted, non-overlapping edits; return the new text and its origin map.

    A replacement's characters map to the start of the span they replace; the map has one
    extra entry (len(text)) so that end offsets map too.
    """
    parts: list[str] = []
    origins: list[np.ndarray] = []
    cursor = 0
    for start, end, replacement in edits:
        if start < cursor:
            continue  # overlapping edit: the earlier one wins
        parts.append(text[cursor:start])
        origins.append(np.arange(cursor, start, dtype=np.int64))
        parts.append(replacement)
        origins.append(np.full(len(replacement), start, dtype=np.int64))
        cursor = end
    parts.append(text[cursor:])
    origins.append(np.arange(cursor, len(text) + 1, dtype=np.int64))
    return "".join(parts), np.concatenate(origins)


def _boilerplate_edits(text: str, patterns: tuple[BoilerplatePattern, ...]) -> list[Edit]:
    edits: list[Edit] = []
    for pattern in patterns:
        for m in pattern.regex.finditer(text):
            if m.end() == m.start():
                continue
            if "keep" in pattern.regex.groupindex and m.group("keep") is not None:
                # Drop what surrounds the kept group, so its characters keep their offsets.
                edits.append((m.start(), m.start("keep"), ""))
                edits.append((m.end("keep"), m.end(), ""))
            else:
                edits.append((m.start(), m.end(), pattern.replacement))
    edits.sort(key=lambda e: (e[0], -e[1]))
    return edits


def _whitespace_edits(text: str) -> list[Edit]:
    """Runs of blank space become one space, one newline, or a blank line (a paragraph break)."""
    edits: list[Edit] = []
    for m in _WHITESPACE_RUN.finditer(text):
        run = m.group()
        newlines = run.count("\n")
        if newlines:
            replacement = "\n\n" if newlines >= 2 else "\n"
        else:
            replacement = "\t" if "\t" in run else " "
        if run != replacement:
            edits.append((m.start(), m.end(), replacement))
    return edits


def _unwrap_edits(text: str) -> list[Edit]:
    """Single line breaks inside a sentence become spaces; the rows of a table (cells split by
    tabs or pipes) stay on their own lines."""
    edits: list[Edit] = []
    for m in _SOFT_BREAK.finditer(text):
        before = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
        after_end = text.find("\n", m.end())
        after = text[m.end() : len(text) if after_end < 0 else after_end]
        if _TABLE_ROW.search(before) or _TABLE_ROW.search(after):
            continue
        edits.append((m.start(), m.end(), " "))
    return edits


def clean(text: str, patterns: tuple[BoilerplatePattern, ...] | None = None) -> CleanText:
    """The clean view of `text`: boilerplate dropped, whitespace normalised, offsets kept."""
    patterns = default_patterns() if patterns is None else patterns
    stage1, origin1 = apply_edits(text, _boilerplate_edits(text, patterns))
    stage2, origin2 = apply_edits(stage1, _whitespace_edits(stage1))
    stage3, origin3 = apply_edits(stage2, _unwrap_edits(stage2))
    # Leading/trailing blank space carries nothing.
    lead = len(stage3) - len(stage3.lstrip())
    final = stage3.strip()
    origin = origin1[origin2[origin3[lead : lead + len(final) + 1]]]
    return CleanText(final, origin)
