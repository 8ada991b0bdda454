"""Run scenarios on the warehouse: resolve names, query flows with Ibis, apply the models.

Every measure is evaluated against the same baseline year; results of several measures are
listed side by side and summed in the totals, not netted against each other. Flow queries are
Ibis expressions executed once per measure (DuckDB by default); the models in
:mod:`.model`, :mod:`.tariff` and :mod:`.coalition` run on the small collected frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import polars as pl

from econsec.countries import CountryTable
from econsec.engine import Warehouse
from econsec.errors import EconsecError, NotFoundError
from econsec.query.resolver import as_list, open_warehouse
from econsec.scenarios import coalition as coal
from econsec.scenarios.elasticities import Elasticities, default_elasticities, load_elasticities
from econsec.scenarios.model import coercer_pain, substitution, totals
from econsec.scenarios.montecarlo import StopKernel, TariffKernel
from econsec.scenarios.results import MeasureResult, ScenarioResult
from econsec.scenarios.spec import (
    CoalitionControl,
    ExportBan,
    Quota,
    Scenario,
    Tariff,
)
from econsec.scenarios.tariff import armington
from econsec.substitution import redirectable_supply


@dataclass
class Context:
    """What every measure of a scenario shares: the year's flows and code tables."""

    wh: Warehouse
    year: int
    hs: str
    release: str
    countries: CountryTable
    flows: ir.Table
    product_codes: list[str]
    notes: list[str] = field(default_factory=list)

    @cached_property
    def iso3(self) -> dict[int, str]:
        """CEPII code -> ISO3 display code (``TWN`` for ``S19``)."""
        m = self.countries.mapping()
        return {int(c): str(i) for c, i in zip(m["code"], m["iso3"], strict=True)}

    def iso(self, codes: Sequence[int]) -> list[str]:
        """ISO3 display codes of CEPII codes (``C<code>`` when the table lacks one)."""
        return [self.iso3.get(int(c), f"C{int(c)}") for c in codes]

    def with_iso(self, df: pl.DataFrame, cols: Sequence[str]) -> pl.DataFrame:
        """Replace CEPII code columns by ISO3 strings."""
        codes = sorted({int(c) for col in cols for c in df[col].unique().to_list()})
        m = dict(zip(codes, self.iso(codes), strict=True))
        return df.with_columns(
            pl.col(c).cast(pl.Int64).replace_strict(m, return_dtype=pl.Utf8) for c in cols
        )


def open_context(wh: Warehouse, year: int) -> Context:
    """Resolve the release of ``year`` and open its flows."""
    rel = wh.release_for(int(year))
    flows = wh.trade(int(year), hs=rel.hs, release=rel.release)
    prods = wh.products(hs=rel.hs, release=rel.release)
    return Context(
        wh=wh,
        year=int(year),
        hs=rel.hs,
        release=rel.release,
        countries=wh.countries(hs=rel.hs, release=rel.release),
        flows=flows,
        product_codes=sorted(str(c) for c in prods["code"].to_list()),
    )


# ------------------------------------------------------------------------------ resolving


def resolve_parties(ctx: Context, names: Sequence[str], field_name: str) -> list[int]:
    """CEPII codes of countries and group members (members on 1 July of the year)."""
    from econsec.reference import groups

    out: list[int] = []
    for name in names:
        try:
            out.append(ctx.countries.resolve(name))
            continue
        except NotFoundError as err:
            if not (isinstance(name, str) and groups.is_group(name)):
                raise NotFoundError(
                    f"country or group in {field_name}",
                    name,
                    err.suggestions,
                    hint="use ISO3 codes (JPN), CEPII codes, names or group names (G7, EU27)",
                ) from None
        absent = []
        for iso3 in groups.members(name, on=ctx.year):
            try:
                out.append(ctx.countries.resolve(iso3))
            except NotFoundError:
                absent.append(iso3)
        if absent:
            ctx.notes.append(
                f"{name}: members absent from the {ctx.hs} {ctx.release} country table: "
                + ", ".join(absent)
            )
    return sorted(set(out))


