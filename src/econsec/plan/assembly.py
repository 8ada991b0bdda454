"""Assembly of the plan verbs: resolve a call, read its flows, build and solve each product's LP.

A call is resolved once (:func:`setup`, over a :class:`~econsec.query.Resolver`): the importer
(a country, or a bloc whose members act as one buyer), the rival, the products. Flows come from
:func:`econsec.query.flows.release_flows` (every CEPII code of a country merged into one); a
bloc importer is merged into one node (:data:`BLOC_CODE`) with the trade between its members
dropped, so its demand is its extra-bloc imports and its own output is proxied by its
extra-bloc exports, exactly as a country's imports and exports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import polars as pl

from econsec.engine import Warehouse
from econsec.formatting import plural
from econsec.plan import costs, lp
from econsec.plan.results import NO_IMPORTS, SUPPLIER_COLUMNS
from econsec.plan.stockpile import stock_cover
from econsec.plan.strategies import Strategy
from econsec.query.flows import display, release_flows
from econsec.query.resolver import Countries, Party, Products, Resolver, as_list
from econsec.substitution import redirectable_supply

#: Code of a bloc importer once its members are merged (CEPII codes are positive).
BLOC_CODE = -1
#: Rival used when neither a rival nor a rival group is given.
DEFAULT_RIVAL = "CHN"
#: Relative change (of the product's import value) below which a value is solver noise.
NOISE = 1e-9
#: Most product codes listed in one note.
NOTE_CODES = 20


@dataclass(frozen=True)
class Setup:
    """One plan call, resolved against the release of its year."""

    r: Resolver
    importer: Party
    rival: Party
    products: list[str]

    @property
    def wh(self) -> Warehouse:
        """The warehouse."""
        return self.r.wh

    @property
    def year(self) -> int:
        """The year of the flows."""
        return self.r.year

    @property
    def code(self) -> int:
        """The importer's code in the flows: its own, or :data:`BLOC_CODE` for a bloc."""
        return BLOC_CODE if self.importer.is_bloc else self.importer.codes[0]

    @property
    def rivals(self) -> tuple[int, ...]:
        """Codes of the rival's members."""
        return self.rival.codes

    @property
    def labels(self) -> dict[int, str]:
        """Display label of the bloc code."""
        return {BLOC_CODE: self.importer.label} if self.importer.is_bloc else {}

    def meaning(self, domestic: bool) -> list[str]:
        """Say what the blocs of the call stand for (empty when every party is a country)."""
        out = []
        if self.importer.is_bloc:
            out.append(self.importer.meaning("importer"))
            if domestic:
                out.append(
                    f"domestic supply of {self.importer.label} = its members' output, "
                    "capacity proxied by their extra-bloc exports"
                )
        if self.rival.is_bloc:
            out.append(self.rival.meaning("rival"))
        return out

    def params(self) -> dict[str, Any]:
        """Parameters every plan verb records: parties, year, nomenclature, products."""
        return {
            "importer": self.importer.label,
            "year": self.year,
            "hs": self.r.hs,
            "release": self.r.release.release,
            "rival": self.rival.label,
            "products": self.products,
        }


def setup(
    wh: Warehouse,
    importer: Countries,
    year: int | None,
    products: Products | None,
    basket: str | None,
    rival: Countries | None,
    rival_group: str | None,
) -> Setup:
    """Resolve the parties, the year (latest held when ``None``) and the products.

    Raises
    ------
    ValueError
        For no product, or a rival that is the importer (or shares members with its bloc).
    NotFoundError
        For an unknown country, group, year or product.
    """
    r = Resolver(wh, year)
    imp = r.party(importer)
    riv = rival_party(r, rival, rival_group)
    shared = sorted(set(imp.codes) & set(riv.codes))
    if shared and not imp.is_bloc:
        inside = f" (a member of {riv.label})" if riv.is_bloc else ""
        raise ValueError(f"the importer {imp.label} cannot be its own rival{inside}")
    if shared:
        raise ValueError(
            f"the rival {riv.label} shares members with the importer {imp.label} "
            f"({', '.join(r.iso3s(shared))}): trade between members is not imports of the "
            "bloc; leave them out of the rival"
        )
    items = [*as_list(products), *as_list(basket)]
    if not items:
        raise ValueError("give at least one product (--product) or a basket (--basket)")
    codes = r.products(items)
    if not codes:
        raise ValueError(f"none of the products asked is in the {r.hs} product table")
    return Setup(r, imp, riv, codes)


