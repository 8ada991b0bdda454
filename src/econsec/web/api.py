"""``GET /api/v1/<verb>``: the analysis verbs, with the CLI's options as query parameters.

Each route resolves nothing itself: it passes what the client typed to the verb of
:mod:`econsec` (the one query layer), and answers the verb's result in the CLI's JSON
(``--format json``) or CSV, rows paged. Option names are the CLI's with ``_`` for ``-``
(``--rival-group`` is ``rival_group``); repeatable options are repeated parameters
(``product=850511&product=811292``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from econsec.web.problems import Problem
from econsec.web.responses import FormatQuery, LimitQuery, OffsetQuery, OutFormat, paged

router = APIRouter(prefix="/api/v1", tags=["analysis"])

Year = Annotated[
    int | None, Query(ge=1900, le=2100, description="Year (default: the latest held).")
]
ProductList = Annotated[
    list[str] | None,
    Query(description="HS code (6 digits, or a 4/2-digit heading), or basket; repeatable."),
]
BasketList = Annotated[
    list[str] | None, Query(description="Products of a basket (see /api/v1/baskets); repeatable.")
]
Share = Annotated[float, Query(ge=0.0, le=1.0, allow_inf_nan=False)]
Positive = Annotated[float, Query(ge=0.0, le=1e6, allow_inf_nan=False)]
Fmt = Annotated[OutFormat | None, FormatQuery]
Offset = Annotated[int, OffsetQuery]
Limit = Annotated[int | None, LimitQuery]


def runner_of(request: Request) -> Any:
    """Return the app's :class:`~econsec.web.runner.Runner`."""
    return request.app.state.runner


def products_of(
    request: Request, product: list[str] | None, basket: list[str] | None
) -> list[str] | None:
    """Return the products named (codes, headings and baskets), at most the limit."""
    items = [p.strip() for p in [*(product or []), *(basket or [])] if p.strip()]
    cap = runner_of(request).limits.max_products
    if len(items) > cap:
        raise Problem(
            422, f"product: at most {cap} products a request, got {len(items)}", parameter="product"
        )
    return items or None


def side(x: str) -> str | list[str]:
    """Split a bloc: comma-separated countries are one bloc; a single name a country or group."""
    parts = [p.strip() for p in x.split(",") if p.strip()]
    return parts if len(parts) > 1 else x.strip()


def names(values: list[str] | None, parameter: str) -> list[str] | None:
    """Repeated country parameters, blanks dropped (``None`` when none is left)."""
    out = [v.strip() for v in values or [] if v.strip()]
    if len(out) > 300:
        raise Problem(422, f"{parameter}: at most 300 names", parameter=parameter)
    return out or None


def key(**kw: Any) -> tuple[Any, ...]:
    """Return a hashable cache key of the arguments."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kw.items()))


async def run(request: Request, name: str, fn: Callable[[Any], Any], **kw: Any) -> Any:
    """Run ``fn(warehouse)`` for the request (cached under ``name`` and ``kw``)."""
    return await runner_of(request).run(name, key(**kw), fn)


def respond(
    request: Request,
    res: Any,
    name: str,
    fmt: OutFormat | None,
    offset: int,
    limit: int | None,
    body: dict[str, Any] | None = None,
) -> Response:
    """Answer the result's envelope (``to_dict()`` unless ``body``), rows paged."""
    return paged(
        request,
        body if body is not None else res.to_dict(),
        res.frame,
        name=name,
        fmt=fmt,
        offset=offset,
        limit=limit,
        limits=runner_of(request).limits,
    )


