"""Plans over a warehouse: resolve names, assemble each product's LP, solve, report.

>>> from econsec.plan import api
>>> r = api.plan("JPN", "850511", year=2024, rival="CHN", cap=0.5,
...              strategy="friend-shore", group="G7")  # doctest: +SKIP
>>> r.summary()["cost_premium_pct"], r.to_polars()  # doctest: +SKIP

Values are thousand current USD (BACI's unit), volumes tonnes (or thousand USD where no flow
of the product reports a quantity, see :mod:`econsec.plan.costs`), shares of the importer's
supply of the product. One LP is solved per product; a basket gives one plan per product.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from econsec.countries import CountryTable
from econsec.engine import Warehouse
from econsec.errors import NotFoundError
from econsec.plan import costs, lp
from econsec.plan import frontier as _frontier
from econsec.plan.stockpile import DEFAULT_CARRYING_RATE, stock_cover
from econsec.plan.strategies import Strategy, resolve_strategy
from econsec.query.resolver import as_list, open_warehouse
from econsec.query.results import Result
from econsec.substitution import redirect_fraction, redirectable_supply

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["FrontierResult", "PlanResult", "StockpileResult", "frontier", "plan", "stockpile"]

#: Columns of the supplier mix (``PlanResult.to_polars()``).
SUPPLIER_COLUMNS = (
    "product",
    "supplier",
    "role",
    "allowed",
    "unit_value",
    "price_source",
    "baseline_value",
    "baseline_share",
    "planned_value",
    "planned_share",
    "change_value",
    "capacity_value",
)
_SUMMARY_KEYS = (
    "product",
    "feasible",
    "status",
    "strategy",
    "allowed_set",
    "importer",
    "rival",
    "cap",
    "import_value",
    "baseline_rival_share",
    "rival_share",
    "cost_premium",
    "cost_premium_pct",
    "baseline_hhi",
    "hhi",
    "residual_exposure",
    "moved_value",
    "lowest_feasible_cap",
    "binding",
    "message",
)


# ---------------------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class FrontierResult(Result):
    """Cost–dependence frontier per product: ``product`` and the frontier columns."""

    def figure(self, title: str | None = None) -> go.Figure:
        """Plot the frontier (see :func:`econsec.plan.frontier.frontier_figure`)."""
        return _frontier.frontier_figure(self.frame, title=title)

    def summary(self) -> dict[str, Any]:
        """Per product: the lowest feasible cap on the grid and the premium at each cap."""
        out: dict[str, Any] = {"products": {}, "params": dict(self.params)}
        for (k,), part in self.frame.group_by(["product"], maintain_order=True):
            ok = part.filter(pl.col("feasible"))
            out["products"][k] = {
                "lowest_feasible_cap": float(ok["cap"].min()) if ok.height else None,  # type: ignore[arg-type]
                "frontier": part.drop("product").to_dicts(),
            }
        return out


@dataclass(frozen=True)
class PlanResult(Result):
    """Plans for one importer: the supplier mix (``frame``) and one row per product (``plans``).

    Attributes
    ----------
    plans
        Per product: feasibility, shares, cost premium, HHI, residual exposure and, when no
        plan meets the cap, the binding constraint and the lowest feasible cap.
    instances
        The LP of each product (for :meth:`frontier`).
    """

    plans: pl.DataFrame = field(default_factory=pl.DataFrame)
    instances: Mapping[str, lp.Instance] = field(default_factory=dict, repr=False)

    def plan_rows(self) -> pl.DataFrame:
        """Return the per-product frame (a copy)."""
        return self.plans.clone()

    def frontier(self, caps: Sequence[float] | None = None) -> FrontierResult:
        """Sweep the cap for every product planned (default: 0 to 1 by 0.05, plus κ*)."""
        frames = []
        for k, inst in self.instances.items():
            frames.append(
                _frontier.frontier(inst, caps).select(pl.lit(k).alias("product"), pl.all())
            )
        frame = (
            pl.concat(frames)
            if frames
            else pl.DataFrame(
                schema={"product": pl.Utf8, **{c: pl.Float64 for c in _frontier.FRONTIER_COLUMNS}}
            )
        )
        return FrontierResult(frame, {**self.params, "caps": list(caps) if caps else "default"})

    def _product_summary(self, row: Mapping[str, Any]) -> dict[str, Any]:
        sup = self.frame.filter(pl.col("product") == row["product"]).drop("product")
        return {**{k: row[k] for k in _SUMMARY_KEYS}, "suppliers": sup.to_dicts()}

    def summary(self) -> dict[str, Any]:
        """Return the plan (one product) or every plan with totals (several) as plain values.

        Always has ``feasible``, ``suppliers``, ``cost_premium`` and ``rival_share``; for
        several products these are: all feasible, every supplier row, the total premium and
        the rival's share of the planned value over all feasible plans.
        """
        rows = self.plans.filter(pl.col("status") != "no imports").to_dicts()
        if len(rows) == 1:
            return {**self._product_summary(rows[0]), "params": dict(self.params)}
        ok = [r for r in rows if r["feasible"]]
        v0 = sum(r["import_value"] for r in ok)
        prem = sum(r["cost_premium"] for r in ok)
        rival = sum(r["residual_exposure"] for r in ok)
        planned = self.frame.filter(pl.col("product").is_in([r["product"] for r in ok]))
        total = float(planned["planned_value"].sum()) if planned.height else 0.0
        return {
            "feasible": bool(rows) and len(ok) == len(rows),
            "products": len(rows),
            "feasible_products": len(ok),
            "no_imports": self.plans.filter(pl.col("status") == "no imports")["product"].to_list(),
            "import_value": v0,
            "cost_premium": prem,
            "cost_premium_pct": 100.0 * prem / v0 if v0 else None,
            "rival_share": rival / total if total else None,
            "residual_exposure": rival,
            "plans": [self._product_summary(r) for r in rows],
            "suppliers": self.frame.to_dicts(),
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class StockpileResult(Result):
    """Stock needed per product to bridge a ban of the rival (see :mod:`.stockpile`)."""

    def summary(self) -> dict[str, Any]:
        """Totals over products: stock value, its carrying cost and cover in days."""
        df = self.frame
        imp = float(df["import_value"].sum()) if df.height else 0.0
        stock = float(df["stock_value"].sum()) if df.height else 0.0
        return {
            "products": df.height,
            "import_value": imp,
            "stock_value": stock,
            "days_cover": stock / (imp / 365.0) if imp else 0.0,
            "carrying_cost": float(df["carrying_cost"].sum()) if df.height else 0.0,
            "rows": df.to_dicts(),
            "params": dict(self.params),
        }


# ---------------------------------------------------------------------------------------------
# resolution


@dataclass(frozen=True)
class _Setup:
    wh: Warehouse
    year: int
    hs: str
    release: str
    ct: CountryTable
    importer: int
    rivals: tuple[int, ...]
    rival_label: str
    products: list[str]


def _product_list(
    products: Any, basket: str | None, table: pl.DataFrame, hs: str, home: Path
) -> list[str]:
    """HS6 codes from codes (6 digits, or 2/4-digit headings expanded) and a basket."""
    from econsec.baskets import basket_codes

    known = set(table["code"].to_list())
    out: set[str] = set()
    for p in as_list(products):
        s = str(p).strip()
        if s.isdigit() and len(s) in (1, 3, 5):
            s = "0" + s  # a leading zero lost to a numeric conversion
        hit = (
            {s}
            if s in known
            else (
                {c for c in known if c.startswith(s)} if s.isdigit() and len(s) in (2, 4) else set()
            )
        )
        if not hit:
            near = sorted(c for c in known if c.startswith(s[:4]))[:5]
            raise NotFoundError("product", p, near, hint=f"not in the {hs} product table")
        out |= hit
    if basket is not None:
        out |= set(basket_codes(basket, hs, home=home))
    if not out:
        raise ValueError("give at least one product (--product) or a basket (--basket)")
    return sorted(out)


def _rivals(rival: Any, ct: CountryTable, year: int, home: Path) -> tuple[tuple[int, ...], str]:
    from econsec.reference import groups

    codes: set[int] = set()
    names = as_list(rival)
    if not names:
        raise ValueError("give a rival (--rival)")
    for n in names:
        if isinstance(n, str) and groups.is_group(n, home=home):
            for iso3 in groups.members(n, on=year, home=home):
                try:
                    codes.add(ct.resolve(iso3))
                except NotFoundError:
                    continue
        else:
            codes.add(ct.resolve(n))
    label = "+".join(
        str(n) if isinstance(n, str) and not str(n).isdigit() else ct.iso3_of(int(n)) for n in names
    )
    return tuple(sorted(codes)), label.upper()


def _setup(
    importer: str | int,
    products: Any,
    basket: str | None,
    rival: Any,
    year: int | None,
    warehouse: Warehouse | None,
    home: Path | str | None,
    allow_synthetic: bool,
) -> _Setup:
    wh = open_warehouse(warehouse, home, allow_synthetic)
    if year is None:
        held = wh.years()
        if not held:
            raise NotFoundError(
                "year",
                "latest",
                hint=f"the warehouse at {wh.home} holds none; "
                "run 'econsec data fetch baci --hs HS17 --release V202601'",
            )
        year = held[-1]
    rel = wh.release_for(int(year))
    ct = wh.countries(rel.hs, rel.release)
    m = ct.resolve(importer)
    rivals, label = _rivals(rival, ct, int(year), wh.home)
    if m in rivals:
        raise ValueError(f"the importer {ct.iso3_of(m)} cannot be its own rival")
    prods = _product_list(products, basket, wh.products(rel.hs, rel.release), rel.hs, wh.home)
    return _Setup(wh, int(year), rel.hs, rel.release, ct, m, rivals, label, prods)


def _flows(s: _Setup, fraction: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Flows of the products (polars) and each exporter's other sales (redirectable pool)."""
    t = s.wh.trade(s.year, hs=s.hs, release=s.release)
    t = t.filter(t.k.isin(s.products))
    flows = t.select("i", "j", "k", "v", "q").to_polars()
    pool = redirectable_supply(t, [s.importer], fraction=fraction, exclude_exporters=s.rivals)
    pool_df = pool.select(
        i="exporter", k="k", other_sales="other_sales", capacity_value="capacity"
    ).to_polars()
    return flows, pool_df