def rival_party(r: Resolver, rival: Countries | None, rival_group: str | None) -> Party:
    """Resolve the rival: countries or groups of ``rival`` with the group ``rival_group``.

    :data:`DEFAULT_RIVAL` when neither is given.
    """
    if rival_group is not None:
        r.group(rival_group)  # a group, not a country: fail here with close group names
    names = [*as_list(rival), *as_list(rival_group)]
    return r.party(names or DEFAULT_RIVAL)


# ---------------------------------------------------------------------------------------------
# flows


def merge_bloc(flows: ir.Table, members: Sequence[int], code: int) -> ir.Table:
    """Merge ``members`` into one country ``code``, dropping the trade between them.

    Quantities are summed only where every merged flow reports one: a partial sum would
    understate the volume and inflate the unit value.
    """
    m = sorted(members)
    c = ibis.literal(code, "int16")
    f = flows.mutate(
        i=ibis.ifelse(flows.i.isin(m), c, flows.i), j=ibis.ifelse(flows.j.isin(m), c, flows.j)
    )
    f = f.filter(f.i != f.j)
    g = f.group_by(["t", "i", "j", "k"]).aggregate(
        v=f.v.sum(), q=f.q.sum(), n=f.count(), nq=f.q.count()
    )
    return g.select(
        "t", "i", "j", "k", "v", q=ibis.ifelse(g.nq == g.n, g.q, ibis.null().cast(g.q.type()))
    )


def read_flows(s: Setup, fraction: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Flows of the products and each exporter's redirectable capacity towards the importer.

    Returns
    -------
    tuple of polars.DataFrame
        Flows ``i, j, k, v, q`` (a bloc importer merged into :data:`BLOC_CODE`) and the pool
        ``i, k, other_sales, capacity_value`` of every exporter but the rival.
    """
    t, _ = release_flows(s.wh, s.r.release, [s.year], s.r.hs, s.products)
    if s.importer.is_bloc:
        t = merge_bloc(t, s.importer.codes, BLOC_CODE)
    flows = s.wh.con.to_polars(t.select("i", "j", "k", "v", "q"))
    pool = redirectable_supply(t, [s.code], fraction=fraction, exclude_exporters=s.rivals)
    pool_df = s.wh.con.to_polars(
        pool.select(i="exporter", k="k", other_sales="other_sales", capacity_value="capacity")
    )
    return flows, pool_df


# ---------------------------------------------------------------------------------------------
# the LP of each product


def supplier_table(
    s: Setup,
    flows: pl.DataFrame,
    pool: pl.DataFrame,
    strat: Strategy,
    fraction: float,
    domestic_capacity: float | None,
) -> pl.DataFrame:
    """One row per product × potential supplier with the LP's data.

    Only products the importer imports are kept.
    """
    m = s.code
    base = flows.filter(pl.col("j") == m).group_by("k", "i").agg(v0=pl.col("v").sum())
    uv = costs.unit_values(flows, m)
    sup = (
        flows.filter(pl.col("i") != m)
        .select("k", "i")
        .unique()
        .join(base, on=["k", "i"], how="left")
        .join(uv, on=["k", "i"], how="left")
        .join(pool.select("k", "i", "capacity_value"), on=["k", "i"], how="left")
        .with_columns(pl.col("v0").fill_null(0.0), pl.col("capacity_value").fill_null(0.0))
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
            [sup, domestic_rows(m, flows, sup, uv, fraction, domestic_capacity)],
            how="diagonal_relaxed",
        )
    return sup.filter(pl.col("k").is_in(base.filter(pl.col("v0") > 0)["k"].unique().to_list()))


def domestic_rows(
    m: int,
    flows: pl.DataFrame,
    sup: pl.DataFrame,
    uv: pl.DataFrame,
    fraction: float,
    domestic_capacity: float | None,
) -> pl.DataFrame:
    """Return the importer's own output as a supplier: import unit value, capacity.

    Capacity is ``domestic_capacity × demand`` when given, else the redirectable fraction of
    the importer's own exports of the product (production it could keep at home; for a bloc,
    its extra-bloc exports).
    """
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


def instance(
    part: pl.DataFrame, strat: Strategy, switching_premium: float, reshore_premium: float
) -> lp.Instance:
    """Build the LP of one product from its rows of :func:`supplier_table`."""
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


def plan_row(s: Setup, k: str, strat: Strategy, cap: float) -> dict[str, Any]:
    """Return the fields of a product's plan row known before solving."""
    return {
        "product": k,
        "feasible": None,
        "status": NO_IMPORTS,
        "strategy": strat.name,
        "allowed_set": strat.label,
        "importer": s.importer.label,
        "rival": s.rival.label,
        "cap": cap,
    }


