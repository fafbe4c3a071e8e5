"""The FastAPI application: services built once in the lifespan, thin routers, one error shape."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors, observe
from api.deps import Services
from api.routes import ask, cypher, documents, entities, health, search
from kg import __version__
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
        description="Knowledge graph and cited semantic search over policing documents.",
        lifespan=lifespan,
    )
    app.state.services = services
    errors.install(app)
    observe.install(app, settings.index_dir)
    for module in (search, ask, documents, entities, cypher, health):
        app.include_router(module.router)
    return app
