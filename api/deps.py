"""Services built once (in the app's lifespan, or by the CLI) and handed to routes."""

from __future__ import annotations

import contextlib
import threading
from typing import Annotated

from fastapi import Depends, Request

from api.search import SearchService
from indexer.embed import SentenceTransformerEncoder
from kg.errors import IndexNotFound
from kg.settings import Settings


class Services:
    """The read side's long-lived parts: settings, the encoder and the search service."""

    def __init__(self, settings: Settings, encoder: SentenceTransformerEncoder | None = None):
        self.settings = settings
        self.encoder = encoder or SentenceTransformerEncoder(settings.embedding)
        self._search: SearchService | None = None
        self._lock = threading.Lock()

    @property
    def search(self) -> SearchService:
        """The search service; raises IndexNotFound until `kg index` has built an index."""
        if self._search is None:
            with self._lock:
                if self._search is None:
                    self._search = SearchService(self.settings, self.encoder)
        return self._search

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
