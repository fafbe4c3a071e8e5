"""Compiled recognisers built from the vocabulary: name shapes, keywords and types."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from graph.model import INITIATIVE, ORGANISATION, THEME, UNIT
from kg.vocab import Vocabulary

# A capitalised word, an acronym or a code name ("MIU", "OPS2030", "Ward-Hale", "R&D").
CAP_WORD = r"(?:[A-Z][A-Za-z0-9’'&\-]*(?:[A-Za-z0-9&]|(?<=s)['’](?= [A-Z]))|[A-Z])"
# "on" and "at" are left out: they join a name to a place or a day far more often than they
# sit inside one ("Cambridge University on Birmingham South LPU", "DMM on Tuesdays").
_CONNECTOR = r"(?:(?:of|for|in|to|from)(?: the)?|and|&|de)"
# A run of capitalised words joined by a few lower-case connectors: "Roads Policing Operating
# Model", "Learning and Development", "2030 Roadmap", "Kestrel 2".
# A connector never joins a date to a name ("the Vetting Board from August 2019").
_NOT_DATE = (
    r"(?!(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
)
# A leading number is part of a name ("2030 Roadmap") but a paragraph number is not
# ("2.1 The Programme").
TITLE_SPAN = (
    rf"(?:(?<![\d./])\d{{1,4}}[ ](?={CAP_WORD}))?{CAP_WORD}"
    rf"(?:[ ](?:{_CONNECTOR}[ ]{_NOT_DATE})?{CAP_WORD}|[ ]\d{{1,4}}\b(?![.,/]\d))*"
)
# A lower-case word between a name and its type keyword ("Force ASB steering group"), never
# a function word or a verb form ("the Chief Constable informed the meeting").
_MOD = (
    r"(?!(?:the|a|an|of|to|from|with|through|by|for|in|on|at|and|or|is|are|was|were|be|has|"
    r"have|had|will|would|which|that|who|its|their|this|these|all|each|as|into|via)\b)"
    r"(?![a-z\-]+(?:ed|ing)\b)[a-z][a-z\-]+"
)
NAME_WORD = r"(?:Mc|Mac|O['’])?[A-Z][a-z]+(?:[-'’][A-Z][a-z]+)*"

# Capitalised words that start sentences or headings but never start a name.
FUNCTION_WORDS = frozenset(
    """
    A An And As At All Any Also Although Both But By Each Every For From Further Following
    However If In Into It Its Our Of On Once Other Over Since Some Such That The Their Then
    There These They This Those Through To Under Until Upon We What When Where Whilst While
    Which Who Why With Within Without Overall Please Currently Recently Finally Again
    Additionally Alongside Despite During Given Having Here Not Now Only Prior Using Yes No
    Launch Launched Develop Developing Implement Implementing Improve Support Establish
    Including January February March April May June July August September October November
    December Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    """.split()  # noqa: SIM905 (a word list reads better as text)
)


@dataclass(frozen=True)
class Typed:
    """What a name is: its type, the name to resolve, a distinguishing qualifier."""

    type: str
    name: str
    qualifier: str | None = None
    confidence: float = 0.8


_YEAR = re.compile(r"(?:19|20)\d\d")
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
)
# A date alone names no body: "October 2006", "in 2003", "2005/06", "Spring 2015".
_DATE_ONLY = re.compile(
    rf"(?i:(?:in|since|from|by|until|during)\s)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s)?"
    rf"(?:(?:{_MONTH}|spring|summer|autumn|winter)\.?\s)?(?:19|20)\d\d(?:[/-]\d\d)?"
)


def _alternation(words: list[str]) -> str:
    escaped = sorted({re.escape(w) for w in words}, key=len, reverse=True)
    return "|".join(escaped)


class Lexicon:
    """Keyword tables and compiled regular expressions for one vocabulary."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        gaz = vocab.gazetteer
        self.unit_words = {w.lower() for w in gaz.unit_keywords}
        self.initiative_words = {w.lower() for w in gaz.initiative_keywords}
        self.org_words = {w.lower() for w in gaz.organisation_keywords}
        self.unit_prefixes = set(gaz.unit_prefixes)
        self.prefixes = {p.word: p.alias for p in gaz.initiative_prefixes}
        self.org_prefixes = tuple(gaz.organisation_prefixes)
        self.theme_names: dict[str, str] = {}
        for theme in gaz.themes:
            for form in (theme.name, *theme.aliases):
                self.theme_names[form.lower()] = theme.name
        self.org_names: dict[str, str] = {}
        for body in gaz.organisations:
            for form in (body.name, *body.aliases):
                self.org_names[form.lower()] = body.name

    @cached_property
    def keyword_suffix(self) -> re.Pattern[str]:
        """A capitalised name, up to two lower-case words, then a lower-case type keyword."""
        words = sorted(self.unit_words | self.initiative_words, key=len, reverse=True)
        keywords = "|".join(re.escape(w) for w in words if w == w.lower() or True)
        comma_span = (
            rf"{CAP_WORD}(?: {CAP_WORD}){{0,2}}(?:, {CAP_WORD}(?: {CAP_WORD}){{0,2}}){{1,3}}"
        )
        return re.compile(
            rf"(?<![\w’'])(?P<name>{comma_span}|{TITLE_SPAN})"
            rf"(?P<mods>(?: {_MOD}){{0,2}}?) (?P<kw>(?i:{keywords}))\b(?!['’-])"
        )

    @cached_property
    def title_span(self) -> re.Pattern[str]:
        return re.compile(rf"(?<![\w’'\-]){TITLE_SPAN}")

    @cached_property
    def theme_regex(self) -> re.Pattern[str]:
        upper = [f for f in self.theme_forms() if f.isupper()]
        lower = [f for f in self.theme_forms() if not f.isupper()]
        return re.compile(
            rf"(?<![\w\-])(?:(?P<upper>{_alternation(upper)})|(?P<lower>(?i:{_alternation(lower)})))(?![\w\-])"
        )

    def theme_forms(self) -> list[str]:
        forms = []
        for theme in self.vocab.gazetteer.themes:
            forms.extend([theme.name, *theme.aliases])
        return forms

    @cached_property
    def org_regex(self) -> re.Pattern[str]:
        forms = []
        for body in self.vocab.gazetteer.organisations:
            forms.extend([body.name, *body.aliases, *body.acronyms])
        return re.compile(rf"(?<![\w\-])(?:{_alternation(forms)})(?![\w\-])")

    def strip_function_words(self, name: str) -> str:
        """Drop leading words that only start a sentence ("The Tidewater Board")."""
        words = name.split(" ")
        while len(words) > 1 and (words[0] in FUNCTION_WORDS or words[0].lower() == "the"):
            words = words[1:]
        return " ".join(words)

    def can_name(self, name: str, *, titled: bool = False) -> bool:
        """Whether `name` could name a body at all: not a count ("300 Black Minority Ethnic
        males"; a year may start a name, "2020 Vision", and so may any number in a name that
        stands alone as a title, `titled`: a heading or list item "300 Voices"), a possessive
        ("the Deputy Chief Constable's" names its owner), a rank or post alone, or a date
        alone ("October 2006")."""
        words = name.split()
        return not (
            not words
            or (words[0][0].isdigit() and not titled and not _YEAR.fullmatch(words[0]))
            or words[-1].endswith(("'s", "’s", "s'"))
            or name in self.vocab.rank_by_form
            or _DATE_ONLY.fullmatch(name)
        )

    def fallback(
        self, name: str, type_: str, confidence: float, *, titled: bool = False
    ) -> Typed | None:
        """`name` as `type_`, as sure as `confidence`, where the layout or context says what
        it is but its words do not; None where it cannot name a body (see `can_name`)."""
        named = self.can_name(name, titled=titled)
        return Typed(type_, name, None, confidence) if named else None

    def classify(self, name: str, *, fallback: str | None = None) -> Typed | None:
        """The type a capitalised name has by its words, or `fallback`, or None."""
        if not self.can_name(name):
            return None
        words = name.split()
        low = name.lower()
        if low in self.theme_names:
            return Typed(THEME, self.theme_names[low])
        if low in self.org_names:
            return Typed(ORGANISATION, self.org_names[low])
        last, last2 = words[-1].lower(), " ".join(words[-2:]).lower()
        first = words[0]
        prefixed = first.rstrip(".") in {p.rstrip(".") for p in self.prefixes}
        unit_word = last2 in self.unit_words or last in self.unit_words
        if len(words) >= 2 and unit_word and (len(words) >= 3 or prefixed):
            return Typed(UNIT, name)  # "Programme Challenger team", "Campaign Desk"
        if len(words) >= 2 and first.rstrip(".") in {p.rstrip(".") for p in self.prefixes}:
            prefix = next(p for p in self.prefixes if p.rstrip(".") == first.rstrip("."))
            rest = " ".join(words[1:])
            if self.prefixes[prefix]:
                return Typed(INITIATIVE, rest, None, 0.9)
            return Typed(INITIATIVE, rest, prefix.rstrip(".").lower(), 0.9)
        if last2 in self.unit_words or last in self.unit_words:
            return Typed(UNIT, name)
        if last in self.initiative_words and len(words) >= 2:
            return Typed(INITIATIVE, name)
        plain = all(w[0].isupper() or w in ("of", "and", "&", "for") for w in words)
        if name.startswith(self.org_prefixes) or (
            last in self.org_words and len(words) >= 2 and plain
        ):
            return Typed(ORGANISATION, name)
        if first in self.unit_prefixes and len(words) >= 2:
            return Typed(UNIT, name)
        if fallback and len(words) >= 2:
            return self.fallback(name, fallback, 0.5)
        return None
