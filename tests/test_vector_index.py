"""One contract suite for every vector-index adapter (vectors/index.py), on real FAISS."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from kg.errors import IndexError_
from vectors.index import FlatIndex, IVFIndex, VectorIndex, build_index, open_index


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    """2,000 normalised vectors in 50 tight clusters, as chunk vectors of related passages are."""
    rng = np.random.default_rng(0)
    base = rng.normal(size=(50, 32)).astype(np.float32)
    vectors = np.repeat(base, 40, axis=0) + 0.1 * rng.normal(size=(2000, 32)).astype(np.float32)
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _flat(data: np.ndarray) -> VectorIndex:
    return build_index(data, approximate_above=0)


def _ivf(data: np.ndarray) -> VectorIndex:
    # Few probes over many cells, so that a filter often leaves the probed cells short.
    index = build_index(data, approximate_above=100, nprobe=2)
    assert isinstance(index, IVFIndex)
    return index


def _ivf_probing(data: np.ndarray) -> VectorIndex:
    # Every selection searched in the probed cells first (the path large filters take).
    index = _ivf(data)
    assert isinstance(index, IVFIndex)
    index.exact_selection = 0
    return index


ADAPTERS: dict[str, Callable[[np.ndarray], VectorIndex]] = {
    "flat": _flat,
    "ivf": _ivf,
    "ivf-probing": _ivf_probing,
}


@pytest.fixture(params=sorted(ADAPTERS))
def make(request: pytest.FixtureRequest) -> Callable[[np.ndarray], VectorIndex]:
    return ADAPTERS[request.param]


def test_search_finds_the_query_first_and_ranks_by_score(make, data) -> None:
    index = make(data)
    for row in (0, 777, 1999):
        rows, scores = index.search(data[row], 10)
        assert rows[0] == row
        assert len(rows) == 10
        assert (np.diff(scores) <= 1e-6).all()


def test_filtered_search_returns_k_when_k_selected_rows_exist(make, data) -> None:
    index = make(data)
    selector = np.arange(3, 2000, 97)  # 21 rows scattered over most clusters
    for query in (data[0], data[1500], -data[42]):
        rows, _ = index.search(query, 10, selector)
        assert len(rows) == 10
        assert set(rows.tolist()) <= set(selector.tolist())


def test_filtered_search_is_exact_over_a_small_selection(make, data) -> None:
    index = make(data)
    selector = np.arange(3, 2000, 97)
    rows, scores = index.search(data[0], 5, selector)
    exact = data[selector] @ data[0]
    assert rows.tolist() == selector[np.argsort(-exact)[:5]].tolist()
    assert np.allclose(scores, np.sort(exact)[::-1][:5], atol=1e-5)


def test_filtered_search_returns_all_when_fewer_than_k_selected(make, data) -> None:
    rows, _ = make(data).search(data[0], 10, np.array([5, 900, 1999]))
    assert sorted(rows.tolist()) == [5, 900, 1999]


def test_empty_selector_returns_nothing(make, data) -> None:
    rows, scores = make(data).search(data[0], 10, np.array([], dtype=np.int64))
    assert len(rows) == 0 and len(scores) == 0


def test_reconstruct_gives_back_the_stored_vectors(make, data) -> None:
    index = make(data)
    rows = np.array([0, 1234, 1999])
    assert np.allclose(index.reconstruct(rows), data[rows], atol=1e-6)
    assert index.reconstruct(np.array([], dtype=np.int64)).shape == (0, 32)


def test_add_and_remove_keep_rows_dense(make, data) -> None:
    index = make(data[:1500])
    index.add(data[1500:])
    assert index.size == 2000
    index.remove(np.array([0, 10]))
    assert index.size == 1998
    assert np.allclose(index.reconstruct(np.array([0, 9, 10])), data[[1, 11, 12]], atol=1e-6)
    rows, _ = index.search(data[12], 1)
    assert rows.tolist() == [10]
    with pytest.raises(ValueError, match="rows must lie in"):
        index.remove(np.array([5000]))


def test_save_and_load_round_trip(make, data, tmp_path: Path) -> None:
    index = make(data)
    index.save(tmp_path)
    loaded = open_index(tmp_path, nprobe=2)
    assert loaded.kind == index.kind and loaded.size == 2000
    for query in (data[3], data[1000]):
        assert loaded.search(query, 10)[0].tolist() == index.search(query, 10)[0].tolist()


def test_bad_input_is_refused_with_the_reason(make, data) -> None:
    index = make(data)
    with pytest.raises(ValueError, match="k must be positive"):
        index.search(data[0], 0)
    with pytest.raises(ValueError, match=r"shape \(n, 32\)"):
        index.add(np.zeros((2, 5), dtype=np.float32))


def test_the_approximate_index_is_chosen_above_the_threshold(data) -> None:
    assert isinstance(build_index(data, approximate_above=0), FlatIndex)
    assert isinstance(build_index(data, approximate_above=5000), FlatIndex)
    assert isinstance(build_index(data, approximate_above=1000), IVFIndex)


def test_unreadable_vectors_name_the_folder(tmp_path: Path) -> None:
    with pytest.raises(IndexError_, match="unreadable"):
        open_index(tmp_path)
