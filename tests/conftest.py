"""Session fixtures: one real encoder, and one index of a small corpus the tests write."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from kg.settings import Settings
from vectors.encoder import ModelEncoder, make_encoder

# Documents written for the tests (not taken from the corpus). Each is small: one or two chunks.
CORPUS: dict[str, str] = {
    "harbour.txt": """HARBOURSIDE COMMUNITY SAFETY BOARD
3rd March 2015

Quayside Patrol Review

PURPOSE OF REPORT
1. This report describes the Volunteer Cadet Scheme (VCS) and the work of the quayside teams.

AGENDA ITEM 7

ROAD SAFETY
2. The Lanes Collision Partnership reduced collisions by 12% over the year. Inspector Mara
Quill leads the speed enforcement work across the northern district.
\u2022 Average speed cameras were installed on four routes.
14
""",
    "inspection.md": """# Annual Inspection of Lowmoor Constabulary

October 2010

## Findings

Burglary detections improved in every district. The **custody suite** at Eastgate was
rebuilt and now meets the national standard. Contact e.g. [the team](mailto:team@example.org).

## Glossary of Terms and Abbreviations

GRIT\tgraded response improvement team
KWX\tkestrel watch exchange
""",
    "cadets.txt": """Youth Engagement Update
12 June 2012

3. The volunteer cadet scheme recruited forty young people in Ravensholme this spring and
will open a second unit next year.
""",
    "ferries.txt": """Ferry Terminal Security
1 September 2016

5. Kestrel watch exchange meetings now happen monthly with the port authority, covering
vehicle checks at the ferry terminal.
""",
}


# Wording of pydantic's own validation messages: none may reach an API error message.
PYDANTIC_PHRASES = (
    "Input should",
    "Field required",
    "Value error",
    "Extra inputs are not permitted",
    "String should have",
    "should have at least",
    "should have at most",
    "Datetimes provided to dates",
    "unable to parse",
    "validation error",
    "JSON decode error",
    "Assertion failed",
    "Unable to",
    "pydantic",
)


def leaked_phrases(message: str) -> list[str]:
    """The pydantic phrases in an error message (case-insensitive)."""
    return [p for p in PYDANTIC_PHRASES if p.lower() in message.lower()]


@pytest.fixture(autouse=True, scope="session")
def _plain_words_in_every_api_error() -> Iterator[None]:
    """Every error body any API test receives is built by api.errors.error_body: checked here,
    so a pydantic phrase in any message fails the test that provoked it."""
    from api import errors

    build = errors.error_body

    def checked(code: str, message: str, detail: object = None) -> dict[str, object]:
        leaked = leaked_phrases(message)
        assert not leaked, f"pydantic wording {leaked} in an API error message: {message!r}"
        return build(code, message, detail)

    errors.error_body = checked  # type: ignore[assignment]
    yield
    errors.error_body = build  # type: ignore[assignment]


@pytest.fixture(scope="session")
def encoder() -> ModelEncoder:
    """The real bundled embedding model, loaded once for the whole session."""
    settings = Settings()
    return make_encoder(settings.embedding)


def write_corpus(folder: Path, documents: dict[str, str] | None = None) -> Path:
    """Write the test documents into `folder` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (documents or CORPUS).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def make_settings(root: Path, **overrides: object) -> Settings:
    """Settings whose data and corpus live under `root`."""
    return Settings(data_dir=root / "data", corpus_dir=root / "corpus", **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def indexed(tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder) -> Iterator[Settings]:
    """Settings pointing at an index of CORPUS, built once (read-only for tests)."""
    from indexer.pipeline import Indexer

    root = tmp_path_factory.mktemp("indexed")
    write_corpus(root / "corpus")
    settings = make_settings(root)
    report = Indexer(settings, encoder).run()
    assert sorted(report.added) == sorted(CORPUS)
    yield settings


@pytest.fixture(scope="session")
def services(indexed: Settings, encoder: ModelEncoder):  # type: ignore[no-untyped-def]
    """Read-side services over the session index."""
    from api.deps import Services

    return Services(indexed, encoder)


_KEYS: dict[tuple[str, str, str], str] = {}


def bearer(
    settings: Settings, role: str = "admin", clearance: str = "TOP SECRET"
) -> dict[str, str]:
    """Authorization headers of an API key made through the real key store of settings'
    data directory (one key per data directory, role and clearance, made once)."""
    from kg.keys import KeyStore

    slot = (str(settings.access_dir.resolve()), role, clearance)
    if slot not in _KEYS:
        name = f"test-{role}-{clearance.lower().replace(' ', '-')}"
        key, _ = KeyStore(settings.access_dir).create(name, role, clearance)
        _KEYS[slot] = key
    return {"Authorization": f"Bearer {_KEYS[slot]}"}


def index_of(root: Path, encoder: ModelEncoder, documents: dict[str, str]) -> Settings:
    """Settings over an index, with its graph, of `documents` written under `root`."""
    from indexer.pipeline import Indexer

    write_corpus(root / "corpus", documents)
    settings = make_settings(root)
    report = Indexer(settings, encoder).run(progress=False)
    assert report.graph["status"] == "loaded", report
    return settings


@pytest.fixture(scope="session")
def web_settings(tmp_path_factory: pytest.TempPathFactory, encoder: ModelEncoder) -> Settings:
    """Settings over an index of the page tests' papers (tests/web_papers.py), built once."""
    from web_papers import PAPERS, sidecars

    return index_of(tmp_path_factory.mktemp("web"), encoder, {**PAPERS, **sidecars()})
