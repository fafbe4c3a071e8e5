"""The FastAPI application: services built once in the lifespan, thin routers, one error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import errors, observe, web
from api.access import AccessMiddleware, Gatekeeper, require
from api.deps import Services
from api.routes import ask, audit, cypher, documents, entities, exports, health, search
from kg import __version__
from kg.access import Right
from kg.settings import Settings, get_settings


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """The API over the index in settings.data_dir (services may be passed in, e.g. by tests)."""
    settings = settings or (services.settings if services is not None else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = getattr(app.state, "services", None) is None
        if owned:
            # Warm-up runs in the background: the server accepts connections at once, and
            # /search answers from keywords until the model has loaded.
            app.state.services = Services(settings)
            app.state.services.start_warm_up()
        try:
            yield
        finally:
            if owned:
                app.state.services.close()

    app = FastAPI(
        title="policing-kg",
        version=__version__,
        description="Knowledge graph and cited semantic search over policing documents. "
        "Every route but /health and /health/live needs Authorization: Bearer <API key or "
        "OIDC token>; what a caller sees is bounded by their clearance.",
        lifespan=lifespan,
        # /docs is served by api.web from vendored Swagger UI assets; ReDoc needs a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.services = services
    gate = Gatekeeper(settings)
    app.state.gate = gate
    errors.install(app)
    # Inside the access log (added next, so outside this one): the log line names the caller.
    app.add_middleware(AccessMiddleware, gate=gate)
    observe.install(app, settings.index_dir)
    if settings.access.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.access.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Justification", "X-Request-ID"],
        )
    rights: tuple[tuple[Any, Right], ...] = (
        (search, "read"),
        (ask, "read"),
        (documents, "read"),
        (entities, "read"),
        # GETs need read; its POSTs (a query's result) also need query, route by route.
        (exports, "read"),
        (cypher, "query"),
        (audit, "admin"),
    )
    for module, right in rights:
        app.include_router(module.router, dependencies=[Depends(require(right))])
    app.include_router(health.router)
    web.install(app)
    return app
