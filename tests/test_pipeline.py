"""The write path: incremental re-index, bad documents, interrupted runs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, make_settings, write_corpus

from api.search import SearchService
from indexer.pipeline import Indexer
from kg.settings import Settings
from vectors.encoder import ModelEncoder
from vectors.generations import IndexDirectory, Snapshot


def _index(settings: Settings, encoder: ModelEncoder, *paths: Path):  # type: ignore[no-untyped-def]
    return Indexer(settings, encoder).run(list(paths) or None)


def _chunk_ids(settings: Settings) -> dict[str, set[str]]:
    snapshot = Snapshot.open_current(settings.index_dir)
    out: dict[str, set[str]] = {}
    for stored in snapshot.chunks():
        out.setdefault(stored.chunk.doc_id, set()).add(stored.chunk.id)
    snapshot.close()
    return out


@pytest.fixture()
def workspace(tmp_path: Path, encoder: ModelEncoder) -> Settings:
    """A fresh corpus folder and an index of it."""
    write_corpus(tmp_path / "corpus")
    settings = make_settings(tmp_path)
    _index(settings, encoder)
    return settings


def test_unchanged_documents_are_skipped_without_writing(
    workspace: Settings, encoder: ModelEncoder
) -> None:
    before = IndexDirectory(workspace.index_dir).current_name()
    report = _index(workspace, encoder)
    assert sorted(report.unchanged) == sorted(CORPUS)
    assert not report.changed and report.chunks_embedded == 0
    assert IndexDirectory(workspace.index_dir).current_name() == before


def test_changed_document_is_replaced_and_only_its_new_chunks_embedded(
    workspace: Settings, encoder: ModelEncoder
) -> None:
    before = _chunk_ids(workspace)
    path = workspace.corpus_dir / "cadets.txt"
    path.write_text(CORPUS["cadets.txt"] + "\n4. A marine cadet unit opened at Saltwick pier.\n")
    report = _index(workspace, encoder)
    assert report.replaced == ["cadets.txt"]
    assert report.chunks_embedded == len(_chunk_ids(workspace)["cadets.txt"])
    after = _chunk_ids(workspace)
    assert after["cadets.txt"] != before["cadets.txt"]
    assert {d: ids for d, ids in after.items() if d != "cadets.txt"} == {
        d: ids for d, ids in before.items() if d != "cadets.txt"
    }
    service = SearchService(workspace, encoder)
    assert service.search("marine cadet unit Saltwick pier", k=1)[0].chunk.doc_id == "cadets.txt"


def test_removed_document_is_deleted_from_the_index(
    workspace: Settings, encoder: ModelEncoder
) -> None:
    (workspace.corpus_dir / "ferries.txt").unlink()
    report = _index(workspace, encoder)
    assert report.removed == ["ferries.txt"]
    service = SearchService(workspace, encoder)
    assert "ferries.txt" not in {d.id for d in service.documents()}
    hits = service.search("ferry terminal vehicle checks", k=10)
    assert all(h.chunk.doc_id != "ferries.txt" for h in hits)


def test_reindexing_twice_gives_identical_chunk_ids(tmp_path: Path, encoder: ModelEncoder) -> None:
    write_corpus(tmp_path / "a" / "corpus")
    write_corpus(tmp_path / "b" / "corpus")
    first, second = make_settings(tmp_path / "a"), make_settings(tmp_path / "b")
    _index(first, encoder)
    _index(second, encoder)
    assert _chunk_ids(first) == _chunk_ids(second)


def test_bad_files_are_reported_and_skipped_and_the_rest_indexed(
    workspace: Settings, encoder: ModelEncoder
) -> None:
    folder = workspace.corpus_dir
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    (folder / "latin1.txt").write_bytes("Caf\xe9 patrol notes".encode("latin-1"))
    (folder / "new.txt").write_text("Night Economy Update\n\nTaxi marshals now work on Fridays.\n")
    report = _index(workspace, encoder)
    failed = {Path(p).name: reason for p, reason in report.failed.items()}
    assert set(failed) == {"empty.txt", "binary.txt", "latin1.txt"}
    assert "empty" in failed["empty.txt"].lower()
    assert "binary" in failed["binary.txt"].lower()
    assert "utf-8" in failed["latin1.txt"].lower()
    assert report.added == ["new.txt"]
    service = SearchService(workspace, encoder)
    assert {d.id for d in service.documents()} == {*CORPUS, "new.txt"}


def test_a_document_that_becomes_unreadable_keeps_its_indexed_version(
    workspace: Settings, encoder: ModelEncoder
) -> None:
    before = _chunk_ids(workspace)
    (workspace.corpus_dir / "cadets.txt").write_bytes(b"\xff\xfe\x00broken")
    report = _index(workspace, encoder)
    assert [Path(p).name for p in report.failed] == ["cadets.txt"]
    assert _chunk_ids(workspace) == before


def test_crash_before_the_pointer_swap_leaves_previous_index(
    workspace: Settings, encoder: ModelEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = IndexDirectory(workspace.index_dir).current_name()
    (workspace.corpus_dir / "new.txt").write_text("Mounted Unit\n\nHorses patrol the park.\n")

    def crash(*_: object) -> None:
        raise OSError("disk vanished")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk vanished"):
        _index(workspace, encoder)
    monkeypatch.undo()
    assert IndexDirectory(workspace.index_dir).current_name() == before
    assert "new.txt" not in {d.id for d in SearchService(workspace, encoder).documents()}
    assert _index(workspace, encoder).added == ["new.txt"]  # the next run completes


def _stop_server(pid_file: Path) -> None:
    with contextlib.suppress(OSError, ValueError):  # already gone
        os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)


def test_killed_index_run_leaves_previous_index_usable(
    tmp_path: Path, encoder: ModelEncoder, request: pytest.FixtureRequest
) -> None:
    """SIGKILL a real `kg index` process at several moments; the old index always loads."""
    write_corpus(tmp_path / "corpus")
    settings = make_settings(tmp_path)
    _index(settings, encoder)
    before = IndexDirectory(settings.index_dir).current_name()
    # Enough new text that embedding takes a few seconds.
    for i in range(40):
        paragraphs = "\n\n".join(
            f"{j}. Patrol note {i}-{j}: officers visited the market square and spoke with "
            f"traders about shoplifting, parking and late-night noise in district {i}."
            for j in range(1, 30)
        )
        (settings.corpus_dir / f"bulk{i:02d}.txt").write_text(f"Bulk Report {i}\n\n{paragraphs}\n")
    env = {
        **os.environ,
        "KG_DATA_DIR": str(settings.data_dir),
        "KG_CORPUS_DIR": str(settings.corpus_dir),
    }
    for delay in (0.5, 4.0, 8.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "index", "--no-progress"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        current = IndexDirectory(settings.index_dir).current_name()
        snapshot = Snapshot.open_current(settings.index_dir)
        ids = {s.document.id for s in snapshot.documents()}
        snapshot.close()
        # Whenever the kill lands, the current generation is whole: the old one, or the new
        # one complete (the kill came after its swap, e.g. while the graph was loading).
        if current == before:
            assert ids == set(CORPUS)
        else:
            assert len(ids) == len(CORPUS) + 40
        if finished:
            assert current != before
        hits = SearchService(settings, encoder).search("speed enforcement", k=1)
        assert hits and hits[0].chunk.doc_id == "harbour.txt"
    # A killed run cannot stop the embedded graph server it started; the next run reuses it,
    # and this test stops it at the end so no server outlives the test.
    pid_file = settings.data_dir / "graph" / "falkordb.pid"
    request.addfinalizer(lambda: _stop_server(pid_file))
    report = _index(settings, encoder)  # a later run cleans up and completes
    assert len(report.added) + len(report.unchanged) == len(CORPUS) + 40
    assert report.graph["status"] in ("loaded", "up to date")
    assert not list(settings.index_dir.glob(".tmp-*"))
    # The graph agrees with the index afterwards, even if a kill cut a graph load short.
    assert _index(settings, encoder).graph["status"] == "up to date"


def _graph_counts(settings: Settings) -> tuple[int, int]:
    from graph.store import open_store

    store = open_store(settings)
    try:
        nodes = store.read("MATCH (n) RETURN count(n)").rows[0][0]
        rels = store.read("MATCH ()-[r]->() RETURN count(r)").rows[0][0]
    finally:
        store.close()
    return int(nodes), int(rels)


def test_loading_the_graph_again_leaves_counts_unchanged(
    workspace: Settings, encoder: ModelEncoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indexer.graph_step

    before = _graph_counts(workspace)
    assert before[0] > 0
    # A new extractor version forces a full reload of every document's facts.
    monkeypatch.setattr(indexer.graph_step, "EXTRACTOR_VERSION", "test-reload")
    report = _index(workspace, encoder)
    assert report.graph["status"] == "loaded"
    assert _graph_counts(workspace) == before


def test_removed_document_leaves_the_graph(workspace: Settings, encoder: ModelEncoder) -> None:
    from graph.store import open_store

    def people_named_quill() -> list[list[object]]:
        store = open_store(workspace)
        try:
            return store.read("MATCH (p:Person) WHERE p.surname = 'Quill' RETURN p.id").rows
        finally:
            store.close()

    assert people_named_quill()  # harbour.txt names Inspector Mara Quill
    (workspace.corpus_dir / "harbour.txt").unlink()
    report = _index(workspace, encoder)
    assert report.graph["status"] == "loaded"
    store = open_store(workspace)
    try:
        docs = {row[0] for row in store.read("MATCH (d:Document) RETURN d.id").rows}
    finally:
        store.close()
    assert docs == set(CORPUS) - {"harbour.txt"}
    assert people_named_quill() == []  # only harbour.txt named this person
