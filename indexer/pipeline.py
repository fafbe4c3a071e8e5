"""The write path up to the vector store: load, clean, segment, chunk, embed, store.

Incremental: a document whose bytes (and sidecar) are unchanged is carried over as it was;
a changed one is re-chunked, and only chunks whose embedded text changed are re-encoded;
a document gone from the indexed folders is removed. A document that cannot be read is
reported and skipped; if an earlier version of it is indexed, that version is kept.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

from indexer import load
from indexer.chunk import Chunker
from indexer.clean import CleanText, clean, default_patterns
from indexer.glossary import find_definitions, infer_definitions
from indexer.segment import segment
from kg.errors import DocumentError, IndexError_, KgError
from kg.forces import default_forces
from kg.settings import Settings
from kg.stats import record_index_run
from kg.types import AcronymDefinition, Chunk, Document, IndexReport
from vectors.encoder import ModelEncoder, make_encoder
from vectors.generations import (
    Generation,
    IndexDirectory,
    Snapshot,
    StoredAcronym,
    StoredChunk,
    StoredDocument,
)

if TYPE_CHECKING:
    from graph.store import GraphStore

log = logging.getLogger(__name__)

# Bump when chunking or cleaning changes in a way that must rebuild every document.
PIPELINE_VERSION = "1"


@dataclass(frozen=True)
class _Processed:
    stored: StoredDocument
    chunks: list[Chunk]
    embedding_texts: list[str]
    acronyms: list[StoredAcronym]


def fingerprint(path: Path) -> str:
    """sha256 of a document's bytes and of its sidecar's, if it has one."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for suffix in (".meta.yaml", ".meta.json"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.is_file():
            digest += ":" + hashlib.sha256(sidecar.read_bytes()).hexdigest()[:16]
    return digest


def settings_signature(settings: Settings, model: str) -> str:
    """What, besides a document's bytes, decides its chunks, vectors and metadata."""
    patterns = "|".join(p.regex.pattern for p in default_patterns())
    # The forces list decides each document's force, read when the document is loaded.
    forces = "|".join(f.model_dump_json() for f in default_forces())
    raw = "\x00".join(
        [
            PIPELINE_VERSION,
            model,
            str(settings.chunk.size_tokens),
            str(settings.chunk.overlap_tokens),
            hashlib.sha1(patterns.encode()).hexdigest(),
            hashlib.sha1(forces.encode()).hexdigest(),
            settings.access.default_marking,
        ]
    )
    return hashlib.sha1(raw.encode()).hexdigest()


def _embed_key(model: str, text: str) -> str:
    return hashlib.sha1(f"{model}\x00{text}".encode()).hexdigest()


def _under(source: str, roots: Sequence[Path]) -> bool:
    path = Path(source)
    return any(path == root or root in path.parents for root in roots)


