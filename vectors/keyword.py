"""Okapi BM25 over chunk texts, as a sparse matrix: scoring a query is one product.

The matrix is built once, when a generation is written, and saved beside it as plain .npy
arrays (term-major: one column of weights per term), which a server memory-maps at start:
loading a generation does not tokenise a single text, and a column is read from disk only
when a query uses its term.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
from scipy import sparse

from kg.errors import IndexError_
from kg.text import terms
from kg.types import Chunk, Document, context_header

_DIR = "keyword"
_BLOCK_ROWS = 50_000  # rows tokenised before their postings are packed into arrays


def keyword_text(document: Document, chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: its section heading and its text."""
    return f"{context_header(document, chunk.section)}\n{chunk.text}"


class KeywordIndex:
    """BM25 (k1, b) with per-term query weights over texts in row order."""

    def __init__(self, vocabulary: dict[str, int], matrix: sparse.csc_matrix) -> None:
        self.vocabulary = vocabulary
        self._matrix = matrix

    @classmethod
    def build(cls, texts: Iterable[str], *, k1: float = 1.2, b: float = 0.75) -> KeywordIndex:
        """Tokenise `texts` once, in row order, into BM25 weights.

        Postings are packed into compact arrays a block of rows at a time, so memory grows
        with the postings (8 bytes each), not with Python objects per token.
        """
        vocabulary: dict[str, int] = {}
        blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        lengths: list[int] = []
        cols: list[int] = []
        counts: list[int] = []
        per_row: list[int] = []

        def pack() -> None:
            if per_row:
                blocks.append(
                    (
                        np.asarray(per_row, dtype=np.int32),
                        np.asarray(cols, dtype=np.int32),
                        np.asarray(counts, dtype=np.float32),
                    )
                )
            per_row.clear()
            cols.clear()
            counts.clear()

        for text in texts:
            tokens = terms(text)
            lengths.append(len(tokens))
            found = Counter(tokens)
            per_row.append(len(found))
            for term, n in found.items():
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                counts.append(n)
            if len(per_row) >= _BLOCK_ROWS:
                pack()
        pack()
        n_rows, n_terms = len(lengths), len(vocabulary)
        row_lengths = np.asarray(lengths, dtype=np.float32)
        del lengths
        sizes = np.concatenate([blk[0] for blk in blocks]) if blocks else np.zeros(0, np.int32)
        col = np.concatenate([blk[1] for blk in blocks]) if blocks else np.zeros(0, np.int32)
        tf = np.concatenate([blk[2] for blk in blocks]) if blocks else np.zeros(0, np.float32)
        blocks.clear()
        row = np.repeat(np.arange(n_rows, dtype=np.int32), sizes)
        df = np.bincount(col, minlength=n_terms).astype(np.float32)
        # The BM25+ style idf floor keeps very common terms from scoring negative.
        idf = np.log1p((max(n_rows, 1) - df + 0.5) / (df + 0.5)).astype(np.float32)
        avg = float(row_lengths.mean()) if n_rows else 1.0
        norm = k1 * (1.0 - b + b * row_lengths / max(avg, 1.0))
        tf *= k1 + 1.0
        tf /= tf / (k1 + 1.0) + norm[row]
        tf *= idf[col]
        matrix = sparse.csc_matrix((tf, (row, col)), shape=(n_rows, n_terms), dtype=np.float32)
        return cls(vocabulary, matrix)

    def save(self, directory: Path) -> None:
        """Write the vocabulary and the matrix's arrays under directory/keyword/."""
        out = directory / _DIR
        out.mkdir(parents=True, exist_ok=True)
        terms_in_order = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        (out / "terms.json").write_text(json.dumps(terms_in_order, ensure_ascii=False), "utf-8")
        matrix = self._matrix
        np.save(out / "data.npy", matrix.data.astype(np.float32, copy=False))
        np.save(out / "indices.npy", matrix.indices.astype(np.int32, copy=False))
        np.save(out / "indptr.npy", matrix.indptr.astype(np.int64, copy=False))
        (out / "shape.json").write_text(json.dumps(list(matrix.shape)), "utf-8")

    @staticmethod
    def files(directory: Path) -> list[Path]:
        """The files save() writes (for fsync)."""
        out = directory / _DIR
        names = ("terms.json", "data.npy", "indices.npy", "indptr.npy", "shape.json")
        return [out / name for name in names]

    @classmethod
    def saved(cls, directory: Path) -> bool:
        """Whether `directory` holds a saved keyword index."""
        return (directory / _DIR / "shape.json").is_file()

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex:
        """Open a saved keyword index, its arrays memory-mapped read-only."""
        out = directory / _DIR
        try:
            terms_in_order = json.loads((out / "terms.json").read_text("utf-8"))
            shape = tuple(json.loads((out / "shape.json").read_text("utf-8")))
            data = np.load(out / "data.npy", mmap_mode="r")
            indices = np.load(out / "indices.npy", mmap_mode="r")
            indptr = np.load(out / "indptr.npy", mmap_mode="r")
        except (OSError, ValueError) as e:
            raise IndexError_(f"keyword index in {directory} is unreadable: {e}") from e
        matrix = _mapped_csc(data, indices, indptr, shape)
        return cls({t: i for i, t in enumerate(terms_in_order)}, matrix)

    def __len__(self) -> int:
        return int(self._matrix.shape[0])

    def weighted_terms(self, text: str, weight: float = 1.0) -> dict[str, float]:
        """Terms of `text` known to the index, each with `weight`."""
        return {t: weight for t in terms(text) if t in self.vocabulary}

    def scores(self, query_terms: Mapping[str, float]) -> np.ndarray:
        """BM25 score of every row for weighted query terms."""
        out = np.zeros(len(self), dtype=np.float32)
        matrix = self._matrix
        for term, weight in query_terms.items():
            column = self.vocabulary.get(term)
            if column is None:
                continue
            start, end = int(matrix.indptr[column]), int(matrix.indptr[column + 1])
            # One term's postings, read straight from the (mapped) arrays.
            out[matrix.indices[start:end]] += np.float32(weight) * matrix.data[start:end]
        return out


def _mapped_csc(
    data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: tuple[int, ...]
) -> sparse.csc_matrix:
    """A csc_matrix over memory-mapped arrays, without the copy scipy's checks would make."""
    matrix = sparse.csc_matrix(shape, dtype=np.float32)
    matrix.data, matrix.indices, matrix.indptr = data, indices, indptr
    return matrix