# ---------------------------------------------------------------------------------------------
# assembling the LP of each product


def _supplier_table(
    s: _Setup,
    flows: pl.DataFrame,
    pool: pl.DataFrame,
    strat: Strategy,
    fraction: float,
    domestic_capacity: float | None,
) -> pl.DataFrame:
    """One row per product × potential supplier with the LP's data."""
    m = s.importer
    base = flows.filter(pl.col("j") == m).group_by("k", "i").agg(v0=pl.col("v").sum())
    uv = costs.unit_values(flows, m)
    sup = (
        flows.filter(pl.col("i") != m)
        .select("k", "i")
        .unique()
        .join(base, on=["k", "i"], how="left")
        .join(uv, on=["k", "i"], how="left")
        .join(pool.select("k", "i", "capacity_value"), on=["k", "i"], how="left")
        .with_columns(
            pl.col("v0").fill_null(0.0),
            pl.col("capacity_value").fill_null(0.0),
            pl.lit("supplier").alias("role"),
        )
    )
    rival = pl.col("i").is_in(list(s.rivals))
    allowed = ~rival if strat.allowed is None else (pl.col("i").is_in(list(strat.allowed)) & ~rival)
    sup = sup.with_columns(
        pl.when(rival)
        .then(pl.lit("rival"))
        .when(pl.col("v0") > 0)
        .then(pl.lit("incumbent"))
        .otherwise(pl.lit("new"))
        .alias("role"),
        allowed.alias("allowed"),
        pl.lit(False).alias("domestic"),
    )
    if strat.domestic:
        sup = pl.concat(
            [sup, _domestic_rows(s, flows, sup, uv, fraction, domestic_capacity)],
            how="diagonal_relaxed",
        )
    return sup.filter(pl.col("k").is_in(base.filter(pl.col("v0") > 0)["k"].unique().to_list()))


