"""The graph model's names (DESIGN.md) and the one helper that puts a name into Cypher text."""

from __future__ import annotations

import re

# Labels are PascalCase, relationship types UPPER_SNAKE, properties camelCase.
NODE_LABELS: tuple[str, ...] = (
    "Document",
    "Chunk",
    "Person",
    "Post",
    "Unit",
    "Initiative",
    "Organisation",
    "Theme",
    "Risk",
    "Recommendation",
    "Objective",
)

RELATIONSHIP_TYPES: tuple[str, ...] = (
    "LEADS",
    "HEADS",
    "CHAIRS",
    "MEMBER_OF",
    "HOLDS_POST",
    "PART_OF",
    "DEPENDS_ON",
    "PARTNERS_WITH",
    "ADDRESSES",
    "SUCCEEDS",
    "MERGES_INTO",
    "HAS_RISK",
    "RECOMMENDS",
    "CONCERNS",
    "MENTIONED_IN",
    "FROM_DOCUMENT",
)

# Every node label carries a unique, deterministic `id` (ensure_schema makes it a constraint).
ID_PROPERTY = "id"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def quote_name(name: str) -> str:
    """Backtick-quote a label, relationship type or property name for Cypher text.

    Values always travel as $parameters; only names that must vary (a label chosen at run
    time) are put into the text, and only through here. The name must be a plain identifier:
    FalkorDB cannot parse an escaped backtick inside a quoted name, so instead of escaping
    anything exotic we refuse it.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain Cypher name: {name!r}")
    return f"`{name}`"
