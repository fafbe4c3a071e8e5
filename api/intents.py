"""Recognise what a question asks (its intent) and what it is about (its target).

Rules first (api/data/intents.yaml: patterns a user can extend); a question no rule matches
is compared with each intent's example phrasings by the embedding model; an unrecognised
question is a search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from kg.datafiles import read_yaml
from kg.errors import KgError
from vectors.encoder import Encoder

SEARCH = "search"
# A question takes an intent by its examples when its best cosine similarity to them reaches
# this and beats the next intent's by the margin (measured: paraphrased leadership questions
# score 0.48-0.51 for who_leads against <= 0.40 elsewhere; unrelated questions < 0.45).
_EXAMPLE_THRESHOLD = 0.45
_EXAMPLE_MARGIN = 0.06
_LEADING = re.compile(r"^(?:please |can you tell me |tell me |do you know )+", re.IGNORECASE)
_TRAILING = re.compile(r"[\s?.!]+$")
_TARGET_TRIM = re.compile(
    r"^(?:the|a|an|our|wmp'?s?|the force'?s?)\s+|\s+(?:in|at|during|since|by|as of|from)\s+"
    r"(?:\d{4}|(?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december)\b.*)$|\s+(?:now|currently|today)$|\s+(?:19|20)\d\d(?:/\d\d)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Intent:
    """A recognised question: its intent, target and (for recommendations) owner or author."""

    name: str
    target: str | None
    matched_by: str  # "rule", "examples" or "none"
    owner: str | None = None
    by: str | None = None
    role: str | None = None  # "head" in "who is the head of X": X may be named "Head of X"


@dataclass(frozen=True)
class _Rules:
    patterns: dict[str, list[re.Pattern[str]]]
    examples: dict[str, list[str]]


def load_rules(path: Path | None = None) -> _Rules:
    """Intent patterns and examples from YAML (the packaged file by default), validated."""
    data, where = read_yaml("api", "data/intents.yaml", path)
    patterns: dict[str, list[re.Pattern[str]]] = {}
    examples: dict[str, list[str]] = {}
    for name, spec in (data.get("intents") or {}).items():
        try:
            patterns[name] = [re.compile(p, re.IGNORECASE) for p in spec.get("patterns", [])]
            examples[name] = [str(e) for e in spec.get("examples", [])]
        except (AttributeError, re.error) as e:
            raise KgError(f"{where}: intent {name!r} is invalid: {e}") from e
    return _Rules(patterns, examples)


@lru_cache(maxsize=1)
def default_rules() -> _Rules:
    """The packaged intent rules, loaded once."""
    return load_rules()


def _clean_target(text: str | None) -> str | None:
    if not text:
        return None
    previous = None
    text = text.strip(" ,;:'\"")
    while previous != text:
        previous = text
        text = _TARGET_TRIM.sub("", text).strip(" ,;:'\"")
    return text or None


class IntentRecogniser:
    """Rules, then the nearest example phrasing, then search."""

    def __init__(self, encoder: Encoder | None = None, rules: _Rules | None = None) -> None:
        self._rules = rules or default_rules()
        self._encoder = encoder
        self._example_vectors: dict[str, np.ndarray] | None = None

    def recognise(self, question: str) -> Intent:
        """The intent of `question` and its target."""
        text = _TRAILING.sub("", _LEADING.sub("", question.strip()))
        for name, patterns in self._rules.patterns.items():
            for pattern in patterns:
                m = pattern.fullmatch(text)
                if m is None:
                    continue
                groups = m.groupdict()
                target = _clean_target(groups.get("x"))
                owner = _clean_target(groups.get("owner"))
                if target or owner:
                    return Intent(
                        name,
                        target,
                        "rule",
                        owner=owner,
                        by=groups.get("by"),
                        role=groups.get("role"),
                    )
        return self._by_examples(text)

    def _by_examples(self, text: str) -> Intent:
        if self._encoder is None or not any(self._rules.examples.values()):
            return Intent(SEARCH, None, "none")
        if self._example_vectors is None:
            self._example_vectors = {
                name: self._encoder.encode(examples)
                for name, examples in self._rules.examples.items()
                if examples
            }
        query = self._encoder.encode([text])[0]
        scores = sorted(
            (
                (float((vectors @ query).max()), name)
                for name, vectors in self._example_vectors.items()
            ),
            reverse=True,
        )
        best_score, best = scores[0]
        runner_up = scores[1][0] if len(scores) > 1 else -1.0
        if best_score >= _EXAMPLE_THRESHOLD and best_score - runner_up >= _EXAMPLE_MARGIN:
            return Intent(best, None, "examples")
        return Intent(SEARCH, None, "none")
