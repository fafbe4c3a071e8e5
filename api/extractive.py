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
# A sentence also takes some of its passage's terms: the passage names what "it" and "the
# project" are, and its section heading what the sentence is about.
_CONTEXT_WEIGHT = 0.3
# A sentence that opens by pointing back ("These are A, B and C.") finishes the one before.
_POINTS_BACK = re.compile(
    r"^(?:these|they|those|the (?:areas|teams|units|forces|projects|groups)) "
    r"(?:are|were|include|included|being|comprise|comprised)\b|^(?:namely|i\.e\.)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    """A sentence from a passage, with the hit it came from and its score."""

    text: str
    hit: Hit
    score: float
    coverage: float  # the share of the question's terms that the sentence holds
    follows: str = ""  # the next sentence of the passage where it points back to this one

    @property
    def reading(self) -> str:
        """The sentence with the one that finishes it, where there is one."""
        return f"{self.text} {self.follows}" if self.follows else self.text


def best_sentences(question: str, hits: list[Hit], *, limit: int = 2) -> list[Sentence]:
    """The `limit` best sentences from `hits` for `question`, best first."""
    wanted = set(terms(question))
    scored: list[Sentence] = []
    seen: set[str] = set()
    share = len(wanted) or 1
    for rank, hit in enumerate(hits):
        context = len(wanted & set(terms(f"{hit.chunk.section or ''} {hit.chunk.text}"))) / share
        texts = [" ".join(t.split()) for t in _SENTENCE.split(hit.chunk.text)]
        for i, text in enumerate(texts):
            if len(text.split()) < _MIN_WORDS or text in seen:
                continue
            seen.add(text)
            coverage = len(wanted & set(terms(text))) / share
            score = coverage + _CONTEXT_WEIGHT * context - _RANK_PENALTY * rank
            after = texts[i + 1] if i + 1 < len(texts) else ""
            follows = after if _POINTS_BACK.match(after) else ""
            scored.append(Sentence(text, hit, round(score, 4), round(coverage, 4), follows))
    scored.sort(key=lambda s: -s.score)  # stable: ties keep passage order
    return scored[:limit]