def solve_product(
    k: str, part: pl.DataFrame, inst: lp.Instance, cap: float, s: Setup, strat: Strategy
) -> tuple[dict[str, Any], pl.DataFrame]:
    """Solve one product's LP: its plan row and its supplier mix (codes, not ISO3)."""
    sol = lp.solve_plan(inst, cap)
    v0 = inst.price * inst.q0
    V0 = float(v0.sum())
    row = {
        **plan_row(s, k, strat, cap),
        "feasible": sol.feasible,
        "status": sol.status,
        "import_value": V0,
        "baseline_rival_share": inst.rival_share(inst.q0),
        "baseline_hhi": lp.hhi(v0),
        "n_suppliers_before": int((v0 > 0).sum()),
    }
    if sol.feasible:
        v1 = inst.price * sol.x
        v1 = np.where(np.abs(v1 - v0) <= NOISE * V0, v0, v1)
        prem = lp.premium(sol.cost, inst.baseline_cost)
        row.update(
            rival_share=inst.rival_share(sol.x),
            cost_premium=prem,
            cost_premium_pct=100.0 * prem / V0,
            hhi=lp.hhi(v1),
            residual_exposure=float(v1[inst.rival].sum()),
            moved_value=float((inst.price * sol.extra).sum()),
            n_suppliers_after=int((v1 > NOISE * V0).sum()),
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
        pl.col("i").alias("supplier"),
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
    ).filter((pl.col("baseline_value") > 0) | (pl.col("planned_value") > NOISE * V0))
    return row, mix


def mix_frame(s: Setup, mixes: list[pl.DataFrame]) -> pl.DataFrame:
    """Return the supplier mix of every product: ISO3, largest planned value first."""
    if not mixes:
        return pl.DataFrame(schema=dict.fromkeys(SUPPLIER_COLUMNS, pl.Utf8))
    df = display(pl.concat(mixes), s.r.countries, s.labels)
    return (
        df.select(*SUPPLIER_COLUMNS)
        .with_columns(
            pl.col(c).fill_nan(None) for c in ("planned_value", "planned_share", "change_value")
        )
        .sort(
            ["product", "planned_value", "baseline_value"],
            descending=[False, True, True],
            nulls_last=True,
        )
    )


# ---------------------------------------------------------------------------------------------
# notes and stockpiles


def _codes_text(codes: Sequence[str]) -> str:
    shown = ", ".join(codes[:NOTE_CODES])
    return shown + (f" … ({len(codes)} in all)" if len(codes) > NOTE_CODES else "")


def no_imports_note(s: Setup, absent: Sequence[str]) -> list[str]:
    """Say which products asked the importer does not import in the year."""
    if not absent:
        return []
    what = "extra-bloc imports" if s.importer.is_bloc else "imports"
    if len(absent) == len(s.products):
        return [
            f"no {what} of {s.importer.label} in {s.year} in the "
            f"{plural(len(s.products), 'product')} asked: nothing to plan"
        ]
    return [
        f"{plural(len(absent), 'product')} asked {'has' if len(absent) == 1 else 'have'} "
        f"no {what} of {s.importer.label} in {s.year}: "
        f"{_codes_text(absent)}"
    ]


def plan_notes(s: Setup, plans: pl.DataFrame) -> list[str]:
    """Products without imports, and products the rival does not supply (nothing to cap)."""
    absent = plans.filter(pl.col("status") == NO_IMPORTS)["product"].to_list()
    notes = no_imports_note(s, absent)
    if "baseline_rival_share" in plans.columns:
        free = plans.filter(pl.col("baseline_rival_share") == 0)["product"].to_list()
        if free:
            notes.append(
                f"the rival {s.rival.label} supplies none of the imports of {s.importer.label} "
                f"in {s.year} of {_codes_text(free)}: nothing to cap"
            )
    return notes


def stockpile_frame(
    s: Setup, flows: pl.DataFrame, pool: pl.DataFrame, ban_days: float, carrying_rate: float
) -> pl.DataFrame:
    """Stock needed per product imported to bridge a ban of the rival (see :mod:`.stockpile`)."""
    to_m = flows.filter(pl.col("j") == s.code)
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
    if rows:
        return pl.DataFrame(rows, infer_schema_length=None)
    return pl.DataFrame(
        schema={
            "product": pl.Utf8,
            "import_value": pl.Float64,
            "stock_value": pl.Float64,
            "carrying_cost": pl.Float64,
            "days_cover": pl.Float64,
        }
    )
