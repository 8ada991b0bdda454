"""Pure computations of the rerouting screen on tidy flows.

Flows are ``year, exporter, importer, product, value, quantity`` (ISO3, HS6, thousand USD,
metric tons or null). Two signals, after the literature on trade diversion and
transshipment:

* **Diversion through a hub** (Freund, Mattoo, Mulabdic & Ruta 2024, *Is US trade policy
  reshaping global supply chains?*, Journal of International Economics 152; Alfaro & Chor
  2023, *Global Supply Chains: The Looming "Great Reallocation"*, NBER WP 31661): after the
  restriction, the restricting country's exports to a third country rise *together with*
  that country's exports to the target, while the direct flow falls. The matched rise
  ``min(Δ source→hub, Δ hub→target)`` bounds what could have passed through the hub.
* **Exports beyond supply** (the product-level rerouting measure of Iyoha, Malesky, Wen & Wu
  2024, *Exports in Disguise? Trade Rerouting during the U.S.-China Trade War*, Harvard
  Business School WP 24-072, on transaction data): a hub cannot durably export more of a
  good than it imports plus produces; an excess in tonnes points at re-exports of goods
  imported under another code or unrecorded, or at stocks.

Neither is proof: HS6 annual data mix a mid-year restriction with the rest of the year; a
hub may process what it imports (that is not evasion) within the same HS6 code; BACI
reconciles each flow from two reports and values re-exports like any export; demand in the
target may grow for its own reasons.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

#: Unit of MCS production → metric tons per unit (units not of mass are absent).
TONNES_PER_UNIT = {"t": 1.0, "kt": 1e3, "mt": 1e6, "mmt": 1e6, "kg": 1e-3}


@dataclass(frozen=True)
class Periods:
    """Years before and after the restriction (a partly treated event year in neither)."""

    pre: tuple[int, ...]
    post: tuple[int, ...]
    event: int | None

    def describe(self) -> str:
        """One sentence for the notes."""
        cut = f"restriction in {self.event}; " if self.event is not None else ""
        return (
            f"{cut}before: {', '.join(map(str, self.pre))}; "
            f"after: {', '.join(map(str, self.post))} (annual means compared)"
        )


def parse_date(text: str) -> dt.date:
    """``2023-08``, ``2023-08-01`` or ``2023`` as a date (the first day of the period).

    Raises
    ------
    ValueError
        Naming the option.
    """
    s = text.strip()
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"--date {text!r}: give YYYY-MM (or YYYY-MM-DD, YYYY)")


def parse_years(text: str) -> list[int]:
    """``2021-2024`` or ``2019,2021,2024`` as sorted years.

    Raises
    ------
    ValueError
        Naming the option.
    """
    s = text.replace(" ", "")
    try:
        if "-" in s:
            a, b = s.split("-", 1)
            ys = list(range(int(a), int(b) + 1))
        else:
            ys = sorted({int(x) for x in s.split(",") if x})
    except ValueError:
        raise ValueError(f"--years {text!r}: give a range (2021-2024) or a list") from None
    if len(ys) < 2:
        raise ValueError(f"--years {text!r}: give at least two years (before and after)")
    return ys


def periods(years: Sequence[int], date: dt.date | None) -> Periods:
    """Split ``years`` around ``date``.

    A restriction during a year leaves that year partly treated: it is dropped, and the
    comparison starts with the next full year (a restriction on 1 January treats its year).
    Without a date the first year is compared with the last.

    Raises
    ------
    ValueError
        When a side has no year.
    """
    ys = sorted(set(years))
    if date is None:
        return Periods((ys[0],), (ys[-1],), None)
    first_post = date.year if (date.month, date.day) == (1, 1) else date.year + 1
    pre = tuple(y for y in ys if y < date.year)
    post = tuple(y for y in ys if y >= first_post)
    if not pre or not post:
        raise ValueError(
            f"--date {date:%Y-%m}: the years {ys[0]}-{ys[-1]} need a full year before "
            f"{date.year} and one from {first_post} on"
        )
    return Periods(pre, post, date.year)


def growth(before: float, after: float) -> float:
    """Relative change ``after / before - 1``; ``inf`` for a new flow, 0 for none."""
    if before > 0:
        return after / before - 1
    return math.inf if after > 0 else 0.0


def _mean_by(flows: pl.DataFrame, keys: list[str], years: Sequence[int], name: str) -> pl.DataFrame:
    # Mean over the period's years, a year without the flow counting as zero.
    return (
        flows.filter(pl.col("year").is_in(list(years)))
        .group_by(keys)
        .agg((pl.col("value").sum() / len(years)).alias(name))
    )


def diversion(
    flows: pl.DataFrame,
    source: str,
    target: str,
    p: Periods,
    *,
    min_growth: float = 0.25,
    min_value: float = 100.0,
) -> pl.DataFrame:
    """Third countries whose imports from ``source`` and exports to ``target`` rose together.

    Returns one row per product × hub (every country exporting to the target in either
    period, except the source) with ``source_to_hub_before/after/change/growth``,
    ``hub_to_target_before/after/change/growth``, ``direct_before/after/change`` (source →
    target, the same for every hub),
    ``matched_rise`` = min of the two rises (0 unless both rose), ``share_of_direct_fall`` =
    matched_rise / the fall of the direct flow (null without a fall), ``comovement`` (Pearson
    correlation of the two yearly series, null with fewer than three years or no variation)
    and ``flagged``: both rose by at least ``min_growth`` and ``matched_rise`` ≥ ``min_value``
    (thousand USD). Sorted by product, then ``matched_rise`` descending.
    """
    a = flows.filter((pl.col("exporter") == source) & (pl.col("importer") != target))
    b = flows.filter((pl.col("importer") == target) & (pl.col("exporter") != source))
    a = a.rename({"importer": "hub"})
    b = b.rename({"exporter": "hub"})
    k = ["product", "hub"]
    direct = flows.filter((pl.col("exporter") == source) & (pl.col("importer") == target))
    parts = [
        _mean_by(a, k, p.pre, "source_to_hub_before"),
        _mean_by(a, k, p.post, "source_to_hub_after"),
        _mean_by(b, k, p.pre, "hub_to_target_before"),
        _mean_by(b, k, p.post, "hub_to_target_after"),
    ]
    hubs = pl.concat([x.select(k) for x in parts]).unique()
    out = hubs
    for x in parts:
        out = out.join(x, on=k, how="left")
    d = _mean_by(direct, ["product"], p.pre, "direct_before").join(
        _mean_by(direct, ["product"], p.post, "direct_after"),
        on="product",
        how="full",
        coalesce=True,
    )
    out = out.join(d, on="product", how="left").fill_null(0.0)
    # A country that never sells to the target cannot be a route to it.
    out = out.filter((pl.col("hub_to_target_before") > 0) | (pl.col("hub_to_target_after") > 0))
    out = out.with_columns(
        source_to_hub_change=pl.col("source_to_hub_after") - pl.col("source_to_hub_before"),
        hub_to_target_change=pl.col("hub_to_target_after") - pl.col("hub_to_target_before"),
        direct_change=pl.col("direct_after") - pl.col("direct_before"),
    )
    rows = out.to_dicts()
    for r in rows:
        r["source_to_hub_growth"] = growth(r["source_to_hub_before"], r["source_to_hub_after"])
        r["hub_to_target_growth"] = growth(r["hub_to_target_before"], r["hub_to_target_after"])
        up = r["source_to_hub_change"] > 0 and r["hub_to_target_change"] > 0
        r["matched_rise"] = min(r["source_to_hub_change"], r["hub_to_target_change"]) if up else 0.0
        fall = -r["direct_change"]
        r["share_of_direct_fall"] = r["matched_rise"] / fall if fall > 0 else None
        r["flagged"] = bool(
            up
            and r["source_to_hub_growth"] >= min_growth
            and r["hub_to_target_growth"] >= min_growth
            and r["matched_rise"] >= min_value
        )
    res = (
        pl.DataFrame(rows, schema=_DIVERSION_SCHEMA)
        if rows
        else pl.DataFrame(schema=_DIVERSION_SCHEMA)
    )
    co = comovement(a, b, sorted({*p.pre, *p.post}))
    res = res.join(co, on=k, how="left")
    return res.select(DIVERSION_COLUMNS).sort(
        ["product", "flagged", "matched_rise", "hub"], descending=[False, True, True, False]
    )


DIVERSION_COLUMNS = (
    "product",
    "hub",
    "flagged",
    "matched_rise",
    "share_of_direct_fall",
    "source_to_hub_before",
    "source_to_hub_after",
    "source_to_hub_change",
    "source_to_hub_growth",
    "hub_to_target_before",
    "hub_to_target_after",
    "hub_to_target_change",
    "hub_to_target_growth",
    "direct_before",
    "direct_after",
    "direct_change",
    "comovement",
)
_DIVERSION_SCHEMA = {
    "product": pl.Utf8,
    "hub": pl.Utf8,
    **{
        c: pl.Float64
        for c in DIVERSION_COLUMNS
        if c not in ("product", "hub", "flagged", "comovement")
    },
    "flagged": pl.Boolean,
}


def comovement(a: pl.DataFrame, b: pl.DataFrame, years: Sequence[int]) -> pl.DataFrame:
    """Correlate, per product × hub, the yearly source→hub and hub→target values.

    Pearson correlation, missing years counting as zero; null with fewer than three years or
    a constant series.
    """
    k = ["product", "hub"]
    grid = (
        pl.concat([a.select(k), b.select(k)])
        .unique()
        .join(
            pl.DataFrame({"year": list(years)}, schema={"year": a.schema.get("year", pl.Int64)}),
            how="cross",
        )
    )
    ya = a.group_by([*k, "year"]).agg(pl.col("value").sum().alias("va"))
    yb = b.group_by([*k, "year"]).agg(pl.col("value").sum().alias("vb"))
    g = grid.join(ya, on=[*k, "year"], how="left").join(yb, on=[*k, "year"], how="left")
    g = g.fill_null(0.0)
    if len(years) < 3:
        return g.select(k).unique().with_columns(comovement=pl.lit(None, pl.Float64))
    out = g.group_by(k).agg(
        pl.when((pl.col("va").std() > 0) & (pl.col("vb").std() > 0))
        .then(pl.corr("va", "vb"))
        .otherwise(None)
        .alias("comovement")
    )
    return out.with_columns(pl.col("comovement").cast(pl.Float64))


def hub_balance(
    flows: pl.DataFrame,
    hubs: Sequence[str],
    years: Sequence[int],
    production: pl.DataFrame,
    *,
    slack: float = 0.10,
    min_coverage: float = 0.9,
) -> pl.DataFrame:
    """Set the exports of each hub against its imports plus production, per product × year.

    ``production`` has ``product, iso3, production_t`` (metric tons, summed over the MCS
    series the HS ↔ USGS map gives the product; a country MCS does not list counts as 0).
    Quantities are BACI's metric tons; ``quantity_coverage`` is the share of the hub's trade
    value with a quantity. Where both sides are covered at ``min_coverage`` the test is in
    tons (``basis`` = ``tons``): ``flagged`` when exports exceed (imports + production) by
    more than ``slack``. Otherwise, for a hub MCS lists as producing nothing, the test is in
    value (``basis`` = ``value``: exports above imports by more than ``slack``); else
    ``flagged`` is null (``basis`` = ``unknown``).
    """
    f = flows.filter(pl.col("year").is_in(list(years)))
    wq = pl.when(pl.col("quantity").is_not_null()).then(pl.col("value")).otherwise(0.0)
    ex = (
        f.group_by("product", "exporter", "year")
        .agg(
            pl.col("value").sum().alias("exports_value"),
            pl.col("quantity").sum().alias("exports_t"),
            wq.sum().alias("_exq"),
        )
        .rename({"exporter": "hub"})
    )
    im = (
        f.group_by("product", "importer", "year")
        .agg(
            pl.col("value").sum().alias("imports_value"),
            pl.col("quantity").sum().alias("imports_t"),
            wq.sum().alias("_imq"),
        )
        .rename({"importer": "hub"})
    )
    out = ex.filter(pl.col("hub").is_in(list(hubs))).join(
        im, on=["product", "hub", "year"], how="left"
    )
    out = out.join(
        production.rename({"iso3": "hub"}), on=["product", "hub"], how="left"
    ).with_columns(
        pl.col("imports_value", "imports_t", "_imq").fill_null(0.0),
    )
    value = pl.col("exports_value") + pl.col("imports_value")
    out = out.with_columns(
        quantity_coverage=pl.when(value > 0).then((pl.col("_exq") + pl.col("_imq")) / value),
    )
    tons = (
        (pl.col("_exq") >= min_coverage * pl.col("exports_value"))
        & (pl.col("_imq") >= min_coverage * pl.col("imports_value"))
        & pl.col("production_t").is_not_null()
    )
    no_output = pl.col("production_t").fill_null(-1.0) == 0
    supply_t = pl.col("imports_t") + pl.col("production_t")
    out = out.with_columns(
        basis=pl.when(tons)
        .then(pl.lit("tons"))
        .when(no_output)
        .then(pl.lit("value"))
        .otherwise(pl.lit("unknown")),
        excess_t=pl.when(tons).then(pl.col("exports_t") - supply_t),
    ).with_columns(
        flagged=pl.when(pl.col("basis") == "tons")
        .then(pl.col("exports_t") > (1 + slack) * supply_t)
        .when(pl.col("basis") == "value")
        .then(pl.col("exports_value") > (1 + slack) * pl.col("imports_value"))
        .otherwise(None),
    )
    return out.select(BALANCE_COLUMNS).sort(["product", "year", "hub"])


BALANCE_COLUMNS = (
    "product",
    "hub",
    "year",
    "flagged",
    "basis",
    "exports_t",
    "imports_t",
    "production_t",
    "excess_t",
    "exports_value",
    "imports_value",
    "quantity_coverage",
)


def production_tonnes(rows: pl.DataFrame) -> pl.DataFrame:
    """Return ``product, iso3, production_t`` from MCS rows ``product, iso3, production, unit``.

    Converted to metric tons and summed over the product's commodities; rows in units that
    are not a mass (carats, cubic meters) are left out.
    """
    conv = pl.col("unit").replace_strict(TONNES_PER_UNIT, default=None, return_dtype=pl.Float64)
    return (
        rows.filter(pl.col("iso3").is_not_null())
        .with_columns(t=pl.col("production") * conv)
        .filter(pl.col("t").is_not_null())
        .group_by("product", "iso3")
        .agg(pl.col("t").sum().alias("production_t"))
    )
