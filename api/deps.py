"""Services built once (in the app's lifespan, or by the CLI) and handed to routes."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Annotated, Literal

from fastapi import Depends, Request

from api.ask import AskService
from api.cypher import CypherService
from api.entities import EntityService
from api.graph_answer import GraphAnswerer
from api.graph_index import GraphIndex
from api.intents import IntentRecogniser
from api.search import SearchService
from graph.guard import GuardedStore, open_guarded_store
from kg.errors import IndexNotFound, KgError
from kg.settings import Settings
from vectors.encoder import SentenceTransformerEncoder

log = logging.getLogger(__name__)

# How long /ask keeps answering from passages alone after the graph could not be loaded,
# before it tries the graph again (only while the store answers).
GRAPH_RETRY_S = 5.0

WarmUp = Literal["not started", "running", "done", "failed"]


@dataclass
class Readiness:
    """What GET /health/ready reports: each part's state, in words without paths or secrets."""

    index: str
    graph: str
    model: str
    warm_up: WarmUp
    generation: str | None = None
    failing: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """Ready when the index and the graph store answer and the model is loaded."""
        return not self.failing


class Services:
    """The read side's long-lived parts: settings, the encoder and the search service."""

    def __init__(self, settings: Settings, encoder: SentenceTransformerEncoder | None = None):
        self.settings = settings
        self.encoder = encoder or SentenceTransformerEncoder(settings.embedding)
        self._search: SearchService | None = None
        self._graph: GuardedStore | None = None
        self._cypher: CypherService | None = None
        self._ask: AskService | None = None
        self._ask_generation: str | None = None
        self._ask_without_graph_since: float | None = None
        self.warm_up_state: WarmUp = "not started"
        self._graph_index: GraphIndex | None = None
        self._graph_index_generation: str | None = None
        self._entities: EntityService | None = None
        self._entities_generation: str | None = None
        self._recogniser: IntentRecogniser | None = None
        self._lock = threading.Lock()

    @property
    def search(self) -> SearchService:
        """The search service; raises IndexNotFound until `kg index` has built an index."""
        if self._search is None:
            with self._lock:
                if self._search is None:
                    self._search = SearchService(self.settings, self.encoder)
        return self._search

    @property
    def ask(self) -> AskService:
        """Question answering over search and the graph, rebuilt for each new index generation."""
        search = self.search
        generation = search.index.name
        if self._ask_is_stale(generation):
            with self._lock:
                if self._ask_is_stale(generation):
                    if self._recogniser is None:
                        self._recogniser = IntentRecogniser(self.encoder)
                    answerer = self._graph_answerer(search, generation)
                    self._ask = AskService(search, self.encoder, self._recogniser, answerer)
                    self._ask_generation = generation
                    self._ask_without_graph_since = None if answerer else time.monotonic()
        assert self._ask is not None
        return self._ask

    def _ask_is_stale(self, generation: str) -> bool:
        if self._ask is None or self._ask_generation != generation:
            return True
        since = self._ask_without_graph_since
        # Built while the graph was down: try the graph again once the store answers.
        return (
            since is not None
            and time.monotonic() - since > GRAPH_RETRY_S
            and self._graph is not None
            and self._graph.healthy
        )

    def _graph_answerer(self, search: SearchService, generation: str) -> GraphAnswerer | None:
        """The graph side of /ask; None (passages only) when the graph cannot be read."""
        if self._graph is not None and not self._graph.healthy:
            log.warning("answering from passages only: the graph store is down")
            return None
        try:
            index = self._graph_index_unlocked(generation)
        except KgError as e:
            log.warning("answering from passages only: the graph is unavailable (%s)", e.message)
            return None
        return GraphAnswerer(index, search, self.encoder)

    def _graph_index_unlocked(self, generation: str) -> GraphIndex:
        """The graph in memory for one index generation, loaded once for ask and entities."""
        if self._graph_index is None or self._graph_index_generation != generation:
            self._graph_index = GraphIndex.load(self._cypher_unlocked())
            self._graph_index_generation = generation
        return self._graph_index

    @property
    def entities(self) -> EntityService:
        """Entity lookup, cards, neighbours and dependency chains, rebuilt for each generation.

        Raises StoreUnavailable when the graph cannot be read (and IndexNotFound before `kg index`).
        """
        search = self.search
        generation = search.index.name
        if self._entities is None or self._entities_generation != generation:
            with self._lock:
                if self._entities is None or self._entities_generation != generation:
                    loaded = search.index
                    self._entities = EntityService(
                        self._graph_index_unlocked(generation),
                        self._cypher_unlocked(),
                        acronyms=loaded.glossary.forms,
                        titles={d.id: d.title for d in loaded.documents.values()},
                        encoder=self.encoder,
                        limits=self.settings.graph,
                    )
                    self._entities_generation = generation
        return self._entities

    @property
    def graph(self) -> GuardedStore:
        """The graph store behind its deadline guard (the embedded FalkorDB starts on first use)."""
        if self._graph is None:
            with self._lock:
                if self._graph is None:
                    self._graph = open_guarded_store(self.settings)
        return self._graph

    @property
    def cypher(self) -> CypherService:
        """Analysts' Cypher and named queries over the graph store."""
        with self._lock:
            return self._cypher_unlocked()

    def _cypher_unlocked(self) -> CypherService:
        if self._cypher is None:
            if self._graph is None:
                self._graph = open_guarded_store(self.settings)
            self._cypher = CypherService(
                self.settings, self._graph, self.settings.graph.queries_dir
            )
        return self._cypher

    def close(self) -> None:
        """Release the graph store (stopping an embedded server this process started)."""
        if self._graph is not None:
            self._graph.close()
            self._graph = None
            self._cypher = None
            self._entities = None

    def warm_up(self) -> None:
        """Load the index, the model and the graph now, so later requests are not slow.

        The index comes first: keyword search needs nothing else, and /search answers from it
        while the model loads. The question resolves by embedding, which encodes every entity
        name once.
        """
        self.warm_up_state = "running"
        try:
            with contextlib.suppress(IndexNotFound):
                self.search.index  # noqa: B018 (loads it)
            self.encoder.encode(["warm up"])
            try:
                self.search.search("warm up", k=1)
                self.ask.ask("who leads the warm up exercise")
            except IndexNotFound:
                pass
        except Exception:
            self.warm_up_state = "failed"
            log.exception("warm-up failed; requests load what they need themselves")
            return
        self.warm_up_state = "done"

    def start_warm_up(self) -> threading.Thread:
        """Run warm_up in a background thread (the server accepts requests meanwhile)."""
        thread = threading.Thread(target=self.warm_up, name="warm-up", daemon=True)
        thread.start()
        return thread

    def readiness(self) -> Readiness:
        """Check the index generation, the graph store (a real round trip) and the model."""
        failing: list[str] = []
        generation = None
        try:
            generation = self.search.index.name
            index = "ok"
        except IndexNotFound:
            index = "missing: no index has been built (run kg index)"
            failing.append("index")
        except KgError:
            index = "unreadable: the index could not be loaded"
            failing.append("index")
        try:
            self.graph.ping()
            graph = "ok"
        except KgError:
            graph = "unavailable: the graph store did not answer"
            failing.append("graph")
        model = "ok" if self.encoder.loaded else "loading"
        if not self.encoder.loaded:
            failing.append("model")
        return Readiness(index, graph, model, self.warm_up_state, generation, failing)


def get_services(request: Request) -> Services:
    """The services the lifespan built."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
