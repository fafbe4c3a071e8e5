"""Attendance lists and tables of minutes: who was there, in which post, and who chaired.

Minutes open with who was there, under a heading such as "Present" or "Apologies"
(layouts.yaml), in one of a few layouts: table rows ("| Name | Role |", or tab-separated),
"Name – Post", "Name, Post", "Name (Initials) – Post", "Name (Post)", or one inline list
("Present: Cllr A. Brown (Chairman), Mr C. Davies and Supt G. Hill."). Each entry gives a
Person (named with or without a rank: the layout says it is a person), the Post written
beside them (HOLDS_POST; "Head of X" also HEADS X, "X Lead" LEADS X), and, where the entry
carries a chair mark ("(Chair)", "– Chair"), CHAIRS for the body whose meeting the page
records, read from the page's title lines. An entry under an absence heading never chairs.
Initials given with a name ("(JB)") are returned so that later mentions ("JB reported that
...") read as that person. The cells of other layouts (indexer.extract.layout) are read here
too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from graph.model import OBJECTIVE, ORGANISATION, PERSON, POST, THEME, UNIT, Span
from indexer.extract.lexicon import NAME_WORD, Lexicon
from indexer.extract.people import PeopleFinder
from kg.forces import default_forces

HEADER_LINES = 25
TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")
_TABLE_HEADER = frozenset(
    [
        "name",
        "names",
        "role",
        "roles",
        "post",
        "position",
        "title",
        "organisation",
        "attendee",
        "attendees",
        "member",
    ]
)
BULLET = re.compile(r"^\s*(?:[-*•·▪–]\s+|\d{1,2}[.)]\s+)")
_NAME_AND_ROLE = frozenset({"name", "role", "post", "position", "title"})
_INITIALS = re.compile(r"\(\s*([A-Z]{2,4})\s*\)")
DASH = re.compile(r"\s+[–—-]\s+")
_NUMBERED_ITEM = re.compile(r"^\s*\d{1,3}(?:\.\d{1,2})*\.?\s+\S")
_MEETING_PREFIX = re.compile(
    r"^(?:(?:the\s+)?minutes\s+of\s+(?:the\s+|a\s+)?|at\s+an?\s+|(?:a\s+|the\s+)?meeting\s+of\s+"
    r"(?:the\s+)?)+",
    re.IGNORECASE,
)
_SMALL = frozenset(["and", "of", "the", "for", "in", "on", "to", "at", "by", "with", "a", "an"])


@dataclass
class LayoutFact:
    """A fact a layout states, with the line it was read from (clean-text offsets)."""

    subject: Span
    relation: str
    object: Span
    line: tuple[int, int]
    rule: str


@dataclass
class Layout:
    """What the layouts of one document say."""

    spans: list[Span] = field(default_factory=list)
    facts: list[LayoutFact] = field(default_factory=list)
    initials: dict[str, Span] = field(default_factory=dict)  # "JB" -> the person


class AttendanceReader:
    """Reads attendance lists and tables, and the post and person cells layouts share."""

    def __init__(self, lexicon: Lexicon, people: PeopleFinder) -> None:
        self.lex = lexicon
        self.people = people
        cues = lexicon.vocab.layouts
        self.present = {h.lower() for h in cues.attendance_headings}
        self.absent = {h.lower() for h in cues.absence_headings}
        self.chair_marks = {m.lower() for m in cues.chair_marks}
        self.titles = frozenset(cues.member_titles)
        words = "|".join(sorted((re.escape(w) for w in cues.meeting_words), key=len, reverse=True))
        self.meeting = re.compile(
            rf"(?P<name>(?:[A-Z][\w'’&-]*|&)(?:\s+(?:[A-Z][\w'’&-]*|&|{'|'.join(_SMALL)}))*?"
            rf"\s+(?i:{words}))\b(?!\s+(?:of|for)\b)"
        )
        self.forces = {f.name.lower() for f in default_forces()} | {
            a.lower() for f in default_forces() for a in f.aliases
        }

    def _holder(self, line: str, lo: int, text: str, *, strict: bool = False) -> Span | None:
        """A person (ranked, or a name of two to four words) or else a post, from a cell.
        `strict`: the post must be one the recognisers know (a rank or a post title), not
        any text, for layouts that say less about their cells."""
        person = self._person(line, lo, text)
        if person is not None and person.attrs:
            return person
        typed = self.lex.classify(text.strip())
        if typed is not None and typed.type in (UNIT, ORGANISATION):
            # "| Lead agency | Mansfield District Council |": a body leads.
            start = lo + line.find(text.strip())
            return Span(
                start,
                start + len(text.strip()),
                typed.type,
                text.strip(),
                typed.name,
                "layout_body",
                0.85,
            )
        if strict:
            known = [s for s in self.people.find(text) if s.start == 0]
            if not known:
                return None
            text = text[: max(s.end for s in known)]
        return self._post(line, lo, text)

    def _inline_lists(self, out: Layout, lines: Sequence[tuple[int, int, str]]) -> None:
        """Attendance written on one line: "Present: Cllr A. Brown (Chairman), Mr C. Davies
        and Supt G. Hill." Each item is an entry as in a list."""
        meeting = None
        for index, (lo, _hi, line) in enumerate(lines):
            inline = self._inline(line)
            if inline is None:
                continue
            kind, rest, offset = inline
            if meeting is None:
                meeting = self._meeting(lines, index)
                if meeting is not None:
                    out.spans.append(meeting)
            for m in re.finditer(r"(?:[^,;(]|\([^)]*\))+", rest):
                item = re.sub(r"^(?:and|&)\s+", "", m.group().strip().rstrip("."))
                for part in re.split(r"\s+and\s+(?=(?:[A-Z][a-z]*\.?\s)?[A-Z])", item):
                    start = lo + offset + m.start() + m.group().find(part)
                    self._entry(out, start, start + len(part), part, kind == "absent", meeting)

    def _inline(self, line: str) -> tuple[str, str, int] | None:
        """ "Present: Cllr A. Brown (Chairman), Mr C. Davies and Supt G. Hill." on one line."""
        m = re.match(r"^\s*(?P<head>[A-Za-z][A-Za-z ]{2,40}?)\s*:\s*(?P<rest>\S.*)$", line)
        if m is None:
            return None
        kind = self._heading(m.group("head"))
        if kind is None:
            return None
        return kind, m.group("rest"), m.start("rest")

    def _topic(self, start: int, topic: str) -> Span:
        """What a layout says is led: a theme, a named thing or a piece of work."""
        theme = self.lex.theme_names.get(topic.lower())
        if theme:
            return Span(start, start + len(topic), THEME, topic, theme, "layout_topic", 0.85)
        typed = self.lex.classify(topic)
        if typed is not None and typed.type not in (PERSON, POST):
            return Span(
                start, start + len(topic), typed.type, topic, typed.name, "layout_topic", 0.85
            )
        return Span(start, start + len(topic), OBJECTIVE, topic, topic, "layout_topic", 0.85)

    def _heading(self, line: str) -> str | None:
        bare = re.sub(r"^#+\s*|[*_]", "", line).strip().rstrip(":").strip().lower()
        if bare in self.present:
            return "present"
        if bare in self.absent:
            return "absent"
        words = bare.split()
        if len(words) <= 6 and not _NUMBERED_ITEM.match(line):
            # "Who attended the decision meeting", "Apologies received from"
            if any(w.startswith(("apolog", "absent")) for w in words):
                return "absent"
            if any(w.startswith(("attend", "present")) for w in words):
                return "present"
        if self._table_header(line) and _NAME_AND_ROLE & set(
            c.strip().lower() for c in re.split(r"[|\t]", line)
        ) >= {"name"}:
            return "present"  # a "Name | Role" table: each row a person and their post
        return None

    def _blocks(self, lines: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, bool]]:
        """(first line, end line, absent) of each run of entries under a heading."""
        out = []
        i = 0
        while i < len(lines):
            kind = self._heading(lines[i][2])
            if kind is None:
                i += 1
                continue
            j = i + 1
            entries = 0
            blank = 0
            while j < len(lines):
                line = lines[j][2].strip()
                if not line:
                    blank += 1
                    if blank > 1 and entries:
                        break
                    j += 1
                    continue
                blank = 0
                if self._heading(line) is not None or _NUMBERED_ITEM.match(line):
                    break
                if TABLE_RULE.match(line) or self._table_header(line):
                    j += 1
                    continue
                if self._split(line) is None:
                    if entries:
                        break
                    if len(line.split()) > 3:
                        break  # prose after the heading: not a list
                entries += 1
                j += 1
            if entries:
                out.append((i + 1, j, kind == "absent"))
            i = j
        return out

    @staticmethod
    def _table_header(line: str) -> bool:
        cells = [c.strip().lower() for c in re.split(r"[|\t]", line.strip().strip("|"))]
        cells = [c for c in cells if c]
        tabular = "|" in line or "\t" in line
        return tabular and len(cells) >= 2 and all(c in _TABLE_HEADER for c in cells)

    def _split(self, line: str) -> tuple[str, str | None] | None:
        """(name part, role part) of an entry line, or None when it is not one."""
        line = BULLET.sub("", line).strip()
        if not line or TABLE_RULE.match(line):
            return None
        if "|" in line:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            cells = [c for c in cells if c]
            if not cells or all(c.lower() in _TABLE_HEADER for c in cells):
                return None
            return cells[0], (cells[1] if len(cells) > 1 else None)
        if "\t" in line:
            cells = [c.strip() for c in line.split("\t") if c.strip()]
            return cells[0], (cells[1] if len(cells) > 1 else None)
        dash = DASH.search(line)
        if dash:
            return line[: dash.start()].strip(), line[dash.end() :].strip()
        # "Dr Lewis Armstrong (Director, Northumbria VRU)": the bracket holds the post.
        m = re.match(r"^(.*?)\s*\(([^()]{3,80})\)\s*$", line)
        if (
            m
            and not _INITIALS.fullmatch(f"({m.group(2)})")
            and m.group(2).strip().lower() not in self.chair_marks
        ):
            return m.group(1).strip(), m.group(2).strip()
        if "," in line:
            name, role = line.split(",", 1)
            return name.strip(), role.strip()
        return line, None

    def _entry(
        self, out: Layout, lo: int, hi: int, line: str, absent: bool, meeting: Span | None
    ) -> None:
        split = self._split(line)
        if split is None:
            return
        name_part, role = split
        chair = False
        for m in re.finditer(r"\(([^()]+)\)", name_part):
            if m.group(1).strip().lower() in self.chair_marks:
                chair = True
        if role is not None and role.strip().lower().rstrip(".") in self.chair_marks:
            chair, role = True, None
        if role is not None:
            marked = re.search(r"\s*\(([^()]+)\)\s*$", role)
            if marked and marked.group(1).strip().lower() in self.chair_marks:
                chair, role = True, role[: marked.start()]  # "Assistant Chief Constable (Chair)"
        if role is not None:
            role_mark = re.match(r"^\s*\(?(?P<m>[^,()]+)\)?\s*,\s*", role)
            if role_mark and role_mark.group("m").strip().lower() in self.chair_marks:
                chair, role = True, role[role_mark.end() :]
        person = self._person(line, lo, name_part)
        if person is None:
            return
        out.spans.append(person)
        initials = _INITIALS.search(name_part)
        if initials:
            out.initials[initials.group(1)] = person
        if role:
            post = self._post(line, lo, role)
            if post is not None:
                out.spans.append(post)
                out.facts.append(
                    LayoutFact(person, "HOLDS_POST", post, (lo, hi), "layout_holds_post")
                )
                head = self._head_of(post)
                if head is not None:
                    out.spans.append(head)
                    out.facts.append(LayoutFact(person, "HEADS", head, (lo, hi), "layout_head_of"))
                led = re.match(r"^(?P<x>[A-Z][\w'’&, -]+?)\s+Lead$", post.text)
                if led is not None and len(led.group("x").split()) <= 6:
                    obj = self._topic(post.start, led.group("x"))
                    out.spans.append(obj)
                    out.facts.append(LayoutFact(person, "LEADS", obj, (lo, hi), "layout_post_lead"))
        if chair and not absent and meeting is not None:
            out.facts.append(LayoutFact(person, "CHAIRS", meeting, (lo, hi), "layout_chair_mark"))

    def _person(self, line: str, lo: int, name_part: str) -> Span | None:
        offset = line.find(name_part)
        bare = _INITIALS.sub("", re.sub(r"\((?:[^()]*)\)", lambda m: m.group(), name_part))
        bare = re.sub(r"\s*\([^()]*\)\s*$", "", bare).strip()
        found = [s for s in self.people.find(bare) if s.type == PERSON and s.start <= 3]
        if found:
            s = max(found, key=lambda s: s.end - s.start)
            return Span(
                lo + offset + s.start,
                lo + offset + s.end,
                PERSON,
                s.text,
                s.name,
                "layout_attendee",
                0.9,
                s.attrs,
            )
        words = bare.split()
        title = None
        while words and words[0].rstrip(".") in self.titles:
            title = words.pop(0)
        if words and re.fullmatch(r"[A-Z]\.", words[0]) and len(words) >= 2 and title:
            words = words[1:]  # "Cllr J. Pickering": an initial, then the surname
            if len(words) == 1 and re.fullmatch(NAME_WORD, words[0]):
                start = lo + offset + bare.find(words[0])
                attrs1 = (("rank", title), ("rankName", title.rstrip(".")), ("surname", words[0]))
                return Span(
                    start,
                    start + len(words[0]),
                    PERSON,
                    words[0],
                    words[0],
                    "layout_attendee",
                    0.85,
                    tuple(sorted(attrs1)),
                )
        if not 2 <= len(words) <= 4 or not all(re.fullmatch(NAME_WORD, w) for w in words):
            return None
        if self.lex.classify(" ".join(words)) is not None or words[-1].lower() in self._post_nouns:
            return None  # "Ashfield District Council", "Licensing Manager": no person
        given, surname = words[0], words[-1]
        start = lo + offset + bare.find(words[0])
        end = lo + offset + bare.find(words[-1]) + len(words[-1])
        attrs: list[tuple[str, str]] = [("given", given), ("surname", surname)]
        if title:
            attrs += [("rank", title), ("rankName", title.rstrip("."))]
        name = f"{given} {surname}"
        return Span(
            start, end, PERSON, " ".join(words), name, "layout_attendee", 0.85, tuple(sorted(attrs))
        )

    @cached_property
    def _post_nouns(self) -> frozenset[str]:
        return frozenset(self.lex.vocab.roles.post_nouns) | {"officer", "constable"}

    def _post(self, line: str, lo: int, role: str) -> Span | None:
        role = role.strip().strip(".")
        parts = [p.strip() for p in role.split(",")]
        while len(parts) > 1 and parts[-1].lower() in self.forces:
            parts.pop()  # "Deputy Chief Constable, Kent Police": the force is the document's
        name = ", ".join(parts)
        if not name or not name[0].isalpha() or len(name.split()) > 14:
            return None
        start = lo + line.find(role)
        typed = [s for s in self.people.find(name) if s.type == POST and s.start == 0]
        canonical = (
            max(typed, key=lambda s: s.end).name if typed and typed[0].end == len(name) else name
        )
        return Span(start, start + len(name), POST, name, canonical, "layout_post", 0.85)

    def _head_of(self, post: Span) -> Span | None:
        """The unit a "Head of X" or "Director of X" post heads (X, as written)."""
        m = re.match(
            r"^(?:Deputy |Assistant )?(?:Head|Director)(?: of (?:the )?|, )(?P<x>[A-Z][^,()]+)",
            post.text,
        )
        if m is None:
            return None
        name = m.group("x").strip()
        start = post.start + m.start("x")
        typed = self.lex.classify(name)
        type_ = typed.type if typed is not None and typed.type in (UNIT, ORGANISATION) else UNIT
        return Span(start, start + len(name), type_, name, name, "layout_head_of", 0.8)

    def _meeting(self, lines: Sequence[tuple[int, int, str]], before: int) -> Span | None:
        """The body whose meeting the page records, from the title lines above the list."""
        for lo, _, line in lines[: min(before, HEADER_LINES)]:
            stripped = line.strip().strip("#*").strip()
            if not stripped:
                continue
            prefix = _MEETING_PREFIX.match(stripped)
            body = stripped[prefix.end() :] if prefix else stripped
            upper = body.isupper()
            candidate = _title_case(body) if upper else body
            m = self.meeting.search(candidate)
            if m is None:
                continue
            name = m.group("name")
            name = re.sub(r"^(?:The|A|An)\s+", "", name)
            start = lo + line.find(stripped) + (prefix.end() if prefix else 0) + m.start("name")
            typed = self.lex.classify(name)
            type_ = typed.type if typed is not None and typed.type != POST else UNIT
            return Span(
                start, start + len(m.group("name")), type_, name, name, "layout_meeting", 0.85
            )
        return None


def split_lines(text: str) -> list[tuple[int, int, str]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def _title_case(text: str) -> str:
    """An all-capitals line in title case, small words lower ("POLICE AND CRIME PANEL");
    the spacing is kept, so offsets into the line still hold."""

    def word(m: re.Match[str]) -> str:
        w, low = m.group(), m.group().lower()
        return low if m.start() and low in _SMALL else w[:1] + w[1:].lower()

    return re.sub(r"\S+", word, text)
