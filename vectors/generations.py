"""The vector store on disk: FAISS vectors plus a SQLite chunk table, in generations.

Each index run writes a complete new generation into a temporary directory, fsyncs it,
renames it into place and then swaps the `current` symlink atomically (rename over it).
A run killed at any moment leaves `current` pointing at the last good generation.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import IndexError_, IndexNotFound, KgError
from kg.types import AcronymDefinition, Chunk, Document, Page
from vectors.index import RowSubset, VectorIndex, build_index, open_index

SCHEMA_VERSION = 2
_CURRENT = "current"
_GRAPH_STATE = "graph-state.json"
_KEEP_GENERATIONS = 2  # the current one and the one before it (a server may still read it)

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, format TEXT NOT NULL, title TEXT NOT NULL,
    date TEXT, date_text TEXT, date_source TEXT NOT NULL, sha256 TEXT NOT NULL,
    fingerprint TEXT NOT NULL, classification TEXT, force TEXT, pages TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL REFERENCES documents(id),
    ordinal INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, section TEXT,
    paragraph TEXT, page INTEGER, text TEXT NOT NULL, embed_key TEXT NOT NULL
);
CREATE INDEX chunks_doc ON chunks(doc_id, ordinal);
CREATE TABLE acronyms (
    acronym TEXT NOT NULL, expansion TEXT NOT NULL, doc_id TEXT NOT NULL, start INTEGER NOT NULL,
    "end" INTEGER NOT NULL, kind TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class StoredDocument:
    """A document as the index holds it, with its change fingerprint."""

    document: Document
    fingerprint: str


@dataclass(frozen=True)
class StoredChunk:
    """A chunk with the key of the text that was embedded for it."""

    chunk: Chunk
    embed_key: str


@dataclass(frozen=True)
class StoredAcronym:
    """An acronym definition and how it was found ("defined" or "inferred")."""

    definition: AcronymDefinition
    kind: str


@dataclass(frozen=True)
class GraphState:
    """Which generation the graph store matches, and whether an index run is rewriting it.

    The indexer marks the graph "writing" before it changes it and "done" with the generation
    once it matches: a reader that sees the same "done" state before and after reading the
    graph has read exactly that generation's graph (a seqlock over the store).
    """

    generation: str | None
    writing: bool

    def matches(self, generation: str) -> bool:
        """Whether the graph holds exactly `generation`'s facts, with no run rewriting it."""
        return not self.writing and self.generation == generation


@dataclass(frozen=True)
class Generation:
    """Everything one generation holds, ready to be written."""

    meta: dict[str, str]
    documents: Sequence[StoredDocument]
    chunks: Sequence[StoredChunk]  # in row order; row i has vectors[i]
    vectors: np.ndarray
    acronyms: Sequence[StoredAcronym]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


class IndexDirectory:
    """The index root: its generations, the `current` pointer and the writer's lock."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def current(self) -> Path | None:
        """The generation directory `current` points at, if any."""
        link = self.root / _CURRENT
        if not link.is_symlink():
            return None
        target = self.root / os.readlink(link)
        return target if target.is_dir() else None

    def current_name(self) -> str | None:
        """The name of the current generation (cheap: one readlink)."""
        try:
            return os.readlink(self.root / _CURRENT)
        except OSError:
            return None

    def graph_state(self) -> GraphState | None:
        """What the graph store holds, as the last index run left it; None if never recorded
        (a graph loaded by hand, or by a version that did not record it)."""
        try:
            raw = json.loads((self.root / _GRAPH_STATE).read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise IndexError_(f"graph state in {self.root} is unreadable: {e}") from e
        return GraphState(raw.get("generation"), bool(raw.get("writing")))

    def mark_graph(self, generation: str | None, *, writing: bool) -> None:
        """Record the graph's state atomically (write aside, fsync, rename over)."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{_GRAPH_STATE}.tmp"
        tmp.write_text(json.dumps({"generation": generation, "writing": writing}), "utf-8")
        _fsync_file(tmp)
        os.replace(tmp, self.root / _GRAPH_STATE)
        _fsync_dir(self.root)

    def writer_active(self) -> bool:
        """Whether an index run holds the writer's lock now."""
        path = self.root / ".lock"
        if not path.exists():
            return False
        with open(path) as f:
            try:
                fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(f, fcntl.LOCK_UN)
            return False

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive writer lock, so that two index runs never interleave."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "w") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as e:
                raise KgError(f"another index run holds {self.root / '.lock'}") from e
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def write(self, generation: Generation, *, approximate_above: int = 0) -> Path:
        """Write a generation aside, fsync it, and make it current atomically.

        Its vectors go into an exact index, or an approximate one above `approximate_above`
        chunks (0: always exact).
        """
        self.root.mkdir(parents=True, exist_ok=True)
        self._remove_leftovers()
        name = f"gen-{time.time_ns()}"
        tmp = self.root / f".tmp-{name}"
        tmp.mkdir()
        _write_sqlite(tmp / "chunks.sqlite", generation)
        build_index(generation.vectors, approximate_above=approximate_above).save(tmp)
        (tmp / "meta.json").write_text(json.dumps(generation.meta, indent=2), "utf-8")
        for path in tmp.iterdir():
            _fsync_file(path)
        _fsync_dir(tmp)
        final = self.root / name
        os.rename(tmp, final)
        link_tmp = self.root / f".{_CURRENT}.tmp"
        if link_tmp.is_symlink() or link_tmp.exists():
            link_tmp.unlink()
        os.symlink(name, link_tmp)
        os.replace(link_tmp, self.root / _CURRENT)
        _fsync_dir(self.root)
        self._prune(keep=name)
        return final

    def _remove_leftovers(self) -> None:
        """Temporary directories of runs that were killed."""
        for path in self.root.glob(".tmp-gen-*"):
            shutil.rmtree(path, ignore_errors=True)

    def _prune(self, keep: str) -> None:
        generations = sorted(p for p in self.root.glob("gen-*") if p.is_dir())
        old = [p for p in generations if p.name != keep][: -(_KEEP_GENERATIONS - 1) or None]
        for path in old:
            shutil.rmtree(path, ignore_errors=True)


