"""Validation errors in plain words: the parameter, the accepted form and what was given.

pydantic's own messages ("Input should be a valid integer, unable to parse string as an
integer") are written for programmers; these are for the people and tools calling the service.
The API's error handler and the CLI both use them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def _shown(value: Any) -> str:
    """A given value as a message quotes it: text in quotes, shortened; others as JSON."""
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + "…")
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:60] + "…"


def plain_problem(error: Mapping[str, Any]) -> tuple[str, str]:
    """(parameter, message) for one pydantic error, in plain words naming the accepted form."""
    loc = [str(p) for p in error.get("loc", ())]
    if loc and loc[0] in ("query", "body", "path", "header"):
        loc = loc[1:]  # where the parameter came from, not part of its name
    name = ".".join(loc) or "the request body"
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    given = error.get("input")
    got = f"; got {_shown(given)}" if "input" in error and given is not None else ""
    if kind == "missing":
        return name, f"{name} is required"
    if kind == "extra_forbidden":
        return name, f"{name} is not a parameter of this endpoint"
    if kind == "json_invalid":
        return "the request body", "the request body is not valid JSON"
    if kind.startswith(("date_", "datetime_")):
        return name, f"{name} must be a date, YYYY-MM-DD{got}"
    if kind.startswith("int_"):
        return name, f"{name} must be a whole number{got}"
    if kind.startswith("float_") or kind.startswith("decimal_"):
        return name, f"{name} must be a number{got}"
    if kind.startswith("bool_"):
        return name, f"{name} must be true or false{got}"
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        number = f"; got {given}" if given is not None else ""  # a number: no quotes
        return name, f"{name} must be {words} {ctx.get(key)}{number}"
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        if least == 1:
            return name, f"{name} must not be empty"
        return name, f"{name} must be at least {least} characters"
    if kind == "string_too_long":
        length = f"; got {len(given)}" if isinstance(given, str) else ""
        return name, f"{name} must be at most {ctx.get('max_length')} characters{length}"
    if kind in ("literal_error", "enum"):
        return name, f"{name} must be one of {ctx.get('expected')}{got}"
    if kind.startswith("string_"):
        return name, f"{name} must be text{got}"
    if kind.startswith(("list_", "tuple_", "set_")):
        return name, f"{name} must be a list{got}"
    if kind.startswith(("dict_", "model_")):
        return name, f"{name} must be a JSON object{got}"
    if kind in ("value_error", "assertion_error") and ctx.get("error") is not None:
        return name, f"{name} {ctx['error']}"
    return name, f"{name} is not valid{got}"
