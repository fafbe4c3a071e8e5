"""The staff page, the entity page and the analyst workbench: server-rendered HTML over the
same services as the API, with every asset served from the package (no CDN).

`install` mounts the static files (the project's own and the vendored ones `make web`
builds from npm into static/vendor/), the pages and an offline Swagger UI at /docs.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.web import pages

STATIC = Path(__file__).parent / "static"
VENDOR = STATIC / "vendor"


def install(app: FastAPI) -> None:
    """Add the pages, /static and the offline /docs to `app` (created with docs_url=None)."""
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    app.include_router(pages.router)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="policing-kg API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
            swagger_ui_parameters={"persistAuthorization": False},
        )
