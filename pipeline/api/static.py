"""The dashboard (web/dist, built by Vite) at ``/`` and Swagger UI at ``/docs``, both offline.

Swagger UI's script and stylesheet come from the ``swagger-ui-dist`` npm package, copied into
``web/dist/swagger`` by the build, so ``/docs`` loads nothing from another host.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>The Thinking Market</title></head><body style="font-family: sans-serif">
<h1>The dashboard is not built</h1><p>Run <code>make web</code> (or <code>make serve</code>),
which builds <code>web/dist</code>, then reload. The API itself works: see
<a href="/openapi.json">/openapi.json</a>.</p></body></html>"""


def install_static(app: FastAPI, dist: Path) -> None:
    """Serve ``/docs`` with the local Swagger UI, ``/swagger`` and the dashboard at ``/``.

    Mounted after every API route, so the API's paths always win over file names.
    """

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - Swagger UI",
            swagger_js_url="/swagger/swagger-ui-bundle.js",
            swagger_css_url="/swagger/swagger-ui.css",
            swagger_favicon_url="/swagger/favicon-32x32.png",
        )

    index = dist / "index.html"
    if not index.is_file():

        @app.get("/", include_in_schema=False)
        def not_built() -> HTMLResponse:
            return HTMLResponse(NOT_BUILT, status_code=503)

        return
    swagger = dist / "swagger"
    if swagger.is_dir():
        app.mount("/swagger", StaticFiles(directory=swagger), name="swagger")
    app.mount("/", StaticFiles(directory=dist, html=True), name="dashboard")