def _write_sqlite(path: Path, generation: Generation) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(_SCHEMA)
        meta = {**generation.meta, "schema_version": str(SCHEMA_VERSION)}
        con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        con.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [_document_row(s) for s in generation.documents],
        )
        con.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    row,
                    c.id,
                    c.doc_id,
                    c.ordinal,
                    c.start,
                    c.end,
                    c.section,
                    c.paragraph,
                    c.page,
                    c.text,
                    s.embed_key,
                )
                for row, s in enumerate(generation.chunks)
                for c in (s.chunk,)
            ],
        )
        con.executemany(
            "INSERT INTO acronyms VALUES (?,?,?,?,?,?)",
            [
                (
                    a.definition.acronym,
                    a.definition.expansion,
                    a.definition.doc_id,
                    a.definition.start,
                    a.definition.end,
                    a.kind,
                )
                for a in generation.acronyms
            ],
        )
        con.commit()
    finally:
        con.close()


def _document_row(stored: StoredDocument) -> tuple[Any, ...]:
    d = stored.document
    pages = json.dumps([[p.number, p.start, p.end] for p in d.pages])
    return (
        d.id,
        d.source,
        d.format,
        d.title,
        d.date.isoformat() if d.date else None,
        d.date_text,
        d.date_source,
        d.sha256,
        stored.fingerprint,
        d.classification,
        d.force,
        pages,
        d.text,
    )


def _document_from_row(row: sqlite3.Row) -> StoredDocument:
    pages = tuple(Page(n, s, e) for n, s, e in json.loads(row["pages"]))
    document = Document(
        id=row["id"],
        source=row["source"],
        format=row["format"],
        text=row["text"],
        title=row["title"],
        date=date.fromisoformat(row["date"]) if row["date"] else None,
        date_text=row["date_text"],
        date_source=row["date_source"],
        sha256=row["sha256"],
        pages=pages,
        classification=row["classification"],
        force=row["force"],
    )
    return StoredDocument(document, row["fingerprint"])


def chunk_from_row(row: sqlite3.Row) -> Chunk:
    """A Chunk from a row of the chunks table."""
    return Chunk(
        id=row["id"],
        doc_id=row["doc_id"],
        ordinal=row["ordinal"],
        start=row["start"],
        end=row["end"],
        text=row["text"],
        section=row["section"],
        paragraph=row["paragraph"],
        page=row["page"],
    )


