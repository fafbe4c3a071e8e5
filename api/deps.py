"""Services built once (in the app's lifespan, or by the CLI) and handed to routes."""

from __future__ import annotations

import contextlib
import threading
from typing import Annotated

from fastapi import Depends, Request

from api.ask import AskService
from api.cypher import CypherService
from api.search import SearchService
from graph.store import GraphStore, open_store
from indexer.embed import SentenceTransformerEncoder
from kg.errors import IndexNotFound
from kg.settings import Settings


class Services:
    """The read side's long-lived parts: settings, the encoder and the search service."""

    def __init__(self, settings: Settings, encoder: SentenceTransformerEncoder | None = None):
        self.settings = settings
        self.encoder = encoder or SentenceTransformerEncoder(settings.embedding)
        self._search: SearchService | None = None
        self._graph: GraphStore | None = None
        self._cypher: CypherService | None = None
        self._ask: AskService | None = None
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
        """Question answering over the search service (and the graph, once it has facts)."""
        if self._ask is None:
            search = self.search
            with self._lock:
                if self._ask is None:
                    self._ask = AskService(search, self.encoder)
        return self._ask

    @property
    def graph(self) -> GraphStore:
        """The graph store (the embedded FalkorDB starts on first use)."""
        if self._graph is None:
            with self._lock:
                if self._graph is None:
                    self._graph = open_store(self.settings)
        return self._graph

    @property
    def cypher(self) -> CypherService:
        """Analysts' Cypher and named queries over the graph store."""
        if self._cypher is None:
            store = self.graph
            with self._lock:
                if self._cypher is None:
                    self._cypher = CypherService(
                        self.settings, store, self.settings.graph.queries_dir
                    )
        return self._cypher

    def close(self) -> None:
        """Release the graph store (stopping an embedded server this process started)."""
        if self._graph is not None:
            self._graph.close()
            self._graph = None
            self._cypher = None

    def warm_up(self) -> None:
        """Load the model and the index now, so the first request is not the slow one."""
        self.encoder.encode(["warm up"])
        with contextlib.suppress(IndexNotFound):
            self.search.search("warm up", k=1)


def get_services(request: Request) -> Services:
    """The services the lifespan built."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]
