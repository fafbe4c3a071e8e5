"""Role facts (LEADS, HEADS, CHAIRS) from syntactic frames over spaCy parses.

A sentence is read when it holds a word of the role lexicon (roles.yaml). Its entities are
mapped onto the tokens of its parse (indexer.extract.parse); the dependency frames of
frames.yaml are matched, and each match names a trigger (the role word), a subject (the
holder) and an object. Coordination on either side gives one fact per conjunct. Arguments
that are not recognised entities become noun phrases: an object such as "a review of cycle
patrol" becomes an Objective; a subject must name an agent (a person, post, unit or
organisation), or is an unnamed post ("a detective inspector"). Relative pronouns read
through to their antecedent ("the board, which X chairs"), "he"/"she" to the person named
before, "it"/"this" to what the previous sentences named, and "the board" to the latest
board named before. A role word no dependency frame read may be read by a surface frame
(a token sequence).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from graph.model import Span
from indexer.extract.arguments import SentenceReader
from indexer.extract.lexicon import Lexicon
from indexer.extract.parse import Parser
from indexer.extract.phrases import AGENT_HEADS, HOLDERS, NAMED, FrameInput, RoleFact

_WORDS = re.compile(r"[a-z][a-z-]*")
_AGENT_WORD = re.compile(
    r"\bby (?:the )?(?:[\w'’-]+ ){1,3}(?:" + "|".join(sorted(AGENT_HEADS)) + r")\b", re.I
)
_SURFACE_VERB = 0.85  # the surface frames use only the unambiguous role verbs


def inflections(lemma: str) -> set[str]:
    """The regular inflections of an English word: lead -> leads, leading, leaded ..."""
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    double = lemma + lemma[-1] if re.search(r"[^aeiou][aeiou][bdgmnprt]$", lemma) else lemma
    out = {lemma, lemma + "s", lemma + "es", stem + "ed", stem + "ing", double + "ed"}
    out |= {double + "ing", lemma + "er", stem + "er", lemma + "ers", lemma + "ship"}
    return out


class FrameReader:
    """Matches the frames of one vocabulary on parsed sentences."""

    def __init__(self, lexicon: Lexicon, parser: Parser) -> None:
        self.lex = lexicon
        self.roles = lexicon.vocab.roles
        self.frames = lexicon.vocab.frames
        self.parser = parser
        self._lemma_sets: dict[str, frozenset[str]] = {}

    @cached_property
    def lemmas(self) -> dict[str, str]:
        """Form -> lemma for every word the frames test (the pipeline has no lemmatiser)."""
        out: dict[str, str] = {}
        classes = ("verbs", "nouns", "tenure_nouns", "held_nouns", "adjectives", "holding_verbs")
        words = {w for c in (*classes, "placing_verbs", "copula") for w in self.roles.lemmas(c)}
        for lemma in sorted(words):
            for form in inflections(lemma):
                out.setdefault(form, lemma)
        out.update(self.roles.irregular)
        out.update({w: w for w in words})
        return out

    @cached_property
    def _role_forms(self) -> frozenset[str]:
        """Every form of a role word that makes a sentence worth parsing."""
        tables = ("verbs", "tenure_nouns", "adjectives")
        roles = {w for c in tables for w in self.roles.table(c)}
        forms = {f for f, lemma in self.lemmas.items() if lemma in roles}
        # A role noun names one holder's role in the singular ("X is the lead for Y"); its
        # plural ("LPU commanders", "managers") rarely does, and is common.
        return frozenset(forms | set(self.roles.nouns))

    @cached_property
    def _held_forms(self) -> tuple[frozenset[str], frozenset[str]]:
        """Held nouns ("portfolio") and the forms of the verbs that hold them."""
        held = {f for f, lemma in self.lemmas.items() if lemma in self.roles.held_nouns}
        holding = set(self.roles.holding_verbs)
        verbs = {f for f, lemma in self.lemmas.items() if lemma in holding}
        return frozenset(held), frozenset(verbs)

    @cached_property
    def _post_forms(self) -> frozenset[str]:
        """Post nouns that name an unnamed holder ("a detective inspector"). Nouns that are
        also role words ("lead", "chair") do not count: every sentence that wants parsing
        has one of those."""
        roles = set(self.roles.nouns)
        words = {n for n in self.roles.post_nouns if n not in roles or n == "commander"}
        return frozenset(words | {w + "s" for w in words})

    def wants(self, text: str, spans: Sequence[Span]) -> bool:
        """Whether a sentence holds a role word and something that can hold a role."""
        words = set(_WORDS.findall(text.lower()))
        held, holding = self._held_forms
        if not (words & self._role_forms or (words & held and words & holding)):
            return False
        if any(s.type in HOLDERS for s in spans) or _AGENT_WORD.search(text):
            return True
        if words & self._post_forms:
            return True
        # "the Chair will lead ...": a role noun with the article names its holder.
        return any(f"the {noun}" in text.lower() for noun in words & set(self.roles.nouns))

    @cached_property
    def _matchers(self) -> tuple[dict[str, Any], Any]:
        """One DependencyMatcher per trigger word class (a sentence runs only the classes
        whose words it holds: the matcher's cost grows with its patterns), and the Matcher
        of the surface frames."""
        from spacy.matcher import DependencyMatcher, Matcher

        vocab = self.parser.nlp.vocab
        dependency: dict[str, Any] = {}
        for frame in self.frames.frames:
            trigger = next(n for n in frame.pattern if n.get("RIGHT_ID") == "trigger")
            role = (trigger.get("RIGHT_ATTRS") or {}).get("ROLE", "verbs")
            matcher = dependency.setdefault(role, DependencyMatcher(vocab))
            matcher.add(frame.name, [[self._node(n) for n in frame.pattern]])
        surface = Matcher(vocab)
        for sf in self.frames.surface:
            surface.add(sf.name, [[self._token(t) for t in sf.tokens]])
        return dependency, surface

    def class_lemmas(self, role: str) -> frozenset[str]:
        """The lemmas of a trigger word class."""
        if role not in self._lemma_sets:
            self._lemma_sets[role] = frozenset(self.roles.lemmas(role))
        return self._lemma_sets[role]

    def _node(self, node: dict[str, Any]) -> dict[str, Any]:
        attrs = dict(node.get("RIGHT_ATTRS") or {})
        role = attrs.pop("ROLE", None)
        if role is not None:
            attrs["LEMMA"] = {"IN": self.roles.lemmas(role)}
        return {**node, "RIGHT_ATTRS": attrs}

    def _token(self, token: str | dict[str, Any]) -> dict[str, Any]:
        if isinstance(token, dict):
            return token
        if token == "AGENT":
            return {"ENT_TYPE": {"IN": [f"KG_{t}" for t in HOLDERS]}, "OP": "+"}
        if token == "NAMED":
            return {"ENT_TYPE": {"IN": [f"KG_{t}" for t in NAMED]}, "OP": "+"}
        if token == "NOUN":
            return {"LEMMA": {"IN": list(self.roles.nouns)}}
        if token == "VERB":
            strong = [w for w, e in self.roles.verbs.items() if e.confidence >= _SURFACE_VERB]
            return {"LEMMA": {"IN": strong}}
        return {"LEMMA": "be"}

    def read(self, items: Sequence[FrameInput]) -> list[list[RoleFact]]:
        """The role facts of each sentence."""
        if not items:
            return []
        docs = self.parser.parse([item.sentence.text for item in items], self.lemmas)
        return [
            SentenceReader(self, doc, item).facts() for doc, item in zip(docs, items, strict=True)
        ]


__all__ = ["HOLDERS", "NAMED", "FrameInput", "FrameReader", "RoleFact", "inflections"]