def resolve_products(ctx: Context, codes: Sequence[str], baskets: Sequence[str]) -> list[str]:
    """HS6 codes of the release: 6-digit codes, 2/4-digit prefixes expanded, baskets added."""
    from econsec.baskets import basket_codes

    known = set(ctx.product_codes)
    out: set[str] = set()
    for c in codes:
        hits = [p for p in ctx.product_codes if p.startswith(c)]
        if not hits:
            near = [p for p in ctx.product_codes if p[:4] == c[:4]][:5]
            raise NotFoundError(
                f"product ({ctx.hs} {ctx.release})",
                c,
                near,
                hint=f"the release for {ctx.year} uses {ctx.hs} codes",
            )
        out.update(hits if len(c) < 6 else [c])
    for b in baskets:
        bc = basket_codes(b, hs=ctx.hs)
        inside = [c for c in bc if c in known]
        if len(inside) < len(bc):
            ctx.notes.append(
                f"basket {b}: {len(bc) - len(inside)} of {len(bc)} codes absent from the "
                f"{ctx.hs} {ctx.release} product table"
            )
        out.update(inside)
    return sorted(out)


#: Above this many codes, products are matched by a join, not a literal IN list (whose
#: expression graph makes Ibis compilation slow).
_ISIN_MAX = 64


def _restrict(flows: ir.Table, products: Sequence[str], every: Sequence[str] = ()) -> ir.Table:
    if not products or (every and len(products) == len(every) and set(products) == set(every)):
        return flows
    if len(products) <= _ISIN_MAX:
        return flows.filter(flows.k.isin(list(products)))
    codes = ibis.memtable({"k": list(products)}, schema={"k": "string"})
    return flows.semi_join(codes, "k")


def _sum_where(t: ir.Table, cond: ir.BooleanValue) -> ir.FloatingValue:
    return t.v.sum(where=cond).fill_null(0.0)


# ------------------------------------------------------------------------------ stops


@dataclass(frozen=True)
class StopParts:
    """Collected pieces of a stop (ban, quota, coalition) before labels are attached."""

    products: pl.DataFrame
    by_supplier: pl.DataFrame
    pain: pl.DataFrame
    kernel: StopKernel
    totals: dict[str, Any]


def evaluate_stop(
    ctx: Context,
    suppliers: Sequence[int],
    targets: Sequence[int],
    products: Sequence[str],
    *,
    share: float,
    r: float,
) -> StopParts:
    """Suppliers stop ``share`` of their flows of the products to the targets."""
    S, T = [int(s) for s in suppliers], [int(t) for t in targets]
    both = set(S) & set(T)
    if both:
        raise EconsecError(
            f"countries both suppliers and targets: {', '.join(ctx.iso(sorted(both)))}"
        )
    f = _restrict(ctx.flows, products, ctx.product_codes)
    tgt = f.filter(f.j.isin(T))
    cells_x = tgt.group_by(importer=tgt.j, product=tgt.k).aggregate(
        baseline_imports=tgt.v.sum(), banned_flow=_sum_where(tgt, tgt.i.isin(S))
    )
    hit = cells_x.filter(cells_x.banned_flow > 0).select(k=cells_x["product"]).distinct()
    rest = f.filter(~f.j.isin(T))
    rest = rest.semi_join(hit, "k")
    cap = redirectable_supply(rest, [T[0]], fraction=1.0, exclude_exporters=[*S, *T])
    pool_x = cap.group_by(exporter=cap.exporter, product=cap.k).aggregate(pool=cap.capacity.sum())
    sup = f.filter(f.i.isin(S))
    pain_x = sup.group_by(exporter=sup.i, product=sup.k).aggregate(
        exports=sup.v.sum(), to_targets=_sum_where(sup, sup.j.isin(T))
    )
    pain_x = pain_x.filter(pain_x.to_targets > 0)
    all_exports = ctx.flows.filter(ctx.flows.i.isin(S)).v.sum().fill_null(0.0)

    cells = cells_x.to_polars().with_columns(pl.col("importer").cast(pl.Int64))
    pool = pool_x.to_polars().with_columns(pl.col("exporter").cast(pl.Int64))
    pain_raw = pain_x.to_polars().with_columns(pl.col("exporter").cast(pl.Int64))
    supplier_exports = float(all_exports.to_pyarrow().as_py() or 0.0)

    prod, by_sup = substitution(cells, pool, share=share, r=r)
    pain = coercer_pain(pain_raw, share=share).sort("lost_exports", descending=True)
    kernel = _stop_kernel(cells.sort("importer", "product"), pool, share)
    tot = totals(prod)
    lost_exp = float(pain["lost_exports"].sum())
    prod_exp = float(pain_raw["exports"].sum())
    tot.update(
        coercer_lost_exports=lost_exp,
        coercer_lost_share_of_product_exports=lost_exp / prod_exp if prod_exp else 0.0,
        coercer_lost_share_of_all_exports=(
            lost_exp / supplier_exports if supplier_exports else 0.0
        ),
        pain_ratio=lost_exp / tot["shortfall"] if tot["shortfall"] else None,
    )
    return StopParts(prod, by_sup, pain, kernel, tot)