def _domestic_rows(
    s: _Setup,
    flows: pl.DataFrame,
    sup: pl.DataFrame,
    uv: pl.DataFrame,
    fraction: float,
    domestic_capacity: float | None,
) -> pl.DataFrame:
    """Add the importer's own output as a supplier: import unit value, capacity.

    Capacity is ``domestic_capacity × demand`` when given, else the redirectable fraction of
    the importer's own exports of the product (production it could keep at home).
    """
    m = s.importer
    imp = (
        sup.filter(pl.col("v0") > 0)
        .group_by("k")
        .agg(
            price=pl.col("v0").sum() / (pl.col("v0") / pl.col("price")).sum(),
            demand=(pl.col("v0") / pl.col("price")).sum(),
        )
    )
    exports = flows.filter(pl.col("i") == m).group_by("k").agg(x=pl.col("v").sum())
    own_uv = uv.filter(pl.col("i") == m).select("k", pl.col("price").alias("p_export"))
    d = imp.join(exports, on="k", how="left").join(own_uv, on="k", how="left")
    if domestic_capacity is not None:
        if domestic_capacity < 0:
            raise ValueError(f"domestic capacity must be non-negative, got {domestic_capacity}")
        cap_vol = pl.col("demand") * domestic_capacity
    else:
        cap_vol = (fraction * pl.col("x").fill_null(0.0) / pl.col("p_export")).fill_null(0.0)
    return d.select(
        "k",
        pl.lit(m, dtype=pl.Int16).alias("i"),
        pl.lit(0.0).alias("v0"),
        "price",
        pl.lit("importer's import unit value").alias("price_source"),
        (cap_vol * pl.col("price")).alias("capacity_value"),
        pl.lit("domestic").alias("role"),
        pl.lit(True).alias("allowed"),
        pl.lit(True).alias("domestic"),
    )


