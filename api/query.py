"""Query analysis: the glossary learnt from the corpus, and acronym expansion both ways."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources

import yaml

from kg.forces import find_forces
from kg.text import STOP_WORDS, normalise
from vectors.generations import StoredAcronym

_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9&+/\-]*")
_MONTHS = {
    m: i
    for i, m in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
_PERIOD = re.compile(
    r"\b(?:(" + "|".join(_MONTHS) + r")\s+)?((?:19|20)\d\d)(?:/(\d\d))?\b", re.IGNORECASE
)
_MAX_FORMS = 3


@lru_cache(maxsize=1)
def default_acronyms() -> dict[str, list[str]]:
    """The packaged list of common policing acronyms (kg/data/acronyms.yaml)."""
    raw = resources.files("kg").joinpath("data/acronyms.yaml").read_text("utf-8")
    data = yaml.safe_load(raw) or {}
    out: dict[str, list[str]] = {}
    for acronym, forms in (data.get("acronyms") or {}).items():
        out[str(acronym)] = [forms] if isinstance(forms, str) else [str(f) for f in forms]
    return out


# The generic word of a force's name, which a question may leave out ("Kent's DCC").
_FORCE_WORD = re.compile(r"\s(?:police(?: service| force)?|constabulary)$")
_WORDS = re.compile(r"[a-z0-9&]+")


@dataclass(frozen=True)
class Forces:
    """The forces the indexed papers come from, and the forms a question may name them by:
    the name, or the name without its generic word ("Thames Valley" for Thames Valley
    Police)."""

    forms: tuple[tuple[str, str], ...] = ()  # (form, force), forms in lower-case words

    @classmethod
    def of(cls, forces: Iterable[str]) -> Forces:
        """The forms of these forces' names."""
        forms: list[tuple[str, str]] = []
        for force in sorted(set(forces)):
            full = " ".join(_WORDS.findall(force.lower()))
            forms.append((full, force))
            short = _FORCE_WORD.sub("", full).strip()
            if short != full and len(short) > 3:
                forms.append((short, force))
        return cls(tuple(forms))

    def without(self, text: str) -> str:
        """`text` without the force it names, and the word that tied it on ("Kent's DCC",
        "the DCC of Kent", "the panel in Kent Police" -> the post or body alone)."""
        lowered = text.lower()
        for form, _ in sorted(self.forms, key=lambda f: -len(f[0])):
            words = r"[^a-z0-9&]+".join(re.escape(w) for w in form.split())
            m = re.search(
                rf"(?:\b(?:of|in|for|at|from)\s+(?:the\s+)?)?\b{words}\b(?:['’]s)?", lowered
            )
            if m:
                rest = f"{text[: m.start()]} {text[m.end() :]}"
                return " ".join(rest.split()).strip(" ,")
        return text

    def elsewhere(self, question: str) -> str | None:
        """A force of the UK list (kg/data/forces.yaml) that `question` names and that no
        indexed paper comes from ("Kent's DCC" over another force's papers), or None."""
        known = {force for _, force in self.forms}
        named = find_forces(question)
        if any(f in known for f in named):
            return None  # "Kent Police's payroll for Essex": an indexed force's
        return named[0] if named else None

    def named_in(self, question: str) -> str | None:
        """The force `question` names (the longest form found), or None."""
        text = f" {' '.join(_WORDS.findall(question.lower()))} "
        named = [(len(form), force) for form, force in self.forms if f" {form} " in text]
        return max(named)[1] if named else None


@dataclass
class Glossary:
    """acronym -> long forms: defined in the corpus first, then the defaults, then inferred."""

    forms: dict[str, list[str]] = field(default_factory=dict)
    # (acronym, long form, its normalised text) for long forms found inside a query.
    _long_forms: list[tuple[str, str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._long_forms = [
            (acronym, form, normalise(form))
            for acronym, forms in self.forms.items()
            for form in forms
            if len(form) > 6
        ]

    @classmethod
    def build(cls, learnt: Iterable[StoredAcronym], defaults: dict[str, list[str]]) -> Glossary:
        """Merge what the indexer learnt with the packaged defaults."""
        defined: dict[str, dict[str, str]] = {}
        inferred: dict[str, dict[str, str]] = {}
        for item in learnt:
            target = defined if item.kind == "defined" else inferred
            d = item.definition
            target.setdefault(d.acronym, {}).setdefault(normalise(d.expansion), d.expansion)
        forms: dict[str, list[str]] = {}
        for acronym in {*defined, *defaults, *inferred}:
            chosen = list(defined.get(acronym, {}).values())
            if not chosen:
                chosen = list(defaults.get(acronym, []))
            if not chosen:
                chosen = list(inferred.get(acronym, {}).values())
            # Plural forms ("PCSOs") defined as plurals should not shadow singulars.
            forms[acronym] = _dedupe(chosen)[:_MAX_FORMS]
        return cls(forms)

    def expand(self, query: str) -> list[tuple[str, str]]:
        """(acronym, long form) pairs for the acronyms in `query`, and for long forms in it."""
        pairs: list[tuple[str, str]] = []
        for token in _TOKEN.findall(query):
            forms = self.forms.get(token)
            if forms is None and token.lower() not in STOP_WORDS and len(token) >= 3:
                forms = self.forms.get(token.upper())
                token = token.upper()
            for form in forms or []:
                pairs.append((token, form))
        lowered = normalise(query)
        for acronym, form, normalised in self._long_forms:
            if normalised in lowered and acronym not in query:
                pairs.append((acronym, form))
        return pairs


@dataclass(frozen=True)
class Period:
    """A year, or a month of a year, that a query names ("in 2006", "December 2014")."""

    year: int
    month: int | None = None

    def contains(self, when: date) -> bool:
        """Whether `when` falls in this period."""
        return when.year == self.year and (self.month is None or when.month == self.month)


def periods(query: str) -> tuple[Period, ...]:
    """The periods a query names; "2014/15" names both years."""
    found: list[Period] = []
    for m in _PERIOD.finditer(query):
        month = _MONTHS[m.group(1).lower()] if m.group(1) else None
        year = int(m.group(2))
        found.append(Period(year, month))
        if m.group(3):
            found.append(Period(year // 100 * 100 + int(m.group(3))))
    return tuple(found)


def _dedupe(forms: list[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for form in forms:
        key = normalise(form).rstrip("s")
        if key not in seen:
            seen.add(key)
            out.append(form)
    return out
