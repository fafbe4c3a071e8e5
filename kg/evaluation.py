"""`kg eval`: retrieval metrics on a question set, with the matching rule of shared/eval."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from kg.errors import KgError
from kg.text import normalise

CUTOFFS = (1, 5, 10)
MATCH_SHARE = 0.6  # a chunk is relevant if it shares a contiguous 60% of an evidence quote


@dataclass(frozen=True)
class Evidence:
    """A quote from a document that supports an answer."""

    doc: str
    quote: str


@dataclass(frozen=True)
class Question:
    """One item of the question set."""

    id: str
    question: str
    kind: str
    answers: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    tags: tuple[str, ...]


def load_questions(path: Path) -> list[Question]:
    """The question set at `path` (JSON list), validated."""
    try:
        items = json.loads(path.read_text("utf-8"))
        return [
            Question(
                id=str(q["id"]),
                question=str(q["question"]),
                kind=str(q.get("kind", "")),
                answers=tuple(q.get("answers", [])),
                evidence=tuple(Evidence(e["doc"], e["quote"]) for e in q.get("evidence", [])),
                tags=tuple(q.get("tags", [])),
            )
            for q in items
        ]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise KgError(f"cannot read question set {path}: {e}") from e


def is_relevant(doc: str, text: str, evidence: Sequence[Evidence]) -> bool:
    """Whether a returned chunk matches any evidence quote (same document, 60% overlap)."""
    chunk = normalise(text)
    for e in evidence:
        if e.doc != doc:
            continue
        quote = normalise(e.quote)
        m = SequenceMatcher(None, quote, chunk, autojunk=False).find_longest_match(
            0, len(quote), 0, len(chunk)
        )
        if m.size >= MATCH_SHARE * len(quote):
            return True
    return False


def first_relevant_rank(results: Sequence[tuple[str, str]], evidence: Sequence[Evidence]) -> int:
    """1-based rank of the first relevant (doc, text) result, 0 if none."""
    for rank, (doc, text) in enumerate(results, start=1):
        if is_relevant(doc, text, evidence):
            return rank
    return 0


def retrieval_metrics(ranks: Sequence[int]) -> dict[str, float]:
    """R@1, R@5, R@10 and MRR@10 from first-relevant ranks (0 = not found)."""
    n = max(len(ranks), 1)
    out = {f"R@{c}": sum(1 for r in ranks if 0 < r <= c) / n for c in CUTOFFS}
    out["MRR@10"] = sum(1.0 / r for r in ranks if 0 < r <= 10) / n
    return out


def evaluate_retrieval(
    questions: Sequence[Question],
    search: Callable[[str], Sequence[tuple[str, str]]],
) -> dict[str, Any]:
    """Metrics overall and per kind, and each question's rank, for one search function."""
    ranks = {q.id: first_relevant_rank(search(q.question), q.evidence) for q in questions}
    by_kind: dict[str, list[int]] = defaultdict(list)
    for q in questions:
        by_kind[q.kind].append(ranks[q.id])
    return {
        "overall": retrieval_metrics(list(ranks.values())),
        "by_kind": {k: retrieval_metrics(v) for k, v in sorted(by_kind.items())},
        "counts": {k: len(v) for k, v in sorted(by_kind.items())},
        "ranks": ranks,
    }


def answer_is_correct(answer: str, accepted: Sequence[str]) -> bool:
    """An answer is correct when any accepted answer string appears in it (case-insensitive)."""
    text = answer.lower()
    return any(a.lower() in text for a in accepted)


# What an answer sets beside its claim: the quoted source, the history, other findings.
_BESIDE = re.compile(r"\s(?:Source|History|Also|Elsewhere|Nearest evidence):\s")
_QUOTE = re.compile(r"“[^”]*”|\"[^\"]*\"")


def answer_claim(answer: str) -> str:
    """The answer's own claim: the text before its source, history or other findings, less
    any quotation, so an accepted answer that only a quote holds does not count."""
    return _QUOTE.sub(" ", _BESIDE.split(answer, maxsplit=1)[0])


