"""Named, parameterised Cypher queries: one file per query in cypher/, with a header comment.

The header is the comment block the file starts with:

    // One line saying what the query lists.
    // Answers: the question it answers.
    // Parameters:
    //   $name: type, what it means
    // Returns: column, column (one row per ...)
    // Example: {"name": "a value the tests run it with"}

`Parameters: none` declares no parameters. tools/cypher-lint reads the same `//   $name` lines
to tell Neo4j's linter which parameters exist.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import NotFound

_PARAM_LINE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)\s*:?\s*(.*)$")
_FIELD_LINE = re.compile(r"^(Answers|Parameters|Returns|Example):\s*(.*)$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class NamedQuery:
    """A query from cypher/ with what its header says about it."""

    name: str
    text: str
    summary: str
    answers: str
    parameters: dict[str, str] = field(default_factory=dict)  # name -> "type, meaning"
    returns: list[str] = field(default_factory=list)
    example: dict[str, Any] = field(default_factory=dict)


def parse_named_query(name: str, text: str) -> NamedQuery:
    """Parse one query file; a header without summary, Answers or Returns is a ValueError."""
    header: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("//"):
            break
        header.append(stripped[2:].strip())
    if not header or not header[0]:
        raise ValueError(f"{name}: the file must start with a // comment saying what it lists")
    fields: dict[str, str] = {}
    parameters: dict[str, str] = {}
    for line in header[1:]:
        if m := _FIELD_LINE.match(line):
            fields[m.group(1)] = m.group(2).strip()
        elif m := _PARAM_LINE.match(line):
            parameters[m.group(1)] = m.group(2).strip()
    for required in ("Answers", "Parameters", "Returns"):
        if required not in fields:
            raise ValueError(f"{name}: header has no '{required}:' line")
    returns = [c.strip() for c in fields["Returns"].split("(")[0].split(",") if c.strip()]
    example = json.loads(fields["Example"]) if fields.get("Example") else {}
    if not isinstance(example, dict):
        raise ValueError(f"{name}: Example must be a JSON object of parameters")
    return NamedQuery(
        name=name,
        text=text,
        summary=header[0],
        answers=fields["Answers"],
        parameters=parameters,
        returns=returns,
        example=example,
    )


def load_named_queries(directory: Path) -> dict[str, NamedQuery]:
    """Every <name>.cypher file in directory, by name."""
    queries = {}
    for path in sorted(directory.glob("*.cypher")):
        if not _NAME.match(path.stem):
            raise ValueError(f"{path.name}: query names are lower_snake_case")
        queries[path.stem] = parse_named_query(path.stem, path.read_text(encoding="utf-8"))
    return queries


def get_named_query(queries: dict[str, NamedQuery], name: str) -> NamedQuery:
    """The query called name, or NotFound listing the names there are."""
    try:
        return queries[name]
    except KeyError as e:
        raise NotFound(f"no named query {name!r}", {"available": sorted(queries)}) from e