def _instance(
    part: pl.DataFrame, strat: Strategy, switching_premium: float, reshore_premium: float
) -> lp.Instance:
    price = part["price"].to_numpy().astype(float)
    q0 = part["v0"].to_numpy() / price
    rival = (part["role"] == "rival").to_numpy()
    domestic = part["domestic"].to_numpy()
    premium = np.where(domestic, reshore_premium, switching_premium)
    floor = costs.rival_unit_value(q0, price, rival)
    keep = np.zeros(len(q0), dtype=bool) if strat.single_cap is not None else ~rival
    return lp.Instance(
        q0=q0,
        price=price,
        unit_cost=costs.kept_cost(price, floor),
        extra_cost=costs.extra_cost(price, premium, floor),
        capacity=part["capacity_value"].to_numpy() / price,
        allowed=part["allowed"].to_numpy(),
        rival=rival,
        keep=keep,
        single_cap=strat.single_cap,
    )


def _solve_product(
    k: str, part: pl.DataFrame, inst: lp.Instance, cap: float, s: _Setup, strat: Strategy
) -> tuple[dict[str, Any], pl.DataFrame]:
    sol = lp.solve_plan(inst, cap)
    v0 = inst.price * inst.q0
    V0 = float(v0.sum())
    C0 = inst.baseline_cost
    row: dict[str, Any] = {
        "product": k,
        "feasible": sol.feasible,
        "status": sol.status,
        "strategy": strat.name,
        "allowed_set": strat.label,
        "importer": s.ct.iso3_of(s.importer),
        "rival": s.rival_label,
        "cap": cap,
        "import_value": V0,
        "baseline_rival_share": inst.rival_share(inst.q0),
        "baseline_hhi": lp.hhi(v0),
        "n_suppliers_before": int((v0 > 0).sum()),
    }
    if sol.feasible:
        v1 = inst.price * sol.x
        v1 = np.where(np.abs(v1 - v0) <= 1e-9 * V0, v0, v1)  # solver noise is no change
        prem = lp.premium(sol.cost, C0)
        row.update(
            rival_share=inst.rival_share(sol.x),
            cost_premium=prem,
            cost_premium_pct=100.0 * prem / V0,
            hhi=lp.hhi(v1),
            residual_exposure=float(v1[inst.rival].sum()),
            moved_value=float((inst.price * sol.extra).sum()),
            n_suppliers_after=int((v1 > 1e-9 * V0).sum()),
            lowest_feasible_cap=None,
            binding=None,
            message="",
        )
    else:
        diag = lp.diagnose(inst, cap)
        v1 = np.full(inst.n, np.nan)
        row.update(
            rival_share=None,
            cost_premium=None,
            cost_premium_pct=None,
            hhi=None,
            residual_exposure=None,
            moved_value=None,
            n_suppliers_after=None,
            lowest_feasible_cap=diag.lowest_feasible_cap,
            binding=diag.binding,
            message=diag.message(cap),
        )
    total = float(np.nansum(v1)) if sol.feasible else float("nan")
    mix = part.select(
        pl.lit(k).alias("product"),
        "i",
        "role",
        "allowed",
        pl.col("price").alias("unit_value"),
        "price_source",
        pl.Series("baseline_value", v0),
        pl.Series("baseline_share", v0 / V0),
        pl.Series("planned_value", v1),
        pl.Series("planned_share", v1 / total),
        pl.Series("change_value", v1 - v0),
        "capacity_value",
    ).filter((pl.col("baseline_value") > 0) | (pl.col("planned_value") > 1e-9 * V0))
    return row, mix