class Snapshot:
    """One generation opened read-only: its documents, chunks, vectors and acronyms."""

    def __init__(self, path: Path, *, nprobe: int = 16) -> None:
        self.path = path
        try:
            self._con = sqlite3.connect(
                f"file:{path / 'chunks.sqlite'}?mode=ro", uri=True, check_same_thread=False
            )
            self._con.row_factory = sqlite3.Row
            self.meta = {r["key"]: r["value"] for r in self._con.execute("SELECT * FROM meta")}
            self.vectors: VectorIndex = open_index(path, nprobe=nprobe)
        except sqlite3.Error as e:
            raise IndexError_(f"index generation {path} is unreadable: {e}") from e
        if int(self.meta.get("schema_version", 0)) != SCHEMA_VERSION:
            raise IndexError_(
                f"index at {path} has schema {self.meta.get('schema_version')}, "
                f"this version reads {SCHEMA_VERSION}: run `kg index` to rebuild it"
            )

    @classmethod
    def open_current(cls, root: Path, *, nprobe: int = 16) -> Snapshot:
        """The current generation under `root`, or IndexNotFound."""
        current = IndexDirectory(root).current
        if current is None:
            raise IndexNotFound(f"no index in {root}: run `kg index` first")
        return cls(current, nprobe=nprobe)

    def documents(self) -> list[StoredDocument]:
        """Every document, by id."""
        rows = self._con.execute("SELECT * FROM documents ORDER BY id")
        return [_document_from_row(r) for r in rows]

    def chunks(self) -> list[StoredChunk]:
        """Every chunk in row order (row i is FAISS vector i)."""
        rows = self._con.execute("SELECT * FROM chunks ORDER BY row")
        return [StoredChunk(chunk_from_row(r), r["embed_key"]) for r in rows]

    def acronyms(self) -> list[StoredAcronym]:
        """Every acronym definition found in the documents."""
        rows = self._con.execute("SELECT * FROM acronyms")
        return [
            StoredAcronym(
                AcronymDefinition(r["acronym"], r["expansion"], r["doc_id"], r["start"], r["end"]),
                r["kind"],
            )
            for r in rows
        ]

    def markings(self, default: str) -> dict[str, int]:
        """How many documents carry each marking (`default` for one recorded without)."""
        rows = self._con.execute(
            "SELECT coalesce(classification, ?) AS m, count(*) AS n FROM documents GROUP BY m",
            (default,),
        )
        return {r["m"]: r["n"] for r in rows}

    def cleared(self, markings: Sequence[str], default: str) -> ClearedSnapshot:
        """This generation as a caller cleared to see only `markings` finds it."""
        return ClearedSnapshot(self, markings, default)

    def all_vectors(self) -> np.ndarray:
        """All vectors, row order."""
        return self.vectors.reconstruct(np.arange(self.vectors.size, dtype=np.int64))

    def close(self) -> None:
        """Release the SQLite connection."""
        self._con.close()


class ClearedSnapshot(Snapshot):
    """One generation restricted to the documents whose marking is in `markings`.

    Its SQLite reads select only those documents and their chunks; its vectors are the
    matching rows of the generation's index (vectors.index.RowSubset, a selector inside each
    search), renumbered so that row i is its i-th chunk. A document outside does not exist
    here: not in documents(), chunks(), acronyms() nor any vector search.
    """

    def __init__(self, base: Snapshot, markings: Sequence[str], default: str) -> None:
        self.path = base.path
        self.meta = base.meta
        self._con = base._con
        self._base = base
        self._where = (
            f"coalesce(d.classification, ?) IN ({', '.join('?' * len(markings))})",
            (default, *markings),
        )
        rows = self._con.execute(
            f"SELECT c.row FROM chunks c JOIN documents d ON d.id = c.doc_id "
            f"WHERE {self._where[0]} ORDER BY c.row",
            self._where[1],
        )
        self.vectors = RowSubset(base.vectors, np.asarray([r[0] for r in rows], dtype=np.int64))

    def documents(self) -> list[StoredDocument]:
        """The visible documents, by id."""
        rows = self._con.execute(
            f"SELECT d.* FROM documents d WHERE {self._where[0]} ORDER BY d.id", self._where[1]
        )
        return [_document_from_row(r) for r in rows]

    def chunks(self) -> list[StoredChunk]:
        """The visible documents' chunks in row order (row i is vector i of `vectors`)."""
        rows = self._con.execute(
            f"SELECT c.* FROM chunks c JOIN documents d ON d.id = c.doc_id "
            f"WHERE {self._where[0]} ORDER BY c.row",
            self._where[1],
        )
        return [StoredChunk(chunk_from_row(r), r["embed_key"]) for r in rows]

    def acronyms(self) -> list[StoredAcronym]:
        """Acronym definitions found in the visible documents only."""
        rows = self._con.execute(
            f"SELECT a.* FROM acronyms a JOIN documents d ON d.id = a.doc_id "
            f"WHERE {self._where[0]}",
            self._where[1],
        )
        return [
            StoredAcronym(
                AcronymDefinition(r["acronym"], r["expansion"], r["doc_id"], r["start"], r["end"]),
                r["kind"],
            )
            for r in rows
        ]

    def markings(self, default: str) -> dict[str, int]:
        """How many visible documents carry each marking."""
        counts = self._base.markings(default)
        allowed = set(self._where[1][1:])
        return {m: n for m, n in counts.items() if m in allowed}

    def close(self) -> None:
        """Nothing: the connection is the generation's."""
