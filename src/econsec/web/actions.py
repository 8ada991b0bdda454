"""The yard, plans and scenarios: ``GET`` with the CLI's options, ``POST`` with a spec.

``POST /api/v1/scenarios`` takes the scenario TOML file's content as JSON
(:class:`econsec.scenarios.spec.Scenario`); ``POST /api/v1/plans`` the options of
``econsec plan`` (:class:`econsec.web.specs.PlanSpec`). Monte Carlo runs above the
request's limit of draws, and any run with ``?job=true``, answer ``202`` with a status URL.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from econsec.cli.defaults import SCORE, YARD_COVERAGE
from econsec.scenarios.spec import Scenario
from econsec.web.api import (
    BasketList,
    Fmt,
    Limit,
    Offset,
    ProductList,
    Share,
    Year,
    key,
    names,
    products_of,
    respond,
    run,
    runner_of,
    side,
)
from econsec.web.problems import Problem
from econsec.web.responses import OutFormat, paged
from econsec.web.specs import HorizonName, PlanSpec, Strategy, plan_json

router = APIRouter(prefix="/api/v1")

YardMethod = Annotated[str, Query(pattern="^(smallest|cheapest|smallest-cheapest)$")]
Draws = Annotated[int | None, Query(ge=10, le=1_000_000, description="Monte Carlo draws.")]
Redirect = Annotated[float | None, Query(ge=0.0, le=1.0, allow_inf_nan=False)]
Seed = Annotated[int | None, Query(ge=0, le=2**32 - 1)]
JobQuery = Annotated[bool, Query(description="Run as a job: 202 with a status URL.")]
IOQuery = Annotated[
    str | None,
    Query(max_length=200, description="IO table to propagate through (see /api/v1/io-tables)."),
]
ModelQuery = Annotated[
    Literal["ghosh", "leontief", "inoperability"] | None, Query(description="IO model.")
]
FiguresQuery = Annotated[
    bool, Query(description="Also answer the dashboard's charts (plotly JSON) as `figures`.")
]


@router.get("/yard", tags=["analysis"], summary="The small yard to protect")
async def yard(
    request: Request,
    importer: Annotated[str, Query(min_length=1, description="Country, group or ISO3 list.")],
    year: Year = None,
    product: ProductList = None,
    basket: BasketList = None,
    rival: Annotated[list[str] | None, Query(description="Rival supplier; repeatable.")] = None,
    rival_group: Annotated[str | None, Query(description="Rival suppliers as a group.")] = None,
    coverage: Annotated[float, Query(gt=0.0, le=1.0, allow_inf_nan=False)] = YARD_COVERAGE,
    catalogue: Annotated[list[str] | None, Query(description="Catalogue counted.")] = None,
    method: YardMethod = "smallest",
    espa: bool = False,
    floor: Share = SCORE["floor"],
    redirect: Share = SCORE["redirect"],
    alpha: Annotated[float, Query(ge=0.0, le=10.0, allow_inf_nan=False)] = SCORE["alpha"],
    beta: Annotated[float, Query(ge=0.0, le=10.0, allow_inf_nan=False)] = SCORE["beta"],
    gamma: Annotated[float, Query(ge=0.0, le=10.0, allow_inf_nan=False)] = SCORE["gamma"],
    delta: Annotated[float, Query(ge=0.0, le=10.0, allow_inf_nan=False)] = SCORE["delta"],
    min_value: Annotated[float, Query(ge=0.0, le=1e12, allow_inf_nan=False)] = 0.0,
    trend: bool = True,
    since: Year = None,
    figures: FiguresQuery = False,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """Score imported products by vulnerability and choose the yard (``econsec yard``)."""
    from econsec.yard import yard as _yard
    from econsec.yard.score import ScoreParams

    prods = products_of(request, product, basket)
    riv = names(rival, "rival")
    rg = rival_group.strip() if rival_group and rival_group.strip() else None
    cats = names(catalogue, "catalogue")
    score = ScoreParams(
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        delta=delta,
        floor=floor,
        redirect=redirect,
        value_exponent=SCORE["value_exponent"],
    )
    imp = side(importer)
    res = await run(
        request,
        "yard",
        lambda wh: _yard(
            imp,
            year,
            prods,
            riv,
            rg,
            coverage=coverage,
            catalogues=cats,
            score=score,
            method=method,
            espa=espa,
            min_value=min_value,
            trend=trend,
            since=since,
            warehouse=wh,
        ),
        imp=importer,
        year=year,
        prods=prods,
        riv=riv,
        rg=rg,
        cov=coverage,
        cats=cats,
        score=score,
        method=method,
        espa=espa,
        mv=min_value,
        trend=trend,
        since=since,
    )
    body = None
    if figures:
        import json

        from econsec.web.figures import yard_figure

        shown = json.dumps(res.to_dict()["params"], sort_keys=True, default=str)
        fig = await run(request, "fig-yard", lambda wh: yard_figure(res, wh), params=shown)
        body = {**res.to_dict(), "figures": {"yard": fig}}
    return respond(request, res, "yard", format, offset, limit, body)


# review -----------------------------------------------------------------------------------


class ReviewFormat(StrEnum):
    """Formats of the review: its summary (JSON) or the whole report (HTML)."""

    json = "json"
    html = "html"


@router.get("/review", tags=["analysis"], summary="A country's economic-security review")
async def review(
    request: Request,
    country: Annotated[str, Query(min_length=1, description="Country or group (one bloc).")],
    year: Year = None,
    product: ProductList = None,
    basket: Annotated[str | None, Query(description="A critical-goods basket.")] = None,
    rival: Annotated[str | None, Query(description="Country or group to examine.")] = None,
    format: ReviewFormat = ReviewFormat.json,
) -> Response:
    """``econsec review``: its ``--format json`` summary, or the offline HTML report itself."""
    from econsec.report import build_review

    prods: list[str] | str | None = products_of(request, product, None)
    if basket and basket.strip():
        prods = [*prods, basket.strip()] if prods else basket.strip()
    riv = rival.strip() if rival and rival.strip() else None

    def build(wh: Any) -> Any:
        return build_review(country.strip(), year, products=prods, rival=riv, warehouse=wh)

    r = await run(request, "review", build, c=country, y=year, p=prods, r=riv)
    if format == ReviewFormat.html:
        import datetime as dt

        from econsec import __version__
        from econsec.report.render import render_review

        page = render_review(r, generated=dt.date.today().isoformat(), version=__version__)
        name = f"econsec_review_{r.country}_{r.year}.html"
        return HTMLResponse(page, headers={"Content-Disposition": f'inline; filename="{name}"'})
    from econsec.formatting import to_jsonable

    return JSONResponse(to_jsonable(r.summary()))


# plans ------------------------------------------------------------------------------------


def _plan_body(spec: PlanSpec, wh: Any, figures: bool) -> dict[str, Any]:
    body = plan_json(spec, wh)
    if figures:
        from econsec.web.figures import plan_figures

        body["figures"] = plan_figures(body, wh)
    return body


async def _plan(
    request: Request, spec: PlanSpec, job: bool, fmt: OutFormat | None, figures: bool = False
) -> Response:
    r = runner_of(request)
    if len(spec.products) > r.limits.max_products:
        raise Problem(
            422,
            f"products: at most {r.limits.max_products} products a request",
            parameter="products",
        )
    if job:
        j = request.app.state.jobs.submit("plan", lambda: _plan_body(spec, r.warehouse(), figures))
        return _accepted(request, j)
    body = await r.run(
        "plan", (spec.model_dump_json(), figures), lambda wh: _plan_body(spec, wh, figures)
    )
    return _page(request, body, fmt, "plan")


def _page(request: Request, body: dict[str, Any], fmt: OutFormat | None, name: str) -> Response:
    import polars as pl

    rows = body.get("rows") or []
    frame = pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()
    limits = runner_of(request).limits
    return paged(
        request, body, frame, name=name, fmt=fmt, offset=0, limit=limits.max_rows, limits=limits
    )


def _accepted(request: Request, job: Any) -> JSONResponse:
    base = str(request.base_url).rstrip("/")
    view = job.view(base)
    return JSONResponse(view, status_code=202, headers={"Location": view["url"]})


@router.post("/plans", tags=["plans"], summary="Least-cost plan capping a rival's share")
async def post_plan(
    request: Request,
    spec: PlanSpec,
    job: JobQuery = False,
    figures: FiguresQuery = False,
    format: Fmt = None,
) -> Response:
    """Run ``econsec plan`` with the options of the body (``summary`` is its JSON output)."""
    return await _plan(request, spec, job, format, figures)


@router.get("/plan", tags=["plans"], summary="Least-cost plan (options as query parameters)")
async def get_plan(
    request: Request,
    importer: Annotated[str, Query(min_length=1)],
    year: Year = None,
    product: ProductList = None,
    basket: Annotated[str | None, Query(description="Plan every product of a basket.")] = None,
    rival: Annotated[list[str] | None, Query(description="Rival; repeatable (CHN).")] = None,
    cap: Share = 0.5,
    strategy: Strategy = "diversify",
    group: str | None = None,
    region: Annotated[list[str] | None, Query()] = None,
    single_cap: Annotated[float | None, Query(ge=0.0, le=1.0, allow_inf_nan=False)] = None,
    premium: Annotated[float, Query(ge=0.0, le=100.0, allow_inf_nan=False)] = 0.1,
    reshore_premium: Annotated[float, Query(ge=0.0, le=100.0, allow_inf_nan=False)] = 0.5,
    horizon: HorizonName | None = None,
    redirect: Redirect = None,
    frontier: bool = False,
    ban_days: Annotated[float | None, Query(ge=0.0, le=3650.0, allow_inf_nan=False)] = None,
    carrying_rate: Annotated[float, Query(ge=0.0, le=10.0, allow_inf_nan=False)] = 0.1,
    job: JobQuery = False,
    figures: FiguresQuery = False,
    format: Fmt = None,
) -> Response:
    """Run ``POST /api/v1/plans`` from query parameters (for links and the dashboard)."""
    spec = PlanSpec(
        importer=importer,
        year=year,
        products=[p for p in product or [] if p.strip()],
        basket=basket or None,
        rival=names(rival, "rival") or ["CHN"],
        cap=cap,
        strategy=strategy,
        group=group or None,
        region=names(region, "region") or [],
        single_cap=single_cap,
        premium=premium,
        reshore_premium=reshore_premium,
        horizon=horizon,
        redirect=redirect,
        frontier=frontier,
        ban_days=ban_days,
        carrying_rate=carrying_rate,
    )
    return await _plan(request, spec, job, format, figures)


# scenarios --------------------------------------------------------------------------------


def _io_table(request: Request, spec: Scenario) -> Scenario:
    """Resolve ``io.table`` inside the server's IO folder (a client names, never a path)."""
    if spec.io is None:
        return spec
    folder: Path | None = request.app.state.config.io_dir
    name = Path(spec.io.table)
    if folder is None:
        raise Problem(
            422, "io.table: this server has no IO tables (econsec serve --io-dir)", parameter="io"
        )
    if name.is_absolute() or ".." in name.parts:
        raise Problem(
            422, "io.table: give a table's name in the server's IO folder", parameter="io.table"
        )
    path = (folder / name).resolve()
    if not path.exists():
        raise Problem(404, f"io.table: no table {str(name)!r} on this server", parameter="io.table")
    io = spec.io.model_copy(update={"table": path})
    return spec.model_copy(update={"io": io})


