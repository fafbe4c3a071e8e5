"""The vector-index port and its FAISS adapters.

Rows are dense: row i is the i-th vector added, and the chunk table's row i. A filter travels
as a selector (the rows a search may return) and is applied inside the search, never after
it, so a filtered search returns k rows whenever k selected rows exist.

Adapters:
- `FlatIndex`: exact inner product (FAISS IndexFlatIP). The default.
- `IVFIndex`: an inverted-file index over k-means cells (FAISS IndexIVFFlat, inner product),
  which probes `nprobe` cells per query. A small selection (at most 20,000 rows) is scored
  exactly; a larger one is searched in the probed cells, and exactly when they hold fewer
  than k selected rows, so the k contract holds for any filter.

`open_index` reads whichever adapter a generation was written with; `build_index` picks one
by size (`approximate_above`). Nothing outside this module imports faiss.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

from kg.errors import IndexError_

_FILE = "vectors.faiss"
# A filter selecting at most this many rows is searched exactly: scoring them costs about a
# millisecond, and probing cells would miss selected rows outside them (bench/bench_ann.py).
_EXACT_SELECTION = 20_000
_KIND_FILE = "vectors.json"


class VectorIndex(Protocol):
    """What the read and write paths need from a vector index."""

    kind: str

    @property
    def size(self) -> int:
        """Number of stored vectors."""
        ...

    @property
    def dim(self) -> int:
        """Vector dimension."""
        ...

    def search(
        self, query: np.ndarray, k: int, selector: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The best k (rows, scores) for one query, best first; `selector` restricts the rows."""
        ...

    def add(self, vectors: np.ndarray) -> None:
        """Append vectors; their rows follow the existing ones."""
        ...

    def remove(self, rows: np.ndarray) -> None:
        """Drop rows; the rows after each removed one move down to stay dense."""
        ...

    def reconstruct(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of `rows`, in that order."""
        ...

    def save(self, directory: Path) -> None:
        """Write the index into `directory`."""
        ...


class _FaissIndex:
    """What both adapters share: a FAISS index whose ids are its rows."""

    kind = ""

    def __init__(self, index: faiss.Index) -> None:
        self._index = index

    @property
    def size(self) -> int:
        """Number of stored vectors."""
        return int(self._index.ntotal)

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return int(self._index.d)

    def _matrix(self, vectors: np.ndarray) -> np.ndarray:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vectors must have shape (n, {self.dim}), got {vectors.shape}")
        return vectors

    def add(self, vectors: np.ndarray) -> None:
        """Append vectors; their rows follow the existing ones."""
        vectors = self._matrix(vectors)
        if len(vectors):
            self._index.add(vectors)

    def remove(self, rows: np.ndarray) -> None:
        """Drop rows; the rows after each removed one move down to stay dense."""
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        if len(rows) == 0:
            return
        if rows[0] < 0 or rows[-1] >= self.size:
            raise ValueError(f"rows must lie in [0, {self.size}), got {rows[0]}..{rows[-1]}")
        keep = np.setdiff1d(np.arange(self.size, dtype=np.int64), rows)
        vectors = self.reconstruct(keep)
        self._index.reset()
        self.add(vectors)

    def reconstruct(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of `rows`, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._index.reconstruct_batch(rows), dtype=np.float32)

    def save(self, directory: Path) -> None:
        """Write the index (and which adapter it is) into `directory`."""
        faiss.write_index(self._index, str(directory / _FILE))
        (directory / _KIND_FILE).write_text(json.dumps({"kind": self.kind}), "utf-8")

    def _search(
        self, query: np.ndarray, k: int, params: faiss.SearchParameters | None
    ) -> tuple[np.ndarray, np.ndarray]:
        if k < 1:
            raise ValueError(f"k must be positive, got {k}")
        query = self._matrix(np.asarray(query, dtype=np.float32).reshape(1, -1))
        scores, rows = self._index.search(query, min(k, max(self.size, 1)), params=params)
        keep = rows[0] >= 0
        return rows[0][keep].astype(np.int64), scores[0][keep]


def _selector(rows: np.ndarray) -> faiss.IDSelector:
    return faiss.IDSelectorBatch(np.asarray(rows, dtype=np.int64))


class FlatIndex(_FaissIndex):
    """Exact search over every vector (FAISS IndexFlatIP)."""

    kind = "flat"

    @classmethod
    def empty(cls, dim: int) -> FlatIndex:
        """A new empty index of dimension `dim`."""
        if dim < 1:
            raise ValueError(f"vector dimension must be positive, got {dim}")
        return cls(faiss.IndexFlatIP(dim))

    def search(
        self, query: np.ndarray, k: int, selector: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The best k (rows, scores) for one query, best first; `selector` restricts the rows."""
        params = None
        if selector is not None:
            if len(selector) == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            params = faiss.SearchParameters(sel=_selector(selector))  # type: ignore[call-arg]
        return self._search(query, k, params)


class IVFIndex(_FaissIndex):
    """Approximate search over k-means cells (FAISS IndexIVFFlat, inner product)."""

    kind = "ivf"

    def __init__(self, index: faiss.Index, nprobe: int = 16) -> None:
        super().__init__(index)
        self.nprobe = nprobe
        self.exact_selection = _EXACT_SELECTION
        self._quantiser: faiss.Index | None = None  # kept alive while the index uses it

    @classmethod
    def train(cls, sample: np.ndarray, cells: int, nprobe: int = 16) -> IVFIndex:
        """An empty index whose `cells` centroids are learnt from `sample` (normalised rows)."""
        sample = np.ascontiguousarray(sample, dtype=np.float32)
        if len(sample) < cells:
            raise ValueError(f"training needs at least {cells} vectors, got {len(sample)}")
        dim = sample.shape[1]
        quantiser = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantiser, dim, cells, faiss.METRIC_INNER_PRODUCT)
        index.train(sample)
        index.make_direct_map()  # reconstruct by row
        ivf = cls(index, nprobe)
        ivf._quantiser = quantiser
        return ivf

    def search(
        self, query: np.ndarray, k: int, selector: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The best k (rows, scores) found in the probed cells; exact over a selector if short."""
        if selector is None:
            params = faiss.SearchParametersIVF(nprobe=self.nprobe)  # type: ignore[call-arg]
            return self._search(query, k, params)
        selector = np.asarray(selector, dtype=np.int64)
        if len(selector) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if len(selector) > self.exact_selection:
            params = faiss.SearchParametersIVF(  # type: ignore[call-arg]
                nprobe=self.nprobe, sel=_selector(selector)
            )
            rows, scores = self._search(query, k, params)
            if len(rows) >= min(k, len(selector)):
                return rows, scores
        # A small selection (or probed cells holding too few of it): score it exactly.
        vectors = self.reconstruct(selector)
        exact = vectors @ np.asarray(query, dtype=np.float32).reshape(-1)
        order = np.argsort(-exact, kind="stable")[:k]
        return selector[order], exact[order].astype(np.float32)


class RowSubset:
    """Some rows of an index, renumbered 0..n-1 (read-only): one clearance's view of it.

    Every search passes the subset (or the caller's selector, mapped into it) as the
    selector, so it runs inside FAISS and returns k rows whenever k rows of the subset exist;
    a row outside is never scored.
    """

    def __init__(self, base: VectorIndex, rows: np.ndarray) -> None:
        self._base = base
        self._rows = np.unique(np.asarray(rows, dtype=np.int64))  # sorted, for searchsorted
        self.kind = base.kind

    @property
    def size(self) -> int:
        """Number of rows in the subset."""
        return len(self._rows)

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return self._base.dim

    def search(
        self, query: np.ndarray, k: int, selector: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The best k (subset rows, scores) among the subset (or `selector` rows of it)."""
        chosen = self._rows if selector is None else self._rows[np.asarray(selector, np.int64)]
        if len(chosen) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        rows, scores = self._base.search(query, k, chosen)
        return np.searchsorted(self._rows, rows).astype(np.int64), scores

    def add(self, vectors: np.ndarray) -> None:
        """Refused: a subset is a read-only view."""
        raise TypeError("a RowSubset is read-only")

    def remove(self, rows: np.ndarray) -> None:
        """Refused: a subset is a read-only view."""
        raise TypeError("a RowSubset is read-only")

    def reconstruct(self, rows: np.ndarray) -> np.ndarray:
        """The stored vectors of subset `rows`, in that order."""
        return self._base.reconstruct(self._rows[np.asarray(rows, dtype=np.int64)])

    def save(self, directory: Path) -> None:
        """Refused: a subset is a read-only view."""
        raise TypeError("a RowSubset is read-only")


def build_index(
    vectors: np.ndarray, *, approximate_above: int, nprobe: int = 16
) -> FlatIndex | IVFIndex:
    """An index holding `vectors`: exact up to `approximate_above` rows, IVF above (0: never)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    if approximate_above and n > approximate_above:
        cells = max(1, int(4 * np.sqrt(n)))
        sample = vectors[np.random.default_rng(0).permutation(n)[: 64 * cells]]
        index: FlatIndex | IVFIndex = IVFIndex.train(sample, cells, nprobe)
    else:
        index = FlatIndex.empty(dim)
    index.add(vectors)
    return index


def open_index(directory: Path, *, nprobe: int = 16) -> FlatIndex | IVFIndex:
    """Read the index a generation was written with."""
    try:
        kind_file = directory / _KIND_FILE
        kind = json.loads(kind_file.read_text("utf-8"))["kind"] if kind_file.is_file() else "flat"
        index = faiss.read_index(str(directory / _FILE))
    except (OSError, RuntimeError, ValueError, KeyError) as e:
        raise IndexError_(f"vectors in {directory} are unreadable: {e}") from e
    if kind == "ivf":
        return IVFIndex(index, nprobe)
    if kind == "flat":
        return FlatIndex(index)
    raise IndexError_(f"vectors in {directory}: unknown index kind {kind!r}")
