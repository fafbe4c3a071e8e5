"""BM25 keyword index: the weights, saving it with a generation, and opening it mapped."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from api.search import LoadedIndex
from kg.errors import IndexError_
from kg.settings import Settings
from kg.text import terms
from vectors.generations import IndexDirectory
from vectors.keyword import KeywordIndex

TEXTS = [
    "The neighbourhood team patrols the harbour on bicycles.",
    "Cycle patrols were reviewed by the inspector; the review found patrols worked.",
    "Domestic abuse referrals rose in the harbour district.",
    "",
]


def bm25(texts: list[str], query: list[str], k1: float = 1.2, b: float = 0.75) -> list[float]:
    """BM25 written out term by term, as the textbook gives it (with the idf floor)."""
    docs = [terms(t) for t in texts]
    avg = max(sum(len(d) for d in docs) / len(docs), 1.0)
    out = []
    for doc in docs:
        score = 0.0
        for term in query:
            df = sum(term in d for d in docs)
            if not df:
                continue
            idf = math.log1p((len(docs) - df + 0.5) / (df + 0.5))
            tf = doc.count(term)
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / avg))
        out.append(score)
    return out


def test_weights_are_bm25() -> None:
    index = KeywordIndex.build(TEXTS)
    query = terms("harbour patrols review")
    got = index.scores(index.weighted_terms("harbour patrols review"))
    assert np.allclose(got, bm25(TEXTS, query), atol=1e-5)
    assert got[3] == 0.0 and len(index) == 4


def test_query_weights_scale_each_term() -> None:
    index = KeywordIndex.build(TEXTS)
    [term] = terms("harbour")
    assert np.allclose(index.scores({term: 0.5}), 0.5 * index.scores({term: 1.0}))
    assert not index.scores({"unknownterm": 1.0}).any()


def test_saved_index_opens_mapped_with_the_same_scores(tmp_path: Path) -> None:
    built = KeywordIndex.build(TEXTS)
    built.save(tmp_path)
    assert KeywordIndex.saved(tmp_path)
    assert all(p.is_file() for p in KeywordIndex.files(tmp_path))
    loaded = KeywordIndex.load(tmp_path)
    assert isinstance(loaded._matrix.data, np.memmap)
    query = loaded.weighted_terms("cycle patrols in the harbour")
    assert loaded.vocabulary == built.vocabulary
    assert np.array_equal(loaded.scores(query), built.scores(query))


def test_empty_index(tmp_path: Path) -> None:
    index = KeywordIndex.build([])
    index.save(tmp_path)
    loaded = KeywordIndex.load(tmp_path)
    assert len(loaded) == 0 and len(loaded.scores({"x": 1.0})) == 0


def test_unreadable_index_names_the_directory(tmp_path: Path) -> None:
    KeywordIndex.build(TEXTS).save(tmp_path)
    (tmp_path / "keyword" / "indptr.npy").write_bytes(b"not numpy")
    with pytest.raises(IndexError_, match=str(tmp_path)):
        KeywordIndex.load(tmp_path)


def test_generation_carries_its_keyword_index(indexed: Settings, tmp_path: Path) -> None:
    current = IndexDirectory(indexed.index_dir).current
    assert current is not None and KeywordIndex.saved(current)
    loaded = LoadedIndex.open_current(indexed)
    assert isinstance(loaded.keyword._matrix.data, np.memmap)
    assert len(loaded.keyword) == loaded.size

    # A generation written before the index was saved with it: built at open, same scores.
    copy = tmp_path / "index"
    shutil.copytree(indexed.index_dir, copy, symlinks=True)
    old = IndexDirectory(copy).current
    assert old is not None
    shutil.rmtree(old / "keyword")
    rebuilt = LoadedIndex.open_current(indexed.model_copy(update={"index_dir": copy}))
    query = loaded.keyword.weighted_terms("child sexual exploitation bronze lead")
    assert query and np.allclose(rebuilt.keyword.scores(query), loaded.keyword.scores(query))


def test_index_reads_chunks_and_documents_on_demand(indexed: Settings) -> None:
    loaded = LoadedIndex.open_current(indexed)
    doc_id = sorted(loaded.documents)[0]
    rows = loaded.doc_rows[doc_id]
    chunks = loaded.chunks(rows[::-1].tolist())
    assert [c.doc_id for c in chunks] == [doc_id] * len(rows)
    assert [c.ordinal for c in chunks] == sorted((c.ordinal for c in chunks), reverse=True)
    assert loaded.rows_of([c.id for c in chunks] + ["no-such-chunk"]) == {
        c.id: int(r) for c, r in zip(chunks, rows[::-1], strict=True)
    }
    assert loaded.documents[doc_id].text == ""  # the catalogue holds metadata only
    document = loaded.document(doc_id)
    assert document is not None
    last = chunks[-1]
    assert " ".join(document.text[last.start : last.end].split()) == " ".join(last.text.split())
    assert loaded.document("no-such-document") is None
    assert sum(len(r) for r in loaded.doc_rows.values()) == loaded.size


def test_stemming_from_many_threads_at_once_gives_the_serial_stems() -> None:
    # Requests are served on a thread pool; a shared Snowball stemmer would mix their words.
    from concurrent.futures import ThreadPoolExecutor

    import kg.text

    vocabulary = [
        f"{root}{end}"
        for root in ("polic", "lead", "govern", "safeguard", "train")
        for end in ("ing", "ed", "ers", "ation", "ingly", "ments", "ies")
    ]
    words = [f"{w}{'x' * (i % 7)}" for i, w in enumerate(vocabulary * 40)]
    kg.text.stem.cache_clear()
    serial = [kg.text.stem.__wrapped__(w) for w in words]
    kg.text.stem.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(kg.text.stem.__wrapped__, words))
    assert parallel == serial
