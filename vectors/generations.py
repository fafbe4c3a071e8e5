"""The vector store on disk: FAISS vectors plus a SQLite chunk table, in generations.

Each index run writes a complete new generation into a temporary directory, fsyncs it,
renames it into place and then swaps the `current` symlink atomically (rename over it).
A run killed at any moment leaves `current` pointing at the last good generation.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from kg.errors import GraphChanged, IndexError_, IndexNotFound, KgError
from kg.types import AcronymDefinition, Chunk, Document, Page
from vectors.index import RowSubset, VectorIndex, build_index, open_index
from vectors.keyword import KeywordIndex, keyword_text

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
_CURRENT = "current"
_GRAPH_STATE = "graph-state.json"
_SQL_BATCH = 500  # bound parameters per statement (SQLite allows 999 in old builds)
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

    def require_graph(self, generation: str) -> None:
        """GraphChanged unless the graph store holds exactly `generation`'s graph (an
        unrecorded state, a graph loaded by hand, is trusted)."""
        state = self.graph_state()
        if state is not None and not state.matches(generation):
            raise GraphChanged(
                "the graph is being updated to a new index generation; retry shortly",
                {"generation": generation},
            )

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
        documents = _write_sqlite(tmp / "chunks.sqlite", generation)
        # One large structure at a time: the vector index is written and freed before the
        # keyword index is built, so peak memory is the larger of the two, not their sum.
        vectors = build_index(generation.vectors, approximate_above=approximate_above)
        vectors.save(tmp)
        del vectors
        KeywordIndex.build(
            keyword_text(documents[s.chunk.doc_id], s.chunk) for s in generation.chunks
        ).save(tmp)
        (tmp / "meta.json").write_text(json.dumps(generation.meta, indent=2), "utf-8")
        for path in sorted(tmp.rglob("*"), reverse=True):  # files before their directories
            (_fsync_file if path.is_file() else _fsync_dir)(path)
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


def _write_sqlite(path: Path, generation: Generation) -> dict[str, Document]:
    """Write the generation's tables; return its documents by id, without their texts (all
    that the keyword index needs of them is their titles)."""
    catalogue: dict[str, Document] = {}

    def document_rows() -> Iterator[tuple[Any, ...]]:
        for stored in generation.documents:
            catalogue[stored.document.id] = replace(stored.document, text="")
            yield _document_row(stored)

    con = sqlite3.connect(path)
    try:
        con.executescript(_SCHEMA)
        meta = {**generation.meta, "schema_version": str(SCHEMA_VERSION)}
        con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        con.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            document_rows(),
        )
        con.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
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
            ),
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
    return catalogue


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
        self._lock = threading.Lock()
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

    def documents(self, *, text: bool = True) -> list[StoredDocument]:
        """Every document, by id; with text=False each Document's text is left empty (for a
        catalogue of metadata; read the text with document_text())."""
        rows = self._read(f"SELECT {self._document_columns(text)} FROM documents d ORDER BY id")
        return [_document_from_row(r) for r in rows]

    def _document_columns(self, text: bool) -> str:
        """The documents table's columns (of alias d), its text as '' when not wanted."""
        if text:
            return "d.*"
        names = [r[1] for r in self._read("PRAGMA table_info(documents)") if r[1] != "text"]
        return ", ".join(f'd."{n}"' for n in names) + ", '' AS text"

    def document_text(self, doc_id: str) -> str | None:
        """One document's text, None if the generation does not hold it."""
        rows = self._read("SELECT text FROM documents WHERE id = ?", (doc_id,))
        return rows[0]["text"] if rows else None

    def chunks(self) -> list[StoredChunk]:
        """Every chunk in row order (row i is vector i)."""
        rows = self._read("SELECT * FROM chunks ORDER BY row")
        return [StoredChunk(chunk_from_row(r), r["embed_key"]) for r in rows]

    def chunks_at(self, rows: Sequence[int]) -> list[Chunk]:
        """The chunks of `rows`, in the order given (each row must exist)."""
        wanted = [int(r) for r in rows]
        found = {
            r["row"]: chunk_from_row(r)
            for r in self._read_in("SELECT * FROM chunks", "row", wanted)
        }
        try:
            return [found[r] for r in wanted]
        except KeyError as e:
            raise IndexError_(f"index generation {self.path} has no chunk row {e}") from e

    def rows_of(self, chunk_ids: Sequence[str]) -> dict[str, int]:
        """The row of each chunk id the generation holds (unknown ids are left out)."""
        ids = list(dict.fromkeys(chunk_ids))
        return {r["id"]: r["row"] for r in self._read_in("SELECT id, row FROM chunks", "id", ids)}

    def row_documents(self) -> list[str]:
        """The document id of every row, in row order (one column, not whole chunks)."""
        return [r[0] for r in self._read("SELECT doc_id FROM chunks ORDER BY row")]

    def keyword_index(self) -> KeywordIndex:
        """The generation's BM25 index, memory-mapped from its files (built in memory for a
        generation written before they were saved with it)."""
        if KeywordIndex.saved(self.path):
            return KeywordIndex.load(self.path)
        log.warning("%s has no saved keyword index: building it in memory", self.path.name)
        return self._build_keyword_index()

    def _build_keyword_index(self) -> KeywordIndex:
        documents = {s.document.id: s.document for s in self.documents(text=False)}
        return KeywordIndex.build(
            keyword_text(documents[s.chunk.doc_id], s.chunk) for s in self.chunks()
        )

    def _read_in(self, select: str, column: str, values: Sequence[Any]) -> list[sqlite3.Row]:
        """`select` WHERE column IN values, in batches of bound parameters."""
        rows: list[sqlite3.Row] = []
        for start in range(0, len(values), _SQL_BATCH):
            batch = values[start : start + _SQL_BATCH]
            marks = ",".join("?" * len(batch))
            rows += self._read(f"{select} WHERE {column} IN ({marks})", batch)
        return rows

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        # One connection serves every request thread; a read runs whole under the lock.
        with self._lock:
            try:
                return self._con.execute(sql, params).fetchall()
            except sqlite3.Error as e:
                raise IndexError_(f"index generation {self.path} is unreadable: {e}") from e

    def acronyms(self) -> list[StoredAcronym]:
        """Every acronym definition found in the documents."""
        rows = self._read("SELECT * FROM acronyms")
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
        self._lock = base._lock
        self._base = base
        self._where = (
            f"coalesce(d.classification, ?) IN ({', '.join('?' * len(markings))})",
            (default, *markings),
        )
        rows = self._read(
            f"SELECT c.row FROM chunks c JOIN documents d ON d.id = c.doc_id "
            f"WHERE {self._where[0]} ORDER BY c.row",
            self._where[1],
        )
        self._rows = np.asarray([r[0] for r in rows], dtype=np.int64)  # base row of each row
        self.vectors = RowSubset(base.vectors, self._rows)

    def documents(self, *, text: bool = True) -> list[StoredDocument]:
        """The visible documents, by id (texts left empty with text=False)."""
        rows = self._read(
            f"SELECT {self._document_columns(text)} FROM documents d "
            f"WHERE {self._where[0]} ORDER BY d.id",
            self._where[1],
        )
        return [_document_from_row(r) for r in rows]

    def document_text(self, doc_id: str) -> str | None:
        """A visible document's text; None for one that is not visible or not held."""
        rows = self._read(
            f"SELECT d.text FROM documents d WHERE d.id = ? AND {self._where[0]}",
            (doc_id, *self._where[1]),
        )
        return rows[0]["text"] if rows else None

    def chunks(self) -> list[StoredChunk]:
        """The visible documents' chunks in row order (row i is vector i of `vectors`)."""
        rows = self._read(
            f"SELECT c.* FROM chunks c JOIN documents d ON d.id = c.doc_id "
            f"WHERE {self._where[0]} ORDER BY c.row",
            self._where[1],
        )
        return [StoredChunk(chunk_from_row(r), r["embed_key"]) for r in rows]

    def chunks_at(self, rows: Sequence[int]) -> list[Chunk]:
        """The chunks of this view's `rows`, in the order given."""
        local = np.asarray(rows, dtype=np.int64)
        if len(local) and (local.min() < 0 or local.max() >= len(self._rows)):
            raise IndexError_(f"index generation {self.path}: no chunk row {local.max()} here")
        return self._base.chunks_at(self._rows[local].tolist())

    def rows_of(self, chunk_ids: Sequence[str]) -> dict[str, int]:
        """This view's row of each visible chunk id (hidden and unknown ids are left out)."""
        out = {}
        for chunk_id, row in self._base.rows_of(chunk_ids).items():
            at = int(np.searchsorted(self._rows, row))
            if at < len(self._rows) and self._rows[at] == row:
                out[chunk_id] = at
        return out

    def row_documents(self) -> list[str]:
        """The document id of every row of this view, in row order."""
        rows = self._read(
            f"SELECT c.doc_id FROM chunks c JOIN documents d ON d.id = c.doc_id "
            f"WHERE {self._where[0]} ORDER BY c.row",
            self._where[1],
        )
        return [r[0] for r in rows]

    def keyword_index(self) -> KeywordIndex:
        """BM25 over the visible chunks only, built now: its statistics (document
        frequencies, lengths) must not reflect documents this view hides."""
        return self._build_keyword_index()

    def acronyms(self) -> list[StoredAcronym]:
        """Acronym definitions found in the visible documents only."""
        rows = self._read(
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