def _stop_kernel(cells: pl.DataFrame, pool: pl.DataFrame, share: float) -> StopKernel:
    prods = sorted(set(cells["product"].to_list()))
    idx = {p: n for n, p in enumerate(prods)}
    pk = dict(pool.group_by("product").agg(pl.col("pool").sum()).iter_rows())
    return StopKernel(
        lost=share * cells["banned_flow"].to_numpy().astype(np.float64),
        cell_product=np.array([idx[p] for p in cells["product"].to_list()], dtype=np.intp),
        pool_total=np.array([float(pk.get(p, 0.0)) for p in prods]),
        baseline=cells["baseline_imports"].to_numpy().astype(np.float64),
    )


def coalition_parts(
    ctx: Context,
    members: Sequence[int],
    targets: Sequence[int],
    products: Sequence[str],
    stop: StopParts,
    threshold: float | None,
) -> dict[str, Any]:
    """Residual access, leakage through non-members, and who must join."""
    M, T = [int(m) for m in members], [int(t) for t in targets]
    f = _restrict(ctx.flows, products, ctx.product_codes)
    out_t = f.filter(~f.i.isin(T))
    ex = (
        out_t.group_by(product=out_t.k, exporter=out_t.i)
        .aggregate(exports=out_t.v.sum())
        .to_polars()
        .with_columns(pl.col("exporter").cast(pl.Int64))
    )
    acc = coal.access(ex, M)
    leak_src = f.filter(f.j.isin(T) & ~f.i.isin(M))
    leak_x = leak_src.group_by(
        importer=leak_src.j, product=leak_src.k, supplier=leak_src.i
    ).aggregate(baseline=leak_src.v.sum())
    base = leak_x.to_polars().with_columns(
        pl.col("importer").cast(pl.Int64), pl.col("supplier").cast(pl.Int64)
    )
    red = stop.by_supplier.rename({"replaced": "redirected"})
    leakers = (
        base.join(red, on=["importer", "product", "supplier"], how="full", coalesce=True)
        .with_columns(pl.col("baseline", "redirected").fill_null(0.0))
        .with_columns((pl.col("baseline") + pl.col("redirected")).alias("leakage"))
        .sort("leakage", descending=True)
    )
    leak_cell = leakers.group_by("importer", "product").agg(
        pl.col("baseline").sum().alias("baseline_from_non_members"),
        pl.col("leakage").sum(),
    )
    per_target = (
        stop.products.select("importer", "product")
        .join(acc, on="product", how="left")
        .join(leak_cell, on=["importer", "product"], how="left")
        .with_columns(pl.col(pl.Float64).fill_null(0.0))
        .sort("importer", "product")
    )
    jp = js = None
    if threshold is not None:
        cand = coal.candidate_shares(ex, M)
        jp = coal.join_per_product(cand, acc, threshold)
        js = coal.join_jointly(cand, acc, threshold)
    return {"access": per_target, "leakers": leakers, "join_per_product": jp, "join_set": js}


# ------------------------------------------------------------------------------ tariffs


@dataclass(frozen=True)
class TariffParts:
    """Collected pieces of a tariff measure."""

    products: pl.DataFrame
    by_supplier: pl.DataFrame
    pain: pl.DataFrame
    kernel: TariffKernel
    totals: dict[str, Any]


