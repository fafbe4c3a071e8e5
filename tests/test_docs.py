"""The README documents every setting and every CLI command."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from cli.main import _parser
from kg.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _env_names(model: type[BaseModel], prefix: str = "KG_") -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names += _env_names(annotation, f"{prefix}{name.upper()}__")
        else:
            names.append(f"{prefix}{name.upper()}")
    return names


def test_every_setting_is_in_the_readme_with_a_description() -> None:
    missing = [name for name in _env_names(Settings) if f"`{name}`" not in README]
    assert not missing, f"settings missing from README: {missing}"


def test_every_setting_has_a_description() -> None:
    def undocumented(model: type[BaseModel]) -> list[str]:
        out = []
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                out += undocumented(annotation)
            elif not field.description:
                out.append(name)
        return out

    assert not undocumented(Settings)


def test_every_cli_command_is_in_the_readme() -> None:
    subparsers = next(a for a in _parser()._actions if a.dest == "command")
    for command in subparsers.choices:  # type: ignore[union-attr]
        assert f"`kg {command}" in README, f"kg {command} is not documented"
