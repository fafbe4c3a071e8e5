"""A document's title, date, classification and force: from a sidecar, the format, or the text."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from indexer.clean import default_patterns
from kg.errors import DocumentError
from kg.forces import canonical_force, find_force
from kg.markings import UnknownMarking, normalise, printed_marking

SIDECAR_SUFFIXES = (".meta.yaml", ".meta.json")
SIDECAR_KEYS = frozenset({"title", "date", "classification", "force"})

# The header is where a paper states its own meeting or publication date.
HEADER_LINES = 40
HEADER_CHARS = 3000
# Titles may sit lower: converted PDFs put a first page's title block after its first paragraphs.
TITLE_CHARS = 4000

_MONTH_NAMES = "jan feb mar apr may jun jul aug sep oct nov dec"
_MONTHS = {m: n for n, m in enumerate(_MONTH_NAMES.split(), start=1)}
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?[^\S\n]+)?"
_SP = r"[^\S\n]+"  # spaces but not newlines: a date never spans two lines
_ORD = r"(?:st|nd|rd|th)?"
# Alternatives are tried in order at each position, so full dates win over month-year.
_DATE_RE = re.compile(
    rf"\b{_WEEKDAY}(?P<dd>\d{{1,2}}){_ORD}(?:{_SP}of)?{_SP}(?P<dm>{_MONTH}),?{_SP}(?P<dy>\d{{4}})\b"
    rf"|\b{_WEEKDAY}(?P<mm>{_MONTH}){_SP}(?P<md>\d{{1,2}}){_ORD}\b,?{_SP}(?P<my>\d{{4}})\b"
    rf"|\b(?P<ym>{_MONTH}),?{_SP}(?P<yy>\d{{4}})\b"
    r"|\b(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})\b"
    r"|\b(?P<nd>\d{1,2})[/.](?P<nm>\d{1,2})[/.](?P<ny>\d{4})\b",
    re.IGNORECASE,
)
_FULL_DATE_GROUPS = (("dd", "dm", "dy"), ("md", "mm", "my"), ("id", "im", "iy"), ("nd", "nm", "ny"))
_PARTIAL_ISO_RE = re.compile(r"(\d{4})-(\d{1,2})")
# Words that may stand beside a date on a header line without making it prose.
_DATE_LABEL_RE = re.compile(
    r"\b(?:meeting|date[ds]?|published|issued|as at|on|of|last|updated|posted|released)\b"
    r"|</?\w+>|[#*_:,.()\[\]|/-]",
    re.IGNORECASE,
)
_DATE_NEAR_WORDS = 5  # "Baseline Assessment October 2006" still dates the document

# Small words that stay lower case in a title, and words after which a title runs on.
_SMALL_WORD_RE = re.compile(r"a|an|the|and|or|of|in|on|for|to|from|with|by|at|as|against|into|via")
_RUNS_ON_RE = re.compile(r"\b(?:a|an|the|and|or|of|in|on|for|to|from|with|by|at)$|[&–—-]$", re.I)
_NUMBERED_RE = re.compile(r"^\(?\d+(?:\.\d+)*[.)]\s")
_MARKUP_RE = re.compile(r"</?[a-zA-Z][^>]*>|\*\*|__|^[-*•·▪●◦\uf0a7\uf0b7]\s+")
_BOILERPLATE_RE = re.compile(
    r"^(?:(?:agenda\s+)?item\s*(?:no\.?\s*)?\d+[a-z]?"
    r"|(?:page\s*)?\d+(?:\s*(?:of|/)\s*\d+)?"
    r"|purpose\s+of\s+(?:the\s+)?(?:report|paper)|executive\s+summary|summary|background"
    r"|introduction|recommendations?|(?:table\s+of\s+)?contents|findings|conclusions?"
    r"|foreword|preface|glossary|(?:appendix|annex)\b.*"
    r"|official(?:[- ]sensitive)?|restricted|not\s+protectively\s+marked|unclassified"
    r"|confidential|public|private|draft|for\s+(?:information|decision|discussion|noting)"
    r"|crown\s+copyright|(?:©|\(c\)|copyright)\b.*|isbn\b.*|first\s+published\b.*)$",
    re.IGNORECASE,
)
# An all-capitals line naming the meeting ("... CRIME BOARD") heads the paper but is not its title.
_MEETING_WORDS = frozenset(
    {"BOARD", "COMMITTEE", "PANEL", "MEETING", "AUTHORITY", "FORUM", "COUNCIL", "GROUP"}
)
_JUNK_TITLE_RE = re.compile(
    r"^(?:untitled|title|document\s*\d*|presentation\s*\d*|slide\s*\d+|microsoft\s+\w+\s*-.*"
    r"|.*\.(?:docx?|pdf|rtf|odt|txt|html?))$",
    re.IGNORECASE,
)
_MAX_TITLE = 200


@dataclass(frozen=True)
class FoundDate:
    """A date found in a document's text, as written and where."""

    value: date
    text: str
    start: int