def evaluate_answers(
    questions: Sequence[Question],
    ask: Callable[[str], tuple[str, Sequence[tuple[str, str]], bool]],
) -> dict[str, Any]:
    """Answer accuracy overall, by kind, difficulty and tag, and answer-or-passage hit@5.

    `ask` returns the answer text, the (doc, text) of its passages, best first, and whether
    it answered (False: "the documents do not say"). The claim accuracy counts an answer
    right only when it answered and its own claim holds an accepted answer.
    """
    correct: dict[str, bool] = {}
    claimed: dict[str, bool] = {}
    either: dict[str, bool] = {}
    answered: dict[str, bool] = {}
    for q in questions:
        answer, passages, answered[q.id] = ask(q.question)
        correct[q.id] = answer_is_correct(answer, q.answers)
        claimed[q.id] = answered[q.id] and answer_is_correct(answer_claim(answer), q.answers)
        rank = first_relevant_rank(list(passages)[:5], q.evidence)
        either[q.id] = correct[q.id] or 0 < rank <= 5

    def share(ids: list[str], table: dict[str, bool]) -> float:
        return sum(table[i] for i in ids) / max(len(ids), 1)

    slices: dict[str, dict[str, list[str]]] = {"kind": {}, "tag": {}}
    for q in questions:
        slices["kind"].setdefault(q.kind, []).append(q.id)
        for tag in q.tags:
            slices["tag"].setdefault(tag, []).append(q.id)
    every = [q.id for q in questions]
    return {
        "accuracy": share(every, correct),
        "claim_accuracy": share(every, claimed),
        "answer_or_passage_at_5": share(every, either),
        "answered": share(every, answered),
        "by_kind": {k: share(v, correct) for k, v in sorted(slices["kind"].items())},
        "by_tag": {k: share(v, correct) for k, v in sorted(slices["tag"].items())},
        "claim_by_kind": {k: share(v, claimed) for k, v in sorted(slices["kind"].items())},
        "claim_by_tag": {k: share(v, claimed) for k, v in sorted(slices["tag"].items())},
        "counts": {k: len(v) for k, v in sorted(slices["kind"].items())},
        "correct": correct,
    }


def evaluate_abstention(
    questions: Sequence[str], ask: Callable[[str], tuple[str, Sequence[tuple[str, str]], bool]]
) -> dict[str, Any]:
    """The share of questions the documents cannot answer that get `answered: false`, and
    the ones that were answered anyway."""
    wrongly = [q for q in questions if ask(q)[2]]
    return {
        "questions": len(questions),
        "abstained": 1 - len(wrongly) / max(len(questions), 1),
        "answered": wrongly,
    }


def load_unanswerable(path: Path) -> list[str]:
    """Questions from a JSON list (of strings, or of objects with "question") or a text file
    with one question per line."""
    try:
        text = path.read_text("utf-8")
        if path.suffix == ".json":
            items = json.loads(text)
            return [i if isinstance(i, str) else str(i["question"]) for i in items]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise KgError(f"cannot read question list {path}: {e}") from e
    return [line.strip() for line in text.splitlines() if line.strip()]


def format_answers(result: dict[str, Any]) -> str:
    """Answer accuracy as a small table."""
    lines = [
        f"answer accuracy            {result['accuracy']:.3f}",
        f"  in the claim alone       {result['claim_accuracy']:.3f}",
        f"answer or passage @5       {result['answer_or_passage_at_5']:.3f}",
        f"answered (not abstained)   {result['answered']:.3f}",
        "by kind:                   answer  claim",
    ]
    for kind, value in result["by_kind"].items():
        claim = result["claim_by_kind"][kind]
        lines.append(f"  {kind:<24} {value:.3f}   {claim:.3f}  (n={result['counts'][kind]})")
    lines.append("by tag:")
    for tag, value in result["by_tag"].items():
        lines.append(f"  {tag:<24} {value:.3f}   {result['claim_by_tag'][tag]:.3f}")
    return "\n".join(lines)


def format_table(results: dict[str, dict[str, Any]]) -> str:
    """Modes side by side: one block per slice (overall, then each kind)."""
    modes = list(results)
    metrics = [f"R@{c}" for c in CUTOFFS] + ["MRR@10"]
    first = results[modes[0]]
    slices = [("overall", len(first["ranks"])), *list(first["counts"].items())]
    width = max(len(m) for m in modes) + 2
    lines = []
    for name, count in slices:
        lines.append(f"{name} (n={count})")
        lines.append(" " * 10 + "".join(f"{m:>{width}}" for m in modes))
        for metric in metrics:
            values = [
                (results[m]["overall"] if name == "overall" else results[m]["by_kind"][name])[
                    metric
                ]
                for m in modes
            ]
            lines.append(f"  {metric:<8}" + "".join(f"{v:>{width}.3f}" for v in values))
        lines.append("")
    return "\n".join(lines)