def _display(mix: pl.DataFrame, ct: CountryTable) -> pl.DataFrame:
    mapping = {int(c): str(i) for c, i in ct.mapping().select("code", "iso3").rows()}
    sup = pl.col("i").replace_strict(mapping, default=None, return_dtype=pl.Utf8)
    return (
        mix.with_columns(sup.fill_null(pl.format("C{}", pl.col("i"))).alias("supplier"))
        .select(*SUPPLIER_COLUMNS)
        .with_columns(
            pl.col(c).fill_nan(None) for c in ("planned_value", "planned_share", "change_value")
        )
    )


# ---------------------------------------------------------------------------------------------
# public API


def plan(
    importer: str | int,
    products: str | int | Sequence[str | int] | None = None,
    *,
    year: int | None = None,
    basket: str | None = None,
    rival: str | int | Sequence[str | int] = "CHN",
    cap: float = 0.5,
    strategy: str = "diversify",
    group: str | None = None,
    region: str | Sequence[str] | None = None,
    single_cap: float | None = None,
    switching_premium: float = costs.DEFAULT_SWITCHING_PREMIUM,
    reshore_premium: float = costs.DEFAULT_RESHORE_PREMIUM,
    domestic_capacity: float | None = None,
    horizon: str | None = None,
    redirect: float | None = None,
    warehouse: Warehouse | None = None,
    home: Path | str | None = None,
    allow_synthetic: bool = False,
) -> PlanResult:
    """Cheapest reallocation of an importer's supply bringing the rival's share to ``cap``.

    One LP per product (see :mod:`econsec.plan.lp`): demand (volume) is kept, suppliers in the
    strategy's allowed set (:mod:`econsec.plan.strategies`) expand up to their redirectable
    exports, costs come from unit values plus a switching premium (:mod:`econsec.plan.costs`).

    Parameters
    ----------
    importer
        ISO3, ISO2, name or CEPII code of the importer.
    products
        HS6 codes (2/4-digit headings expand to their HS6 codes).
    year
        Year of the flows; the latest held when omitted.
    basket
        A basket name (:mod:`econsec.baskets`) adding its codes.
    rival
        The country (or group, or list) whose share is capped.
    cap
        Maximum value share of the rival in the plan, in [0, 1].
    strategy
        ``diversify``, ``friend-shore``, ``near-shore``, ``china-plus-one`` or ``reshore``.
    group, region, single_cap
        Options of friend-shore (group name), near-shore (M49 regions, sub-regions or groups)
        and china-plus-one (cap on any single supplier; the rival's cap by default).
    switching_premium
        σ, the premium on volume bought beyond a supplier's baseline.
    reshore_premium
        ρ, the premium of domestic output over the import unit value.
    domestic_capacity
        Domestic capacity as a fraction of demand (reshore); by default the redirectable
        fraction of the importer's own exports of the product.
    horizon, redirect
        Substitution horizon (``0-3m``, ``3-12m``, ``12m+``) or explicit redirectable fraction.
    warehouse, home, allow_synthetic
        The warehouse (or its folder), and whether synthetic releases may be used.
    """
    if not 0.0 <= cap <= 1.0:
        raise ValueError(f"cap must be in [0, 1], got {cap}")
    if switching_premium < 0 or reshore_premium < 0:
        raise ValueError("premiums must be non-negative")
    r = redirect_fraction(horizon, redirect)
    s = _setup(importer, products, basket, rival, year, warehouse, home, allow_synthetic)
    strat = resolve_strategy(
        strategy,
        importer=s.ct.iso3_of(s.importer),
        ct=s.ct,
        year=s.year,
        cap=cap,
        group=group,
        region=as_list(region) or None,
        single_cap=single_cap,
        home=s.wh.home,
    )
    flows, pool = _flows(s, r)
    table = _supplier_table(s, flows, pool, strat, r, domestic_capacity)
    parts = table.sort("k", "i").partition_by("k", as_dict=True)
    rows: list[dict[str, Any]] = []
    mixes: list[pl.DataFrame] = []
    instances: dict[str, lp.Instance] = {}
    for k in s.products:
        part = parts.get((k,))
        if part is None:
            rows.append(
                {
                    "product": k,
                    "feasible": None,
                    "status": "no imports",
                    "strategy": strat.name,
                    "allowed_set": strat.label,
                    "importer": s.ct.iso3_of(s.importer),
                    "rival": s.rival_label,
                    "cap": cap,
                }
            )
            continue
        inst = _instance(part, strat, switching_premium, reshore_premium)
        instances[k] = inst
        row, mix = _solve_product(k, part, inst, cap, s, strat)
        rows.append(row)
        mixes.append(mix)
    frame = (
        _display(pl.concat(mixes), s.ct).sort(
            ["product", "planned_value", "baseline_value"],
            descending=[False, True, True],
            nulls_last=True,
        )
        if mixes
        else pl.DataFrame(schema=dict.fromkeys(SUPPLIER_COLUMNS, pl.Utf8))
    )
    plans = pl.DataFrame(rows, infer_schema_length=None)
    params = {
        "importer": s.ct.iso3_of(s.importer),
        "year": s.year,
        "hs": s.hs,
        "release": s.release,
        "rival": s.rival_label,
        "cap": cap,
        "strategy": strat.name,
        "allowed_set": strat.label,
        "single_cap": strat.single_cap,
        "switching_premium": switching_premium,
        "reshore_premium": reshore_premium,
        "domestic_capacity": domestic_capacity,
        "redirect": r,
        "products": s.products,
        "basket": basket,
    }
    return PlanResult(frame, params, plans=plans, instances=instances)


