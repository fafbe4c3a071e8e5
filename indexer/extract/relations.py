"""Relation patterns over masked sentences: endpoints from entities or from phrases."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from graph.model import INITIATIVE, OBJECTIVE, PERSON, POST, THEME, UNIT, Span
from indexer.extract.lexicon import Lexicon
from indexer.extract.masking import OPEN, TOKEN, Masked, expand_slots
from indexer.extract.named import NamedFilter
from indexer.extract.names import split_list
from kg.vocab import RelationPattern

_DETERMINER = re.compile(
    r"^(?:the|a|an|this|that|these|those|its|their|our|his|her|all|any|some|each|both|"
    r"several|other|further|new|current|existing|respective)\s+",
    re.IGNORECASE,
)
_BOUNDARY = re.compile(
    r"\s*(?:[,;:()–]|\s-\s|\b(?:is|are|was|were|has|have|had|will|would|can|could|may|"
    r"continues|continue|remains|means|being|been|to|that|which|who|where|whilst|while|"
    r"with|by|at|runs|provides|aims|includes|sees|allows|in association)\b)\s*",
    re.IGNORECASE,
)
_PRONOUNS = {
    "this",
    "it",
    "they",
    "this work",
    "the project",
    "the programme",
    "this project",
    "the methodology",
    "the model",
    "the plan",
    "the board",
    "the group",
    "the initiative",
    "the team",
    "the approach",
    "the forum",
    "this group",
    "this board",
    "this forum",
}
_UNIT_TAIL = re.compile(
    r"((?:[\w’'\-]+ ){0,3}(?:board|forum|group|panel|meeting|committee|team|unit|conference|"
    r"network|hub|desk))\b",
    re.IGNORECASE,
)


# A list item that starts with a preposition, an auxiliary or a relative word is the rest of
# the clause, not one of the things listed.
_NOT_A_CONJUNCT = frozenset(
    {
        "in",
        "on",
        "at",
        "by",
        "since",
        "from",
        "during",
        "until",
        "to",
        "into",
        "through",
        "with",
        "has",
        "have",
        "had",
        "is",
        "are",
        "was",
        "were",
        "will",
        "would",
        "can",
        "could",
        "may",
        "might",
        "should",
        "shall",
        "be",
        "been",
        "being",
        "which",
        "who",
        "that",
        "where",
        "when",
        "then",
        "also",
    }
)


@dataclass(frozen=True)
class Found:
    subject: Span
    object: Span
    rule: RelationPattern
    focus: tuple[int, int]  # sentence offsets of the match


class Context:
    """What a pattern may look back at: earlier sentences and the section heading."""

    def __init__(
        self, previous: Callable[[int], Masked | None], heading: Callable[[], Span | None]
    ):
        self.previous = previous
        self.heading = heading


def compile_rules(
    rules: Sequence[RelationPattern],
) -> list[tuple[RelationPattern, re.Pattern[str], re.Pattern[str]]]:
    """Each rule with its trigger and its pattern compiled over masked text."""
    return [
        (
            r,
            re.compile(r.trigger, re.IGNORECASE),
            re.compile(expand_slots(r.pattern), re.IGNORECASE),
        )
        for r in rules
    ]


def strip_np(text: str) -> str:
    text = text.strip(" ,.;:-–'\"“”‘’")
    while True:
        new = _DETERMINER.sub("", text)
        if new == text:
            return text
        text = new


def _np(masked: str, how: str) -> str:
    if how == "first":
        m = _BOUNDARY.search(masked)
        head = masked[: m.start()] if m and m.start() > 0 else masked
        return head
    if how == "last":
        parts = _BOUNDARY.split(masked)
        tail = [p for p in parts if p and p.strip()]
        return tail[-1] if tail else masked
    if how == "unit":
        tokens = [t for t in TOKEN.finditer(masked) if t.group(1) == "U"]
        if tokens:
            return tokens[-1].group()
        found = list(_UNIT_TAIL.finditer(masked))
        if found:
            return found[-1].group(1)
        return _np(masked, "last")
    return masked


class RelationReader:
    """Applies the relation patterns to a masked sentence."""

    def __init__(self, lexicon: Lexicon, rules: Sequence[RelationPattern]) -> None:
        self.lex = lexicon
        self.rules = compile_rules(rules)
        self.named = NamedFilter(lexicon)

    def read(self, masked: Masked, context: Context) -> list[Found]:
        out: list[Found] = []
        for rule, trigger, rx in self.rules:
            if not trigger.search(masked.text):
                continue
            for m in rx.finditer(masked.text):
                subjects = self._side(masked, m, "subject", rule, context)
                objects = self._side(masked, m, "object", rule, context)
                focus = masked.sentence_offsets(m.start(), m.end())
                for s in subjects:
                    for o in objects:
                        if s.name.lower() == o.name.lower():
                            continue
                        if rule.swap:
                            s, o = o, s
                        out.append(Found(s, o, rule, focus))
        return out

    def _side(
        self, masked: Masked, m: re.Match[str], role: str, rule: RelationPattern, context: Context
    ) -> list[Span]:
        source = rule.subject_from if role == "subject" else rule.object_from
        pick = rule.subject_pick if role == "subject" else rule.object_pick
        how = rule.subject_np if role == "subject" else rule.object_np
        kind = rule.subject_type if role == "subject" else rule.object_type
        if source == "heading":
            heading = context.heading()
            return [heading] if heading else []
        if source == "sentence":
            found = self.antecedent(context, prefer=INITIATIVE)
            return [found] if found else []
        if role not in m.groupdict() or m.group(role) is None:
            return []
        start, end = m.span(role)
        text = m.group(role)
        if TOKEN.fullmatch(text):
            return [masked.token_span(text)]
        chosen = _np(text, how)
        offset = text.find(chosen)
        start, end = start + max(offset, 0), start + max(offset, 0) + len(chosen)
        tokens = list(TOKEN.finditer(chosen))
        if pick == "list":
            return self._list(masked, start, chosen, kind, rule)
        if pick == "entity" and tokens:
            return [masked.token_span(tokens[0].group())]
        return [s for s in [self._phrase(masked, start, end, kind, rule, context, role)] if s]

    def _list(
        self, masked: Masked, start: int, chosen: str, kind: str, rule: RelationPattern
    ) -> list[Span]:
        out: list[Span] = []
        for token in TOKEN.finditer(chosen):
            out.append(masked.token_span(token.group()))
        rest = TOKEN.sub("|", chosen)
        for item in split_list(rest.replace("|", ";")):
            item = strip_np(item)
            if len(item) < 2 or not any(c.isalpha() for c in item) or len(item.split()) > 8:
                continue
            if item.split()[0].lower() in _NOT_A_CONJUNCT:
                continue  # "X in 2003 and has since grown": a modifier and a clause, not items
            local = chosen.find(item)
            lo, hi = masked.sentence_offsets(start + local, start + local + len(item))
            out.append(self._new_span(masked, lo, hi, item, kind, rule))
        return out

    def _phrase(
        self,
        masked: Masked,
        start: int,
        end: int,
        kind: str,
        rule: RelationPattern,
        context: Context,
        role: str,
    ) -> Span | None:
        raw = masked.unmask(start, end)
        phrase = strip_np(raw)
        if not phrase:
            return None
        if phrase.lower() in _PRONOUNS or raw.strip().lower() in _PRONOUNS:
            return self.antecedent(context)
        tokens = list(TOKEN.finditer(masked.text[start:end]))
        if len(tokens) == 1 and strip_np(TOKEN.sub("", masked.text[start:end])) == "":
            return masked.token_span(tokens[0].group())
        if len(phrase.split()) > 14:
            return None
        lo, hi = masked.sentence_offsets(start, end)
        offset = raw.find(phrase)
        lo, hi = lo + max(offset, 0), lo + max(offset, 0) + len(phrase)
        return self._new_span(masked, lo, hi, phrase, kind, rule)

    def _new_span(
        self, masked: Masked, lo: int, hi: int, phrase: str, kind: str, rule: RelationPattern
    ) -> Span:
        sentence = masked.sentence
        clean_lo, clean_hi = sentence.to_clean(lo), sentence.to_clean(hi)
        prefix = rule.object_prefix if kind == rule.object_type else ""
        typed = self.lex.classify(phrase)
        if kind == "auto":
            type_ = typed.type if typed else OBJECTIVE
            name = typed.name if typed else phrase
        else:
            type_ = (
                typed.type
                if typed and typed.type in (THEME, UNIT, INITIATIVE) and kind != OBJECTIVE
                else kind
            )
            name = typed.name if typed and typed.type == type_ else phrase
        if type_ in (PERSON, POST):
            type_, name = OBJECTIVE, phrase
        span = Span(
            clean_lo, clean_hi, type_, phrase, f"{prefix}{name}", rule.name, rule.confidence
        )
        if type_ in (UNIT, INITIATIVE) and not self.named.keep_surface(
            span, phrase, sentence.text[max(0, lo - 12) : lo]
        ):
            # "part of an ongoing programme": a piece of work, not a named programme.
            span = replace(span, type=OBJECTIVE)
        return span

    def antecedent(self, context: Context, prefer: str | None = None) -> Span | None:
        """What a pronoun or "the project" refers to: an entity or the first phrase of the
        sentences before, else the section heading."""
        for back in range(1, 4):
            prev = context.previous(back)
            if prev is None:
                break
            body = prev.text
            tokens = [t for t in TOKEN.finditer(body) if t.group(1) in "UIOT"]
            if prefer:
                tokens = [t for t in tokens if t.group(1) == "I"] or tokens
                if tokens:
                    return prev.token_span(tokens[0].group())
                continue
            stripped = body.lstrip()
            det = _DETERMINER.match(stripped)
            first_pos = len(body) - len(stripped) + (det.end() if det else 0)
            if tokens and tokens[0].start() <= first_pos:
                return prev.token_span(tokens[0].group())
            head = strip_np(_np(body, "first"))
            if (
                head
                and head.lower() not in _PRONOUNS
                and OPEN not in head
                and len(head.split()) <= 10
            ):
                lo = prev.origin[body.find(head)]
                hi = prev.origin[body.find(head) + len(head)]
                sentence = prev.sentence
                return Span(
                    sentence.to_clean(lo),
                    sentence.to_clean(hi),
                    OBJECTIVE,
                    head,
                    head,
                    "antecedent",
                    0.6,
                )
            if OPEN in head:
                t = TOKEN.search(head)
                if t:
                    return prev.token_span(t.group())
            if head.lower() not in _PRONOUNS:
                break
        return context.heading()


def retype(span: Span, type_: str) -> Span:
    """The span with another type."""
    return replace(span, type=type_)
