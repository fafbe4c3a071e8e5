"""YAML data files that ship in a package and that a setting may replace with a file."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from kg.errors import KgError


def read_yaml(
    package: str, relative: str, path: Path | None = None, error: type[KgError] = KgError
) -> tuple[Any, str]:
    """The parsed YAML at `path`, else the packaged `package/relative`, and where it came
    from (for messages); an empty file is an empty mapping. Invalid YAML raises `error`."""
    if path is None:
        raw = resources.files(package).joinpath(relative).read_text("utf-8")
        where = f"{package}/{relative}"
    else:
        raw, where = path.read_text("utf-8"), str(path)
    try:
        # libyaml's loader when PyYAML has it: the pure-Python one is several times slower.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(raw, Loader=loader) or {}, where
    except yaml.YAMLError as e:
        raise error(f"{where}: not valid YAML: {e}") from e
