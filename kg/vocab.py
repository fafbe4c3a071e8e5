"""The extractor's data files (kg/data/*.yaml), validated when loaded.

ranks.yaml (ranks, titles, post-nominals), given_names.yaml, gazetteer.yaml (keywords that
type a name, national bodies, posts, themes), roles.yaml (the role lexicon), frames.yaml
(syntactic frames of role facts), relations.yaml (surface patterns of the other relations),
layouts.yaml (attendance lists and tables) and findings.yaml (risk and recommendation cues).
A user extends them by editing the files or by
passing another folder to `load_vocabulary`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from graph.model import RELATIONSHIP_TYPES
from kg.datafiles import read_yaml
from kg.errors import DocumentError


class Rank(BaseModel):
    """A rank or title: its normalised name and the forms documents write it in."""

    name: str
    forms: list[str] = Field(min_length=1)
    post: bool = False
    post_prefix: str | None = None
    courtesy: bool = False  # a title of address (Mr, Dr, Councillor), not a police rank


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


class RoleWord(BaseModel):
    """A role word: the relationship it states, how sure, and a prefix for its object."""

    relation: str
    confidence: float = Field(0.8, ge=0.0, le=1.0)
    object_prefix: str = ""
    holders: list[str] = ["Person", "Post", "Unit", "Organisation"]
    needs: list[str] = []  # modifiers without which the word names no role
    # Objects with which the verb is an idiom, not a role ("leads the way").
    idioms: list[str] = []

    @field_validator("relation")
    @classmethod
    def _role_relation(cls, value: str) -> str:
        if value not in ("LEADS", "HEADS", "CHAIRS"):
            raise ValueError(f"a role gives LEADS, HEADS or CHAIRS, not {value!r}")
        return value


class RolesFile(BaseModel):
    """The role lexicon (roles.yaml)."""

    verbs: dict[str, RoleWord]
    irregular: dict[str, str] = {}
    nouns: dict[str, RoleWord]
    tenure_nouns: dict[str, RoleWord] = {}
    held_nouns: dict[str, RoleWord] = {}
    adjectives: dict[str, RoleWord] = {}
    holding_verbs: list[str] = []
    placing_verbs: list[str] = []
    post_nouns: list[str] = []
    # Modifiers that make a role noun a lesser role: "the vice chair", "the deputy head".
    lesser: list[str] = []

    def table(self, role: str) -> dict[str, RoleWord]:
        """The entries of one word class that names a relation."""
        return {
            "verbs": self.verbs,
            "nouns": self.nouns,
            "tenure_nouns": self.tenure_nouns,
            "held_nouns": self.held_nouns,
            "adjectives": self.adjectives,
        }.get(role, {})

    def lemmas(self, role: str) -> list[str]:
        """The lemmas of a word class (a relation table, holding or placing verbs, copula)."""
        if role == "copula":
            return ["be", "remain", "become"]
        if role == "holding_verbs":
            return list(self.holding_verbs)
        if role == "placing_verbs":
            return list(self.placing_verbs)
        if role in ("verbs", "nouns", "tenure_nouns", "held_nouns", "adjectives"):
            return list(self.table(role))
        raise ValueError(f"unknown word class {role!r}")


class Frame(BaseModel):
    """A dependency frame: a DependencyMatcher pattern with trigger, subject and object."""

    name: str
    pattern: list[dict[str, Any]] = Field(min_length=2)
    object_entity: bool = False  # the object must be a recognised entity, not a phrase
    # "node": the pattern's object node; "list": the entities listed after a colon that
    # follows the trigger ("X will be responsible for: - A - B").
    object_from: Literal["node", "list", "trigger"] = "node"


class SurfaceFrame(BaseModel):
    """A token-sequence frame for misparsed sentences (spaCy Matcher)."""

    name: str
    tokens: list[str | dict[str, Any]] = Field(min_length=2)
    subject: str = "first"
    object: str = "last"


class FramesFile(BaseModel):
    frames: list[Frame]
    surface: list[SurfaceFrame] = []


class LayoutsFile(BaseModel):
    """Cues of attendance lists and tables (layouts.yaml)."""

    attendance_headings: list[str]
    absence_headings: list[str] = []
    chair_marks: list[str] = []
    meeting_words: list[str] = []
    member_titles: list[str] = []
    role_columns: list[str] = []
    author_labels: list[str] = []
    frequency_columns: list[str] = []


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
        roles: RolesFile,
        frames: FramesFile,
        layouts: LayoutsFile,
    ) -> None:
        self.ranks = ranks
        self.given_names = frozenset(given_names)
        self.gazetteer = gazetteer
        self.relations = relations
        self.findings = findings
        self.roles = roles
        self.frames = frames
        self.layouts = layouts
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
    return read_yaml("kg", f"data/{name}", folder / name if folder else None, DocumentError)


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
        ("roles", "roles.yaml", RolesFile),
        ("frames", "frames.yaml", FramesFile),
        ("layouts", "layouts.yaml", LayoutsFile),
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
    _check_frames(loaded["frames_where"], loaded["frames"], loaded["roles"])
    return Vocabulary(
        loaded["ranks"],
        given,
        loaded["gazetteer"],
        loaded["relations"],
        loaded["findings"],
        loaded["roles"],
        loaded["frames"],
        loaded["layouts"],
    )


def _has_bool(value: Any) -> bool:
    """Whether YAML turned a word of a pattern into a boolean (on, off, yes, no)."""
    if isinstance(value, bool):
        return True
    if isinstance(value, dict):
        return any(_has_bool(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_bool(v) for v in value)
    return False


_SURFACE_WORDS = frozenset({"AGENT", "NAMED", "VERB", "NOUN", "BE"})


def _check_frames(where: str, frames: FramesFile, roles: RolesFile) -> None:
    """Every frame names a trigger, a subject and an object, and only known word classes."""
    for frame in frames.frames:
        ids = {node.get("RIGHT_ID") for node in frame.pattern}
        needed = {"trigger", "subject"} | ({"object"} if frame.object_from == "node" else set())
        missing = needed - ids
        if missing:
            raise DocumentError(f"{where}: frame {frame.name!r} lacks {sorted(missing)}")
        for node in frame.pattern:
            if _has_bool(node):
                raise DocumentError(
                    f"{where}: frame {frame.name!r}: a value read as true/false; quote words "
                    'such as "on", "off", "yes" and "no"'
                )
            role = (node.get("RIGHT_ATTRS") or {}).get("ROLE")
            if role is not None:
                try:
                    roles.lemmas(role)
                except ValueError as e:
                    raise DocumentError(f"{where}: frame {frame.name!r}: {e}") from e
    for surface in frames.surface:
        for token in surface.tokens:
            if isinstance(token, str) and token not in _SURFACE_WORDS:
                raise DocumentError(
                    f"{where}: surface frame {surface.name!r}: unknown token class {token!r} "
                    f"(use one of {sorted(_SURFACE_WORDS)} or a Matcher token pattern)"
                )
        for side in (surface.subject, surface.object):
            if side not in ("first", "last"):
                raise DocumentError(
                    f"{where}: surface frame {surface.name!r}: subject/object is first or last"
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