@router.get("/autonomy", summary="Import concentration per importer × product")
async def autonomy(
    request: Request,
    importer: Annotated[
        list[str] | None,
        Query(description="Importer: country, or group as one bloc; repeatable."),
    ] = None,
    year: Year = None,
    product: ProductList = None,
    basket: BasketList = None,
    rival: Annotated[list[str] | None, Query(description="Supplier whose share to report.")] = None,
    rival_group: Annotated[str | None, Query(description="Group of rival suppliers.")] = None,
    bloc: Annotated[
        str | None, Query(description="Group or comma-separated ISO3 codes as one importer.")
    ] = None,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """Suppliers, top share, HHI and rival share (``econsec autonomy``)."""
    import econsec as es

    imp, riv = names(importer, "importer"), names(rival, "rival")
    prods = products_of(request, product, basket)
    bl = side(bloc) if bloc and bloc.strip() else None
    rg = rival_group.strip() if rival_group and rival_group.strip() else None
    res = await run(
        request,
        "autonomy",
        lambda wh: es.autonomy(imp, year, prods, rival=riv, rival_group=rg, bloc=bl, warehouse=wh),
        imp=imp,
        year=year,
        prods=prods,
        riv=riv,
        rg=rg,
        bl=bloc,
    )
    return respond(request, res, "autonomy", format, offset, limit)


@router.get("/autonomy/trend", summary="Import concentration in every year held")
async def autonomy_trend(
    request: Request,
    importer: Annotated[list[str] | None, Query(description="Importer; repeatable.")] = None,
    product: ProductList = None,
    basket: BasketList = None,
    rival: Annotated[list[str] | None, Query(description="Supplier whose share to report.")] = None,
    rival_group: Annotated[str | None, Query(description="Group of rival suppliers.")] = None,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """:func:`econsec.autonomy_trend`: one row per year × importer × product."""
    import econsec as es

    imp, riv = names(importer, "importer"), names(rival, "rival")
    prods = products_of(request, product, basket)
    rg = rival_group.strip() if rival_group and rival_group.strip() else None
    res = await run(
        request,
        "autonomy_trend",
        lambda wh: es.autonomy_trend(imp, prods, rival=riv, rival_group=rg, warehouse=wh),
        imp=imp,
        prods=prods,
        riv=riv,
        rg=rg,
    )
    return respond(request, res, "autonomy_trend", format, offset, limit)


@router.get("/suppliers", summary="Each supplier's share per importer × product")
async def suppliers(
    request: Request,
    importer: Annotated[list[str] | None, Query(description="Importer; repeatable.")] = None,
    year: Year = None,
    product: ProductList = None,
    basket: BasketList = None,
    top: Annotated[int | None, Query(ge=1, le=1000, description="Best n suppliers only.")] = None,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """:func:`econsec.supplier_shares`: value, share and rank of each supplier."""
    import econsec as es

    imp = names(importer, "importer")
    prods = products_of(request, product, basket)
    res = await run(
        request,
        "suppliers",
        lambda wh: es.supplier_shares(imp, year, prods, top=top, warehouse=wh),
        imp=imp,
        year=year,
        prods=prods,
        top=top,
    )
    return respond(request, res, "suppliers", format, offset, limit)


@router.get("/indispensability", summary="World reliance per exporter × product")
async def indispensability(
    request: Request,
    exporter: Annotated[
        list[str] | None, Query(description="Exporter: country, or group as one bloc.")
    ] = None,
    year: Year = None,
    product: ProductList = None,
    basket: BasketList = None,
    threshold: Share = 0.5,
    redirect: Share = 0.2,
    source: Annotated[
        Literal["baci", "comtrade"],
        Query(
            description="baci, or comtrade: exporters' own reports to partner World "
            "(needs year and product codes)."
        ),
    ] = "baci",
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """World share and rank, dependents, replaceability (``econsec indispensability``)."""
    import econsec as es

    exp = names(exporter, "exporter")
    prods = products_of(request, product, basket)
    if source == "comtrade":
        from econsec.web.supply import world_reliance

        if basket:
            raise Problem(
                422, "source: comtrade needs product codes, not a basket", parameter="basket"
            )
        return await world_reliance(request, exp, year, prods, format, offset, limit)
    res = await run(
        request,
        "indispensability",
        lambda wh: es.indispensability(
            exp, year, prods, threshold=threshold, redirect=redirect, warehouse=wh
        ),
        exp=exp,
        year=year,
        prods=prods,
        threshold=threshold,
        redirect=redirect,
    )
    return respond(request, res, "indispensability", format, offset, limit)


@router.get("/leverage", summary="Who depends on whom between two sides")
async def leverage(
    request: Request,
    a: Annotated[str, Query(min_length=1, description="Side A: country, group or ISO3 list.")],
    b: Annotated[str, Query(min_length=1, description="Side B: country, group or ISO3 list.")],
    year: Year = None,
    product: ProductList = None,
    basket: BasketList = None,
    tau: Share = 0.5,
    sigma: Share = 0.3,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """Products and values at stake each way, and export exposure (``econsec leverage``).

    ``rows`` are the CLI's ``dependencies``; ``exposure`` its export-market exposure.
    """
    import econsec as es
    from econsec.formatting import to_jsonable

    prods = products_of(request, product, basket)
    sa, sb = side(a), side(b)
    res = await run(
        request,
        "leverage",
        lambda wh: es.leverage(sa, sb, year, prods, tau=tau, sigma=sigma, warehouse=wh),
        a=a,
        b=b,
        year=year,
        prods=prods,
        tau=tau,
        sigma=sigma,
    )
    body = to_jsonable(
        {
            "params": dict(res.params),
            "notes": list(res.notes),
            "summary": res.summary(),
            "rows": res.frame.to_dicts(),
            "exposure": res.exposure.to_dicts(),
        }
    )
    return respond(request, res, "leverage", format, offset, limit, body)


def _flagged(res: Any, flagged_only: bool) -> Any:
    if not flagged_only:
        return res
    from dataclasses import replace

    import polars as pl

    return replace(res, frame=res.frame.filter(pl.col("flagged")))


@router.get("/screens/geodep", summary="CEPII GeoDep screen")
async def screen_geodep(
    request: Request,
    year: Year = None,
    importer: Annotated[list[str] | None, Query(description="Importer; repeatable.")] = None,
    product: ProductList = None,
    basket: BasketList = None,
    import_hhi: Share = 0.4,
    world_hhi: Share = 0.4,
    ratio: Positive = 1.0,
    window: Annotated[int, Query(ge=1, le=50)] = 3,
    min_years: Annotated[int, Query(ge=1, le=50)] = 2,
    persistence: bool = True,
    flagged_only: bool = False,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """Screen importer × product pairs (``econsec screen geodep``)."""
    import econsec as es

    imp = names(importer, "importer")
    prods = products_of(request, product, basket)
    res = await run(
        request,
        "geodep",
        lambda wh: es.screen_geodep(
            imp,
            year,
            prods,
            import_hhi=import_hhi,
            world_hhi=world_hhi,
            ratio=ratio,
            window=window,
            min_years=min_years,
            persistence=persistence,
            warehouse=wh,
        ),
        imp=imp,
        year=year,
        prods=prods,
        ih=import_hhi,
        wh=world_hhi,
        ratio=ratio,
        window=window,
        my=min_years,
        p=persistence,
    )
    return respond(request, _flagged(res, flagged_only), "geodep", format, offset, limit)


@router.get("/screens/eu", summary="EU 2021 dependency screen")
async def screen_eu(
    request: Request,
    bloc: Annotated[str, Query(min_length=1, description="Group or ISO3 list.")] = "EU27",
    year: Year = None,
    product: ProductList = None,
    basket: BasketList = None,
    extra_hhi: Share = 0.4,
    extra_share: Share = 0.5,
    ratio: Positive = 1.0,
    flagged_only: bool = False,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """Screen the products of a bloc (``econsec screen eu``)."""
    import econsec as es

    prods = products_of(request, product, basket)
    bl = side(bloc)
    res = await run(
        request,
        "eu",
        lambda wh: es.screen_eu(
            bl,
            year,
            prods,
            extra_hhi=extra_hhi,
            extra_share=extra_share,
            ratio=ratio,
            warehouse=wh,
        ),
        bloc=bloc,
        year=year,
        prods=prods,
        eh=extra_hhi,
        es=extra_share,
        ratio=ratio,
    )
    return respond(request, _flagged(res, flagged_only), "eu", format, offset, limit)