class Indexer:
    """Runs index passes over folders and files into the index directory."""

    def __init__(
        self,
        settings: Settings,
        encoder: ModelEncoder | None = None,
        store: GraphStore | None = None,
        *,
        graph: bool = True,
    ) -> None:
        self.settings = settings
        self._encoder = encoder
        self._store = store
        self._graph = graph
        self.directory = IndexDirectory(settings.index_dir)

    @property
    def encoder(self) -> ModelEncoder:
        """The encoder (its model loads only when something must be embedded)."""
        if self._encoder is None:
            self._encoder = make_encoder(self.settings.embedding)
        return self._encoder

    def run(self, paths: Sequence[Path] | None = None, *, progress: bool = False) -> IndexReport:
        """Bring the index in line with `paths` (the corpus folder by default)."""
        report = IndexReport()
        roots = [p.resolve() for p in (paths or [self.settings.corpus_dir])]
        with self.directory.lock():
            started = time.perf_counter()
            previous = self._previous()
            prev_docs = {s.document.id: s for s in previous.documents()} if previous else {}
            signature = settings_signature(self.settings, self.encoder.name)
            same_settings = previous is not None and previous.meta.get("signature") == signature

            found = load.discover(roots)
            todo: list[tuple[Path, str, str]] = []
            keep: dict[str, StoredDocument] = {}
            seen_ids: set[str] = set()
            for path, doc_id in found:
                if doc_id in seen_ids:
                    report.failed[str(path)] = f"another file already has the id {doc_id!r}"
                    continue
                seen_ids.add(doc_id)
                try:
                    digest = fingerprint(path)
                except OSError as e:
                    report.failed[str(path)] = f"cannot read: {e}"
                    continue
                old = prev_docs.get(doc_id)
                if same_settings and old is not None and old.fingerprint == digest:
                    keep[doc_id] = old
                    report.unchanged.append(doc_id)
                else:
                    todo.append((path, doc_id, digest))
            report.timings["scan"] = time.perf_counter() - started

            processed = self._process(todo, report, progress)
            for doc_id, old in prev_docs.items():
                if doc_id in keep or doc_id in processed:
                    continue
                if not _under(old.document.source, roots) or (old.document.source in report.failed):
                    keep[doc_id] = old  # outside this run's folders, or now unreadable
                else:
                    report.removed.append(doc_id)
            for doc_id in processed:
                (report.replaced if doc_id in prev_docs else report.added).append(doc_id)

            if not report.changed and same_settings:
                report.chunks = previous.vectors.size if previous else 0
            else:
                self._write(previous, keep, processed, signature, report, progress)
            if previous is not None:
                previous.close()
            if self._graph:
                self._sync_graph(report)
            record_index_run(self.settings.index_dir, len(report.failed))
            report.timings["total"] = time.perf_counter() - started
            return report

    def _sync_graph(self, report: IndexReport) -> None:
        """Load the graph from the current generation; a graph failure keeps the vectors."""
        from graph.guard import open_guarded_store
        from indexer.graph_step import sync_graph

        current = self.directory.current
        if current is None:
            return
        started = time.perf_counter()
        store = self._store or open_guarded_store(self.settings)
        snapshot = Snapshot(current)
        generation = current.name

        def writing() -> None:
            # Readers stop trusting the graph before the first change reaches it.
            self.directory.mark_graph(generation, writing=True)

        try:
            report.graph = sync_graph(
                store, snapshot, before_change=writing, graph_name=self.settings.graph.graph_name
            )
            self.directory.mark_graph(generation, writing=False)
        except KgError as e:
            # Part-written: the graph matches no generation until a run completes it.
            self.directory.mark_graph(None, writing=False)
            report.graph = {"status": "error", "error": e.message}
            log.error("graph not updated: %s (the search index is)", e.message)
        finally:
            snapshot.close()
            if self._store is None:
                store.close()
        report.timings["graph"] = time.perf_counter() - started

    def _previous(self) -> Snapshot | None:
        current = self.directory.current
        if current is None:
            return None
        try:
            return Snapshot(current)
        except IndexError_ as e:
            log.warning("previous index unreadable, rebuilding everything: %s", e)
            return None

    def _process(
        self, todo: list[tuple[Path, str, str]], report: IndexReport, progress: bool
    ) -> dict[str, _Processed]:
        """Load, clean, segment, chunk and learn acronyms for each new or changed document."""
        chunker = Chunker(
            self.encoder.count_tokens,
            self.settings.chunk.size_tokens,
            self.settings.chunk.overlap_tokens,
            self.encoder.max_text_tokens,
        )
        out: dict[str, _Processed] = {}
        timings = {"load": 0.0, "chunk": 0.0}
        for path, doc_id, digest in tqdm(todo, desc="reading", unit="doc", disable=not progress):
            t0 = time.perf_counter()
            try:
                document = load.load_document(path, doc_id)
                if document.classification is None:
                    # Unmarked: the configured default (part of settings_signature).
                    document = replace(
                        document, classification=self.settings.access.default_marking
                    )
            except DocumentError as e:
                report.failed[str(path)] = e.message
                log.warning("skipped %s: %s", path, e.message)
                continue
            t1 = time.perf_counter()
            out[doc_id] = self._prepare(document, digest, chunker)
            timings["load"] += t1 - t0
            timings["chunk"] += time.perf_counter() - t1
        report.timings.update(timings)
        return out

    def _prepare(self, document: Document, digest: str, chunker: Chunker) -> _Processed:
        view = clean(document.text)
        structure = segment(view.text)
        chunks = chunker.split(document, view, structure)
        defined = find_definitions(document.id, view.text)
        inferred = infer_definitions(document.id, view.text, {d.acronym for d in defined})
        acronyms = [
            StoredAcronym(_to_document_span(d, view), kind)
            for kind, group in (("defined", defined), ("inferred", inferred))
            for d in group
        ]
        return _Processed(
            stored=StoredDocument(document, digest),
            chunks=chunks,
            embedding_texts=[chunker.embedding_text(document, c) for c in chunks],
            acronyms=acronyms,
        )

    def _write(
        self,
        previous: Snapshot | None,
        keep: dict[str, StoredDocument],
        processed: dict[str, _Processed],
        signature: str,
        report: IndexReport,
        progress: bool,
    ) -> None:
        model = self.encoder.name
        old_chunks = previous.chunks() if previous else []
        old_vectors = previous.vectors if previous else None
        old_rows_by_key = {s.embed_key: row for row, s in enumerate(old_chunks)}

        chunks: list[StoredChunk] = []
        source_rows: list[int] = []  # row in the previous generation, or -1: to encode
        to_encode: list[str] = []
        for row, stored in enumerate(old_chunks):
            if stored.chunk.doc_id in keep:
                chunks.append(stored)
                source_rows.append(row)
        for item in processed.values():
            for chunk, text in zip(item.chunks, item.embedding_texts, strict=True):
                key = _embed_key(model, text)
                chunks.append(StoredChunk(chunk, key))
                old_row = old_rows_by_key.get(key, -1)
                source_rows.append(old_row)
                if old_row < 0:
                    to_encode.append(text)

        t0 = time.perf_counter()
        fresh = self.encoder.encode(to_encode, progress=progress) if to_encode else None
        report.timings["embed"] = time.perf_counter() - t0
        report.chunks_embedded = len(to_encode)

        t1 = time.perf_counter()
        vectors = np.zeros((len(chunks), self.encoder.dim), dtype=np.float32)
        rows = np.asarray(source_rows, dtype=np.int64)
        reused = np.flatnonzero(rows >= 0)
        if len(reused) and old_vectors is not None:
            vectors[reused] = old_vectors.reconstruct(rows[reused])
        if fresh is not None:
            vectors[rows < 0] = fresh

        documents = sorted(
            [*keep.values(), *(p.stored for p in processed.values())],
            key=lambda s: s.document.id,
        )
        acronyms = [
            a for a in (previous.acronyms() if previous else []) if a.definition.doc_id in keep
        ]
        acronyms += [a for p in processed.values() for a in p.acronyms]
        generation = Generation(
            meta={
                "signature": signature,
                "model": model,
                "dim": str(self.encoder.dim),
                "chunk_tokens": str(self.settings.chunk.size_tokens),
                "overlap_tokens": str(self.settings.chunk.overlap_tokens),
            },
            documents=documents,
            chunks=chunks,
            vectors=vectors,
            acronyms=acronyms,
        )
        self.directory.write(generation, approximate_above=self.settings.search.approximate_above)
        report.chunks = len(chunks)
        report.timings["store"] = time.perf_counter() - t1


def _to_document_span(definition: AcronymDefinition, view: CleanText) -> AcronymDefinition:
    """A definition found in clean text, with its span mapped to the document text."""
    start, end = view.span(definition.start, definition.end)
    return replace(definition, start=start, end=end)
