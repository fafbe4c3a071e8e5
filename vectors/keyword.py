"""Okapi BM25 over chunk texts, as a sparse matrix: scoring a query is one product."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse

from kg.text import terms


class KeywordIndex:
    """BM25 (k1, b) with per-term query weights, built from texts in row order."""

    def __init__(self, texts: Sequence[str], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for row, text in enumerate(texts):
            tokens = terms(text)
            lengths[row] = len(tokens)
            for term, n in Counter(tokens).items():
                rows.append(row)
                cols.append(self.vocabulary.setdefault(term, len(self.vocabulary)))
                counts.append(n)
        n_docs = max(len(texts), 1)
        tf = sparse.csr_matrix(
            (np.asarray(counts, dtype=np.float32), (rows, cols)),
            shape=(len(texts), len(self.vocabulary)),
        )
        df = np.bincount(cols, minlength=len(self.vocabulary)).astype(np.float32)
        # The BM25+ style idf floor keeps very common terms from scoring negative.
        self.idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        avg = float(lengths.mean()) if len(texts) else 1.0
        norm = k1 * (1.0 - b + b * lengths / max(avg, 1.0))
        tf = tf.tocoo()
        weights = tf.data * (k1 + 1.0) / (tf.data + norm[tf.row])
        self._matrix = sparse.csc_matrix(
            (weights * self.idf[tf.col], (tf.row, tf.col)), shape=tf.shape
        )

    def __len__(self) -> int:
        return int(self._matrix.shape[0])

    def weighted_terms(self, text: str, weight: float = 1.0) -> dict[str, float]:
        """Terms of `text` known to the index, each with `weight`."""
        return {t: weight for t in terms(text) if t in self.vocabulary}

    def scores(self, query_terms: Mapping[str, float]) -> np.ndarray:
        """BM25 score of every row for weighted query terms."""
        ids = [self.vocabulary[t] for t in query_terms if t in self.vocabulary]
        if not ids:
            return np.zeros(len(self), dtype=np.float32)
        weights = np.asarray(
            [query_terms[t] for t in query_terms if t in self.vocabulary], dtype=np.float32
        )
        return np.asarray(self._matrix[:, ids] @ weights, dtype=np.float32).ravel()
