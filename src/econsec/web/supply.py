"""``GET /api/v1/minerals|rerouting|mirror|monthly``: mining, diversion and trade as reported.

The same verbs as ``econsec minerals``, ``econsec rerouting``, ``econsec mirror`` and
``econsec monthly``, with the CLI's options as query parameters and its rows. USGS world
tables are read from the server's folder (``econsec serve --usgs-dir``, else the mirror's);
Comtrade and national statistics from the warehouse (``econsec data ingest``). Where that data
is absent the answer is a 404 problem saying what to ingest, never a server error.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from econsec.web.api import Fmt, Limit, Offset, names, respond, run, runner_of
from econsec.web.problems import Problem
from econsec.web.responses import paged

router = APIRouter(prefix="/api/v1", tags=["supply"])

Edition = Annotated[
    int, Query(ge=1990, le=2100, description="USGS Mineral Commodity Summaries edition.")
]
Stage = Literal["mine", "refined", "production"]
HsRevision = Literal["HS92", "HS96", "HS02", "HS07", "HS12", "HS17", "HS22"]
Rate = Annotated[float, Query(ge=0.0, le=1e6, allow_inf_nan=False)]

#: Said beside ``indispensability?source=comtrade`` (as the CLI's table says it).
COMTRADE_WORLD_NOTE = (
    "exporters' own reports to partner World (UN Comtrade, re-exports excluded); "
    "dependents and replaceability need bilateral flows"
)


def usgs_dir_of(request: Request) -> Path | None:
    """Return the server's folder of USGS world tables (``None``: the mirror's for the edition)."""
    return getattr(request.app.state.config, "usgs_dir", None)


def edition_dir(request: Request, edition: int) -> Path | None:
    """Return the server's USGS folder when it holds ``edition`` (``None``: the mirror's folder).

    Raises
    ------
    Problem
        404 when the server's folder holds tables of other editions only.
    """
    d = usgs_dir_of(request)
    if d is None or any(d.glob(f"mcs{edition}-*_world.csv")):
        return d
    held = sorted({p.name[3:7] for p in d.glob("mcs*-*_world.csv")})
    raise Problem(
        404,
        f"edition: no MCS {edition} world tables on this server; editions held: "
        + (", ".join(held) or "none"),
        parameter="edition",
        kind="no-data",
    )


def held_commodities(request: Request, edition: int) -> set[str]:
    """Return the MCS commodity codes whose world table of ``edition`` this server holds."""
    from econsec.minerals.api import edition_folder, world_files

    try:
        d = edition_dir(request, edition) or edition_folder(edition)
        return set(world_files(d))
    except (Problem, FileNotFoundError):
        return set()


def no_tables(e: FileNotFoundError) -> Problem:
    """Return the 404 of USGS tables absent on the server, naming what is missing."""
    return Problem(404, str(e).splitlines()[0], parameter="edition", kind="no-data")


def sources_stamp(home: Path) -> tuple[Any, ...]:
    """Describe the Comtrade and national statistics held now (a part of cache keys)."""
    from econsec.sources.store import sources_root

    root = sources_root(home)
    if not root.is_dir():
        return ()
    return tuple((p.name, p.stat().st_mtime_ns) for p in sorted(root.glob("*/*")))


def table_body(rows: Any, params: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """Return the envelope of a verb whose CLI writes bare rows (``--format json``: the rows)."""
    from econsec.formatting import tidy_frame, to_jsonable

    return to_jsonable({"params": params, "notes": notes, "rows": tidy_frame(rows).to_dicts()})


def answer_frame(
    request: Request,
    df: Any,
    name: str,
    params: dict[str, Any],
    notes: list[str],
    fmt: Any,
    offset: int,
    limit: int | None,
) -> Response:
    """Answer a frame the CLI prints as records (its JSON is the rows of this answer)."""
    return paged(
        request,
        table_body(df, params, notes),
        df,
        name=name,
        fmt=fmt,
        offset=offset,
        limit=limit,
        limits=runner_of(request).limits,
    )


async def run_sources(request: Request, name: str, fn: Callable[[Path], Any], **kw: Any) -> Any:
    """Run ``fn(home)`` on the warehouse's ingested sources (cached while they are unchanged)."""
    home = runner_of(request).home
    return await run(request, name, lambda _: fn(home), stamp=sources_stamp(home), **kw)


