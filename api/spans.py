"""Typed short answers: what kind of span a question asks for, and where a sentence holds one.

The question's wording sets the type: "who" (and "which officer") asks for a person or a post;
"what post" for a post; "when" for a date; "how many", "how much" and "what share" for a
number; "which team", "which campaign" for a unit, organisation or initiative; "which force"
for a police force first; "which crime types" for a theme of the vocabulary ("domestic
abuse"); "which areas" for places. Spans are found from the language, not from one document: a rank
or title followed by capitalised names ("DI Ann Vale", "Councillor Tom Reed"), a
given name from the vocabulary followed by a surname, a post rank with its portfolio ("the
ACC (operations)"), any person, post or body the graph knows, capitalised words before a
kind of body ("the Business Transformation team"), a force of the UK list other than the
question's own, dates in the forms papers write them, numbers with their unit, the
vocabulary's themes, and places: capitalised words inside a sentence that are no rank, month
or body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from api.graph_index import GraphIndex, norm
from kg.forces import find_forces, force_pattern
from kg.vocab import Vocabulary

PERSON, POST, DATE, NUMBER, BODY, FORCE = "person", "post", "date", "number", "body", "force"
THEME, PLACE = "theme", "place"

_BODY_WORDS = (
    "team|unit|department|board|group|committee|forum|panel|agency|organisation|organization|"
    "body|force|campaign|initiative|programme|program|project|scheme|operation|partnership|"
    "consultancy|firm|company|charity|authority|council"
)
# "what is Project X" asks what X is, not for a body: a verb ends the question's head.
_NOT_HEAD = r"(?!(?:is|are|was|were|does|did|do|has|have|had|will|can)\b)"
_BODY_QUESTION = re.compile(
    rf"^\s*(?:which|what) (?:{_NOT_HEAD}[\w'’-]+ ){{0,2}}(?P<kind>{_BODY_WORDS})(?P<many>s)?\b",
    re.I,
)
# "Which crime types", "what kinds of offending", "which harms": a theme of the vocabulary.
_THEME_QUESTION = re.compile(
    r"^\s*(?:which|what) (?:(?:types?|kinds?|forms?|areas?) of )?(?:[\w'’-]+ )?"
    r"(?P<kind>crime|offence|offending|harm|vulnerabilit(?:y|ie)|theme|issue|priorit(?:y|ie))"
    r"(?: type| area| categor(?:y|ie))?(?P<many>s)?\b",
    re.I,
)
# "Which areas", "what towns": places, named without a kind of body.
_PLACE_QUESTION = re.compile(
    r"^\s*(?:which|what) (?:[\w'’-]+ ){0,2}(?P<kind>area|place|town|cit(?:y|ie)|district|"
    r"borough|localit(?:y|ie)|neighbourhood|ward|region|count(?:y|ie))(?P<many>s)?\b(?! of\b)",
    re.I,
)
_QUESTION_TYPES = (
    (DATE, re.compile(r"^\s*(?:when\b|(?:in |by )?what (?:date|year|month)\b|which year\b)", re.I)),
    (
        NUMBER,
        re.compile(
            r"^\s*(?:how (?:many|much|often|long|far)\b|what (?:share|percentage|proportion|"
            r"number|total|value|amount|rate)\b)",
            re.I,
        ),
    ),
    (POST, re.compile(r"^\s*(?:what|which) (?:post|rank|role|position|office)s?\b", re.I)),
    (
        PERSON,
        re.compile(
            r"^\s*(?:who(?:m|se)?\b|which (?:\w+ )?(?:officer|person|member|individual|expert|"
            r"inspector|superintendent|constable|director|manager|lead|chair)s?\b)",
            re.I,
        ),
    ),
    (THEME, _THEME_QUESTION),
    (PLACE, _PLACE_QUESTION),
    (BODY, _BODY_QUESTION),
)
_LISTING = (_THEME_QUESTION, _PLACE_QUESTION, _BODY_QUESTION)
# A phrase that sets the scene before the question proper: "In April 2014, which team ...".
_SETTING = re.compile(
    r"^\s*(?:in|by|during|since|as of|at|for|after|before|on)\b[^,?]{1,40},\s*"
    r"(?=(?:who|whom|whose|what|which|when|how)\b)",
    re.I,
)
# A body named by its kind: capitalised words, then the kind ("the Business Transformation
# team", "the Force Contact Hub").
_NAMED_BODY = re.compile(
    r"\b(?:[A-Z][\w&'’-]*\s){1,4}(?i:team|unit|department|board|group|committee|forum|panel|"
    r"hub|programme|project|partnership|service|directorate|command|agency|trust|council)\b"
)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)? (?:{_MONTHS})\.? \d{{4}}|(?:{_MONTHS})\.? \d{{1,2}},? \d{{4}}"
    rf"|(?:(?:early|mid|late|spring|summer|autumn|winter) )*(?:{_MONTHS})\.? \d{{4}}"
    rf"|(?:early |mid |late )?(?:spring|summer|autumn|winter) \d{{4}}"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|(?:19|20)\d\d/\d\d|(?:in|since|by|from|until) (?:19|20)\d\d)\b"
)
_NUMBER = re.compile(
    r"(?:£|\$|€)?\b\d[\d,]*(?:\.\d+)?(?:\s?(?:%|per ?cent|percent|million|m|bn|billion|k)\b|%)?"
    r"(?:\s(?:square miles|miles|km|officers|staff|people|members|hours|days|weeks|months|"
    r"years|calls|cases|incidents|crimes|offences|arrests|OCUs|units|areas|forces)\b)?"
)
_NAME_WORD = r"[A-Z][a-z]+(?:[-'’][A-Z][a-z]+)*"
_OWN_ACRONYM = re.compile(r"\s*\([A-Z&]{2,}\)")
# A place as papers name one: one to three capitalised words ("Sandwell", "Sutton Coldfield").
_PLACE_NAME = re.compile(rf"\b{_NAME_WORD}(?: {_NAME_WORD}){{0,2}}\b")
# Role words this sure of their relation (roles.yaml `confidence`) make a sentence a statement
# of who leads, chairs or heads.
_STRONG_ROLE = 0.8


@dataclass(frozen=True)
class Span:
    """A typed span of a sentence."""

    text: str
    start: int
    end: int


def asks_for_many(question: str) -> bool:
    """Whether the question asks for a kind of body, theme or place in the plural ("which
    projects", "which crime types", "which areas"): its answer is every such span of the
    sentence."""
    question = _SETTING.sub("", question)
    for pattern in _LISTING:
        m = pattern.search(question)
        if m:
            return bool(m.group("many"))
    return False


def question_types(question: str) -> tuple[str, ...]:
    """The types of span `question` asks for, the likeliest first: a person, else a post, for
    "who"; a post for "what post"; none when its wording sets none."""
    question = _SETTING.sub("", question)
    for kind, pattern in _QUESTION_TYPES:
        m = pattern.search(question)
        if m is None:
            continue
        if kind == PERSON:
            return (PERSON, POST)
        if kind == BODY and m.group("kind").lower() == "force":
            return (FORCE, BODY)  # "which neighbouring force": a police force first
        return (kind,)
    return ()


class SpanFinder:
    """Finds typed spans in sentences, from the vocabulary's ranks and names and the graph."""

    def __init__(self, vocabulary: Vocabulary, graph: GraphIndex | None = None) -> None:
        forms = sorted((f for r in vocabulary.ranks.ranks for f in r.forms), key=len, reverse=True)
        ranks = "|".join(re.escape(f) for f in forms)
        given = "|".join(sorted((re.escape(g) for g in vocabulary.given_names), key=len))
        people = _names(graph, ("Person",)) if graph else []
        bodies = _names(graph, ("Unit", "Organisation", "Initiative")) if graph else []
        # A post of one word ("Crime" of "ACC Crime") is too loose to find in text.
        posts = [p for p in _names(graph, ("Post",)) if " " in p] if graph else []
        person = [rf"\b(?:{ranks})\.? (?:{_NAME_WORD} ){{0,2}}{_NAME_WORD}\b"]
        if given:
            person.append(rf"\b(?:{given}) (?:[A-Z]\. )?{_NAME_WORD}\b")
        person += [rf"\b{p}\b" for p in _alternation(people)]
        self._person = re.compile("|".join(person))
        # A post rank with its portfolio ("the ACC (operations)", "ACC Crime"); alone only for
        # an office a force has one of ("the DCC"), not one it has several of (an ACC).
        offices = [r for r in vocabulary.ranks.ranks if r.post]
        with_portfolio = "|".join(re.escape(f) for r in offices for f in r.forms)
        alone = "|".join(re.escape(f) for r in offices if not r.post_prefix for f in r.forms)
        portfolio = rf"(?: \([A-Za-z][A-Za-z &-]+\)| {_NAME_WORD})"
        post = [rf"\b(?:{with_portfolio}){portfolio}(?![\w-])"] if with_portfolio else []
        post += [rf"\b(?:{alone})(?![\w-])"] if alone else []
        post += [rf"\b{p}\b" for p in _alternation(posts)]
        self._post = re.compile("|".join(post) or r"(?!)")
        self._acronyms = vocabulary.acronyms
        themes = [
            f for t in vocabulary.gazetteer.themes for f in (t.name, *t.aliases) if len(f) > 3
        ]
        self._theme = re.compile(
            "|".join(rf"\b{t}\b" for t in _alternation(themes)) or r"(?!)", re.IGNORECASE
        )
        # Words that are capitalised in a paper but name no place: ranks, kinds of body, months.
        self._not_place = (
            {w for f in forms for w in norm(f).split()}
            | set(_BODY_WORDS.split("|"))
            | {m.lower() for m in _MONTHS.split("|")}
        )
        self._body = re.compile("|".join(rf"\b{b}\b" for b in _alternation(bodies)) or r"(?!)")

    def find(self, kind: str, sentence: str, asked: Iterable[str] = ()) -> list[Span]:
        """The spans of `kind` in `sentence`, less any that only repeat the question's words
        (`asked`, normalised): "the custody co-ordinator" does not answer "who is the custody
        co-ordinator"."""
        patterns = {
            PERSON: (self._person,),
            POST: (self._post,),
            DATE: (_DATE,),
            NUMBER: (_NUMBER,),
            BODY: (self._body, _NAMED_BODY),
            FORCE: (force_pattern(),),
            THEME: (self._theme,),
            PLACE: (_PLACE_NAME,),
        }[kind]
        question = list(asked)
        said = set(question)
        named = set(find_forces(" ".join(question))) if kind in (FORCE, BODY) else set()
        spans: list[Span] = []
        for pattern in patterns:
            for m in pattern.finditer(sentence):
                # "PCC" only repeats a question about the Police and Crime Commissioner.
                long_form = self._acronyms.get(m.group().strip(), m.group())
                words = set(norm(long_form).split())
                # "IPCC" repeats a question that names the IPCC, and "Police and Crime
                # Commissioner (PCC)" one that names the commissioner.
                surface = set(norm(_OWN_ACRONYM.sub("", m.group())).split())
                if not words or words <= said or surface <= said:
                    continue
                if any(_overlaps(m, s) for s in spans):
                    continue
                if kind == NUMBER and not _a_figure(m.group()):
                    continue
                if named and (forces := set(find_forces(m.group()))) and forces <= named:
                    continue  # the question's own force, by any of its names or its acronym
                if kind == PLACE and not self._a_place(m, sentence, words):
                    continue
                spans.append(Span(m.group().strip(), m.start(), m.end()))
        return spans

    def _a_place(self, m: re.Match[str], sentence: str, words: set[str]) -> bool:
        """A run of capitalised words that can be a place: not the sentence's first words
        (any word is capitalised there), not a rank, kind of body or month, and not the
        start of a body's name with its kind ("Harbour City Council" is a body)."""
        before = sentence[: m.start()].rstrip()
        if not before or before.endswith((".", "!", "?", ":", "“", '"', "(")):
            return False
        if words & self._not_place:
            return False
        return not _NAMED_BODY.match(sentence, m.start())


class RoleWords:
    """The role lexicon's words of leading, chairing and heading (kg/data/roles.yaml), found
    in any inflection: "chaired", "leads", "led", "headed"."""

    _ENDINGS = ("", "s", "es", "ed", "d", "ing", "er", "ers", "ship", "ships")

    def __init__(self, vocabulary: Vocabulary) -> None:
        roles = vocabulary.roles
        strong = [
            w
            for table in (roles.verbs, roles.nouns, roles.adjectives)
            for w, entry in table.items()
            if entry.confidence >= _STRONG_ROLE and not entry.needs
        ]
        self._lemmas = tuple(sorted(set(strong), key=len, reverse=True))
        self._irregular = {k: v for k, v in roles.irregular.items() if v in strong}

    def in_text(self, text: str) -> bool:
        """Whether `text` holds a role word."""
        for token in re.findall(r"[a-z][a-z-]*", text.lower()):
            if token in self._irregular:
                return True
            for lemma in self._lemmas:
                if token.startswith(lemma) and token[len(lemma) :] in self._ENDINGS:
                    return True
        return False


def _a_figure(text: str) -> bool:
    """A number that is an answer, not a list marker or a lone year."""
    digits = re.sub(r"\D", "", text)
    bare = text.strip().isdigit()
    return bool(digits) and not (bare and (len(digits) == 4 or int(digits) < 2))


def _overlaps(m: re.Match[str], span: Span) -> bool:
    return m.start() < span.end and span.start < m.end()


def _names(graph: GraphIndex, types: tuple[str, ...]) -> list[str]:
    names = []
    for entity in graph.of_type(types):
        for name in (entity.name, *entity.aliases):
            if len(name) >= 4 and any(c.isupper() for c in name):
                names.append(name)
    return names


def _alternation(names: list[str], size: int = 400) -> list[str]:
    """Regex alternations of `names`, longest first, in groups of `size` (Python's re
    handles very long alternations poorly)."""
    escaped = sorted({re.escape(n) for n in names}, key=len, reverse=True)
    return ["(?:" + "|".join(escaped[i : i + size]) + ")" for i in range(0, len(escaped), size)]