def _scenario_json(
    spec: Scenario, wh: Any, draws: int | None, seed: int | None, figures: bool = False
) -> Any:
    from econsec.scenarios.api import run_scenario

    body = run_scenario(spec, warehouse=wh, draws=draws, seed=seed).to_dict()
    if figures:
        from econsec.web.figures import scenario_figure

        body["figures"] = {"outcome": scenario_figure(body, wh)}
    return body


async def _scenario(
    request: Request,
    spec: Scenario,
    draws: int | None,
    seed: int | None,
    job: bool,
    fmt: OutFormat | None,
    figures: bool = False,
) -> Response:
    r = runner_of(request)
    spec = _io_table(request, spec)
    n = draws if draws is not None else (spec.montecarlo.draws if spec.montecarlo else 0)
    if n > r.limits.max_draws:
        raise Problem(
            422,
            f"draws: at most {r.limits.max_draws:,} Monte Carlo draws on this server, got {n:,}",
            parameter="montecarlo.draws" if draws is None else "draws",
        )
    if job or n > r.limits.max_sync_draws:
        j = request.app.state.jobs.submit(
            "scenario", lambda: _scenario_json(spec, r.warehouse(), draws, seed, figures)
        )
        return _accepted(request, j)
    body = await r.run(
        "scenario",
        key(spec=spec.model_dump_json(), draws=draws, seed=seed, figures=figures),
        lambda wh: _scenario_json(spec, wh, draws, seed, figures),
    )
    return _page(request, body, fmt, "scenario")