def evaluate_tariff(
    ctx: Context,
    imposers: Sequence[int],
    targets: Sequence[int],
    products: Sequence[str],
    *,
    rate: float,
    eta: float,
    elasticities: Elasticities,
) -> TariffParts:
    """Armington/CES response of each imposer's imports to a tariff on the targets."""
    I_, X = [int(i) for i in imposers], [int(x) for x in targets]
    f = _restrict(ctx.flows, products, ctx.product_codes)
    imp = f.filter(f.j.isin(I_))
    mk = imp.group_by(importer=imp.j, product=imp.k).aggregate(
        v_total=imp.v.sum(), from_target=_sum_where(imp, imp.i.isin(X))
    )
    mk = mk.filter(mk.from_target > 0)
    tex = f.filter(f.i.isin(X))
    te_x = tex.group_by(product=tex.k).aggregate(target_exports=tex.v.sum())
    oth = imp.filter(~imp.i.isin(X))
    oth = oth.semi_join(mk, [oth.j == mk.importer, oth.k == mk["product"]])
    oth_x = oth.group_by(importer=oth.j, product=oth.k, supplier=oth.i).aggregate(v=oth.v.sum())
    all_x = ctx.flows.filter(ctx.flows.i.isin(X)).v.sum().fill_null(0.0)

    cells = (
        mk.to_polars().with_columns(pl.col("importer").cast(pl.Int64)).sort("importer", "product")
    )
    te = te_x.to_polars()
    others = oth_x.to_polars().with_columns(
        pl.col("importer").cast(pl.Int64), pl.col("supplier").cast(pl.Int64)
    )
    target_all = float(all_x.to_pyarrow().as_py() or 0.0)

    sig = elasticities.lookup(cells["product"].to_list())
    vx = cells["from_target"].to_numpy().astype(np.float64)
    vt = cells["v_total"].to_numpy().astype(np.float64)
    sg = sig["sigma"].to_numpy().astype(np.float64)
    resp = armington(vx, vt, rate, sg, eta)
    prod = (
        cells.select("importer", "product", pl.col("v_total").alias("baseline_imports"))
        .with_columns(
            pl.Series("lost_imports", resp.lost_imports),
            pl.Series("replaced", resp.replaced),
            pl.Series("shortfall", resp.shortfall),
        )
        .with_columns(
            pl.when(pl.col("baseline_imports") > 0)
            .then(pl.col("shortfall") / pl.col("baseline_imports"))
            .otherwise(0.0)
            .alias("shortfall_share"),
            pl.Series("from_target", vx),
            pl.Series("sigma", sg),
            sig["sigma_source"],
            pl.Series("price_index", resp.price_index),
            pl.Series("tariff_revenue", resp.tariff_revenue),
        )
        .join(te, on="product", how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col("target_exports") > 0)
            .then(pl.col("from_target") / pl.col("target_exports"))
            .otherwise(None)
            .alias("exposure_share")
        )
    )
    by_sup = (
        others.join(
            prod.select("importer", "product", "baseline_imports", "from_target", "replaced"),
            on=["importer", "product"],
        )
        .with_columns(
            (
                pl.col("replaced")
                * pl.col("v")
                / (pl.col("baseline_imports") - pl.col("from_target"))
            ).alias("replaced")
        )
        .select("importer", "product", "supplier", "replaced")
        .sort(["importer", "product", "replaced"], descending=[False, False, True])
    )
    pain = (
        prod.group_by("product")
        .agg(pl.col("lost_imports").sum().alias("lost_exports"), pl.col("target_exports").first())
        .select(
            pl.lit(",".join(ctx.iso(X))).alias("exporter"),
            "product",
            pl.col("target_exports").alias("exports"),
            "lost_exports",
        )
        .with_columns(
            pl.when(pl.col("exports") > 0)
            .then(pl.col("lost_exports") / pl.col("exports"))
            .otherwise(0.0)
            .alias("lost_share")
        )
        .sort("lost_exports", descending=True)
    )
    tot = totals(prod)
    exposure = float(vx.sum())
    lost = tot["lost_imports"]
    tot.update(
        target_exposure=exposure,
        target_total_exports=target_all,
        exposure_share_of_target_exports=exposure / target_all if target_all else 0.0,
        target_lost_exports=lost,
        target_lost_share_of_exposure=lost / exposure if exposure else 0.0,
        tariff_revenue=float(resp.tariff_revenue.sum()),
        trade_diversion=tot["replaced"],
    )
    kernel = TariffKernel(vx, vt, rate, sg, eta)
    return TariffParts(prod, by_sup, pain, kernel, tot)


# ------------------------------------------------------------------------------ orchestration


