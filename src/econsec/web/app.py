"""The application: API routes, problem documents, the dashboard and the local docs.

``create_app(ServerConfig(home=...))`` returns a FastAPI app. FastAPI because the specs are
already pydantic models (scenario files), so the request bodies, their validation and the
OpenAPI document come from the same models the CLI reads TOML with; Starlette serves the
dashboard's static files from the same process.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from econsec.web.runner import Limits, Runner

STATIC = Path(__file__).parent / "static"

DESCRIPTION = """\
The verbs of econsec over HTTP, with the CLI's options as query parameters and the CLI's
column names and values in the answers. Values are thousand current USD; countries ISO3
(Taiwan is TWN); products 6-digit HS codes.

* Answers: `{"params": …, "notes": […], "summary": …, "rows": […], "page": …}`;
  CSV with `?format=csv` or `Accept: text/csv`. Pages: `offset`, `limit` (a `Link` header
  points to the next page).
* Errors: RFC 9457 problem documents (`application/problem+json`) naming the `parameter`,
  with `suggestions` for unknown names.
* Long runs (many Monte Carlo draws, `?job=true`): `202 Accepted` and a status URL under
  `/api/v1/jobs/`.
"""


@dataclass(frozen=True)
class ServerConfig:
    """What the server serves.

    Attributes
    ----------
    home
        The warehouse folder (``ECONSEC_HOME`` when ``None``); read only.
    allow_synthetic
        Serve synthetic releases (scale tests only).
    io_dir
        Folder of the MRIO tables scenarios may name (``io.table``); none when ``None``.
    usgs_dir
        Folder of USGS MCS world tables (``mcs<edition>-<code>_world.csv``) for the minerals
        verbs; the mirror's folder of the edition when ``None``.
    limits
        Request limits (:class:`~econsec.web.runner.Limits`).
    job_workers
        Threads running jobs.
    """

    home: Path | None = None
    allow_synthetic: bool = False
    io_dir: Path | None = None
    usgs_dir: Path | None = None
    limits: Limits = field(default_factory=Limits)
    job_workers: int = 2


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _swagger_dir() -> Path:
    import swagger_ui

    return Path(swagger_ui.__file__).parent / "static"


def create_app(config: ServerConfig | None = None) -> FastAPI:
    """Build the app serving the API under ``/api/v1`` and the dashboard at ``/``."""
    from econsec import __version__
    from econsec.settings import get_settings
    from econsec.web import actions, api, backtests, figures, problems, reference, supply
    from econsec.web.jobs import Jobs

    cfg = config or ServerConfig()
    home = cfg.home if cfg.home is not None else get_settings().home
    jobs = Jobs(cfg.job_workers)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        jobs.shutdown()

    app = FastAPI(
        lifespan=lifespan,
        title="econsec API",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.config = cfg
    app.state.runner = Runner(Path(home), cfg.allow_synthetic, cfg.limits)
    app.state.jobs = jobs
    problems.install(app)
    app.include_router(reference.router)
    app.include_router(api.router)
    app.include_router(actions.router)
    app.include_router(supply.router)
    app.include_router(backtests.router)
    app.include_router(figures.router)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/vendor/swagger", StaticFiles(directory=_swagger_dir()), name="swagger")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> FileResponse:
        return FileResponse(_plotly_js(), media_type="text/javascript")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="econsec API",
            swagger_js_url="/vendor/swagger/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/api", include_in_schema=False)
    async def api_root() -> RedirectResponse:
        return RedirectResponse("/docs")

    return app


def app_from_env() -> FastAPI:
    """Build the app ``econsec serve`` configured through ``ECONSEC_SERVE_*`` (for its workers)."""
    import os

    def env(name: str) -> str:
        return os.environ.get(f"ECONSEC_SERVE_{name}", "")

    io, usgs = env("IO_DIR"), env("USGS_DIR")
    return create_app(
        ServerConfig(
            home=Path(env("HOME")) if env("HOME") else None,
            allow_synthetic=bool(env("SYNTHETIC")),
            io_dir=Path(io) if io else None,
            usgs_dir=Path(usgs) if usgs else None,
            limits=Limits(timeout_s=float(env("TIMEOUT") or 60.0)),
        )
    )
