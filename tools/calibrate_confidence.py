"""Fit the confidence model of /ask (api/data/confidence.yaml) and choose its threshold.

    KG_DATA_DIR=<an index of corpus/> python tools/calibrate_confidence.py [--write]

Every development question (../shared/eval/dev_qa.json) and every question the corpus cannot
answer (tests/unanswerable.py) is asked; each candidate answer (the graph's and the
passages') is labelled right when an accepted answer is in its own claim, and wrong for the
unanswerable questions. A logistic model with one intercept per route is fitted to those
labels by L2-regularised maximum likelihood (Newton's method). The threshold is the one that
maximises answerable accuracy plus the abstention rate, both counted on the answer /ask would
choose; a 5-fold split by question reports how that holds on questions the fit did not see.

It fits the relevance model of /search too: each top-10 result of those questions is
labelled relevant when it holds 60% of an evidence quote (the eval rule; none is for the
unanswerable), and a logistic model reads its cosine to the query and the share of the
query's words it holds. Relevant passages the evidence does not list count as irrelevant,
so the model leans low.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from api.confidence import FEATURES, ROUTES, Calibration, Relevance
from api.deps import Services
from api.search import coverage
from kg.evaluation import Evidence, answer_claim, answer_is_correct, is_relevant, load_questions
from kg.settings import Settings
from kg.text import terms

_ROOT = Path(__file__).resolve().parents[1]
_L2 = 1.0
_RESULTS = 10
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


def _fit(rows: list[_Row], intercepts: int = len(ROUTES)) -> np.ndarray:
    # Candidates scaled to nothing (a "who" answer naming nobody) never answer: not fitted.
    rows = [r for r in rows if r.scale > 0]
    x = np.asarray([r.features for r in rows], dtype=np.float64)
    y = np.asarray([r.right for r in rows], dtype=np.float64)
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], _L2)
    penalty[:intercepts] = _L2 / 10  # intercepts: barely held back
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
        # The arithmetic of Calibration.confidence: the written (rounded) weights, and the
        # probability rounded to four places, so a question on the threshold counts as /ask
        # will count it.
        z = np.asarray(row.features) @ np.round(w, 4)
        p = round(row.scale * float(1.0 / (1.0 + np.exp(-z))), 4)
        if row.question not in chosen or p > chosen[row.question][0]:
            chosen[row.question] = (p, row)
    answerable = [(p, r) for p, r in chosen.values() if r.answerable]
    unanswerable = [(p, r) for p, r in chosen.values() if not r.answerable]
    accuracy = sum(r.right and p >= threshold for p, r in answerable) / max(len(answerable), 1)
    abstained = sum(p < threshold for p, _ in unanswerable) / max(len(unanswerable), 1)
    return accuracy, abstained


def _best_threshold(rows: list[_Row], w: np.ndarray) -> float:
    return float(max(_THRESHOLDS, key=lambda t: sum(_outcomes(rows, w, float(t)))))


def _relevance_rows(
    services: Services, questions: list[tuple[str, tuple[Evidence, ...] | None]]
) -> tuple[np.ndarray, np.ndarray]:
    """(dense, coverage) of each top-10 hybrid result, and whether it is relevant: it shares
    60% of an evidence quote (the eval rule); no result of an unanswerable question is."""
    x, y = [], []
    for question, evidence in questions:
        analysed = services.search.analyse(question)
        typed = set(terms(question))
        for hit in services.search.search(question, _RESULTS):
            x.append([hit.dense, coverage(typed, analysed, hit.chunk.text)])
            chunk = hit.chunk
            y.append(evidence is not None and is_relevant(chunk.doc_id, chunk.text, evidence))
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def _fit_relevance(x: np.ndarray, y: np.ndarray) -> Relevance:
    rows = [_Row(0, True, [1.0, *f], 1.0, bool(label)) for f, label in zip(x, y, strict=True)]
    w = _fit(rows, intercepts=1)
    return Relevance(float(w[0]), float(w[1]), float(w[2]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--qa", type=Path, default=_ROOT.parent / "shared/eval/dev_qa.json")
    parser.add_argument("--unanswerable", type=Path, default=_ROOT / "tests/unanswerable.py")
    parser.add_argument("--write", action="store_true", help="write api/data/confidence.yaml")
    args = parser.parse_args(argv)

    loaded = load_questions(args.qa)
    dev: list[tuple[str, list[str] | None]] = [(q.question, list(q.answers)) for q in loaded]
    never: list[tuple[str, list[str] | None]] = [
        (q, None) for _, q in runpy.run_path(str(args.unanswerable))["UNANSWERABLE"]
    ]
    services = Services(Settings())
    rows = _collect(services, dev + never)
    evidence: list[tuple[str, tuple[Evidence, ...] | None]] = [
        (q.question, q.evidence) for q in loaded
    ]
    rx, ry = _relevance_rows(services, evidence + [(q, None) for q, _ in never])
    services.close()
    relevance = _fit_relevance(rx, ry)
    p = np.asarray([relevance.of(float(d), float(c)) for d, c in rx])
    # How well the top result's relevance tells the questions the corpus answers from those
    # it cannot, across queries (what a client thresholding it relies on): ROC AUC.
    top = [float(p[i]) for i in range(0, len(p), _RESULTS)]
    answerable, unanswerable = top[: len(loaded)], top[len(loaded) :]
    auc = float(np.mean([a > b for a in answerable for b in unanswerable]))

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
        f"{cv_accuracy:.3f}, abstention {cv_abstained:.3f}.\n"
        f"Search relevance on the top {_RESULTS} results of every question ({len(ry)} results, "
        f"{int(ry.sum())} relevant): the top result's relevance tells answerable\n"
        f"questions from unanswerable ones with ROC AUC {auc:.3f} (medians "
        f"{np.median(answerable):.3f} and {np.median(unanswerable):.3f})."
    )
    print(summary)
    print(calibration.to_yaml("", relevance))
    if args.write:
        out = _ROOT / "api/data/confidence.yaml"
        comment = (
            "The confidence model of /ask (see api/confidence.py).\n" + summary + "\n"
            "Refit with: KG_DATA_DIR=<index of corpus/> python tools/calibrate_confidence.py "
            "--write"
        )
        out.write_text(calibration.to_yaml(comment, relevance), encoding="utf-8")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