@router.post("/scenarios", tags=["scenarios"], summary="Run a scenario (the TOML file as JSON)")
async def post_scenario(
    request: Request,
    spec: Scenario,
    draws: Draws = None,
    seed: Seed = None,
    job: JobQuery = False,
    figures: FiguresQuery = False,
    format: Fmt = None,
) -> Response:
    """Run a scenario: answers ``econsec scenario run --format json``; many draws run as a job."""
    return await _scenario(request, spec, draws, seed, job, format, figures)


Countries = Annotated[list[str], Query(min_length=1)]


def _goods(product: list[str] | None, basket: list[str] | None) -> dict[str, list[str]]:
    from econsec.scenarios.assembly import split_products

    items = [v.strip() for x in product or [] for v in x.split(",") if v.strip()]
    codes, bnames = split_products(items)
    more = [v.strip() for x in basket or [] for v in x.split(",") if v.strip()]
    return {"products": codes, "baskets": [*bnames, *more]}


def _split(values: list[str]) -> list[str]:
    return [v.strip() for x in values for v in x.split(",") if v.strip()]


def _spec(data: dict[str, Any], io: str | None = None, model: str | None = None) -> Scenario:
    from econsec.scenarios.spec import parse_scenario

    if io and io.strip():
        data["io"] = {"table": io.strip(), **({"model": model} if model else {})}
    elif model:
        raise Problem(422, "model: give an IO table (io) to propagate through", parameter="model")
    return parse_scenario(data, source="query")


