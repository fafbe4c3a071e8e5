"""Whether a unit or initiative candidate names one thing, or only looks like a name.

Keyword rules find "<capitalised words> <type word>" ("Force ASB steering group"), but a
capital is weak evidence: it may only start a sentence ("Establish the work plan"), a
phrase may refer back ("The team", "These panels"), list several things ("Cyber Unit,
Fraud Unit", "Dudley and Sandwell LPUs"), name a class ("IOM teams") or an action
("Development of a Force Delivery Plan"). A candidate is kept when it holds a word that is
capitalised for a reason: an acronym, or a capital that does not start the sentence.
"""

from __future__ import annotations

import re

from graph.model import INITIATIVE, UNIT, Span
from indexer.extract.lexicon import FUNCTION_WORDS, Lexicon

# Words that refer back or quantify: "the team", "these forums", "each LPU", "all LPUs".
_REFERRING = frozenset(
    """
    the this that these those each every all any our their its his her some both several
    members member to other another such
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
# Nouns of an action, which "<noun> of <name>" makes a piece of work, not a name.
_ACTIONS = frozenset(
    """
    development delivery deliverables implementation introduction review roll-out rollout
    evaluation creation establishment provision use setting update updates areas progress
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
# Rules whose context already says the words are a name ("known as ...", "(3) ...", a
# quoted name, a system's short name, a list after "projects such as", a layout).
_CONTEXTUAL = frozenset(
    """
    acronym layout_meeting layout_head_of layout_role_table layout_role_label theme_work
    enumerated_strand quoted_name named_system known_as named_campaign is_a_programme
    listed_initiative
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_MONTHS = frozenset(
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
)
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]{1,9}(?:['’]?s)?$")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*(?:[-*•]\s+|\d{1,3}(?:\.\d{1,2})*\.?\s+)?)$")


class NamedFilter:
    """Keeps the unit and initiative candidates that name something."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lex = lexicon

    def keep(self, span: Span, text: str) -> bool:
        """Whether `span` (of clean `text`) is a name; other types are always kept."""
        return self.keep_surface(
            span, text[span.start : span.end], text[max(0, span.start - 12) : span.start]
        )

    def keep_surface(self, span: Span, surface: str, preceding: str) -> bool:
        """The same, given the span's text and the dozen characters before it."""
        if span.type not in (UNIT, INITIATIVE):
            return True
        words = surface.replace("\n", " ").split()
        if not words or "\t" in surface or not any(c.isalpha() for c in surface):
            return False  # a table row or a number, not a name
        if len(words) == 1 and words[0] in FUNCTION_WORDS:
            return False  # "This is a programme that ..."
        if span.rule in _CONTEXTUAL:
            return True
        if len(words) == 1 and re.fullmatch(r"[A-Z][A-Z0-9&]+s", words[0]):
            return False  # "LPUs", "OCGs": a class of units, not one
        if len(words) == 1 and _ACRONYM.match(words[0]):
            return True
        if re.fullmatch(r"\d{1,3}", words[0]) and re.fullmatch(r"[A-Z][A-Z0-9&]+s", words[-1]):
            return False  # "10 LPUs": a count of units, not a name
        if len(words) > 2 and words[0].lower() == "members" and words[1].lower() == "of":
            return False  # "Members of the Board": people of a body
        if ";" in surface or ("," in surface and span.type == UNIT):
            return False  # a list of names
        low = [w.lower().strip("’'") for w in words]
        if low[-1].rstrip("s") != low[-1] and words[-1][0].islower() and span.type == UNIT:
            return False  # a class of units ("IOM teams", "LPU teams")
        plural = words[-1].endswith("s") or words[-1].endswith("S")
        if " and " in surface and plural and span.type == UNIT:
            return False  # several units ("Dudley and Sandwell LPUs")
        if len(words) >= 3 and low[0] in _ACTIONS and low[1] in ("of", "in", "for", "to"):
            return False  # an action ("Development of a Force Delivery Plan")
        if low[0] in _REFERRING and len(words) <= 2:
            return False  # "The LPU", "Each LPU", "All LPUs": a reference, not a name
        before = preceding.split()
        if re.fullmatch(r"(?:19|20)\d\d", words[0]) and before and before[-1] in _MONTHS:
            return False  # "April 2014 Strategic Board": a date, then a name
        one_word = len(span.name.split()) == 1 and not _ACRONYM.match(span.name)
        indefinite = bool(before) and before[-1].lower() in ("a", "an", "any", "another")
        starts = bool(_SENTENCE_START.search(preceding))
        lower_type = words[-1][0].islower()
        if span.rule == "keyword_suffix" and one_word and lower_type and (indefinite or starts):
            return False  # "A Trainee scheme", "Peer review": a word, not a name
        evidence = 0
        for i, word in enumerate(words):
            bare = word.strip("()“”\"'‘’")
            if not bare:
                continue
            if (_ACRONYM.match(bare) and len(bare.rstrip("s’'")) >= 2) or any(
                c.isdigit() for c in bare
            ):
                evidence += 1  # an acronym or a number ("2020 Blueprint", "Kestrel 2")
            elif bare[0].isupper() and bare not in FUNCTION_WORDS:
                if i == 0 and starts:
                    continue  # a capital that only starts the sentence
                if bare.lower() in self._type_words and i == len(words) - 1:
                    continue  # the type word itself ("the Board")
                evidence += 1
        return evidence > 0

    @property
    def _type_words(self) -> set[str]:
        return self.lex.unit_words | self.lex.initiative_words
