"""What one request reads: one index generation and the graph that matches it.

A ReadSnapshot is built once per generation and never changes. `Snapshots` holds the current
one and swaps it for the next by one reference assignment, after the next is fully loaded in
a background thread; a request takes the snapshot once and uses nothing else, so it sees one
generation from start to finish, and no request waits on a load (except the very first, when
there is nothing else to serve).

The graph store is one database that index runs update in place, so which generation it holds
is recorded beside the index (vectors.generations.GraphState, a seqlock): the snapshot's
in-memory graph is read only while the store is marked as holding that generation, and the
reads that go to the store at request time (entity cards, neighbours, dependency chains) are
checked against the mark afterwards and refused with GraphChanged when a run has started to
rewrite it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from api.ask import AskService
from api.cypher import NamedQueries
from api.entities import EntityService
from api.graph_answer import GraphAnswerer
from api.graph_index import GraphIndex
from api.intents import IntentRecogniser
from api.search import LoadedIndex, SearchService
from api.spans import SpanFinder
from graph.store import QueryResult
from kg.errors import GraphChanged, IndexNotFound, KgError, StoreUnavailable
from kg.markings import MARKINGS, at_or_below, level_graph, rank
from kg.settings import Settings
from kg.vocab import default_vocabulary
from vectors.encoder import Encoder
from vectors.generations import GraphState, IndexDirectory, Snapshot

log = logging.getLogger(__name__)

# How long a snapshot answers from passages alone after the graph could not be read, before
# the graph is tried again (only while the store answers).
GRAPH_RETRY_S = 5.0
# How often the loader looks again while an index run is still writing the graph.
_WAIT_POLL_S = 0.2
# Reads of the in-memory graph tried before giving up while runs keep rewriting it.
_LOAD_TRIES = 3


@dataclass(frozen=True)
class GraphParts:
    """One generation's graph in memory and the services over it."""

    index: GraphIndex
    entities: EntityService
    answerer: GraphAnswerer


@dataclass(frozen=True)
class ReadSnapshot:
    """One index generation with its search, question answering and (when it matches) graph.

    The snapshot sees every document; `views` holds, for each clearance that must not see
    them all, the same generation restricted to the documents at or below it (its own
    documents, chunks, vectors, keyword index, glossary and graph): `view(clearance)`.
    """

    generation: str
    search: SearchService
    ask: AskService
    graph: GraphParts | None
    graph_problem: str | None  # why graph is None, in words
    built_at: float
    clearance: str = MARKINGS[-1]
    views: Mapping[str, ReadSnapshot] = field(default_factory=dict)
    # The graph (store key) a clearance's Cypher runs on; absent: the full graph.
    level_graphs: Mapping[str, str] = field(default_factory=dict)

    def view(self, clearance: str) -> ReadSnapshot:
        """This generation as a caller cleared to `clearance` sees it."""
        return self.views.get(clearance, self) if clearance != self.clearance else self

    @property
    def index(self) -> LoadedIndex:
        """The generation's documents, chunks, vectors and keyword index."""
        return self.search.index

    @property
    def entities(self) -> EntityService:
        """Entity lookup and cards; StoreUnavailable when this generation has no graph."""
        if self.graph is None:
            raise StoreUnavailable(f"the graph is unavailable: {self.graph_problem}")
        return self.graph.entities

    def graph_retry_due(self, now: float) -> bool:
        """Whether a graph that could not be read is worth trying again."""
        return self.graph is None and now - self.built_at > GRAPH_RETRY_S


