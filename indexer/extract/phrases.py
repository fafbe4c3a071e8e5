"""A parsed sentence with its entities, and the phrases frames take as arguments.

The entities found in a sentence are mapped onto the tokens of its spaCy parse (every token of
an entity points to it). An argument that is no entity becomes a noun phrase: its left
modifiers, its head and an "of" phrase ("a review of cycle patrol"), an unnamed post ("a
detective inspector", "the head of crime"), or a person the NER names. Relative pronouns,
"he"/"she", "it"/"this" and "the board" read through to what they refer to; a light noun ("a
piece of work led by X") reads through to what the copula says it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from graph.model import (
    INITIATIVE,
    OBJECTIVE,
    ORGANISATION,
    PERSON,
    POST,
    THEME,
    UNIT,
    Span,
)
from indexer.extract.lexicon import FUNCTION_WORDS, NAME_WORD
from indexer.extract.text import Sentence
from kg.vocab import RoleWord

if TYPE_CHECKING:
    from indexer.extract.frames import FrameReader

HOLDERS = (PERSON, POST, UNIT, ORGANISATION)
NAMED = (UNIT, INITIATIVE, ORGANISATION, THEME)
RELATIVE = frozenset({"which", "that", "who", "whom"})
PRONOUNS = frozenset({"this", "it", "they", "these", "those", "them"})
PERSONAL = frozenset({"he", "she", "him", "her"})
# Heads of work that take what they are about after "on" ("the work on county lines").
WORK_ON = frozenset(["work", "response", "approach", "activity", "activities", "effort", "efforts"])
_GENERIC_DETERMINERS = frozenset({"the", "this", "that", "these", "those", "its", "their"})
# Dependents that belong to a noun phrase (left of its head) when it becomes a free phrase.
_NP_LEFT = frozenset({"compound", "amod", "nmod", "nummod", "poss", "npadvmod", "quantmod"})
_NP_RIGHT_PREPS = frozenset({"of"})
_STOP_CHARS = frozenset(",;:()[]–—")
_MAX_PHRASE_WORDS = 12
# Nouns that name an agent when no entity does ("chaired by probation management").
AGENT_HEADS = frozenset(
    """
    management manager managers police force service services council authority agency
    office commissioner partnership partners directorate executive officer officers lead
    leads chair inspector inspectors superintendent sergeant team unit board department
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
# An acronym's plural written with an apostrophe ("PCSO’S", "LPU's") reads as "PCSOs".
_ACRONYM_PLURAL = re.compile(r"\b([A-Z]{2,})['’][sS]\b")
# Nouns of work that a weak role verb ("runs", "manages", "drives") can take as its object.
_WORK_HEADS = frozenset(
    """
    review work project programme operation investigation development implementation
    strategy plan response study pilot scheme initiative campaign trial workstream process
    exercise evaluation audit consultation inquiry analysis
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
STRONG = 0.8  # role words at or above this confidence may take any noun phrase object
# Nouns that stand for the thing the sentence is about ("X is a piece of work led by Y"):
# such an object reads through to the copula's subject.
LIGHT_HEADS = frozenset(
    [
        "work",
        "piece",
        "initiative",
        "programme",
        "project",
        "scheme",
        "one",
        "part",
        "area",
        "strand",
    ]
)


NO_SPAN = Span(0, 0, "", "", "", "", 0.0)


@dataclass(frozen=True)
class RoleFact:
    """A role fact read from one sentence: spans in clean-text offsets."""

    subject: Span
    relation: str
    object: Span
    rule: str
    confidence: float
    focus: tuple[int, int]  # sentence offsets of the words the fact was read from


@dataclass
class FrameInput:
    """A sentence to read, its entity spans, and what a pronoun in it may refer to."""

    sentence: Sentence
    spans: Sequence[Span]
    antecedent: Callable[[], Span | None]
    bullets: Callable[[], list[Span]] = lambda: []  # the named things of the bullets below
    # The latest entity before this sentence whose name ends in a type word ("the board").
    recent: Callable[[str], Span | None] = lambda word: None


def local_offset(sentence: Sentence, clean_offset: int) -> int:
    """The offset in `sentence.text` of a clean-text offset inside the sentence."""
    cursor = 0
    for start, end in sentence.pieces:
        if start <= clean_offset <= end:
            return cursor + clean_offset - start
        cursor += end - start + 1
    return cursor


class ParsedSentence:
    """One parsed sentence of a FrameInput, with its entities on its tokens."""

    def __init__(self, reader: FrameReader, doc: Any, item: FrameInput) -> None:
        self.reader = reader
        self.lex = reader.lex
        self.doc = doc
        self.item = item
        self._ner: dict[int, Any] | None = None
        self.by_token: dict[int, Span] = {}  # every token of an entity -> the entity
        ents = []
        for span in item.spans:
            start = local_offset(item.sentence, span.start)
            end = local_offset(item.sentence, span.end)
            tokens = doc.char_span(start, end, alignment_mode="expand")
            if tokens is None or any(t.i in self.by_token for t in tokens):
                continue
            for t in tokens:
                self.by_token[t.i] = span
            ents.append(doc.char_span(tokens.start_char, tokens.end_char, label=f"KG_{span.type}"))
        doc.set_ents([e for e in ents if e is not None], default="outside")
        self._weak = False
        self.extra: list[RoleFact] = []  # facts read on the way (a post's named holder)

    def _plain_list(self, a: Any, b: Any) -> bool:
        """Whether two coordinated tokens are items of one list: no bracket and no verb of
        their own between them ("X is chair, and Y and Z act as vice chairs" is two lists)."""
        between = self.doc[min(a.i, b.i) + 1 : max(a.i, b.i)]
        return not any(t.text == "(" or t.tag_.startswith(("VB", "MD")) for t in between)

    def _appositive_person(self, token: Any) -> Span | None:
        """A person set beside a role noun by commas: "the Silver lead (for Y), Supt Price"."""
        near = [token]
        for child in token.children:
            if child.dep_ == "prep":
                near += [c for c in child.children if c.dep_ == "pobj"]
        for child in (c for t in near for c in t.children):
            if child.dep_ == "appos":
                span = self.by_token.get(child.i)
                if span is not None and span.type == PERSON:
                    return span
                if child.tag_ == "NNP" and child.i in self.ner_people:
                    return self._ner_person(self.ner_people[child.i])
        return None

    def _person_before(self, token: Any) -> Span | None:
        """He or she: the nearest person named before it in the sentence, else before."""
        for i in range(token.i - 1, -1, -1):
            span = self.by_token.get(i)
            if span is not None and span.type == PERSON:
                return span
        found = self.item.antecedent()
        return found if found is not None and found.type == PERSON else None

    def _post_phrase(self, head: Any) -> Span | None:
        """An unnamed holder ("a detective superintendent", "each OCU commander", "the head
        of crime", "the Chair") as a Post: never a Person."""
        if head.lemma_ not in self._post_nouns and not self._rank_phrase(head):
            return None
        if head.tag_ in ("NNS", "NNPS"):
            return None  # "senior officers", "LPU commanders": a class of people, no holder
        keep = self._np(head)
        lo, hi = min(keep), max(keep)
        det = next((c for c in head.lefts if c.dep_ == "det"), None)
        while lo < head.i and (self.doc[lo].dep_ in ("det", "punct") or self.doc[lo].is_punct):
            lo += 1
        tokens = self.doc[lo : hi + 1]
        if len(tokens) > 8 or any(t.i in self.by_token and t.i != head.i for t in tokens[:1]):
            return None
        sentence = self.item.sentence
        text = tokens.text
        name = text[:1].upper() + text[1:]
        attrs: tuple[tuple[str, str], ...] = ()
        if det is not None and det.lower_ in ("the", "our", "its", "their"):
            attrs = (("definite", "yes"),)
        rank = self._rank_phrase(head)
        if rank is not None:
            attrs = (*attrs, ("rankName", rank))
        return Span(
            sentence.to_clean(tokens.start_char),
            sentence.to_clean(tokens.end_char),
            POST,
            text,
            name,
            "frame_post_phrase",
            0.75,
            tuple(sorted(attrs)),
        )

    def _rank_phrase(self, head: Any) -> str | None:
        """The rank a lower-case phrase names ("the deputy chief constable"), if any."""
        lo = min(t.i for t in head.lefts) if any(True for _ in head.lefts) else head.i
        words = self.doc[lo : head.i + 1].text.lower()
        for rank in self.lex.vocab.ranks.ranks:
            if rank.name.lower() == words or words.endswith(" " + rank.name.lower()):
                return rank.name
        return None

    @cached_property
    def _post_nouns(self) -> frozenset[str]:
        return frozenset(self.reader.roles.post_nouns)

    @staticmethod
    def _copula_subject(token: Any) -> Any | None:
        """The subject of "S is a piece of work (led by X)": what a light noun stands for."""
        head = token
        while head.dep_ == "pobj" or head.dep_ == "prep":
            head = head.head
        copula = head.head
        # "S is a piece of work led by X", or, misparsed, "S is a [Home Office led] initiative".
        for _ in range(3):
            if copula.lemma_ in ("be", "remain", "become") or copula.head is copula:
                break
            copula = copula.head
        if copula.lemma_ not in ("be", "remain", "become"):
            return None
        subject = next((c for c in copula.children if c.dep_ in ("nsubj", "csubj")), None)
        if subject is not None and subject.i > token.i:
            return None
        if subject is not None and subject.tag_ == "VBG":
            # "Developing an advisory group is a piece of work ...": the gerund's object.
            subject = next((c for c in subject.children if c.dep_ == "dobj"), None)
        return subject

    @property
    def ner_people(self) -> dict[int, Any]:
        """Token index -> PERSON span the statistical NER finds in the sentence: people no
        rule named (police staff, partners without a rank or a listed given name). Run only
        when a frame asks, as it doubles the cost of a parse."""
        if self._ner is None:
            self._ner = {}
            names = [t for t in self.doc if t.tag_ == "NNP" and t.i not in self.by_token]
            if names:
                [found] = self.reader.parser.people([self.doc.text])
                for start, end in found:
                    ent = self.doc.char_span(start, end, alignment_mode="expand")
                    if ent is not None:
                        self._ner.update({t.i: ent for t in ent})
        return self._ner

    def _ner_person(self, ent: Any) -> Span | None:
        """A Person from an NER span that reads as a name ("Tariq Mensah")."""
        words = ent.text.split()
        if not 2 <= len(words) <= 3 or any(t.i in self.by_token for t in ent):
            return None
        if not all(re.fullmatch(NAME_WORD, w) for w in words):
            return None
        if words[0] in FUNCTION_WORDS or any(w.lower() in self._type_words for w in words):
            return None
        sentence = self.item.sentence
        attrs = (("given", words[0]), ("surname", words[-1]))
        return Span(
            sentence.to_clean(ent.start_char),
            sentence.to_clean(ent.end_char),
            PERSON,
            ent.text,
            f"{words[0]} {words[-1]}",
            "ner_person",
            0.7,
            attrs,
        )

    @cached_property
    def _type_words(self) -> set[str]:
        return self.lex.unit_words | self.lex.initiative_words

    def _generic(self, token: Any) -> bool:
        """A bare common noun of a type ("the board", "this programme"): an anaphor."""
        if token.tag_ not in ("NN", "NNS") or token.lemma_ not in self._type_words:
            return False
        dets = [c for c in token.lefts if c.dep_ == "det"]
        others = [c for c in token.children if c.dep_ in _NP_LEFT or c.dep_ == "prep"]
        return bool(dets) and dets[0].lower_ in _GENERIC_DETERMINERS and not others

    def _np(self, head: Any) -> set[int]:
        """The tokens of a noun phrase: left modifiers, the head, and an "of" phrase."""
        keep = {head.i}
        for child in head.lefts:
            if child.tag_.startswith("VB") and any(True for _ in child.children):
                continue  # a participle with its own clause ("OSD has coordinated HMIC ...")
            if child.dep_ in _NP_LEFT and not child.tag_.startswith("PRP"):
                keep |= {t.i for t in child.subtree}
        for child in head.rights:
            if child.dep_ == "prep" and child.lower_ in _NP_RIGHT_PREPS:
                pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
                if pobj is not None:
                    keep |= {child.i} | self._np(pobj)
        return keep

    def _phrase(self, head: Any, side: str, entry: RoleWord) -> Span | None:
        keep = self._np(head)
        if head.lemma_ in WORK_ON:
            # "work on domestic abuse perpetrators": the work is named by what it is on.
            for child in head.rights:
                if child.dep_ == "prep" and child.lower_ in ("on", "to", "against", "into"):
                    keep |= {t.i for t in child.subtree}
        lo, hi = min(keep), max(keep)
        # A phrase stops at its first punctuation after the head (a list or an aside).
        for i in range(head.i + 1, hi + 1):
            if self.doc[i].text in _STOP_CHARS:
                hi = i - 1
                break
        while lo < head.i and (self.doc[lo].dep_ in ("det", "punct") or self.doc[lo].is_punct):
            lo += 1
        tokens = self.doc[lo : hi + 1]
        if len(tokens) > _MAX_PHRASE_WORDS:
            return None
        entities = [t for t in tokens if t.i in self.by_token]
        distinct = {id(self.by_token[t.i]) for t in entities}
        if len(distinct) == 1 and all(
            t.i in self.by_token or t.dep_ in ("det", "case", "punct") for t in tokens
        ):
            return self.by_token[entities[0].i]
        bodies = [
            self.by_token[t.i] for t in entities if self.by_token[t.i].type in (UNIT, ORGANISATION)
        ]
        if entry.relation in ("CHAIRS", "HEADS") and bodies:
            return bodies[-1]  # "the formation of a Gold meeting chaired by X"
        text = _ACRONYM_PLURAL.sub(r"\1s", tokens.text)
        lemma = head.lemma_
        typed = self.lex.classify(text)
        if side == "subject":
            if head.dep_ != "pobj":
                return None  # an unnamed holder only as an agent: "chaired by probation management"
            if lemma not in AGENT_HEADS and (typed is None or typed.type not in HOLDERS):
                return None
            if len(tokens) < 2 or (self._weak and lemma not in self.lex.unit_words):
                return None  # "driven by force": a weak verb, a bare noun
            type_ = typed.type if typed and typed.type in HOLDERS else UNIT
        else:
            if self._weak and lemma not in _WORK_HEADS and typed is None and head.tag_ != "NNP":
                return None
            if typed is not None:
                type_ = typed.type
            elif lemma in self.lex.unit_words:
                type_ = UNIT
            else:
                type_ = OBJECTIVE
        name = typed.name if typed is not None else text
        if type_ == OBJECTIVE and entry.object_prefix:
            name = f"{entry.object_prefix}{text}"
        sentence = self.item.sentence
        start = sentence.to_clean(tokens.start_char)
        end = sentence.to_clean(tokens.end_char)
        return Span(start, end, type_, text, name, "frame_phrase", entry.confidence)
