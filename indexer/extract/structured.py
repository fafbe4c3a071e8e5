"""Structured forms: plan milestones with owner lines, and written lists of initiatives."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from graph.model import INITIATIVE, OBJECTIVE, POST, Span
from indexer.extract.lexicon import TITLE_SPAN, Lexicon
from indexer.extract.names import split_list
from indexer.extract.people import PeopleFinder
from indexer.extract.relations import strip_np
from indexer.extract.text import Sentence

_PARAGRAPH = re.compile(r"^\s*\d{1,3}(?:\.\d{1,2})?\.?\s")


@dataclass(frozen=True)
class Milestone:
    """A plan milestone, its owners and how often it is reported."""

    objective: Span
    owners: tuple[Span, ...]
    frequency: str | None
    sentence: Sentence


class MilestoneReader:
    """Reads "<milestone>  Lead <post>[/<post>] – <frequency>" owner lines."""

    def __init__(self, lexicon: Lexicon, people: PeopleFinder) -> None:
        self.lex = lexicon
        self.people = people
        vocab = lexicon.vocab
        starts = sorted({f.rstrip(".") for f in vocab.rank_by_form}, key=len, reverse=True)
        start = (
            "|".join(re.escape(s) for s in starts) + "|Director|Head|Chief|Deputy|Assistant|Senior"
        )
        freq = "|".join(vocab.findings.frequencies)
        owners = rf"(?P<owners>(?:{start})\b[^/–—\n]*?(?:[ \t]*/[ \t]*[A-Z][^/–—\n]*?)*)"
        tail = rf"[ \t]*(?:(?:[–—]|[ \t]-)[ \t]*(?P<freq>(?i:{freq}))[ \t]*)?$"
        self.lines = [
            re.compile(rf"^(?P<pre>.*?)[ \t]*(?<![\w/])(?P<lead>Lead[ \t]+){owners}{tail}"),
            re.compile(rf"^(?P<pre>.*?)[ \t]*(?<![\w/])(?P<lead>){owners}{tail}"),
        ]

    def read(self, text: str) -> list[Milestone]:
        out: list[Milestone] = []
        lines = text.split("\n")
        offsets = []
        pos = 0
        for line in lines:
            offsets.append(pos)
            pos += len(line) + 1
        for i, line in enumerate(lines):
            m = self.lines[0].match(line) or self.lines[1].match(line)
            if not m or not (m.group("lead") or m.group("freq")):
                continue
            pre = m.group("pre").strip()
            if len(pre.split()) >= 3:
                ms_start = (
                    offsets[i] + m.start("pre") + len(m.group("pre")) - len(m.group("pre").lstrip())
                )
                ms_end = offsets[i] + m.end("pre")
                pieces = [(ms_start, ms_end)]
            elif pre:
                continue
            else:
                j = i - 1
                while j >= 0 and not lines[j].strip():
                    j -= 1
                if j < 0 or i - j > 3:
                    continue
                prev = lines[j].strip()
                if (
                    _PARAGRAPH.match(prev)
                    or prev.endswith((".", ":", ";"))
                    or len(prev) > 320
                    or len(prev.split()) < 3
                ):
                    continue
                pieces = [(offsets[j], offsets[j] + len(lines[j].rstrip()))]
                ms_start, ms_end = pieces[0]
            owner_start = offsets[i] + (m.start("lead") if m.group("lead") else m.start("owners"))
            owner_end = offsets[i] + len(line.rstrip())
            if owner_start > ms_end:
                pieces.append((owner_start, owner_end))
            else:
                pieces[-1] = (pieces[-1][0], owner_end)
            milestone = text[ms_start:ms_end].strip()
            sentence = Sentence(tuple(pieces), " ".join(text[a:b] for a, b in pieces), 0, True)
            owners = self._owners(m.group("owners"), offsets[i] + m.start("owners"))
            if not owners:
                continue
            attrs = [("kind", "milestone"), ("owner", m.group("owners").strip())]
            if m.group("freq"):
                attrs.append(("frequency", m.group("freq").strip()))
            objective = Span(
                ms_start,
                ms_start + len(milestone),
                OBJECTIVE,
                milestone,
                milestone,
                "milestone_owner_line",
                0.9,
                tuple(sorted(attrs)),
            )
            out.append(Milestone(objective, tuple(owners), m.group("freq"), sentence))
        return out

    def _owners(self, owners: str, offset: int) -> list[Span]:
        out: list[Span] = []
        prefix: str | None = None
        cursor = 0
        for piece in owners.split("/"):
            local = owners.find(piece, cursor)
            cursor = local + len(piece)
            piece_clean = piece.strip()
            if not piece_clean:
                continue
            start = offset + local + (len(piece) - len(piece.lstrip()))
            found = [s for s in self.people.find(piece_clean) if s.start == 0]
            person = next((s for s in found if s.type == "Person"), None)
            post = max((s for s in found if s.type == POST), key=lambda s: s.end, default=None)
            if person:
                out.append(
                    Span(
                        start,
                        start + person.end,
                        person.type,
                        person.text,
                        person.name,
                        "milestone_owner",
                        0.9,
                        person.attrs,
                    )
                )
                continue
            if post is not None:
                prefix = next((v for k, v in post.attrs if k == "rank"), prefix)
                out.append(
                    Span(
                        start,
                        start + len(piece_clean),
                        POST,
                        piece_clean,
                        post.name,
                        "milestone_owner",
                        0.9,
                        post.attrs,
                    )
                )
                continue
            if prefix and piece_clean[:1].isupper():
                text = f"{prefix} {piece_clean}"
                posts = [s for s in self.people.find(text) if s.type == POST and s.start == 0]
                name = max(posts, key=lambda s: s.end).name if posts else text
                out.append(
                    Span(
                        start,
                        start + len(piece_clean),
                        POST,
                        piece_clean,
                        name,
                        "milestone_owner",
                        0.85,
                    )
                )
        return out


class ListReader:
    """Initiatives named in lists: "projects (such as A and B)", "e.g. A; B and C"."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon
        nouns = "|".join(re.escape(n) for n in lexicon.vocab.gazetteer.initiative_list_nouns)
        self.intro = re.compile(
            rf"\b(?:{nouns})\b[^.]{{0,40}}?[ (,:–-]*\b(?:such as|including|namely|e\.g\.?|eg,?)"
            r"\s+(?P<list>[^.)]+)",
            re.IGNORECASE,
        )
        self.these = re.compile(
            r"^(?:these|this) (?:include|includes|are|were)\s+(?P<list>[^.]+)", re.IGNORECASE
        )
        self.nouns = re.compile(rf"\b(?:{nouns}|projects|programmes)\b", re.IGNORECASE)
        self.span = re.compile(TITLE_SPAN)

    def read(self, sents: Sequence[Sentence]) -> list[Span]:
        out: list[Span] = []
        for i, sent in enumerate(sents):
            body = sent.text[sent.body :]
            matches = list(self.intro.finditer(body))
            m2 = self.these.match(body)
            if m2 and i > 0 and self.nouns.search(sents[i - 1].text):
                matches.append(m2)
            for m in matches:
                out += self._items(sent, sent.body + m.start("list"), m.group("list"))
        return out

    def _items(self, sent: Sentence, base: int, phrase: str) -> list[Span]:
        out: list[Span] = []
        cursor = 0
        for item in split_list(phrase):
            local = phrase.find(item, cursor)
            cursor = max(cursor, local + len(item))
            name = strip_np(item)
            spans = [s for s in self.span.findall(name) if len(s.split()) >= 2]
            if spans:
                name = spans[-1]
            elif (
                len(name.split()) > 6
                or not name[:1].isalpha()
                or (len(name.split()) == 1 and not name[:1].isupper())
            ):
                continue
            start = (
                sent.to_clean(base + local + item.find(name))
                if name in item
                else sent.to_clean(base + local)
            )
            typed = self.lex.classify(name) or self.lex.fallback(
                name, INITIATIVE, 0.55, titled=True
            )
            if typed is None or (typed.type != INITIATIVE and not name.isupper()):
                continue
            attrs = (("qualifier", typed.qualifier),) if typed.qualifier else ()
            out.append(
                Span(
                    start,
                    start + len(name),
                    typed.type,
                    name,
                    typed.name,
                    "listed_initiative",
                    typed.confidence,
                    attrs,
                )
            )
        return out