class MatchingGraph:
    """Named queries over the live store, refused once it no longer holds `generation`'s graph.

    Each result is checked after it was read: had a run started to rewrite the graph, the
    state no longer matches and GraphChanged is raised instead of a mixed answer.
    """

    def __init__(self, cypher: NamedQueries, directory: IndexDirectory, generation: str) -> None:
        self._cypher = cypher
        self._directory = directory
        self.generation = generation

    def check(self) -> None:
        """GraphChanged unless the store still holds this generation's graph."""
        self._directory.require_graph(self.generation)

    def run_named(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """Run a named query, then check the graph still matches."""
        result = self._cypher.run_named(name, params, timeout_ms=timeout_ms, max_rows=max_rows)
        self.check()
        return result


class Snapshots:
    """The current ReadSnapshot, and the background loader that swaps in the next one."""

    def __init__(
        self,
        settings: Settings,
        encoder: Encoder,
        cypher: Callable[[], NamedQueries],
        store_healthy: Callable[[], bool],
        level_cypher: Callable[[str], NamedQueries] | None = None,
    ) -> None:
        self.settings = settings
        self.encoder = encoder
        self.directory = IndexDirectory(settings.index_dir)
        self._cypher = cypher
        self._level_cypher = level_cypher or _no_level_graphs
        self._store_healthy = store_healthy
        self._recogniser: IntentRecogniser | None = None
        self._current: ReadSnapshot | None = None
        self._error: KgError | None = None  # why the first load failed
        self._lock = threading.Lock()  # one load at a time
        self._start = threading.Lock()  # one loader thread at a time
        self._loaded = threading.Condition()
        self._loader: threading.Thread | None = None

    @property
    def loaded(self) -> ReadSnapshot | None:
        """The snapshot served now, if one is loaded (never loads)."""
        return self._current

    def current(self) -> ReadSnapshot:
        """The snapshot a request should read; starts loading a newer generation if there is one.

        Only the first call waits (there is nothing to serve before the first load). Raises
        IndexNotFound before `kg index`, and the load's error if the first load failed.
        """
        snapshot = self._current
        if snapshot is None:
            return self._first()
        name = self.directory.current_name()
        if (
            (name is not None and name != snapshot.generation)
            or (snapshot.graph_retry_due(time.monotonic()) and self._store_healthy())
            or (snapshot.graph is not None and not self._graph_matches(snapshot.generation))
        ):
            self.start_loading()
        return snapshot

    def _graph_matches(self, generation: str) -> bool:
        """Whether the store holds `generation`'s graph or is being brought to it by a run.

        While a run rewrites the graph the snapshot keeps its in-memory graph (live reads
        are refused); once the run has left the graph on another generation, or failed,
        the snapshot is rebuilt.
        """
        state = self.directory.graph_state()
        return (
            state is None
            or (state.generation == generation and state.writing is False)
            or (state.writing and self.directory.writer_active())
        )

    def _first(self) -> ReadSnapshot:
        if self.directory.current_name() is None:
            raise IndexNotFound(f"no index in {self.settings.index_dir}: run `kg index` first")
        with self._loaded:
            self._error = None
            self.start_loading()
            while self._current is None and self._error is None:
                self._loaded.wait(timeout=1.0)
                if self._current is None and self._error is None and not self._loading():
                    self.start_loading()
            if self._current is None:
                assert self._error is not None
                raise self._error
            return self._current

    def _loading(self) -> bool:
        return self._loader is not None and self._loader.is_alive()

    def start_loading(self) -> threading.Thread:
        """Load the current generation in a background thread (one at a time)."""
        with self._start:
            if self._loader is None or not self._loader.is_alive():
                self._loader = threading.Thread(target=self._load, name="index-loader", daemon=True)
                self._loader.start()
            return self._loader

    def refresh(self) -> ReadSnapshot:
        """Load the current generation now, in this thread, and serve it (CLI and tests)."""
        self._load()
        if self._current is None:
            if self._error is not None:
                raise self._error
            raise IndexNotFound(f"no index in {self.settings.index_dir}: run `kg index` first")
        return self._current

    def _swap(self, snapshot: ReadSnapshot) -> None:
        with self._loaded:
            self._current = snapshot
            self._loaded.notify_all()
        log.info(
            "serving index generation %s%s",
            snapshot.generation,
            "" if snapshot.graph else f" without the graph ({snapshot.graph_problem})",
        )

    def _load(self) -> None:
        """Bring the served snapshot up to the current generation and its graph."""
        with self._lock:
            try:
                self._load_locked()
            except KgError as e:
                log.error("index generation not loaded: %s", e.message)
                with self._loaded:
                    self._error = e
                    self._loaded.notify_all()
            except Exception as e:
                log.exception("index generation not loaded")
                with self._loaded:
                    self._error = KgError(f"the index could not be loaded: {e}")
                    self._loaded.notify_all()

    def _load_locked(self) -> None:
        index: LoadedIndex | None = None
        while True:
            current = self.directory.current
            if current is None:
                return
            served = self._current
            if served is not None and served.generation == current.name:
                if served.graph is not None and self._graph_matches(served.generation):
                    return
                index = served.index
            elif index is None or index.name != current.name:
                index = LoadedIndex(Snapshot(current, nprobe=self.settings.search.nprobe))
            state = self.directory.graph_state()
            if state is None or state.matches(index.name):
                self._swap(self._build(index, state))
                return
            if not self.directory.writer_active():
                # No run will bring the graph to this generation: serve it without the graph.
                self._swap(self._graph_less(index, _mismatch(state, index.name)))
                return
            # An index run is still writing the graph: keep serving the previous snapshot
            # (or, with none yet, this generation's search alone) until the graph matches.
            if served is None or (served.generation != index.name and served.graph is None):
                self._swap(self._graph_less(index, "an index run is writing the graph"))
            time.sleep(_WAIT_POLL_S)

    def _services(self, index: LoadedIndex, graph: GraphParts | None) -> AskService:
        if self._recogniser is None:
            self._recogniser = IntentRecogniser(self.encoder)
        search = SearchService(self.settings, self.encoder, index)
        answerer = graph.answerer if graph is not None else None
        spans = SpanFinder(default_vocabulary(), graph.index if graph is not None else None)
        return AskService(search, self.encoder, self._recogniser, answerer, spans=spans)

    def _graph_less(
        self, index: LoadedIndex, problem: str, *, with_views: bool = True
    ) -> ReadSnapshot:
        ask = self._services(index, None)
        snapshot = ReadSnapshot(index.name, ask.search, ask, None, problem, time.monotonic())
        return self._with_views(snapshot, graph=False) if with_views else snapshot

    def _build(
        self, index: LoadedIndex, state: GraphState | None, level: str | None = None
    ) -> ReadSnapshot:
        """A snapshot with the graph when it can be read consistently, else without it.

        `level` builds a clearance's view over that level's own graph (its store key).
        """
        top = level is None
        if not self._store_healthy():
            return self._graph_less(index, "the graph store is down", with_views=top)
        search = SearchService(self.settings, self.encoder, index)
        try:
            graph = self._read_graph(index, search, level)
        except KgError as e:
            log.warning("answering from passages only: the graph is unavailable (%s)", e.message)
            return self._graph_less(index, e.message, with_views=top)
        ask = self._services(index, graph)
        snapshot = ReadSnapshot(index.name, ask.search, ask, graph, None, time.monotonic())
        if top:
            snapshot = self._with_views(snapshot, graph=True)
            self._warm(snapshot)
        return snapshot

    def _with_views(self, full: ReadSnapshot, *, graph: bool) -> ReadSnapshot:
        """`full` with a view for every clearance that must not see every document."""
        default = self.settings.access.default_marking
        counts = full.index.snapshot.markings(default)
        views: dict[str, ReadSnapshot] = {}
        level_graphs: dict[str, str] = {}
        previous: ReadSnapshot | None = None
        for level in MARKINGS[:-1]:
            seen = at_or_below(level)
            if all(m in seen for m in counts):
                break  # this level and every one above it see every document
            if previous is not None and not any(m == level for m in counts):
                views[level] = replace(previous, clearance=level)  # sees what the one below does
                level_graphs[level] = level_graphs[MARKINGS[rank(level) - 1]]
                continue
            index = LoadedIndex(full.index.snapshot.cleared(seen, default))
            level_graphs[level] = level_graph(self.settings.graph.graph_name, level)
            if graph:
                view = self._build(index, None, level)
            else:
                view = self._graph_less(index, full.graph_problem or "", with_views=False)
            views[level] = previous = replace(view, clearance=level)
        return replace(full, views=views, level_graphs=level_graphs)

    def _read_graph(
        self, index: LoadedIndex, search: SearchService, level: str | None = None
    ) -> GraphParts:
        cypher = self._cypher() if level is None else self._level_cypher(level)
        matching = MatchingGraph(cypher, self.directory, index.name)
        for attempt in range(_LOAD_TRIES):
            try:
                graph_index = GraphIndex.load(matching)
                break
            except GraphChanged:
                if attempt == _LOAD_TRIES - 1:
                    raise
                time.sleep(_WAIT_POLL_S)
        entities = EntityService(
            graph_index,
            matching,
            acronyms=index.glossary.forms,
            titles={d.id: d.title for d in index.documents.values()},
            encoder=self.encoder,
            limits=self.settings.graph,
        )
        return GraphParts(graph_index, entities, GraphAnswerer(graph_index, search, self.encoder))

    def _warm(self, snapshot: ReadSnapshot) -> None:
        """Pay for a generation's first question (entity names are embedded once) before it
        is served, when the model is already loaded."""
        if not self.encoder_loaded():
            return
        try:
            snapshot.ask.ask("who leads the warm up exercise")
        except KgError as e:
            log.warning("warming generation %s failed: %s", snapshot.generation, e.message)

    def encoder_loaded(self) -> bool:
        """Whether the model is loaded (an encoder without the notion counts as loaded)."""
        return bool(getattr(self.encoder, "loaded", True))


def _no_level_graphs(level: str) -> NamedQueries:
    raise StoreUnavailable("no graph for this clearance")


def _mismatch(state: GraphState, generation: str) -> str:
    if state.generation is None:
        return "the last index run could not finish writing the graph (run kg index)"
    return f"the graph holds generation {state.generation}, not {generation} (run kg index)"
