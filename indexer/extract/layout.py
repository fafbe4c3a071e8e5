"""Layouts that say who holds which post or leads what: attendance (indexer.extract.attendance),
tables that assign work, role label lines, portfolio-holder lists and a paper's author lines.

A table with a column headed "Lead", "Owner", "SRO" or "Chair" (layouts.yaml `role_columns`)
gives, for each row and each such column, LEADS (or CHAIRS) from that cell's post or person to
the row's first cell. A label line "Silver lead, knife crime: DI Sam Okafor" gives LEADS from
the holder to what the label names; so do "Topic – Holder" lines under a heading that names
roles ("Portfolio holders"). "Report of: Name, Post" gives the author's post.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property

from graph.model import OBJECTIVE, ORGANISATION, PERSON, POST, THEME, UNIT, Span
from indexer.extract.attendance import (
    BULLET,
    DASH,
    HEADER_LINES,
    TABLE_RULE,
    AttendanceReader,
    Layout,
    LayoutFact,
    split_lines,
)


class LayoutReader(AttendanceReader):
    """Reads every layout of a page with one vocabulary: attendance, role tables, labels."""

    def read(self, text: str) -> Layout:
        """The attendance entries, role tables and label lines of `text`, and their facts."""
        out = Layout()
        lines = split_lines(text)
        self._role_tables(out, lines)
        self._labels(out, lines)
        self._authors(out, lines)
        self._holder_lists(out, lines)
        self._inline_lists(out, lines)
        blocks = self._blocks(lines)
        if not blocks:
            return out
        meeting = self._meeting(lines, blocks[0][0])
        if meeting is not None:
            out.spans.append(meeting)
        for start, end, absent in blocks:
            for lo, hi, line in lines[start:end]:
                self._entry(out, lo, hi, line, absent, meeting)
        return out

    def _role_tables(self, out: Layout, lines: Sequence[tuple[int, int, str]]) -> None:
        cues = self.lex.vocab.layouts
        roles = {c.lower() for c in cues.role_columns}
        freqs = {c.lower() for c in cues.frequency_columns}
        header: list[str] | None = None
        for lo, hi, line in lines:
            if "|" not in line:
                header = None
                continue
            if TABLE_RULE.match(line.strip()):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = [c.lower() for c in cells]
                continue
            for lead_col in [i for i, c in enumerate(header) if c in roles and i > 0]:
                self._role_row(out, lo, hi, line, header, cells, lead_col, freqs)

    def _role_row(
        self,
        out: Layout,
        lo: int,
        hi: int,
        line: str,
        header: list[str],
        cells: list[str],
        lead_col: int,
        freqs: set[str],
    ) -> None:
        """One row of a role table: the post or person of `lead_col` leads the first cell."""
        if lead_col >= len(cells) or not cells[0] or not cells[lead_col]:
            return
        item = re.sub(r"^\d{1,3}[.)]?\s+", "", cells[0]).strip()
        holder_text = cells[lead_col]
        holder = self._holder(line, lo, holder_text)
        if holder is None or len(item.split()) < 2:
            return
        start = lo + line.find(item)
        attrs = [("kind", "objective"), ("owner", holder_text)]
        freq_col = next((i for i, c in enumerate(header) if c in freqs), None)
        if freq_col is not None and freq_col < len(cells) and cells[freq_col]:
            attrs.append(("frequency", cells[freq_col]))
        typed = self.lex.classify(item)
        type_ = typed.type if typed is not None and typed.type not in (PERSON, POST) else OBJECTIVE
        obj = Span(
            start,
            start + len(item),
            type_,
            item,
            item,
            "layout_role_table",
            0.85,
            tuple(sorted(attrs)),
        )
        relation = "CHAIRS" if header[lead_col].startswith("chair") else "LEADS"
        if relation == "CHAIRS" and type_ not in (UNIT, ORGANISATION):
            return
        out.spans += [holder, obj]
        out.facts.append(LayoutFact(holder, relation, obj, (lo, hi), "layout_role_table"))

    def _labels(self, out: Layout, lines: Sequence[tuple[int, int, str]]) -> None:
        for lo, hi, line in lines:
            m = self.label.match(line)
            if m is None:
                continue
            role = m.group("role")
            topic = (m.group("topic") or m.group("before") or "").strip(" ,()")
            if not topic:
                continue
            holder = self._holder(line, lo, m.group("holder").strip())
            if holder is None:
                continue
            entry = self.lex.vocab.roles.nouns.get(role.lower().split()[-1])
            if entry is None:
                continue
            start = lo + m.start("topic" if m.group("topic") else "before")
            start += len(line[start - lo :]) - len(line[start - lo :].lstrip(" ,("))
            typed = self.lex.classify(topic)
            theme = self.lex.theme_names.get(topic.lower())
            if theme:
                obj = Span(
                    start,
                    start + len(topic),
                    THEME,
                    topic,
                    theme,
                    "layout_role_label",
                    entry.confidence,
                )
            elif typed is not None and typed.type not in (PERSON, POST):
                obj = Span(
                    start,
                    start + len(topic),
                    typed.type,
                    topic,
                    typed.name,
                    "layout_role_label",
                    entry.confidence,
                )
            else:
                obj = Span(
                    start,
                    start + len(topic),
                    OBJECTIVE,
                    topic,
                    topic,
                    "layout_role_label",
                    entry.confidence,
                )
            relation = entry.relation
            if relation == "HEADS" and obj.type not in (UNIT, ORGANISATION):
                relation = "LEADS"
            if relation == "CHAIRS" and obj.type not in (UNIT, ORGANISATION):
                continue
            out.spans += [holder, obj]
            out.facts.append(LayoutFact(holder, relation, obj, (lo, hi), "layout_role_label"))

    def _authors(self, out: Layout, lines: Sequence[tuple[int, int, str]]) -> None:
        """ "Report of: Name, Post" and "Contact officer: Name – Post" lines of a paper's head."""
        cues = "|".join(re.escape(c) for c in self.lex.vocab.layouts.author_labels)
        if not cues:
            return
        label = re.compile(rf"^\s*(?i:{cues})\s*:\s*(?P<entry>\S.*)$")
        for lo, hi, line in lines[: HEADER_LINES * 2]:
            m = label.match(line)
            if m is None:
                continue
            entry = m.group("entry")
            offset = m.start("entry")
            self._entry(out, lo + offset, hi, entry, True, None)

    @cached_property
    def label(self) -> re.Pattern[str]:
        """ "Silver lead, knife crime: DI Okafor" / "Knife crime lead: DI Okafor"."""
        nouns = "|".join(
            sorted((re.escape(n) for n in self.lex.vocab.roles.nouns), key=len, reverse=True)
        )
        return re.compile(
            rf"^\s*(?:[-*•]\s+)?(?P<before>[A-Za-z][\w '’/-]{{0,60}}?\s)??"
            rf"(?P<role>(?:[A-Za-z]+\s+){{0,2}}?(?i:{nouns}))(?:\s*\([^()]{{1,30}}\))?"
            rf"(?:\s*,\s*(?P<topic>[^:\n]{{2,80}}?))?\s*:\s+(?P<holder>\S.{{2,80}})$"
        )

    def _holder_lists(self, out: Layout, lines: Sequence[tuple[int, int, str]]) -> None:
        """ "Violence against women and girls – T/ACC Sian Lewis" lines under a heading that
        names roles ("Portfolio holders", "Leads", "Responsibilities")."""
        role_heading = False
        for lo, hi, line in lines:
            text = line.strip()
            if not text:
                continue
            if not BULLET.match(line) and not DASH.search(text) and len(text.split()) <= 8:
                words = set(re.findall(r"[a-z]+", text.lower()))
                role_heading = bool(words & self._holder_words)
                continue
            if not role_heading:
                continue
            body = BULLET.sub("", line).strip()
            dash = DASH.search(body)
            if dash is None:
                continue
            topic, holder_text = body[: dash.start()].strip(), body[dash.end() :].strip()
            offset = line.find(body)
            holder = self._holder(line, lo, holder_text, strict=True)
            if holder is None or not topic or len(topic.split()) > 10:
                continue
            if self._person(line, lo, topic) is not None:
                continue  # "Name – Post": an attendance entry, not a role
            start = lo + offset
            obj = self._topic(start, topic)
            out.spans += [holder, obj]
            out.facts.append(LayoutFact(holder, "LEADS", obj, (lo, hi), "layout_holder_list"))

    @cached_property
    def _holder_words(self) -> frozenset[str]:
        nouns = set(self.lex.vocab.roles.nouns)
        return frozenset(
            nouns
            | {w + "s" for w in nouns}
            | {"portfolio", "portfolios", "holders", "responsibilities"}
        )
