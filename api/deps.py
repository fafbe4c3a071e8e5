"""Services built once (in the app's lifespan, or by the CLI) and handed to routes."""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Annotated, Literal

from fastapi import Depends, Request, Response

from api.access import PrincipalDep
from api.ask import AskService
from api.cleared import ClearedCypher
from api.cypher import CypherService
from api.entities import EntityService
from api.search import SearchService
from api.snapshot import ReadSnapshot, Snapshots
from graph.guard import GuardedStore, open_guarded_store
from kg.errors import IndexNotFound, KgError
from kg.markings import MARKINGS, level_graph
from kg.settings import Settings
from vectors.encoder import Encoder, ModelEncoder, make_encoder

log = logging.getLogger(__name__)

WarmUp = Literal["not started", "running", "done", "failed"]
# How long closing waits for a warm-up still running (it takes seconds on a warm machine).
_WARM_UP_WAIT_S = 60.0


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
    """The read side's long-lived parts: settings, the encoder, the graph store, the snapshots.

    Requests read one ReadSnapshot each (api.snapshot); `search`, `ask` and `entities` are
    the current snapshot's, for the CLI and tests.
    """

    def __init__(self, settings: Settings, encoder: ModelEncoder | None = None):
        self.settings = settings
        self.encoder = encoder or make_encoder(settings.embedding)
        self._graph: GuardedStore | None = None
        self._cypher: CypherService | None = None
        self._level_cypher: dict[str, CypherService] = {}
        self.warm_up_state: WarmUp = "not started"
        self._warm_up: threading.Thread | None = None
        self._lock = threading.Lock()
        self.snapshots = Snapshots(
            settings, self.encoder, lambda: self.cypher, self._graph_healthy, self.cypher_for
        )

    def snapshot(self) -> ReadSnapshot:
        """The snapshot a request reads from start to finish (IndexNotFound before indexing)."""
        return self.snapshots.current()

    def refresh(self) -> ReadSnapshot:
        """Load the current generation now and serve it (after `kg index`, in the CLI/tests)."""
        return self.snapshots.refresh()

    @property
    def search(self) -> SearchService:
        """The current snapshot's search; raises IndexNotFound until `kg index` built one."""
        return self.snapshot().search

    @property
    def ask(self) -> AskService:
        """The current snapshot's question answering."""
        return self.snapshot().ask

    @property
    def entities(self) -> EntityService:
        """The current snapshot's entity service (StoreUnavailable when it has no graph)."""
        return self.snapshot().entities

    def _graph_healthy(self) -> bool:
        return self._graph is None or self._graph.healthy

    @property
    def graph(self) -> GuardedStore:
        """The graph store behind its deadline guard (the embedded FalkorDB starts on first use)."""
        with self._lock:
            if self._graph is None:
                self._graph = open_guarded_store(self.settings)
            return self._graph

    @property
    def cypher(self) -> CypherService:
        """Analysts' Cypher and named queries over the graph store."""
        graph = self.graph
        with self._lock:
            if self._cypher is None:
                self._cypher = CypherService(self.settings, graph, self.settings.graph.queries_dir)
            return self._cypher

    def cypher_for(self, level: str) -> CypherService:
        """Cypher and named queries over the graph of the documents at or below `level`."""
        graph = self.graph
        with self._lock:
            if level not in self._level_cypher:
                store = graph.graph(level_graph(self.settings.graph.graph_name, level))
                self._level_cypher[level] = CypherService(
                    self.settings, store, self.settings.graph.queries_dir
                )
            return self._level_cypher[level]

    def close(self) -> None:
        """Release the graph store (stopping an embedded server this process started), once a
        warm-up still running has finished: a process that exits while native code (the
        encoder, FAISS) runs on that thread is aborted."""
        if self._warm_up is not None and self._warm_up is not threading.current_thread():
            self._warm_up.join(timeout=_WARM_UP_WAIT_S)
        with self._lock:
            if self._graph is not None:
                self._graph.close()
                self._graph = None
                self._cypher = None
                self._level_cypher = {}

    def warm_up(self) -> None:
        """Load the index, the model and the graph now, so later requests are not slow.

        The index and the model load side by side: keyword search needs only the index, and
        /search answers from it while the model loads. The first question then embeds every
        entity name once.
        """
        self.warm_up_state = "running"
        try:
            index = threading.Thread(target=self._open_index, name="warm-up-index", daemon=True)
            index.start()
            self.encoder.encode(["warm up"])
            index.join()
            with contextlib.suppress(IndexNotFound):
                snapshot = self.snapshot()
                snapshot.search.search("warm up", k=1)
                snapshot.ask.ask("who leads the warm up exercise")
        except Exception:
            self.warm_up_state = "failed"
            log.exception("warm-up failed; requests load what they need themselves")
            return
        self.warm_up_state = "done"

    def _open_index(self) -> None:
        try:
            self.snapshot()
        except IndexNotFound:
            pass
        except KgError as e:  # the requests that need the index will report it
            log.warning("opening the index failed: %s", e.message)

    def start_warm_up(self) -> threading.Thread:
        """Run warm_up in a background thread (the server accepts requests meanwhile)."""
        thread = threading.Thread(target=self.warm_up, name="warm-up", daemon=True)
        self._warm_up = thread
        thread.start()
        return thread

    def readiness(self) -> Readiness:
        """Check the index generation, the graph store (a real round trip) and the model."""
        failing: list[str] = []
        generation = None
        try:
            generation = self.snapshot().generation
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


class Reading:
    """The one snapshot a request reads, taken on first use, so a request that fails
    validation never waits on a load; its generation goes back in X-KG-Generation.

    It is the caller's view of the generation: only the documents at or below their
    clearance exist in it (api.snapshot.ReadSnapshot.view).
    """

    def __init__(self, services: Services, response: Response, clearance: str) -> None:
        self._services = services
        self._response = response
        self._clearance = clearance
        self._snapshot: ReadSnapshot | None = None

    def __call__(self) -> ReadSnapshot:
        """The request's snapshot (the same one on every call)."""
        if self._snapshot is None:
            self._snapshot = self._services.snapshot().view(self._clearance)
            self._response.headers[GENERATION_HEADER] = self._snapshot.generation
        return self._snapshot


def get_reading(request: Request, response: Response, principal: PrincipalDep) -> Reading:
    """A request's view of the index: one generation from start to finish, as cleared."""
    return Reading(get_services(request), response, principal.clearance)


def get_settings_dep(request: Request) -> Settings:
    """The settings the services were built with."""
    return get_services(request).settings


def get_encoder(request: Request) -> Encoder:
    """The query encoder."""
    return get_services(request).encoder


def get_cypher(request: Request, principal: PrincipalDep) -> CypherService | ClearedCypher:
    """Cypher over the live graph store (analysts' queries see the graph as it is now): the
    full graph for a caller who may see every document, else their clearance's own graph."""
    services = get_services(request)
    if principal.clearance == MARKINGS[-1]:
        return services.cypher
    return ClearedCypher(services, principal.clearance)


def model_loading(request: Request) -> bool:
    """Whether the background warm-up is still loading the model (search then uses keywords)."""
    services = get_services(request)
    return services.warm_up_state == "running" and not services.encoder.loaded


GENERATION_HEADER = "X-KG-Generation"
ServicesDep = Annotated[Services, Depends(get_services)]
SnapshotDep = Annotated[Reading, Depends(get_reading)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EncoderDep = Annotated[Encoder, Depends(get_encoder)]
CypherDep = Annotated[CypherService | ClearedCypher, Depends(get_cypher)]
ModelLoadingDep = Annotated[bool, Depends(model_loading)]
