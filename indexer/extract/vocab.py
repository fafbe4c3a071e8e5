"""The extractor's data files (indexer/data/*.yaml), validated when loaded.

ranks.yaml (ranks, titles, post-nominals), given_names.yaml, gazetteer.yaml (keywords that
type a name, national bodies, posts, themes), relations.yaml (relation patterns) and
findings.yaml (risk and recommendation cues). A user extends them by editing the files or by
passing another folder to `load_vocabulary`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator

from graph.model import RELATIONSHIP_TYPES
from kg.errors import DocumentError


class Rank(BaseModel):
    """A rank or title: its normalised name and the forms documents write it in."""

    name: str
    forms: list[str] = Field(min_length=1)
    post: bool = False
    post_prefix: str | None = None


class RanksFile(BaseModel):
    ranks: list[Rank]
    suffixes: list[str] = []
    portfolio_words: list[str] = []


class NamedBody(BaseModel):
    """A national body or a theme with its other names."""

    name: str
    acronyms: list[str] = []
    aliases: list[str] = []


class Prefix(BaseModel):
    word: str
    alias: bool = False


class PostPattern(BaseModel):
    regex: str
    name: str | None = None


class GazetteerFile(BaseModel):
    unit_keywords: list[str]
    unit_prefixes: list[str] = []
    initiative_keywords: list[str]
    initiative_prefixes: list[Prefix] = []
    initiative_list_nouns: list[str] = []
    organisation_keywords: list[str] = []
    organisation_prefixes: list[str] = []
    organisations: list[NamedBody] = []
    posts: list[PostPattern] = []
    themes: list[NamedBody] = []


class RelationPattern(BaseModel):
    """One relation rule: a regular expression over a sentence with {role:KIND} slots.

    KIND is PERSON, POST, HOLDER (person or post), AGENT (person, post, unit or
    organisation), NAMED (unit, initiative, organisation or theme), INITIATIVE, UNIT, ANY
    (any entity) or TEXT (free text, which may hold entities). `pick` says how a TEXT slot
    becomes endpoints: `entity` (the first entity in it, else its text), `text` (the phrase
    itself, a single entity if it is nothing else), `list` (every item of a list).
    """

    name: str
    type: str
    pattern: str
    trigger: str = "."  # a sentence must match this (case-insensitive) before `pattern` is tried
    confidence: float = Field(0.8, ge=0.0, le=1.0)
    subject_pick: str = "entity"
    object_pick: str = "entity"
    object_np: str = "whole"  # first, last or whole: which phrase of a TEXT object to keep
    subject_np: str = "whole"
    object_type: str = "auto"  # type given to a free-text object
    subject_type: str = "auto"
    object_prefix: str = ""  # put before a free-text object ("review of ")
    object_from: str | None = None  # "heading": the object is the section heading
    subject_from: str | None = None  # "heading" or "sentence": the first named thing
    swap: bool = False  # the object slot is the fact's subject

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in RELATIONSHIP_TYPES:
            raise ValueError(f"unknown relationship type {value!r}")
        return value


class RelationsFile(BaseModel):
    relations: list[RelationPattern]


class Cue(BaseModel):
    name: str
    regex: str
    confidence: float = Field(0.7, ge=0.0, le=1.0)


class FindingsFile(BaseModel):
    risk_cues: list[Cue]
    risk_list_cues: list[Cue] = []
    recommendation_cues: list[Cue]
    recommendation_sections: list[str] = []
    directive_cues: list[Cue] = []
    frequencies: list[str] = []


class Vocabulary:
    """The loaded, compiled data files."""

    def __init__(
        self,
        ranks: RanksFile,
        given_names: list[str],
        gazetteer: GazetteerFile,
        relations: RelationsFile,
        findings: FindingsFile,
    ) -> None:
        self.ranks = ranks
        self.given_names = frozenset(given_names)
        self.gazetteer = gazetteer
        self.relations = relations
        self.findings = findings
        self.rank_by_form = {form: rank for rank in ranks.ranks for form in rank.forms}
        self.portfolio_words = frozenset(ranks.portfolio_words)
        self.suffixes = frozenset(ranks.suffixes)
        self.acronyms: dict[str, str] = {}
        for body in gazetteer.organisations:
            for acronym in body.acronyms:
                self.acronyms[acronym] = body.name
        for rank in ranks.ranks:
            for form in rank.forms:
                if form.isupper() and rank.post:
                    self.acronyms.setdefault(form, rank.name)


def _read(folder: Path | None, name: str) -> tuple[Any, str]:
    if folder is None:
        raw = resources.files("indexer").joinpath(f"data/{name}").read_text("utf-8")
        where = f"indexer/data/{name}"
    else:
        path = folder / name
        raw, where = path.read_text("utf-8"), str(path)
    try:
        return yaml.safe_load(raw) or {}, where
    except yaml.YAMLError as e:
        raise DocumentError(f"{where}: not valid YAML: {e}") from e


def _check_regexes(where: str, patterns: list[str]) -> None:
    for pattern in patterns:
        try:
            re.compile(pattern.replace("{", "(?:").replace("}", ")"))
        except re.error as e:
            raise DocumentError(f"{where}: invalid pattern {pattern!r}: {e}") from e


def load_vocabulary(folder: Path | None = None) -> Vocabulary:
    """Load and validate the data files from `folder` (the packaged ones by default)."""
    loaded: dict[str, Any] = {}
    for key, name, model in (
        ("ranks", "ranks.yaml", RanksFile),
        ("gazetteer", "gazetteer.yaml", GazetteerFile),
        ("relations", "relations.yaml", RelationsFile),
        ("findings", "findings.yaml", FindingsFile),
    ):
        data, where = _read(folder, name)
        try:
            loaded[key] = model.model_validate(data)
        except ValidationError as e:
            raise DocumentError(f"{where}: invalid: {e}") from e
        loaded[key + "_where"] = where
    names, where = _read(folder, "given_names.yaml")
    given = names.get("given_names") if isinstance(names, dict) else None
    if not isinstance(given, list) or not all(isinstance(n, str) for n in given):
        raise DocumentError(f"{where}: `given_names` must be a list of names")
    _check_regexes(loaded["findings_where"], [c.regex for c in _cues(loaded["findings"])])
    for rule in loaded["relations"].relations:
        try:
            re.compile(re.sub(r"\{(\w+):(\w+)\}", "(?:x)", rule.pattern))
            re.compile(rule.trigger)
        except re.error as e:
            raise DocumentError(
                f"{loaded['relations_where']}: rule {rule.name!r} is invalid: {e}"
            ) from e
    return Vocabulary(
        loaded["ranks"], given, loaded["gazetteer"], loaded["relations"], loaded["findings"]
    )


def _cues(findings: FindingsFile) -> list[Cue]:
    return [
        *findings.risk_cues,
        *findings.risk_list_cues,
        *findings.recommendation_cues,
        *findings.directive_cues,
    ]


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The packaged vocabulary, loaded once."""
    return load_vocabulary()
