"""Reference data: health, releases, years, countries, products, groups and baskets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from econsec.web.api import Fmt, Limit, Offset, runner_of
from econsec.web.problems import Problem
from econsec.web.responses import paged

router = APIRouter(prefix="/api/v1", tags=["reference"])


def _table(
    request: Request, df: Any, what: str, fmt: Any, offset: int, limit: int | None, **extra: Any
) -> Response:
    from econsec.formatting import to_jsonable

    body = {"params": extra, "notes": [], "rows": to_jsonable(df)}
    return paged(
        request,
        body,
        df,
        name=what,
        fmt=fmt,
        offset=offset,
        limit=limit,
        limits=runner_of(request).limits,
    )


@router.get("/health", summary="200 when the warehouse is readable")
async def health(request: Request) -> JSONResponse:
    """Report the releases and years held; a 503 problem when none is readable."""
    from econsec import __version__

    r = runner_of(request)
    try:
        wh = r.warehouse()
        years = wh.years()
        releases = [f"{x.hs} {x.release}" for x in wh.releases]
    except Exception as e:  # a server condition, not a client's mistake
        raise Problem(503, f"the warehouse {r.home} cannot be read: {e}") from None
    if not years:
        raise Problem(503, f"the warehouse {r.home} holds no usable release (econsec data fetch)")
    return JSONResponse(
        {"status": "ok", "version": __version__, "releases": releases, "years": years}
    )


@router.get("/releases", summary="Releases held")
async def releases(request: Request, format: Fmt = None) -> Response:
    """Every nomenclature × release with its years (``econsec data list``)."""
    import polars as pl

    rows = [
        {
            "hs": x.hs,
            "release": x.release,
            "years": x.year_list,
            "first_year": min(x.year_list) if x.years else None,
            "last_year": max(x.year_list) if x.years else None,
            "synthetic": x.synthetic,
        }
        for x in runner_of(request).warehouse().releases
    ]
    df = pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()
    return _table(request, df, "releases", format, 0, None)


@router.get("/years", summary="Years held")
async def years(request: Request) -> JSONResponse:
    """Every year held in a usable release, ascending."""
    return JSONResponse({"years": runner_of(request).warehouse().years()})


@router.get("/countries", summary="Countries of a release, with the names people write")
async def countries(
    request: Request,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """``code, iso3, name`` (the release's) and ``display_name`` (Taiwan, South Korea)."""
    import polars as pl

    from econsec.countries import common_name
    from econsec.query.resolver import resolve_year

    wh = runner_of(request).warehouse()
    y, rel = resolve_year(wh, year)
    df = wh.countries(rel.hs, rel.release).mapping()
    df = df.with_columns(
        pl.struct("iso3", "name")
        .map_elements(lambda r: common_name(r["iso3"], r["name"]), return_dtype=pl.Utf8)
        .alias("display_name")
    ).sort("iso3")
    return _table(request, df, "countries", format, offset, limit, year=y, hs=rel.hs)


@router.get("/products", summary="Products of a release with their descriptions")
async def products(
    request: Request,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    q: Annotated[str | None, Query(max_length=100, description="Code prefix or word.")] = None,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """``code, description`` of the year's release; ``q`` filters by code prefix or word."""
    import polars as pl

    from econsec.query.resolver import resolve_year

    wh = runner_of(request).warehouse()
    y, rel = resolve_year(wh, year)
    df = wh.products(rel.hs, rel.release)
    if q and q.strip():
        t = q.strip()
        df = df.filter(
            pl.col("code").str.starts_with(t)
            | pl.col("description").str.to_lowercase().str.contains(t.lower(), literal=True)
        )
    return _table(request, df, "products", format, offset, limit, year=y, hs=rel.hs)


@router.get("/groups", summary="Country groups")
async def groups(request: Request, format: Fmt = None) -> Response:
    """Built-in and user groups with today's member count (``econsec groups list``)."""
    from econsec.reference.groups import list_groups

    df = list_groups(home=runner_of(request).home)
    return _table(request, df, "groups", format, 0, None)


@router.get("/groups/{name}", summary="A group's members")
async def group(
    request: Request,
    name: str,
    on: Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD or a year.")] = None,
    format: Fmt = None,
) -> Response:
    """Members on a date (``econsec groups show``)."""
    import polars as pl

    from econsec.reference.groups import get_group, membership

    home = runner_of(request).home
    g = get_group(name, home=home)
    df = membership(g.group, on, home=home)
    df = df.with_columns(pl.col("start").cast(pl.Utf8), pl.col("end").cast(pl.Utf8))
    return _table(request, df, "group", format, 0, None, group=g.group, name=g.name)


@router.get("/baskets", summary="Critical-goods baskets")
async def baskets(request: Request, format: Fmt = None) -> Response:
    """Built-in catalogues and user baskets (``econsec baskets list``)."""
    from econsec.baskets import list_baskets

    df = list_baskets(home=runner_of(request).home)
    return _table(request, df, "baskets", format, 0, None)


@router.get("/baskets/{name}", summary="A basket's products")
async def basket(
    request: Request,
    name: str,
    hs: Annotated[str, Query(pattern="^[Hh][Ss][0-9]{2}$")] = "HS17",
    format: Fmt = None,
) -> Response:
    """List a basket's items and HS6 codes with their sources (``econsec baskets show``)."""
    from econsec.baskets import load_basket

    df = load_basket(name, hs=hs, home=runner_of(request).home)
    return _table(request, df, "basket", format, 0, None, basket=name, hs=hs.upper())


@router.get("/io-tables", summary="Input-output tables scenarios may propagate through")
async def io_tables(request: Request) -> JSONResponse:
    """Names of the Parquet bundles in the server's ``--io-dir`` (``io.table`` takes one)."""
    folder = request.app.state.config.io_dir
    names = (
        sorted(p.name for p in folder.iterdir() if (p / "Z.parquet").exists())
        if folder is not None and folder.is_dir()
        else []
    )
    return JSONResponse({"tables": names})


@router.get("/hs-usgs", summary="The cited HS6 ↔ USGS commodity map")
async def hs_usgs(
    request: Request,
    product: Annotated[list[str] | None, Query(description="HS6 code; repeatable.")] = None,
    hs: Annotated[str | None, Query(pattern="^[Hh][Ss][0-9]{2}$")] = None,
    edition: Annotated[int, Query(ge=1990, le=2100, description="MCS edition.")] = 2024,
    format: Fmt = None,
) -> Response:
    """HS6 codes whose supply an MCS world table measures, with the stage and the source.

    ``held`` says whether this server holds the commodity's world table of ``edition``
    (``/api/v1/minerals`` answers for it).
    """
    import polars as pl

    from econsec.minerals import hs_usgs_map
    from econsec.web.supply import held_commodities

    df = hs_usgs_map()
    if hs:
        df = df.filter(pl.col("hs_revision") == hs.upper())
    codes = [p.strip() for p in product or [] if p.strip()]
    if codes:
        df = df.filter(pl.col("hs6").is_in(codes))
    held = sorted(held_commodities(request, edition))
    df = df.with_columns(held=pl.col("usgs_code").is_in(held))
    return _table(
        request, df, "hs_usgs", format, 0, 10_000, hs=hs, products=codes or None, edition=edition
    )
