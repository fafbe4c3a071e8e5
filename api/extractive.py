"""Extractive answers: the sentences of the top passages that best answer a question."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from api.search import Hit
from indexer.embed import Encoder
from kg.text import terms

_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"“‘(])|\n+")
_MIN_WORDS = 4
# Sentence score = this much semantic similarity + the rest query-term coverage, minus a
# small penalty per passage rank (tuned on the dev set: 0.3 put an acceptable answer in the
# top two sentences for 57% of questions, 0.5 for 55%, 0.7 for 55%).
_SEMANTIC_WEIGHT = 0.3
_RANK_PENALTY = 0.03


@dataclass(frozen=True)
class Sentence:
    """A sentence from a passage, with the hit it came from and its score."""

    text: str
    hit: Hit
    score: float


def best_sentences(
    question: str, hits: list[Hit], encoder: Encoder, *, limit: int = 2
) -> list[Sentence]:
    """The `limit` best sentences from `hits` for `question`, best first."""
    candidates: list[tuple[int, str, Hit]] = []
    for rank, hit in enumerate(hits):
        for text in _SENTENCE.split(hit.chunk.text):
            text = " ".join(text.split())
            if len(text.split()) >= _MIN_WORDS:
                candidates.append((rank, text, hit))
    if not candidates:
        return []
    vectors = encoder.encode([text for _, text, _ in candidates])
    query = encoder.encode([question])[0]
    wanted = set(terms(question))
    scores = []
    for (rank, text, _), vector in zip(candidates, vectors, strict=True):
        coverage = len(wanted & set(terms(text))) / (len(wanted) or 1)
        semantic = float(vector @ query)
        scores.append(
            _SEMANTIC_WEIGHT * semantic + (1 - _SEMANTIC_WEIGHT) * coverage - _RANK_PENALTY * rank
        )
    order = np.argsort(-np.asarray(scores), kind="stable")
    chosen: list[Sentence] = []
    for i in order:
        _, text, hit = candidates[i]
        if any(text == c.text for c in chosen):
            continue
        chosen.append(Sentence(text, hit, round(float(scores[i]), 4)))
        if len(chosen) == limit:
            break
    return chosen
