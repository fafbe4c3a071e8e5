"""Fit the confidence model of /ask (api/data/confidence.yaml) and choose its threshold.

    KG_DATA_DIR=<an index of corpus/> python tools/calibrate_confidence.py [--write]

Every development question (../shared/eval/dev_qa.json) and every question the corpus cannot
answer (tests/unanswerable.py) is asked; each candidate answer (the graph's and the
passages') is labelled right when an accepted answer is in its own claim, and wrong for the
unanswerable questions. A logistic model with one intercept per route is fitted to those
labels by L2-regularised maximum likelihood (Newton's method). The threshold is the one that
maximises answerable accuracy plus the abstention rate, both counted on the answer /ask would
choose; a 5-fold split by question reports how that holds on questions the fit did not see.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from api.confidence import FEATURES, ROUTES, Calibration
from api.deps import Services
from kg.evaluation import answer_claim, answer_is_correct, load_questions
from kg.settings import Settings

_ROOT = Path(__file__).resolve().parents[1]
_L2 = 1.0
_THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.01), 2)


@dataclass(frozen=True)
class _Row:
    question: int  # index of the question the candidate answers
    answerable: bool
    features: list[float]
    scale: float  # what the model's probability is multiplied by (Support.scale)
    right: bool


def _collect(services: Services, questions: list[tuple[str, list[str] | None]]) -> list[_Row]:
    rows = []
    for i, (question, accepted) in enumerate(questions):
        _, _, answers = services.ask.candidates(question)
        for answer in answers:
            if answer.support is None:
                continue
            claim = answer_claim(answer.answer)
            right = accepted is not None and answer_is_correct(claim, accepted)
            support = answer.support
            rows.append(_Row(i, accepted is not None, support.features(), support.scale(), right))
    return rows


def _fit(rows: list[_Row]) -> np.ndarray:
    # Candidates scaled to nothing (a "who" answer naming nobody) never answer: not fitted.
    rows = [r for r in rows if r.scale > 0]
    x = np.asarray([r.features for r in rows], dtype=np.float64)
    y = np.asarray([r.right for r in rows], dtype=np.float64)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], _L2)
    penalty[: len(ROUTES)] = _L2 / 10  # intercepts: barely held back
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def _calibration(w: np.ndarray, threshold: float) -> Calibration:
    routes = len(ROUTES)
    return Calibration(
        intercepts={r: float(w[i]) for i, r in enumerate(ROUTES)},
        weights={f: float(w[routes + i]) for i, f in enumerate(FEATURES)},
        threshold=threshold,
    )


def _outcomes(rows: list[_Row], w: np.ndarray, threshold: float) -> tuple[float, float]:
    """Answerable accuracy (right and answered) and abstention on the unanswerable, taking
    for each question its most confident candidate, as /ask does."""
    chosen: dict[int, tuple[float, _Row]] = {}
    for row in rows:
        p = row.scale * float(1.0 / (1.0 + np.exp(-(np.asarray(row.features) @ w))))
        if row.question not in chosen or p > chosen[row.question][0]:
            chosen[row.question] = (p, row)
    answerable = [(p, r) for p, r in chosen.values() if r.answerable]
    unanswerable = [(p, r) for p, r in chosen.values() if not r.answerable]
    accuracy = sum(r.right and p >= threshold for p, r in answerable) / max(len(answerable), 1)
    abstained = sum(p < threshold for p, _ in unanswerable) / max(len(unanswerable), 1)
    return accuracy, abstained


def _best_threshold(rows: list[_Row], w: np.ndarray) -> float:
    return float(max(_THRESHOLDS, key=lambda t: sum(_outcomes(rows, w, float(t)))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--qa", type=Path, default=_ROOT.parent / "shared/eval/dev_qa.json")
    parser.add_argument("--unanswerable", type=Path, default=_ROOT / "tests/unanswerable.py")
    parser.add_argument("--write", action="store_true", help="write api/data/confidence.yaml")
    args = parser.parse_args(argv)

    dev = [(q.question, list(q.answers)) for q in load_questions(args.qa)]
    never = [(q, None) for _, q in runpy.run_path(str(args.unanswerable))["UNANSWERABLE"]]
    services = Services(Settings())
    rows = _collect(services, dev + never)
    services.close()

    w = _fit(rows)
    threshold = _best_threshold(rows, w)
    accuracy, abstained = _outcomes(rows, w, threshold)
    folds = np.arange(len(dev) + len(never)) % 5
    held = []
    for k in range(5):
        train = [r for r in rows if folds[r.question] != k]
        test = [r for r in rows if folds[r.question] == k]
        wk = _fit(train)
        held.append(_outcomes(test, wk, _best_threshold(train, wk)))
    cv_accuracy, cv_abstained = (float(np.mean(v)) for v in zip(*held, strict=True))
    calibration = _calibration(w, threshold)
    summary = (
        f"Fitted by tools/calibrate_confidence.py on {date.today().isoformat()}: "
        f"{len(dev)} questions of {args.qa.name}\n"
        f"and {len(never)} of {args.unanswerable.name} ({len(rows)} candidate answers).\n"
        f"Threshold {threshold:.2f}: answerable accuracy {accuracy:.3f}, abstention "
        f"{abstained:.3f};\n"
        f"5-fold by question (fit and threshold on 4/5, measured on the rest): accuracy "
        f"{cv_accuracy:.3f}, abstention {cv_abstained:.3f}."
    )
    print(summary)
    print(calibration.to_yaml(""))
    if args.write:
        out = _ROOT / "api/data/confidence.yaml"
        comment = (
            "The confidence model of /ask (see api/confidence.py).\n" + summary + "\n"
            "Refit with: KG_DATA_DIR=<index of corpus/> python tools/calibrate_confidence.py "
            "--write"
        )
        out.write_text(calibration.to_yaml(comment), encoding="utf-8")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
