"""Query parameters for FalkorDB, rendered into the `CYPHER name=value ...` header.

FalkorDB has no binary parameter protocol: the client prepends a text header to the query and
the server parses it with its Cypher lexer. This module is the one place that renders values
into that header, so what reaches the parser is known and tested instead of depending on the
client version. The falkordb client's own renderer gets strings right (it escapes `\\` and `"`;
newlines, quotes, backticks, `$` and unicode then round-trip) but silently corrupts other
values, which is why we do not use it:

- a NUL character ends the C string the server parses: the rest of the query is lost;
- `float('inf')` and `nan` render as `inf`/`nan`, which are not Cypher literals;
- integers beyond 64 bits are clamped by the server to 2**63-1 without an error;
- a `date` renders as `2024-01-02`, which the server evaluates as the integer 2021;
- lone surrogates cannot be encoded as UTF-8.

Those raise InvalidRequest here, naming the parameter, before anything is sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from kg.errors import InvalidRequest

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT64 = (-(2**63), 2**63 - 1)


def params_header(params: Mapping[str, Any] | None) -> str:
    """The `CYPHER a=... b=... ` prefix carrying params; empty when there are none."""
    if not params:
        return ""
    parts = []
    for name, value in params.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise InvalidRequest(f"invalid parameter name {name!r}", {"parameter": repr(name)})
        parts.append(f"{name}={cypher_literal(value, name)}")
    return "CYPHER " + " ".join(parts) + " "


def cypher_literal(value: Any, where: str = "value") -> str:
    """Render one JSON-like value as a Cypher literal FalkorDB parses back to the same value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise _bad(where, "integer out of the 64-bit range")
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _bad(where, "infinite or NaN number")
        return repr(value)
    if isinstance(value, str):
        return _string_literal(value, where)
    if isinstance(value, list | tuple):
        items = (cypher_literal(v, f"{where}[{i}]") for i, v in enumerate(value))
        return "[" + ",".join(items) + "]"
    if isinstance(value, Mapping):
        entries = []
        for key, v in value.items():
            if not isinstance(key, str) or not key or "`" in key or "\x00" in key:
                # FalkorDB's lexer has no escape for a backtick inside a quoted name.
                raise _bad(where, f"map key {key!r} cannot be sent to FalkorDB")
            entries.append(f"`{key}`:{cypher_literal(v, f'{where}.{key}')}")
        return "{" + ",".join(entries) + "}"
    raise _bad(
        where,
        f"unsupported type {type(value).__name__} (send str, int, float, bool, "
        "None, list or dict; dates as ISO strings)",
    )


def _string_literal(value: str, where: str) -> str:
    if "\x00" in value:
        raise _bad(where, "NUL character in string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _bad(where, "string is not valid unicode (lone surrogate)") from e
    # Inside "...", FalkorDB's lexer gives `\` a meaning (\\, \", \t, \n, ...); every other
    # character, raw newlines and quotes of the other kind included, stands for itself.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _bad(where: str, why: str) -> InvalidRequest:
    return InvalidRequest(f"parameter {where}: {why}", {"parameter": where})
