"""Which force or body a document comes from, read from its text (kg/data/forces.yaml).

A paper names its force on its opening page ("West Midlands Police", "Police and Crime
Commissioner for Kent", "Thames Valley Police and Crime Panel"). The force named most often
in the header wins; failing that, the one named most often in the whole text.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ValidationError

from kg.errors import DocumentError

HEADER_CHARS = 3000


class Force(BaseModel, frozen=True):
    """A force: its name, other names, short forms and the area it polices."""

    name: str
    aliases: tuple[str, ...] = ()
    acronyms: tuple[str, ...] = ()
    area: str | None = None


class ForcesFile(BaseModel):
    forces: list[Force]


@lru_cache(maxsize=1)
def default_forces() -> list[Force]:
    """The packaged list of forces, validated once."""
    raw = resources.files("kg").joinpath("data/forces.yaml").read_text("utf-8")
    try:
        return ForcesFile.model_validate(yaml.safe_load(raw)).forces
    except (yaml.YAMLError, ValidationError) as e:
        raise DocumentError(f"kg/data/forces.yaml: invalid: {e}") from e


@lru_cache(maxsize=4)
def _pattern(
    forces: tuple[Force, ...], *, areas: bool = False
) -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for every name of `forces` (and, with `areas`, each area's bare name)."""
    names: dict[str, str] = {}
    for force in forces:
        for form in (force.name, *force.aliases):
            names[form.lower()] = force.name
        for acronym in force.acronyms:
            names[acronym] = force.name
        if force.area:
            # "Police and Crime Commissioner for Kent", "Kent Police and Crime Panel".
            names[f"commissioner for {force.area}".lower()] = force.name
            names[f"{force.area} police and crime".lower()] = force.name
            names[f"{force.area} police authority".lower()] = force.name
            if areas:
                names.setdefault(force.area.lower(), force.name)
    forms = sorted(names, key=len, reverse=True)
    upper = [re.escape(f) for f in forms if f.isupper()]
    lower = [re.escape(f) for f in forms if not f.isupper()]
    rx = rf"(?<![\w-])(?:(?P<a>{'|'.join(upper) or '(?!)'})|(?P<n>(?i:{'|'.join(lower)})))(?![\w-])"
    return re.compile(rx), names


def find_force(text: str, forces: list[Force] | None = None) -> str | None:
    """The force a document's text names most: in its header first, else anywhere."""
    pattern, names = _pattern(tuple(forces or default_forces()))
    for part in (text[:HEADER_CHARS], text):
        counts: Counter[str] = Counter()
        first: dict[str, int] = {}
        for m in pattern.finditer(part):
            form = m.group("a") or m.group("n").lower()
            force = names[form]
            counts[force] += 1
            first.setdefault(force, m.start())
        if counts:
            return max(counts, key=lambda f: (counts[f], -first[f]))
    return None


@lru_cache(maxsize=1)
def _default_tuple() -> tuple[Force, ...]:
    return tuple(default_forces())


def force_pattern() -> re.Pattern[str]:
    """The pattern that finds a UK force in text by its name, short forms or area alone."""
    return _pattern(_default_tuple(), areas=True)[0]


def find_forces(text: str, forces: list[Force] | None = None) -> list[str]:
    """Every force `text` names ("Kent" alone counts: "Kent's DCC"), in order, once each."""
    pattern, names = _pattern(tuple(forces) if forces else _default_tuple(), areas=True)
    found: list[str] = []
    for m in pattern.finditer(text):
        force = names[m.group("a") or m.group("n").lower()]
        if force not in found:
            found.append(force)
    return found


def canonical_force(name: str, forces: list[Force] | None = None) -> str:
    """The list's name for a force written another way ("Avon and Somerset Constabulary")."""
    _, names = _pattern(tuple(forces or default_forces()))
    return names.get(name.strip().lower()) or names.get(name.strip()) or name.strip()