@router.get("/scenarios/ban", tags=["scenarios"], summary="Export ban")
async def scenario_ban(
    request: Request,
    from_: Annotated[list[str], Query(alias="from", min_length=1, description="Imposer.")],
    to: Annotated[list[str], Query(min_length=1, description="Target.")],
    product: ProductList = None,
    basket: BasketList = None,
    share: Share = 1.0,
    year: Year = None,
    redirect: Redirect = None,
    horizon: HorizonName = "3-12m",
    draws: Draws = None,
    seed: Seed = None,
    io: IOQuery = None,
    model: ModelQuery = None,
    job: JobQuery = False,
    figures: FiguresQuery = False,
    format: Fmt = None,
) -> Response:
    """``econsec scenario ban``: lost, replaced and shortfall per target × product."""
    products_of(request, product, basket)
    spec = _spec(
        {
            "name": "export ban",
            "year": year,
            "horizon": horizon,
            "redirect": redirect,
            "measures": [
                {
                    "kind": "export_ban",
                    "suppliers": _split(from_),
                    "targets": _split(to),
                    **_goods(product, basket),
                    "share": share,
                }
            ],
        },
        io,
        model,
    )
    return await _scenario(request, spec, draws, seed, job, format, figures)


@router.get("/scenarios/tariff", tags=["scenarios"], summary="Tariff")
async def scenario_tariff(
    request: Request,
    imposer: Countries,
    on: Annotated[list[str], Query(min_length=1, description="Whose goods (CLI --on).")],
    rate: Annotated[float, Query(ge=0.0, le=100.0, allow_inf_nan=False)],
    product: ProductList = None,
    basket: BasketList = None,
    eta: Annotated[float, Query(ge=0.0, le=20.0, allow_inf_nan=False)] = 1.0,
    year: Year = None,
    draws: Draws = None,
    seed: Seed = None,
    io: IOQuery = None,
    model: ModelQuery = None,
    job: JobQuery = False,
    figures: FiguresQuery = False,
    format: Fmt = None,
) -> Response:
    """``econsec scenario tariff``: trade lost and diverted under an ad-valorem tariff."""
    products_of(request, product, basket)
    spec = _spec(
        {
            "name": "tariff",
            "year": year,
            "measures": [
                {
                    "kind": "tariff",
                    "imposer": _split(imposer),
                    "target": _split(on),
                    "rate": rate,
                    "eta": eta,
                    **_goods(product, basket),
                }
            ],
        },
        io,
        model,
    )
    return await _scenario(request, spec, draws, seed, job, format, figures)


@router.get("/scenarios/coalition", tags=["scenarios"], summary="Coalition export control")
async def scenario_coalition(
    request: Request,
    members: Countries,
    target: Countries,
    product: ProductList = None,
    basket: BasketList = None,
    threshold: Annotated[float | None, Query(ge=0.0, le=1.0, allow_inf_nan=False)] = None,
    year: Year = None,
    redirect: Redirect = None,
    horizon: HorizonName = "3-12m",
    draws: Draws = None,
    seed: Seed = None,
    io: IOQuery = None,
    model: ModelQuery = None,
    job: JobQuery = False,
    figures: FiguresQuery = False,
    format: Fmt = None,
) -> Response:
    """``econsec scenario coalition``: residual access, leakage, who must join."""
    products_of(request, product, basket)
    spec = _spec(
        {
            "name": "coalition control",
            "year": year,
            "horizon": horizon,
            "redirect": redirect,
            "measures": [
                {
                    "kind": "coalition_control",
                    "members": _split(members),
                    "target": _split(target),
                    **_goods(product, basket),
                    "threshold": threshold,
                }
            ],
        },
        io,
        model,
    )
    return await _scenario(request, spec, draws, seed, job, format, figures)


@router.get("/jobs/{job_id}", tags=["jobs"], summary="A job's status, and its answer when done")
async def get_job(request: Request, job_id: str) -> JSONResponse:
    """``status`` is queued, running, done (with ``result``) or failed (with ``problem``)."""
    job = request.app.state.jobs.get(job_id)
    return JSONResponse(job.view(str(request.base_url).rstrip("/")))
