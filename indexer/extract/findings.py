"""Risks and recommendations: cue sentences, lists after a cue, and recommendation sections."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from graph.model import RECOMMENDATION, RISK, Span
from indexer.extract.text import Sentence
from indexer.segment import Structure
from kg.vocab import Cue, Vocabulary

_BULLET = re.compile(r"^\s*(?:[-*•]|\(?\d{1,2}[.)])\s+")
_BACK_REFERENCE = re.compile(r"^(?:this|it|these|they|that)\b", re.IGNORECASE)
_LIST_END = re.compile(r"^(?:those|these|this|the above|all of|\d{1,3}\.)\s", re.IGNORECASE)
_MAX_NAME = 200


@dataclass(frozen=True)
class Finding:
    """A risk or recommendation span with the sentence quoted as its evidence."""

    span: Span
    sentence: Sentence


def _compile(cues: Sequence[Cue]) -> list[tuple[Cue, re.Pattern[str]]]:
    return [(c, re.compile(c.regex, re.IGNORECASE)) for c in cues]


def _title(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" .;:")
    if len(text) <= _MAX_NAME:
        return text
    cut = text.rfind(" ", 0, _MAX_NAME)
    return text[: cut if cut > 0 else _MAX_NAME] + "…"


class FindingReader:
    """Finds risks and recommendations in one document."""

    def __init__(self, vocab: Vocabulary) -> None:
        f = vocab.findings
        self.risk = _compile(f.risk_cues)
        self.risk_list = _compile(f.risk_list_cues)
        self.rec = _compile(f.recommendation_cues)
        self.directive = _compile(f.directive_cues)
        self.sections = re.compile(
            r"^(?:\d+\.?\s*)?(?:" + "|".join(f.recommendation_sections) + r")\s*:?$", re.IGNORECASE
        )

    def read(self, text: str, structure: Structure, sents: Sequence[Sentence]) -> list[Finding]:
        out: list[Finding] = []
        regions = self._regions(text, structure)
        for i, sent in enumerate(sents):
            body = sent.text[sent.body :].strip()
            if not body:
                continue
            out += self._risks(sents, i, body)
            out += self._recommendations(sent, body, regions)
        return out

    def _risks(self, sents: Sequence[Sentence], i: int, body: str) -> list[Finding]:
        sent = sents[i]
        for cue, rx in self.risk_list:
            if rx.search(body):
                return [f for s in self._list_items(sents, i) for f in [self._risk(s, cue)]]
        for cue, rx in self.risk:
            if rx.search(body):
                quoted = sent
                if (
                    _BACK_REFERENCE.match(body)
                    and i > 0
                    and len(sents[i - 1].text) + len(body) < 300
                ):
                    prev = sents[i - 1]
                    quoted = Sentence(
                        prev.pieces + sent.pieces,
                        f"{prev.text} {sent.text}",
                        prev.body,
                        prev.line_start,
                    )
                return [self._risk(quoted, cue)]
        return []

    def _risk(self, sent: Sentence, cue: Cue) -> Finding:
        body = sent.text[sent.body :]
        start = sent.to_clean(sent.body)
        span = Span(start, sent.end, RISK, body, _title(body), f"risk_{cue.name}", cue.confidence)
        return Finding(span, sent)

    def _list_items(self, sents: Sequence[Sentence], i: int) -> list[Sentence]:
        items: list[Sentence] = []
        for sent in sents[i + 1 : i + 12]:
            body = sent.text.strip()
            if _LIST_END.match(body) and not _BULLET.match(body):
                break
            if not sent.line_start and items:
                last = items[-1]
                items[-1] = Sentence(
                    last.pieces + sent.pieces, f"{last.text} {sent.text}", last.body, True
                )
                continue
            items.append(sent)
        return items

    def _recommendations(
        self, sent: Sentence, body: str, regions: list[tuple[int, int, str]]
    ) -> list[Finding]:
        for cue, rx in self.rec:
            m = rx.search(body)
            if not m:
                continue
            if re.search(r"\bno recommendations\b", body, re.IGNORECASE):
                return []
            groups = m.groupdict()
            text = groups.get("text") or body
            attrs = []
            if groups.get("number"):
                attrs.append(("number", groups["number"]))
            if groups.get("owner"):
                attrs.append(("owner", groups["owner"].strip()))
            return [self._rec(sent, text, f"recommendation_{cue.name}", cue.confidence, attrs)]
        section = next((kind for lo, hi, kind in regions if lo <= sent.start < hi), None)
        if section is None:
            return []
        if section.startswith("recommendation"):
            return [self._rec(sent, body, "recommendation_section", 0.7, [])]
        for cue, rx in self.directive:
            if rx.search(body):
                return [self._rec(sent, body, f"recommendation_{cue.name}", cue.confidence, [])]
        return []

    def _rec(
        self, sent: Sentence, text: str, rule: str, confidence: float, attrs: list[tuple[str, str]]
    ) -> Finding:
        start = sent.to_clean(sent.body)
        span = Span(
            start,
            sent.end,
            RECOMMENDATION,
            sent.text[sent.body :],
            _title(text),
            rule,
            confidence,
            tuple(sorted(attrs)),
        )
        return Finding(span, sent)

    def _regions(self, text: str, structure: Structure) -> list[tuple[int, int, str]]:
        """(start, end, kind) of sections whose heading names recommendations."""
        out: list[tuple[int, int, str]] = []
        headings = structure.headings
        for i, h in enumerate(headings):
            title = h.text.strip("#* ").strip()
            if not self.sections.match(title):
                continue
            level = len(text[h.start : h.end]) - len(text[h.start : h.end].lstrip("#"))
            end = len(text)
            for nxt in headings[i + 1 :]:
                nxt_level = len(text[nxt.start : nxt.end]) - len(
                    text[nxt.start : nxt.end].lstrip("#")
                )
                if level == 0 or (0 < nxt_level <= level):
                    end = nxt.start
                    break
            out.append((h.end, end, title.lower()))
        return out
