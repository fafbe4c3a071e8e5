"""The resolved graph's plain data: entities, the relations between them, and what
resolution knows of each document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from indexer.extract.model import Evidence, Mention


@dataclass
class Entity:
    """A resolved entity: id, type, canonical name, aliases, properties and mentions."""

    id: str
    type: str
    name: str
    aliases: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class Relation:
    """A fact between two entities with every piece of evidence for it."""

    source: str
    type: str
    target: str
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class DocInfo:
    """What resolution needs to know of a document: its force and date."""

    force: str | None
    date: date | None
