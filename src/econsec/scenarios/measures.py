"""Evaluate one measure on the year's flows: Ibis queries, then the models on small frames.

Flow queries are Ibis expressions executed once per measure (DuckDB by default); the models in
:mod:`.model`, :mod:`.tariff` and :mod:`.coalition` run on the collected frames. Codes are
the flows' (canonical country codes, negative codes for merged blocs) until the result is
shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
import numpy as np
import polars as pl

from econsec.scenarios import coalition as coal
from econsec.scenarios.assembly import (
    Blocs,
    Context,
    MeasureSpec,
    Side,
    blocs_of,
    check_apart,
    flow_notes,
    measure_products,
    ratio,
    resolve_side,
    restrict,
    shown,
)
from econsec.scenarios.coalition import JoinSet
from econsec.scenarios.elasticities import Elasticities
from econsec.scenarios.model import coercer_pain, substitution, totals
from econsec.scenarios.montecarlo import StopKernel, TariffKernel
from econsec.scenarios.results import MeasureResult
from econsec.scenarios.spec import CoalitionControl, Tariff
from econsec.scenarios.tariff import armington
from econsec.substitution import redirectable_supply


def _sum_where(t: ir.Table, cond: ir.BooleanValue) -> ir.FloatingValue:
    return t.v.sum(where=cond).fill_null(0.0)


def _int_cols(df: pl.DataFrame, *cols: str) -> pl.DataFrame:
    return df.with_columns(pl.col(c).cast(pl.Int64) for c in cols)


def _scalar(e: ir.FloatingValue) -> float:
    return float(e.to_pyarrow().as_py() or 0.0)


# ------------------------------------------------------------------------------ stops


@dataclass(frozen=True)
class StopParts:
    """Collected pieces of a stop (ban, quota, coalition), in flow codes."""

    products: pl.DataFrame
    by_supplier: pl.DataFrame
    pain: pl.DataFrame
    kernel: StopKernel
    totals: dict[str, Any]
    touched: pl.DataFrame


def evaluate_stop(
    flows: ir.Table,
    every: ir.Table,
    suppliers: Sequence[int],
    targets: Sequence[int],
    *,
    share: float,
    r: float,
) -> StopParts:
    """Suppliers stop ``share`` of their flows of the products to the targets.

    Parameters
    ----------
    flows
        The measure's flows: its products only, blocs merged.
    every
        Every flow of the year (for the suppliers' exports of all goods).
    """
    S, T = [int(s) for s in suppliers], [int(t) for t in targets]
    f = flows
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

    cells = _int_cols(cells_x.to_polars(), "importer")
    pool = _int_cols(pool_x.to_polars(), "exporter")
    pain_raw = _int_cols(pain_x.to_polars(), "exporter")
    supplier_exports = _scalar(every.filter(every.i.isin(S)).v.sum().fill_null(0.0))

    prod, by_sup = substitution(cells, pool, share=share, r=r)
    pain = coercer_pain(pain_raw, share=share).sort("lost_exports", descending=True)
    kernel = _stop_kernel(cells.sort("importer", "product"), pool, share)
    tot = totals(prod)
    lost_exp = float(pain["lost_exports"].sum())
    prod_exp = float(pain_raw["exports"].sum())
    tot.update(
        coercer_lost_exports=lost_exp,
        coercer_lost_share_of_product_exports=ratio(lost_exp, prod_exp),
        coercer_lost_share_of_all_exports=ratio(lost_exp, supplier_exports),
        pain_ratio=lost_exp / tot["shortfall"] if tot["shortfall"] else None,
    )
    touched = cells.filter(pl.col("banned_flow") > 0).select("importer", "product")
    return StopParts(prod, by_sup, pain, kernel, tot, touched)


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


@dataclass(frozen=True)
class CoalitionParts:
    """Residual access, leakage and who must join, in flow codes."""

    access: pl.DataFrame
    leakers: pl.DataFrame
    join_per_product: pl.DataFrame | None
    join_set: JoinSet | None


def coalition_parts(
    flows: ir.Table,
    members: Sequence[int],
    targets: Sequence[int],
    stop: StopParts,
    threshold: float | None,
) -> CoalitionParts:
    """Residual access, leakage through non-members, and who must join."""
    M, T = [int(m) for m in members], [int(t) for t in targets]
    f = flows
    out_t = f.filter(~f.i.isin(T))
    ex = _int_cols(
        out_t.group_by(product=out_t.k, exporter=out_t.i)
        .aggregate(exports=out_t.v.sum())
        .to_polars(),
        "exporter",
    )
    acc = coal.access(ex, M)
    leak_src = f.filter(f.j.isin(T) & ~f.i.isin(M))
    leak_x = leak_src.group_by(
        importer=leak_src.j, product=leak_src.k, supplier=leak_src.i
    ).aggregate(baseline=leak_src.v.sum())
    base = _int_cols(leak_x.to_polars(), "importer", "supplier")
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
    if threshold is None:
        return CoalitionParts(per_target, leakers, None, None)
    cand = coal.candidate_shares(ex, M)
    return CoalitionParts(
        per_target,
        leakers,
        coal.join_per_product(cand, acc, threshold),
        coal.join_jointly(cand, acc, threshold),
    )


# ------------------------------------------------------------------------------ tariffs


@dataclass(frozen=True)
class TariffParts:
    """Collected pieces of a tariff measure, in flow codes."""

    products: pl.DataFrame
    by_supplier: pl.DataFrame
    pain: pl.DataFrame
    kernel: TariffKernel
    totals: dict[str, Any]


def evaluate_tariff(
    flows: ir.Table,
    every: ir.Table,
    imposers: Sequence[int],
    targets: Sequence[int],
    *,
    rate: float,
    eta: float,
    elasticities: Elasticities,
    target_label: str,
) -> TariffParts:
    """Armington/CES response of each imposer's imports to a tariff on the targets.

    Parameters
    ----------
    flows
        The measure's flows: its products only (all when none given), blocs merged.
    every
        Every flow of the year (for the targets' exports of all goods).
    target_label
        How the targets are shown in the pain table (they are taxed together).
    """
    I_, X = [int(i) for i in imposers], [int(x) for x in targets]
    f = flows
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

    cells = _int_cols(mk.to_polars(), "importer").sort("importer", "product")
    te = te_x.to_polars()
    others = _int_cols(oth_x.to_polars(), "importer", "supplier")
    target_all = _scalar(every.filter(every.i.isin(X)).v.sum().fill_null(0.0))

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
            pl.lit(target_label).alias("exporter"),
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
        exposure_share_of_target_exports=ratio(exposure, target_all),
        target_lost_exports=lost,
        target_lost_share_of_exposure=ratio(lost, exposure),
        tariff_revenue=float(resp.tariff_revenue.sum()),
        trade_diversion=tot["replaced"],
    )
    kernel = TariffKernel(vx, vt, rate, sg, eta)
    return TariffParts(prod, by_sup, pain, kernel, tot)


# ------------------------------------------------------------------------------ one measure


def _label(m: MeasureSpec, a: Side, b: Side) -> str:
    goods = ", ".join([*m.products, *m.baskets]) or "all goods"
    if isinstance(m, Tariff):
        return f"tariff {m.rate:.0%} by {a.label} on {b.label} ({goods})"
    if isinstance(m, CoalitionControl):
        return f"coalition {a.label} → {b.label} ({goods})"
    cut = f", {m.cut_share:.0%} cut" if m.cut_share < 1 else ""
    return f"{m.kind} {a.label} → {b.label} ({goods}{cut})"


def _sides(ctx: Context, m: MeasureSpec, where: str) -> tuple[Side, Side]:
    """Resolve a measure's two sides: the imposer (or coalition) and the target."""
    if isinstance(m, Tariff):
        a = resolve_side(ctx, m.imposer, f"{where}.imposer", "importer")
        b = resolve_side(ctx, m.target, f"{where}.target", "target")
    elif isinstance(m, CoalitionControl):
        a = resolve_side(ctx, m.members, f"{where}.members", "coalition")
        b = resolve_side(ctx, m.target, f"{where}.target", "importer")
    else:
        a = resolve_side(ctx, m.suppliers, f"{where}.suppliers", "imposer")
        b = resolve_side(ctx, m.targets, f"{where}.targets", "importer")
    check_apart(ctx, a, b, where)
    return a, b


def evaluate_measure(
    ctx: Context, index: int, m: MeasureSpec, *, r: float, elasticities: Elasticities
) -> MeasureResult:
    """Evaluate one measure of a scenario.

    Raises
    ------
    NotFoundError
        For an unknown country, group or product (the message names the field).
    ValueError
        For a degenerate measure: a country on both sides, a country twice on one side.
    """
    where = f"measures[{index}]"
    a, b = _sides(ctx, m, where)
    prods = measure_products(ctx, m, where)
    params: dict[str, Any] = {
        **m.model_dump(mode="json"),
        "hs6": prods,
        "meaning": [*a.meaning(), *b.meaning()],
    }
    label = _label(m, a, b)
    if isinstance(m, Tariff):
        blocs = blocs_of(a)
        flows = blocs.apply(restrict(ctx, prods))
        tp = evaluate_tariff(
            flows,
            ctx.flows,
            a.codes,
            b.codes,
            rate=m.rate,
            eta=m.eta,
            elasticities=elasticities,
            target_label=b.label,
        )
        params["elasticities"] = elasticities.source
        products = shown(tp.products, ctx, blocs)
        touched = products.select("importer", "product")
        notes = flow_notes(ctx, prods, touched, a, f"from {b.label}")
        return MeasureResult(
            products,
            params,
            tuple(notes),
            index=index,
            kind=m.kind,
            label=label,
            by_supplier=shown(tp.by_supplier, ctx, blocs),
            pain=tp.pain,
            totals=tp.totals,
            kernel=tp.kernel,
        )
    blocs = blocs_of(b)
    flows = blocs.apply(restrict(ctx, prods))
    share = 1.0 if isinstance(m, CoalitionControl) else m.cut_share
    if not isinstance(m, CoalitionControl):
        params["cut_share"] = share
    sp = evaluate_stop(flows, ctx.flows, a.codes, b.codes, share=share, r=r)
    notes = flow_notes(ctx, prods, shown(sp.touched, ctx, blocs), b, f"from {a.label}")
    extra: dict[str, Any] = {}
    if isinstance(m, CoalitionControl):
        extra, more = _coalition(ctx, flows, a, b, sp, m.threshold, blocs, params)
        sp.totals.update(more)
    return MeasureResult(
        shown(sp.products, ctx, blocs),
        params,
        tuple(notes),
        index=index,
        kind=m.kind,
        label=label,
        by_supplier=shown(sp.by_supplier, ctx, blocs),
        pain=shown(sp.pain, ctx, blocs),
        totals=sp.totals,
        kernel=sp.kernel,
        **extra,
    )


def _coalition(
    ctx: Context,
    flows: ir.Table,
    members: Side,
    target: Side,
    sp: StopParts,
    threshold: float | None,
    blocs: Blocs,
    params: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, float]]:
    """Return the coalition's tables (shown) and totals; record who must join in ``params``."""
    cp = coalition_parts(flows, members.codes, target.codes, sp, threshold)
    extra: dict[str, Any] = {
        "access": shown(cp.access, ctx, blocs),
        "leakers": shown(cp.leakers, ctx, blocs),
    }
    if cp.join_set is not None and cp.join_per_product is not None:
        extra["join_per_product"] = shown(cp.join_per_product, ctx, blocs)
        extra["join_set"] = cp.join_set
        params["join_set_iso3"] = ctx.r.iso3s(cp.join_set.exporters)
    acc = cp.access.unique("product")
    if not cp.access.height:
        return extra, {}
    return extra, {
        "world_supply": float(acc["world_supply"].sum()),
        "coalition_share_of_world_supply": ratio(
            acc["coalition_supply"].sum(), acc["world_supply"].sum()
        ),
        "leakage": float(cp.access["leakage"].sum()),
    }