@router.get("/minerals", summary="Mine and refinery production by country (USGS MCS)")
async def minerals(
    request: Request,
    commodity: Annotated[
        list[str] | None,
        Query(
            description="USGS commodity: name (cobalt), MCS code (raree) or HS6 code; "
            "repeatable. Default: every commodity, leading producer of each series."
        ),
    ] = None,
    edition: Edition = 2024,
    country: Annotated[
        list[str] | None, Query(description="Only this country (ISO3, ISO2 or name).")
    ] = None,
    year: Annotated[int | None, Query(ge=1900, le=2100, description="Year.")] = None,
    stage: Annotated[Stage | None, Query(description="mine, refined or production.")] = None,
    top: Annotated[
        int | None, Query(ge=1, le=1000, description="Largest producers per series.")
    ] = None,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """Production, world share, rank and reserves per country (``econsec minerals``)."""
    from econsec.minerals import minerals as compute

    com, ctry = names(commodity, "commodity"), names(country, "country")
    if top is None and not com and not ctry:
        top = 1  # as the CLI: the leading producer of each series
    folder = edition_dir(request, edition)

    def go(_: Any) -> Any:
        try:
            return compute(
                com, edition=edition, country=ctry, year=year, stage=stage, top=top, folder=folder
            )
        except FileNotFoundError as e:
            raise no_tables(e) from None

    res = await run(
        request, "minerals", go, com=com, ed=edition, ctry=ctry, y=year, st=stage, top=top
    )
    return respond(request, res, "minerals", format, offset, limit)


class ReroutingView(StrEnum):
    """Which frame ``format=csv`` writes."""

    diversion = "diversion"
    balance = "balance"


@router.get("/rerouting", summary="Trade diversion through third countries after a restriction")
async def rerouting(
    request: Request,
    from_: Annotated[str, Query(alias="from", min_length=1, description="Restricting country.")],
    to: Annotated[str, Query(min_length=1, description="Target country of the restriction.")],
    product: Annotated[
        list[str], Query(min_length=1, description="HS code or basket; repeatable.")
    ],
    years: Annotated[str, Query(min_length=1, description="Years compared: 2021-2024.")],
    date: Annotated[str | None, Query(description="Restriction date YYYY-MM.")] = None,
    min_growth: Rate = 0.25,
    min_value: Rate = 100.0,
    slack: Rate = 0.10,
    edition: Edition = 2024,
    view: ReroutingView = ReroutingView.diversion,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """Hubs whose imports from the source and exports to the target rose together.

    ``rows`` are the diversion per product × hub; ``balance`` the hubs' exports against
    their imports plus production (``econsec rerouting --format json``).
    """
    from econsec.rerouting import rerouting as compute
    from econsec.web.api import products_of

    prods = products_of(request, product, None) or []
    try:
        folder = edition_dir(request, edition)
    except Problem:
        folder = None  # as the CLI without tables: hubs screened, production noted absent
    res = await run(
        request,
        "rerouting",
        lambda wh: compute(
            from_.strip(),
            to.strip(),
            prods,
            years,
            date=date or None,
            min_growth=min_growth,
            min_value=min_value,
            slack=slack,
            edition=edition,
            usgs_folder=folder,
            warehouse=wh,
        ),
        src=from_,
        tgt=to,
        prods=prods,
        years=years,
        date=date,
        g=min_growth,
        v=min_value,
        s=slack,
        ed=edition,
    )
    if view == ReroutingView.balance:
        from dataclasses import replace

        shown = replace(res, frame=res.balance)
        body = res.to_dict()
        body["rows"] = body["balance"]
        return respond(request, shown, "rerouting_balance", format, offset, limit, body)
    return respond(request, res, "rerouting", format, offset, limit)


@router.get("/mirror", summary="Both reports of each flow (UN Comtrade as reported)")
async def mirror(
    request: Request,
    year: Annotated[int, Query(ge=1900, le=2100, description="Year.")],
    product: Annotated[list[str] | None, Query(description="HS6 code; repeatable.")] = None,
    importer: Annotated[list[str] | None, Query(description="Importer; repeatable.")] = None,
    exporter: Annotated[list[str] | None, Query(description="Exporter; repeatable.")] = None,
    hs: Annotated[HsRevision, Query(description="HS revision to show codes in.")] = "HS17",
    band_low: Annotated[float, Query(gt=0.0, le=1.0, allow_inf_nan=False)] = 0.9,
    band_high: Annotated[float, Query(ge=1.0, le=1e6, allow_inf_nan=False)] = 1.25,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """Answer what the importer declared beside what the exporter declared (``econsec mirror``)."""
    from econsec.sources.mirror import mirror as compute

    prods, imp = names(product, "product"), names(importer, "importer")
    exp = names(exporter, "exporter")
    df = await run_sources(
        request,
        "mirror",
        lambda home: compute(
            year,
            products=prods,
            importers=imp,
            exporters=exp,
            hs=hs,
            band=(band_low, band_high),
            home=home,
        ),
        year=year,
        prods=prods,
        imp=imp,
        exp=exp,
        hs=hs,
        band=(band_low, band_high),
    )
    params = {"year": year, "hs": hs, "band": [band_low, band_high], "units": "thousand USD"}
    return answer_frame(request, df, "mirror", params, [], format, offset, limit)


@router.get("/monthly", summary="Monthly trade of one product between two countries")
async def monthly(
    request: Request,
    importer: Annotated[str, Query(min_length=1, description="Importing country.")],
    exporter: Annotated[str, Query(min_length=1, description="Exporting country.")],
    product: Annotated[
        list[str], Query(min_length=1, description="National line or its prefix; repeatable.")
    ],
    years: Annotated[str | None, Query(description="Years: 2019, 2018-2020 or 2018,2020.")] = None,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """National customs statistics month by month (``econsec monthly``)."""
    from econsec.cli.data import _parse_years
    from econsec.sources.views import monthly_pair

    prods = names(product, "product") or []
    if not prods:
        raise Problem(422, "product: give a national line or its prefix", parameter="product")
    ys = None
    if years and years.strip():
        try:
            ys = _parse_years(years)
        except ValueError as e:
            raise Problem(422, str(e), parameter="years") from None
        if ys[0] < 1900 or ys[-1] > 2100:
            raise Problem(422, "years: between 1900 and 2100", parameter="years")
    df = await run_sources(
        request,
        "monthly",
        lambda home: monthly_pair(importer, exporter, prods, ys, home=home),
        imp=importer,
        exp=exporter,
        prods=prods,
        ys=ys,
    )
    params = {"importer": importer, "exporter": exporter, "products": prods, "years": ys}
    units = "values in thousand USD, quantities in metric tons"
    return answer_frame(
        request, df, "monthly", {**params, "units": units}, [], format, offset, limit
    )


async def world_reliance(
    request: Request,
    exporters: list[str] | None,
    year: int | None,
    products: list[str] | None,
    fmt: Any,
    offset: int,
    limit: int | None,
) -> Response:
    """``indispensability?source=comtrade``: concentration from partner-World rows."""
    import polars as pl

    from econsec.sources.mirror import world_indispensability

    if year is None or not products:
        raise Problem(
            422,
            "source: comtrade needs year and product codes (no basket)",
            parameter="source",
        )
    y, prods = year, products
    df = await run_sources(
        request,
        "world_reliance",
        lambda home: world_indispensability(y, prods, home=home),
        year=y,
        prods=prods,
    )
    if exporters:
        df = df.filter(pl.col("exporter").is_in([e.strip().upper() for e in exporters]))
    params = {"year": y, "products": prods, "source": "comtrade", "units": "thousand USD"}
    return answer_frame(
        request, df, "indispensability", params, [COMTRADE_WORLD_NOTE], fmt, offset, limit
    )