def frontier(
    importer: str | int,
    products: str | int | Sequence[str | int] | None = None,
    *,
    caps: Sequence[float] | None = None,
    **kwargs: Any,
) -> FrontierResult:
    """Sweep the cap: the cost–dependence frontier (default caps: 0 to 1 by 0.05).

    Takes :func:`plan`'s keyword arguments (``cap`` is ignored but for the default
    single-supplier cap of china-plus-one).
    """
    return plan(importer, products, **kwargs).frontier(caps)


def stockpile(
    importer: str | int,
    products: str | int | Sequence[str | int] | None = None,
    *,
    year: int | None = None,
    basket: str | None = None,
    rival: str | int | Sequence[str | int] = "CHN",
    ban_days: float = 180.0,
    carrying_rate: float = DEFAULT_CARRYING_RATE,
    warehouse: Warehouse | None = None,
    home: Path | str | None = None,
    allow_synthetic: bool = False,
) -> StockpileResult:
    """Days of import cover needed to bridge a ban by the rival, and its carrying cost.

    See :mod:`econsec.plan.stockpile` for the formula. Values in thousand USD.
    """
    s = _setup(importer, products, basket, rival, year, warehouse, home, allow_synthetic)
    flows, pool = _flows(s, 1.0)
    m = s.importer
    to_m = flows.filter(pl.col("j") == m)
    imports = to_m.group_by("k").agg(import_value=pl.col("v").sum())
    lost = (
        to_m.filter(pl.col("i").is_in(list(s.rivals)))
        .group_by("k")
        .agg(rival_value=pl.col("v").sum())
    )
    other = pool.group_by("k").agg(redirectable_pool=pl.col("other_sales").sum())
    base = (
        imports.join(lost, on="k", how="left")
        .join(other, on="k", how="left")
        .with_columns(
            pl.col("rival_value").fill_null(0.0), pl.col("redirectable_pool").fill_null(0.0)
        )
        .sort("k")
    )
    rows = []
    for k, imp, lv, sp_ in base.select(
        "k", "import_value", "rival_value", "redirectable_pool"
    ).rows():
        c = stock_cover(lv, imp, sp_, ban_days, carrying_rate=carrying_rate)
        rows.append(
            {
                "product": k,
                "import_value": imp,
                "rival_value": lv,
                "rival_share": lv / imp,
                "redirectable_pool": sp_,
                **{
                    f"shortfall_{h.replace('-', '_').replace('+', 'plus')}": g
                    for h, g in c.shortfall.items()
                },
                "ban_days": float(ban_days),
                "stock_value": c.stock_value,
                "days_cover": c.days_cover,
                "carrying_cost": c.carrying_cost,
            }
        )
    frame = (
        pl.DataFrame(rows, infer_schema_length=None)
        if rows
        else pl.DataFrame(
            schema={
                "product": pl.Utf8,
                "import_value": pl.Float64,
                "stock_value": pl.Float64,
                "carrying_cost": pl.Float64,
                "days_cover": pl.Float64,
            }
        )
    )
    params = {
        "importer": s.ct.iso3_of(m),
        "year": s.year,
        "rival": s.rival_label,
        "ban_days": ban_days,
        "carrying_rate": carrying_rate,
        "products": s.products,
        "basket": basket,
    }
    return StockpileResult(frame, params)
