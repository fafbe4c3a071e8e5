"""Extractive answers: the sentences of the top passages that best answer a question."""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.search import Hit
from kg.text import terms

_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"“‘(])|\n+")
_MIN_WORDS = 4
# A sentence scores by the share of the question's terms it holds, less a small penalty per
# rank of its passage. Measured on the dev set (an acceptable answer among the top two
# sentences): 64% by terms alone; mixing in the encoder's similarity made it worse (57% at
# 0.3 similarity, 55% at 0.5) and cost ~50 ms per question, so the encoder is not used here.
_RANK_PENALTY = 0.03


@dataclass(frozen=True)
class Sentence:
    """A sentence from a passage, with the hit it came from and its score."""

    text: str
    hit: Hit
    score: float
    coverage: float  # the share of the question's terms that the sentence holds


def best_sentences(question: str, hits: list[Hit], *, limit: int = 2) -> list[Sentence]:
    """The `limit` best sentences from `hits` for `question`, best first."""
    wanted = set(terms(question))
    scored: list[Sentence] = []
    seen: set[str] = set()
    for rank, hit in enumerate(hits):
        for text in _SENTENCE.split(hit.chunk.text):
            text = " ".join(text.split())
            if len(text.split()) < _MIN_WORDS or text in seen:
                continue
            seen.add(text)
            coverage = len(wanted & set(terms(text))) / (len(wanted) or 1)
            scored.append(
                Sentence(text, hit, round(coverage - _RANK_PENALTY * rank, 4), round(coverage, 4))
            )
    scored.sort(key=lambda s: -s.score)  # stable: ties keep passage order
    return scored[:limit]
