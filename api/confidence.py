"""How sure an answer is: one calibrated probability, the same scale for every question.

Each way of answering (a post's holder, a scored graph fact, an acronym's definition, a
related entity, a passage's span or sentences) reports what it rests on as a `Support`: its own
raw score, the cosine of the question to the answer's passage and the share of the question's
target words that its evidence holds. A logistic model over those features, with one
intercept per route, turns them into the probability that the answer's claim is right; that
is scaled by how well the answer fits what the question asks: 0 for a "who" answer that
names nobody or a "when" answer without a date, and less the further its date lies from the
period the question names, and 0 for a question about a force no indexed paper comes from.

The weights live in api/data/confidence.yaml. `python tools/calibrate_confidence.py` refits
them: it answers the development questions (correct when an accepted answer is in the
answer's own claim) and the questions the corpus cannot answer (tests/unanswerable.py, always
wrong to answer), fits the model by regularised maximum likelihood, and chooses the threshold
that gets most of both right. An answer under the threshold is `answered: false`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kg.datafiles import read_yaml
from kg.errors import KgError

ROUTES = ("post", "fact", "define", "related", "passage")
FEATURES = ("score", "similarity", "coverage")


@dataclass(frozen=True)
class Support:
    """What an answer rests on: its route and the raw figures its confidence is read from."""

    route: str  # one of ROUTES
    score: float  # the route's own score (resolution, fact or sentence score)
    similarity: float  # cosine of the question to the passage holding the evidence
    coverage: float  # share of the question's target words that the evidence holds
    # What scales the model's probability down. `typed`: 0 when the question asks for a type
    # of span (a person for "who", a date for "when") that the answer lacks, else 1.
    # `period`: how near the evidence's date is to the period the question names, 1 inside
    # it (or when it names none), falling to 0 at three years away. `force`: 0 when the
    # question names a force that no indexed paper comes from.
    typed: float = 1.0
    period: float = 1.0
    force: float = 1.0

    def scale(self) -> float:
        """What the model's probability is multiplied by."""
        return self.typed * self.period * self.force

    def features(self) -> list[float]:
        """The route's indicator, then the model's figures, in its order."""
        return [1.0 if self.route == r else 0.0 for r in ROUTES] + [
            float(getattr(self, name)) for name in FEATURES
        ]


@dataclass(frozen=True)
class Calibration:
    """A fitted logistic model and the threshold chosen with it."""

    intercepts: dict[str, float]
    weights: dict[str, float]
    threshold: float

    def confidence(self, support: Support | None) -> float:
        """The probability that an answer with this support is right (0 with none)."""
        if support is None:
            return 0.0
        z = self.intercepts.get(support.route, min(self.intercepts.values()))
        z += sum(self.weights[name] * getattr(support, name) for name in FEATURES)
        p = 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))
        return round(p * support.scale(), 4)

    def to_yaml(self, comment: str, relevance: Relevance | None = None) -> str:
        """The calibration (and the relevance model) as api/data/confidence.yaml holds
        them, under a comment."""
        data: dict[str, object] = {
            "threshold": round(self.threshold, 4),
            "intercepts": {k: round(v, 4) for k, v in self.intercepts.items()},
            "weights": {k: round(v, 4) for k, v in self.weights.items()},
        }
        if relevance is not None:
            data["relevance"] = {k: round(v, 4) for k, v in vars(relevance).items()}
        body = yaml.safe_dump(data, sort_keys=False)
        lines = "".join(f"# {line}\n" if line else "#\n" for line in comment.splitlines())
        return lines + body


@dataclass(frozen=True)
class Relevance:
    """The probability that a search result is relevant to its query, from the cosine of the
    query to the passage and the share of the query's words the passage holds: one scale
    for every query, unlike the fused score (min-max normalised within each query)."""

    intercept: float
    dense: float
    coverage: float

    def of(self, dense: float, coverage: float) -> float:
        """The probability for a passage with these figures."""
        z = self.intercept + self.dense * dense + self.coverage * coverage
        return round(1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0))), 4)


def load_relevance(path: Path | None = None) -> Relevance:
    """The relevance model in `path` (the packaged api/data/confidence.yaml by default)."""
    data, where = _read(path)
    try:
        spec = data["relevance"]
        return Relevance(float(spec["intercept"]), float(spec["dense"]), float(spec["coverage"]))
    except (KeyError, TypeError, ValueError) as e:
        raise KgError(f"{where}: relevance needs intercept, dense and coverage: {e}") from e


@lru_cache(maxsize=1)
def default_relevance() -> Relevance:
    """The packaged relevance model, loaded once."""
    return load_relevance()


def _read(path: Path | None) -> tuple[dict[str, Any], str]:
    data, where = read_yaml("api", "data/confidence.yaml", path)
    if not isinstance(data, dict):
        raise KgError(f"{where}: expected a mapping")
    return data, where


def load_calibration(path: Path | None = None) -> Calibration:
    """The calibration in `path` (the packaged one by default), validated."""
    data, where = _read(path)
    try:
        intercepts = {r: float(data["intercepts"][r]) for r in ROUTES}
        weights = {f: float(data["weights"][f]) for f in FEATURES}
        threshold = float(data["threshold"])
    except (KeyError, TypeError, ValueError) as e:
        raise KgError(f"{where}: a calibration needs threshold, intercepts and weights: {e}") from e
    if not 0.0 < threshold < 1.0:
        raise KgError(f"{where}: threshold must lie between 0 and 1, not {threshold}")
    return Calibration(intercepts, weights, threshold)


@lru_cache(maxsize=1)
def default_calibration() -> Calibration:
    """The packaged calibration, loaded once."""
    return load_calibration()