def _label(m: Any, ctx: Context) -> str:
    goods = ", ".join([*m.products, *m.baskets]) or "all goods"
    if isinstance(m, Tariff):
        return f"tariff {m.rate:.0%} by {'+'.join(m.imposer)} on {'+'.join(m.target)} ({goods})"
    if isinstance(m, CoalitionControl):
        return f"coalition {'+'.join(m.members)} → {'+'.join(m.target)} ({goods})"
    cut = f", {m.cut_share:.0%} cut" if m.cut_share < 1 else ""
    return f"{m.kind} {'+'.join(m.suppliers)} → {'+'.join(m.targets)} ({goods}{cut})"


def evaluate_measure(
    ctx: Context, index: int, m: Any, *, r: float, elasticities: Elasticities
) -> MeasureResult:
    """Evaluate one measure of a scenario."""
    params = m.model_dump(mode="json")
    where = f"measures[{index}]"
    prods = resolve_products(ctx, m.products, m.baskets)
    if isinstance(m, Tariff):
        imp = resolve_parties(ctx, m.imposer, f"{where}.imposer")
        tgt = resolve_parties(ctx, m.target, f"{where}.target")
        tp = evaluate_tariff(
            ctx, imp, tgt, prods, rate=m.rate, eta=m.eta, elasticities=elasticities
        )
        params["elasticities"] = elasticities.source
        return MeasureResult(
            index=index,
            kind=m.kind,
            label=_label(m, ctx),
            parameters=params,
            products=ctx.with_iso(tp.products, ["importer"]),
            by_supplier=ctx.with_iso(tp.by_supplier, ["importer", "supplier"]),
            pain=tp.pain,
            totals=tp.totals,
            kernel=tp.kernel,
        )
    if isinstance(m, CoalitionControl):
        sup = resolve_parties(ctx, m.members, f"{where}.members")
        tgt = resolve_parties(ctx, m.target, f"{where}.target")
        share = 1.0
    else:
        assert isinstance(m, ExportBan | Quota)
        sup = resolve_parties(ctx, m.suppliers, f"{where}.suppliers")
        tgt = resolve_parties(ctx, m.targets, f"{where}.targets")
        share = m.cut_share
        params["cut_share"] = share
    if not prods:
        raise EconsecError(f"{where}: no product of the {ctx.hs} release matches")
    sp = evaluate_stop(ctx, sup, tgt, prods, share=share, r=r)
    extra: dict[str, Any] = {}
    if isinstance(m, CoalitionControl):
        cp = coalition_parts(ctx, sup, tgt, prods, sp, m.threshold)
        extra["access"] = ctx.with_iso(cp["access"], ["importer"])
        extra["leakers"] = ctx.with_iso(cp["leakers"], ["importer", "supplier"])
        if cp["join_set"] is not None:
            extra["join_per_product"] = ctx.with_iso(cp["join_per_product"], ["exporter"])
            extra["join_set"] = cp["join_set"]
            params["join_set_iso3"] = ctx.iso(cp["join_set"].exporters)
        acc = cp["access"]
        if acc.height:
            sp.totals.update(
                world_supply=float(acc.unique("product")["world_supply"].sum()),
                coalition_share_of_world_supply=_ratio(
                    acc.unique("product")["coalition_supply"].sum(),
                    acc.unique("product")["world_supply"].sum(),
                ),
                leakage=float(acc["leakage"].sum()),
            )
    return MeasureResult(
        index=index,
        kind=m.kind,
        label=_label(m, ctx),
        parameters=params,
        products=ctx.with_iso(sp.products, ["importer"]),
        by_supplier=ctx.with_iso(sp.by_supplier, ["importer", "supplier"]),
        pain=ctx.with_iso(sp.pain, ["exporter"]),
        totals=sp.totals,
        kernel=sp.kernel,
        **extra,
    )


def _ratio(a: Any, b: Any) -> float:
    return float(a) / float(b) if b else 0.0