@dataclass(frozen=True)
class Sidecar:
    """Metadata a person wrote beside a document; it overrides what is found in the text."""

    title: str | None = None
    date: date | None = None
    date_text: str | None = None
    classification: str | None = None
    force: str | None = None


@dataclass(frozen=True)
class Metadata:
    """A document's descriptive fields, with where its date came from."""

    title: str
    date: date | None
    date_text: str | None
    date_source: str  # "sidecar", "text", "inferred" or "none"
    classification: str | None = None
    force: str | None = None


def describe(path: Path, text: str, format_title: str | None = None) -> Metadata:
    """Title, date, classification and force of the document at `path` with extracted `text`."""
    side = read_sidecar(path) or Sidecar()
    own = format_title.strip() if format_title and meaningful_title(format_title) else None
    title = side.title or own or guess_title(text) or path.stem
    force = canonical_force(side.force) if side.force else find_force(text)
    marking = _marking(path, side.classification, text)
    if side.date is not None:
        return Metadata(title, side.date, side.date_text, "sidecar", marking, force)
    found, source = document_date(text)
    if found is None:
        return Metadata(title, None, None, "none", marking, force)
    return Metadata(title, found.value, found.text, source, marking, force)


def _marking(path: Path, sidecar: str | None, text: str) -> str | None:
    """The document's protective marking: its sidecar's, else the one it prints (or None)."""
    if sidecar is None:
        return printed_marking(text)
    try:
        return normalise(sidecar)
    except UnknownMarking as e:
        raise DocumentError(
            f"{path}: sidecar 'classification': {e}", {"key": "classification"}
        ) from e


def find_dates(text: str) -> list[FoundDate]:
    """Every valid date in `text`, in order: full dates, month-year, ISO and UK day-first."""
    found = []
    for m in _DATE_RE.finditer(text):
        value = _match_value(m)
        if value is not None:
            found.append(FoundDate(value, m.group(0).rstrip(".,"), m.start()))
    return found


def document_date(text: str) -> tuple[FoundDate | None, str]:
    """The document's date and its source: "text" (header), "inferred" (body) or "none"."""
    header = _header(text)
    # First a date alone on its line, else one inside a short heading, never one in prose.
    candidates = [(d, _words_beside(header, d), _date_line(header, d)) for d in find_dates(header)]
    for found, words, _ in candidates:
        if words == 0:
            return found, "text"
    for found, words, line in candidates:
        if words <= _DATE_NEAR_WORDS and _is_heading(_clean(line)[0]):
            return found, "text"
    # No dated header: a paper reports on the past, so the latest date it names (that is not
    # in the future) is the nearest guess. Plans for later years can still mislead it.
    today = date.today()
    body = [d for d in find_dates(text) if d.value <= today]
    if not body:
        return None, "none"
    return max(body, key=lambda d: (d.value, -d.start)), "inferred"


