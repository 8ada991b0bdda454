"""``GET /api/v1/figures/<view>``: the dashboard's charts, drawn by :mod:`econsec.report.charts`.

The figures are plotly JSON (``{"data": …, "layout": …}``) built by the same functions as
the static review, from the same verbs as the API's tables, so a chart and its table hold
the same numbers.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from econsec.web.api import BasketList, ProductList, Year, names, products_of, run, side

router = APIRouter(prefix="/api/v1/figures", tags=["figures"])

#: Products a breakdown chart shows at most (the largest by import value; the title says so).
CHART_PRODUCTS = 20


def _json(fig: Any) -> dict[str, Any]:
    return dict(json.loads(fig.to_json()))


def _describe(wh: Any, year: int | None) -> dict[str, str]:
    from econsec.query.resolver import resolve_year

    _, rel = resolve_year(wh, year)
    df = wh.products(rel.hs, rel.release)
    return dict(zip(df["code"].to_list(), df["description"].to_list(), strict=True))


def _names(wh: Any) -> dict[str, str]:
    from econsec.countries import common_name

    df = wh.countries().mapping()
    return {i: common_name(i, n) for i, n in df.select("iso3", "name").iter_rows()}


def dependence_figures(
    wh: Any, importer: list[str], year: int | None, prods: list[str] | None, rival: str | None
) -> dict[str, Any]:
    """Supplier breakdown, map of suppliers and rival-share trend of an importer."""
    import polars as pl

    import econsec as es
    from econsec.report import charts

    aut = es.autonomy(importer, year, prods, warehouse=wh)
    y = int(aut.params["year"])
    top = aut.frame.sort("import_value", descending=True).head(CHART_PRODUCTS)
    shown = top["product"].to_list()
    shares = es.supplier_shares(importer, y, shown or prods, warehouse=wh).frame
    if shown:
        shares = shares.filter(pl.col("product").is_in(shown))
    describe, nm = _describe(wh, y), _names(wh)
    riv = rival
    if riv is None and shares.height:  # no rival named: follow the largest supplier
        riv = str(
            shares.group_by("supplier").agg(pl.col("value").sum()).sort("value")["supplier"][-1]
        )
    bars = charts.supplier_breakdown(shares, describe, riv, names=nm)
    if aut.frame.height > len(shown):
        bars.update_layout(
            title=f"Who supplies each product: the {len(shown)} largest of "
            f"{charts.plural(aut.frame.height, 'product')} (share of import value)"
        )
    shown_as = aut.params.get("importer") or importer
    who = ", ".join(nm.get(str(x), str(x)) for x in shown_as)
    world = charts.supplier_map(
        shares, f"Where {who}'s imports come from, {y} (share of import value)", nm
    )
    trend_fig = None
    if riv is not None:
        tr = es.autonomy_trend(importer, shown or prods, rival=riv, warehouse=wh).frame
        by_year = (
            tr.group_by("year")
            .agg((pl.col("rival_value").sum() / pl.col("import_value").sum()).alias("rival_share"))
            .sort("year")
        )
        trend_fig = charts.dependence_trend(by_year, tr, describe, nm.get(riv, riv))
    return {
        "year": y,
        "rival": riv,
        "figures": {
            "suppliers": _json(bars),
            "map": _json(world),
            **({"trend": _json(trend_fig)} if trend_fig is not None else {}),
        },
    }


@router.get("/dependence", summary="Charts of an importer's dependence")
async def dependence(
    request: Request,
    importer: Annotated[list[str], Query(min_length=1, description="Importer; repeatable.")],
    year: Year = None,
    product: ProductList = None,
    basket: BasketList = None,
    rival: Annotated[str | None, Query(description="Rival supplier.")] = None,
) -> JSONResponse:
    """Supplier breakdown (distinct colours, others grouped), world map, trend of the rival."""
    imp = names(importer, "importer") or []
    prods = products_of(request, product, basket)
    riv = rival.strip() if rival and rival.strip() else None
    if riv is not None:  # resolved as the verbs do (an ISO2 or a name becomes its ISO3)
        riv_iso = await run(request, "iso3", lambda wh: _iso3(wh, riv), riv=riv)
    else:
        riv_iso = None
    body = await run(
        request,
        "fig-dependence",
        lambda wh: dependence_figures(wh, imp, year, prods, riv_iso),
        imp=imp,
        year=year,
        prods=prods,
        riv=riv_iso,
    )
    return JSONResponse(body)


def _iso3(wh: Any, name: str) -> str:
    from econsec.query.resolver import Resolver

    return str(Resolver(wh).party(name).label)


def chokepoint_figures(
    wh: Any, year: int | None, prods: list[str] | None, product: str | None
) -> dict[str, Any]:
    """Leading exporter's world share per product, and a map of one product's exporters."""
    import polars as pl

    import econsec as es
    from econsec.report import charts

    ind = es.indispensability(None, year, prods, warehouse=wh)
    y = int(ind.params["year"])
    describe, nm = _describe(wh, y), _names(wh)
    lead = (
        ind.frame.filter(pl.col("world_rank") == 1)
        .sort("export_value", descending=True)
        .head(CHART_PRODUCTS)
    )
    bars = charts.world_concentration(lead, describe, None)
    k = product or (lead["product"][0] if lead.height else None)
    one = ind.frame.filter(pl.col("product") == k) if k else ind.frame.head(0)
    shares = one.select(pl.col("exporter").alias("supplier"), pl.col("export_value").alias("value"))
    label = charts.product_label(k, describe) if k else ""
    world = charts.supplier_map(shares, f"Who exports {label}, {y} (share of world exports)", nm)
    return {
        "year": y,
        "product": k,
        "figures": {"world": _json(bars), "map": _json(world)},
    }


@router.get("/chokepoints", summary="Charts of world supply per product")
async def chokepoints(
    request: Request,
    year: Year = None,
    product: ProductList = None,
    basket: BasketList = None,
    focus: Annotated[str | None, Query(description="Product whose exporters to map.")] = None,
) -> JSONResponse:
    """Chart the leading exporter's share per product, and map of one product's exporters."""
    prods = products_of(request, product, basket)
    f = focus.strip() if focus and focus.strip() else None
    body = await run(
        request,
        "fig-chokepoints",
        lambda wh: chokepoint_figures(wh, year, prods, f),
        year=year,
        prods=prods,
        focus=f,
    )
    return JSONResponse(body)


@router.get("/leverage", summary="Chart of the values at stake each way")
async def leverage(
    request: Request,
    a: Annotated[str, Query(min_length=1)],
    b: Annotated[str, Query(min_length=1)],
    year: Year = None,
    product: ProductList = None,
    basket: BasketList = None,
    tau: Annotated[float, Query(ge=0.0, le=1.0, allow_inf_nan=False)] = 0.5,
    sigma: Annotated[float, Query(ge=0.0, le=1.0, allow_inf_nan=False)] = 0.3,
) -> JSONResponse:
    """Import value at stake in each direction (million USD)."""
    import econsec as es
    from econsec.report import charts

    prods = products_of(request, product, basket)
    sa, sb = side(a), side(b)

    def build(wh: Any) -> dict[str, Any]:
        res = es.leverage(sa, sb, year, prods, tau=tau, sigma=sigma, warehouse=wh)
        s = res.summary()
        nm = _names(wh)
        a_, b_ = str(s["a"]), str(s["b"])
        fig = charts.leverage_balance(s, nm.get(a_, a_), nm.get(b_, b_))
        return {"year": res.params["year"], "figures": {"balance": _json(fig)}}

    body = await run(
        request, "fig-leverage", build, a=a, b=b, year=year, prods=prods, tau=tau, sigma=sigma
    )
    return JSONResponse(body)


def yard_figure(res: Any, wh: Any) -> dict[str, Any]:
    """Chart the yard from a yard result."""
    from econsec.report import charts

    h = res.headline
    fig = charts.yard_coverage(res.frame, _describe(wh, h["year"]), float(h["coverage_target"]))
    return _json(fig)


def scenario_figure(body: dict[str, Any], wh: Any) -> dict[str, Any]:
    """Chart the scenario from its JSON answer."""
    import polars as pl

    from econsec.report import charts

    rows = body.get("rows") or []
    df = pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()
    if df.height == 0:
        df = pl.DataFrame(
            schema={"product": pl.Utf8, "replaced": pl.Float64, "shortfall": pl.Float64}
        )
    year = body.get("params", {}).get("year")
    return _json(charts.scenario_outcome(df, _describe(wh, year)))


def plan_figures(body: dict[str, Any], wh: Any) -> dict[str, Any]:
    """Chart the plan (supplier mix of the first product; frontier when swept)."""
    import polars as pl

    from econsec.report import charts
    from econsec.report.frontier import frontier_figure

    out: dict[str, Any] = {}
    rows = body.get("rows") or []
    if rows:
        mix = pl.DataFrame(rows, infer_schema_length=None)
        first = mix["product"][0]
        out["mix"] = _json(charts.plan_mix(mix.filter(pl.col("product") == first), _names(wh)))
    fr = body.get("frontier")
    if fr:
        out["frontier"] = _json(frontier_figure(pl.DataFrame(fr, infer_schema_length=None)))
    return out