def run_scenario(
    spec: Scenario,
    *,
    warehouse: Warehouse | None = None,
    home: Path | str | None = None,
    allow_synthetic: bool = False,
    elasticities: Elasticities | None = None,
    io: Any | None = None,
    draws: int | None = None,
    seed: int | None = None,
) -> ScenarioResult:
    """Replay ``spec`` on its year of the warehouse.

    Parameters
    ----------
    spec
        The scenario (see :mod:`econsec.scenarios.spec`).
    warehouse, home, allow_synthetic
        The warehouse, or where to open it.
    elasticities
        σ by product for tariffs; ProTEE under ``ECONSEC_MIRROR`` when present, else the
        default (see :mod:`econsec.scenarios.elasticities`).
    io
        An MRIO table, or a path to one, overriding ``spec.io``: the shortfall is propagated
        through it (see :mod:`econsec.scenarios.propagation`).
    draws, seed
        Monte Carlo draws (overriding ``spec.montecarlo``); no uncertainty when neither is set.
    """
    wh = open_warehouse(warehouse, home, allow_synthetic)
    ctx = open_context(wh, spec.year)
    el = elasticities
    if el is None:
        has_tariff = any(isinstance(m, Tariff) for m in spec.measures)
        el = load_elasticities() if has_tariff else default_elasticities()
    r = spec.redirect_fraction
    results = [
        evaluate_measure(ctx, n, m, r=r, elasticities=el) for n, m in enumerate(spec.measures)
    ]
    if len(results) > 1:
        ctx.notes.append("measures are evaluated separately against the same baseline")
    res = ScenarioResult(
        name=spec.name,
        year=ctx.year,
        hs=ctx.hs,
        release=ctx.release,
        redirect=r,
        horizon=spec.horizon if spec.redirect is None else "custom",
        measures=results,
        notes=ctx.notes,
    )
    from econsec.scenarios.propagation import with_io_and_uncertainty

    return with_io_and_uncertainty(res, spec, io=io, draws=draws, seed=seed)


def export_ban(
    suppliers: str | Sequence[str],
    targets: str | Sequence[str],
    products: str | Sequence[str] = (),
    *,
    year: int,
    baskets: Sequence[str] = (),
    share: float = 1.0,
    horizon: str = "3-12m",
    redirect: float | None = None,
    **kw: Any,
) -> ScenarioResult:
    """Replay an export ban (see :func:`run_scenario` for the keyword arguments)."""
    from econsec.scenarios.spec import parse_scenario

    spec = parse_scenario(
        {
            "name": "export ban",
            "year": year,
            "horizon": horizon,
            "redirect": redirect,
            "measures": [
                {
                    "kind": "export_ban",
                    "suppliers": as_list(suppliers),
                    "targets": as_list(targets),
                    "products": as_list(products),
                    "baskets": list(baskets),
                    "share": share,
                }
            ],
        }
    )
    return run_scenario(spec, **kw)


def tariff(
    imposer: str | Sequence[str],
    target: str | Sequence[str],
    rate: float,
    products: str | Sequence[str] = (),
    *,
    year: int,
    baskets: Sequence[str] = (),
    eta: float = 1.0,
    **kw: Any,
) -> ScenarioResult:
    """Replay an ad-valorem tariff (all goods when no products or baskets are given)."""
    from econsec.scenarios.spec import parse_scenario

    spec = parse_scenario(
        {
            "name": "tariff",
            "year": year,
            "measures": [
                {
                    "kind": "tariff",
                    "imposer": as_list(imposer),
                    "target": as_list(target),
                    "rate": rate,
                    "products": as_list(products),
                    "baskets": list(baskets),
                    "eta": eta,
                }
            ],
        }
    )
    return run_scenario(spec, **kw)


def coalition_control(
    members: str | Sequence[str],
    target: str | Sequence[str],
    products: str | Sequence[str] = (),
    *,
    year: int,
    baskets: Sequence[str] = (),
    threshold: float | None = None,
    horizon: str = "3-12m",
    redirect: float | None = None,
    **kw: Any,
) -> ScenarioResult:
    """Replay a coalition export control (``threshold``: who must join; see :mod:`.coalition`)."""
    from econsec.scenarios.spec import parse_scenario

    spec = parse_scenario(
        {
            "name": "coalition control",
            "year": year,
            "horizon": horizon,
            "redirect": redirect,
            "measures": [
                {
                    "kind": "coalition_control",
                    "members": as_list(members),
                    "target": as_list(target),
                    "products": as_list(products),
                    "baskets": list(baskets),
                    "threshold": threshold,
                }
            ],
        }
    )
    return run_scenario(spec, **kw)


__all__ = [
    "Context",
    "coalition_control",
    "evaluate_measure",
    "evaluate_stop",
    "evaluate_tariff",
    "export_ban",
    "open_context",
    "run_scenario",
    "tariff",
]