def parse_date(value: str) -> date | None:
    """A date from an ISO ("2013-06-01", "2013-06") or written ("June 2013") string."""
    value = value.strip()
    m = _DATE_RE.fullmatch(value)
    if m:
        return _match_value(m)
    m = _PARTIAL_ISO_RE.fullmatch(value)
    if m and 1 <= int(m.group(2)) <= 12:
        return date(int(m.group(1)), int(m.group(2)), 1)
    return None


def meaningful_title(title: str | None) -> bool:
    """Whether a title from a file's own metadata is worth using (not "Untitled", a file name)."""
    if not title or len(title.strip()) < 3 or sum(c.isalpha() for c in title) < 3:
        return False
    return not _JUNK_TITLE_RE.match(title.strip())


def guess_title(text: str) -> str | None:
    """The first heading-like line(s) near the top of `text`, skipping boilerplate (page
    residue and web-page furniture: skip links, cookie banners, menus, "6 minute read")."""
    lines = [
        ("", 0) if _furniture(line) else _clean(line) for line in text[:TITLE_CHARS].split("\n")
    ]
    start = None
    for i, (line, _) in enumerate(lines):
        if not line or _is_boilerplate(line):
            continue
        if _is_heading(line) and not _wrapped(lines, i):
            start = i
        elif not _NUMBERED_RE.match(line):
            # A long opening line ("Report from X. Specific reference is made to ...").
            m = re.match(r"(.{8,120}?)[.;:!?](?:\s|$)", line)
            if m and _title_case(m.group(1)):
                return m.group(1)
        break
    if start is None:
        # Nothing on top: the first title-case heading lower down (converted pages reorder text).
        start = next((i for i, (line, _) in enumerate(lines) if _candidate(lines, i)), None)
    return None if start is None else _extend(lines, start)


def _furniture(line: str) -> bool:
    """Whether a whole line is boilerplate the cleaner drops (indexer/data/boilerplate.yaml)."""
    stripped = line.strip()
    return bool(stripped) and any(p.regex.fullmatch(stripped) for p in default_patterns())


def read_sidecar(path: Path) -> Sidecar | None:
    """The validated sidecar beside `path` (`<name>.meta.yaml` or `.meta.json`), if any."""
    found = [p for p in (path.with_name(path.name + s) for s in SIDECAR_SUFFIXES) if p.is_file()]
    if not found:
        return None
    if len(found) > 1:
        raise DocumentError(f"{path}: both {found[0].name} and {found[1].name} exist; keep one")
    side = found[0]
    try:
        raw = side.read_text(encoding="utf-8")
        data = json.loads(raw) if side.suffix == ".json" else yaml.safe_load(raw)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as e:
        raise DocumentError(f"{side}: cannot read sidecar: {e}", {"sidecar": str(side)}) from e
    if data is None:
        return Sidecar()
    if not isinstance(data, dict):
        raise DocumentError(f"{side}: a sidecar must be a mapping of {sorted(SIDECAR_KEYS)}")
    for key in data:
        if key not in SIDECAR_KEYS:
            raise DocumentError(
                f"{side}: unknown key {key!r} (allowed: {', '.join(sorted(SIDECAR_KEYS))})",
                {"sidecar": str(side), "key": key},
            )
    return Sidecar(
        title=_sidecar_text(side, data, "title"),
        classification=_sidecar_text(side, data, "classification"),
        force=_sidecar_text(side, data, "force"),
        **_sidecar_date(side, data.get("date")),
    )


def _sidecar_text(side: Path, data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DocumentError(f"{side}: {key!r} must be a non-empty string", {"key": key})
    return value.strip()


def _sidecar_date(side: Path, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    # YAML reads an unquoted 2013-06-01 as a date already.
    parsed = value if isinstance(value, date) else None
    if isinstance(value, str):
        parsed = parse_date(value)
    if parsed is None:
        raise DocumentError(
            f"{side}: 'date' {value!r} is not a date (use 2013-06-01, 2013-06 or June 2013)",
            {"sidecar": str(side), "key": "date"},
        )
    return {"date": parsed, "date_text": str(value).strip()}


def _match_value(m: re.Match[str]) -> date | None:
    g = m.groupdict()
    if g["ym"] and g["ym"].islower():
        return None  # "may 2014" in running text is usually the verb
    for d, mo, y in _FULL_DATE_GROUPS:
        if g[y]:
            month = g[mo] if g[mo].isdigit() else _MONTHS[g[mo][:3].lower()]
            return _valid(int(g[y]), int(month), int(g[d]))
    return _valid(int(g["yy"]), _MONTHS[g["ym"][:3].lower()], 1)


def _valid(year: int, month: int, day: int) -> date | None:
    if not 1900 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _header(text: str) -> str:
    head = text[:HEADER_CHARS]
    return "\n".join(head.split("\n")[:HEADER_LINES])


def _date_line(text: str, found: FoundDate) -> str:
    start = text.rfind("\n", 0, found.start) + 1
    end = text.find("\n", found.start)
    return text[start : len(text) if end < 0 else end]


def _words_beside(text: str, found: FoundDate) -> int:
    """How many words share the date's line, not counting labels such as "Date:"."""
    rest = _date_line(text, found).replace(found.text, " ", 1)
    return len(_DATE_LABEL_RE.sub(" ", rest).split())


def _clean(line: str) -> tuple[str, int]:
    """A line without markdown/HTML emphasis, with its markdown heading level (0 if none)."""
    line = line.strip()
    level = len(line) - len(line.lstrip("#"))
    if level > 6:
        level = 0  # a rule of hashes, not a heading
    line = _MARKUP_RE.sub("", line[level:].strip())
    return " ".join(line.split()), level


def _is_boilerplate(line: str) -> bool:
    words = line.split()
    if line.isupper() and words[-1].strip(".:") in _MEETING_WORDS:
        return True
    if _BOILERPLATE_RE.match(line.strip(" .:")):
        return True
    dates = find_dates(line)
    return len(dates) == 1 and _words_beside(line, dates[0]) == 0


def _is_heading(line: str) -> bool:
    return (
        3 <= len(line) <= 150
        and len(line.split()) <= 20
        and (line[0].isupper() or line[0].isdigit())
        and not _NUMBERED_RE.match(line)
        and not line.endswith((".", ",", ";", ":"))
    )


def _title_case(line: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", line) if not _SMALL_WORD_RE.fullmatch(w)]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.6 * len(words)


def _wrapped(lines: list[tuple[str, int]], i: int) -> bool:
    """Whether line i runs on into the next line, as hard-wrapped prose does."""
    nxt = lines[i + 1][0] if i + 1 < len(lines) else ""
    return bool(nxt) and nxt[0].islower()


def _candidate(lines: list[tuple[str, int]], i: int) -> bool:
    line = lines[i][0]
    heading = bool(line) and _is_heading(line) and _title_case(line)
    return heading and not _wrapped(lines, i) and not _is_boilerplate(line)


def _extend(lines: list[tuple[str, int]], start: int) -> str:
    """Join a title's continuation lines: wrapped, ending in "and", or a markdown subtitle."""
    title, level = lines[start]
    first_words = len(title.split())
    i = start
    while True:
        j = next((k for k in range(i + 1, min(i + 5, len(lines))) if lines[k][0]), None)
        if j is None:
            break
        line, next_level = lines[j]
        if _is_boilerplate(line) or not _is_heading(line) or len(title) + len(line) > _MAX_TITLE:
            break
        runs_on = bool(_RUNS_ON_RE.search(title))
        wrapped = j == i + 1 and next_level == level
        if runs_on or (wrapped and (_title_case(line) or len(line.split()) <= 3)):
            title = f"{title} {line}"
        elif level and next_level > level and first_words <= 4:
            # A short heading over a deeper one is a name and its subtitle.
            title = f"{title} – {line}"
        else:
            break
        i = j
    return title
