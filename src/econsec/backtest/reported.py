r"""Back-tests on trade as countries report it: Comtrade (annual) and national customs (monthly).

Where BACI holds no flows of an event's products (the samples lack many controlled goods),
the target's own reports still show what happened:

* **annual** (:func:`annual_rows`): the importer's reported imports from the imposer, base year
  and outcome years, in the rows of :data:`econsec.backtest.rows.COLUMNS`. The predicted change
  is the scenario model's lost imports, :math:`-c\,x_S` (the stopped share of the base flow);
  the predicted replacement needs every exporter's sales (BACI) and is left empty. Imports
  from everyone else are filled only when the file reports other partners.
* **monthly** (:func:`monthly_replacement`): who replaced the imposer, and how fast, from a
  national customs series by partner and month: the average monthly imports of each partner
  in the 12 months before the measure, in months 1–6 and in months 7–18 after it.

Both read through :mod:`econsec.sources` (ingest with ``econsec data ingest comtrade|national``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from econsec.backtest.events import Event, EventMeasure
from econsec.backtest.rows import (
    COLUMNS,
    SOURCE_COMTRADE,
    horizon_of,
    roles,
    row_schema,
    unit_value,
    with_shares,
)
from econsec.errors import NotFoundError

#: Periods of the monthly view: name, first and last month relative to the measure's month.
PERIODS: tuple[tuple[str, int, int], ...] = (
    ("12 months before", -12, -1),
    ("months 1-6 after", 0, 5),
    ("months 7-18 after", 6, 17),
)
#: Columns of the monthly view.
MONTHLY_COLUMNS = (
    "reporter",
    "product",
    "partner",
    "period",
    "months",
    "monthly_imports",
    "share",
    "change_vs_before",
)


def annual_rows(
    m: EventMeasure,
    importers: Sequence[str],
    base: int,
    years: Sequence[int],
    codes: Sequence[str],
    hs: str,
    home: Path,
) -> pl.DataFrame | None:
    """Return the importers' reported imports from the imposer, per product and outcome year.

    ``None`` when no Comtrade file is held or it reports none of the flows. Columns:
    ``importer, product, year, value, quantity, others`` (``others`` null when the file
    reports no other partner).
    """
    from econsec.sources import read_flows

    try:
        df = read_flows(
            years=[base, *years],
            reporters=list(importers),
            products=list(codes),
            flows="M",
            hs=hs,
            home=home,
        )
    except NotFoundError:
        return None
    imposer = {x.upper() for x in m.imposer}
    df = df.filter(pl.col("partner") != "WLD")
    if df.filter(pl.col("partner").is_in(sorted(imposer))).height == 0:
        return None
    others_reported = df.filter(~pl.col("partner").is_in(sorted(imposer))).height > 0
    from_s = pl.col("partner").is_in(sorted(imposer))
    out = df.group_by(
        pl.col("reporter").alias("importer"), pl.col("k").alias("product"), "year"
    ).agg(
        pl.col("v").filter(from_s).sum().alias("value"),
        pl.col("q").filter(from_s).sum().alias("quantity"),
        pl.col("v").filter(~from_s).sum().alias("others"),
    )
    if not others_reported:
        out = out.with_columns(pl.lit(None, pl.Float64).alias("others"))
    return out


def compare_annual(
    rows: pl.DataFrame, m: EventMeasure, base: int, years: Sequence[int], supplier: str
) -> pl.DataFrame:
    """Return base-vs-outcome rows of :func:`annual_rows` output (see module docstring)."""
    b = rows.filter(pl.col("year") == base).drop("year")
    b = b.rename({"value": "base_value", "quantity": "base_quantity", "others": "base_others"})
    frames = []
    for y in years:
        o = rows.filter(pl.col("year") == y).drop("year")
        o = o.rename(
            {"value": "outcome_value", "quantity": "outcome_quantity", "others": "outcome_others"}
        )
        j = b.join(o, on=["importer", "product"], how="full", coalesce=True).with_columns(
            pl.col("base_value", "outcome_value").fill_null(0.0), pl.lit(y).alias("outcome_year")
        )
        frames.append(j)
    df = pl.concat(frames)
    share = 1.0 if m.kind == "coalition_control" else m.cut_share
    return df.with_columns(
        pl.lit(supplier).alias("supplier"),
        (pl.col("outcome_value") - pl.col("base_value")).alias("observed_change"),
        (-share * pl.col("base_value")).alias("predicted_change"),
        (pl.col("outcome_others") - pl.col("base_others")).alias("observed_replacement"),
    )


def reported_rows(
    event: Event,
    index: int,
    base: int,
    wanted: Sequence[int],
    hs: str,
    codes: list[str],
    home: Path,
) -> pl.DataFrame | None:
    """Return rows from the importers' Comtrade reports, or ``None`` when none are held."""
    m = event.measures[index]
    if m.target == "all":
        return None  # the buyers come from BACI, which does not hold the products
    who = roles(m, list(m.target))
    raw = annual_rows(m, who.importers, base, wanted, codes, hs, home)
    if raw is None:
        return None
    years = [y for y in wanted if y in set(raw["year"].to_list())]
    if not years or base not in set(raw["year"].to_list()):
        return None
    start = m.starts(event.date)
    df = compare_annual(raw, m, base, years, who.supplier_label)
    horizons = [(y, *horizon_of(start, y)) for y in years]
    hz = pl.DataFrame(
        horizons,
        schema={"outcome_year": pl.Int32, "months_after": pl.Float64, "horizon": pl.Utf8},
        orient="row",
    )
    df = df.with_columns(pl.col("outcome_year").cast(pl.Int32)).join(hz, on="outcome_year")
    df = df.with_columns(
        pl.lit(event.id).alias("event"),
        pl.lit(index).alias("measure"),
        pl.lit(m.kind).alias("kind"),
        pl.lit(SOURCE_COMTRADE).alias("source"),
        pl.lit(base).alias("base_year"),
        pl.lit(None, pl.Float64).alias("predicted_replacement"),
        pl.lit(None, pl.Float64).alias("predicted_replacement_r05"),
        pl.lit(None, pl.Float64).alias("predicted_replacement_r20"),
        pl.lit(None, pl.Float64).alias("predicted_replacement_r50"),
        unit_value("base_value", "base_quantity").alias("base_unit_value"),
        unit_value("outcome_value", "outcome_quantity").alias("outcome_unit_value"),
    )
    return (
        with_shares(df)
        .select(COLUMNS)
        .cast(row_schema())
        .sort("outcome_year", "importer", "product")
    )


# ---------------------------------------------------------------------------------- monthly


def _month_index(year: pl.Expr, month: pl.Expr) -> pl.Expr:
    return year.cast(pl.Int32) * 12 + month.cast(pl.Int32) - 1


def monthly_replacement(
    m: EventMeasure, start: dt.date, home: Path
) -> tuple[pl.DataFrame, list[str]]:
    """Return the monthly view of who replaced the imposer, and one sentence per line.

    Reads the measure's ``national`` lines (reporter → national tariff lines). Empty, with a
    note, when no national series is held.
    """
    from econsec.sources import monthly

    frames, lines = [], []
    s0 = start.year * 12 + start.month - 1
    years = list(range(start.year - 1, start.year + 3))
    imposer = {x.upper() for x in m.imposer}
    for reporter, codes in m.national.items():
        try:
            df = monthly(reporter, products=codes, years=years, home=home)
        except NotFoundError:
            hint = f"econsec data ingest national FILE --reporter {reporter}"
            return no_monthly(), [f"no national customs series held for {reporter}: {hint}"]
        if df.height == 0:
            lines.append(f"the national series of {reporter} holds none of {', '.join(codes)}")
            continue
        df = df.with_columns((_month_index(pl.col("year"), pl.col("month")) - s0).alias("rel"))
        view = _periods(df)
        frames.append(view)
        lines += _sentences(df, view, imposer, start)
    out = pl.concat(frames) if frames else no_monthly()
    return out, lines


def _periods(df: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for name, lo, hi in PERIODS:
        p = df.filter(pl.col("rel").is_between(lo, hi))
        months = hi - lo + 1
        agg = p.group_by("reporter", "product", "partner").agg(
            (pl.col("import_v").sum() / months).alias("monthly_imports")
        )
        parts.append(agg.with_columns(pl.lit(name).alias("period"), pl.lit(months).alias("months")))
    v = pl.concat(parts)
    total = pl.col("monthly_imports").sum().over("reporter", "product", "period")
    v = v.with_columns(
        pl.when(total > 0).then(pl.col("monthly_imports") / total).otherwise(0.0).alias("share")
    )
    before = v.filter(pl.col("period") == PERIODS[0][0]).select(
        "reporter", "product", "partner", pl.col("monthly_imports").alias("_before")
    )
    v = v.join(before, on=["reporter", "product", "partner"], how="left").with_columns(
        (pl.col("monthly_imports") - pl.col("_before").fill_null(0.0)).alias("change_vs_before")
    )
    # Partners with nothing in a period and nothing before say nothing.
    v = v.filter((pl.col("monthly_imports") != 0) | (pl.col("change_vs_before") != 0))
    order = {name: n for n, (name, _, _) in enumerate(PERIODS)}
    v = v.with_columns(pl.col("period").replace_strict(order).alias("_o"))
    return v.sort("product", "_o", "monthly_imports", descending=[False, False, True]).select(
        MONTHLY_COLUMNS
    )


def _gainers(v: pl.DataFrame, period: str, others: pl.Expr) -> str:
    top = v.filter((pl.col("period") == period) & others).sort("change_vs_before", descending=True)
    rows = top.select("partner", "change_vs_before").head(3).rows()
    return ", ".join(f"{p} {c:+,.0f}" for p, c in rows if c > 0) or "none"


def _sentences(
    df: pl.DataFrame, view: pl.DataFrame, imposer: set[str], start: dt.date
) -> list[str]:
    """One sentence per line: the imposer's fall, who gained, the total, and how fast."""
    out = []
    who = "+".join(sorted(imposer))
    from_s = pl.col("partner").is_in(sorted(imposer))
    before, first, later = (p[0] for p in PERIODS)
    for (product,), g in df.group_by("product", maintain_order=True):
        v = view.filter(pl.col("product") == product)

        def avg(period: str, cond: pl.Expr, v: pl.DataFrame = v) -> float:
            return float(v.filter((pl.col("period") == period) & cond)["monthly_imports"].sum())

        s_pre, o_pre = avg(before, from_s), avg(before, ~from_s)
        s_late, o_late = avg(later, from_s), avg(later, ~from_s)
        line = (
            f"{product} ({start.isoformat()}): imports from {who} went from {s_pre:,.0f} to "
            f"{s_late:,.0f} thousand USD a month (12 months before vs months 7-18 after); "
            f"gains of others per month in months 1-6: {_gainers(v, first, ~from_s)}, in "
            f"months 7-18: {_gainers(v, later, ~from_s)}; total imports {s_pre + o_pre:,.0f} → "
            f"{s_late + o_late:,.0f}"
        )
        by_month = (
            g.filter(pl.col("rel") >= 0)
            .group_by("rel")
            .agg(pl.col("import_v").filter(~from_s).sum().alias("o"))
            .sort("rel")
        )
        hit = by_month.filter(pl.col("o") - o_pre >= 0.5 * s_pre)
        if s_pre > 0 and s_late < s_pre and hit.height:
            n = int(hit["rel"][0]) + 1
            line += f"; others made up half of {who}'s former monthly sales within {n} month(s)"
        elif s_pre > 0 and s_late < s_pre:
            line += (
                f"; others never made up half of {who}'s former monthly sales in the months "
                "held: the gap was not filled by imports (domestic output, stocks or lower use)"
            )
        out.append(line)
    return out


def no_monthly() -> pl.DataFrame:
    """Return an empty monthly view with its columns."""
    return pl.DataFrame(
        schema={
            "reporter": pl.Utf8,
            "product": pl.Utf8,
            "partner": pl.Utf8,
            "period": pl.Utf8,
            "months": pl.Int32,
            "monthly_imports": pl.Float64,
            "share": pl.Float64,
            "change_vs_before": pl.Float64,
        }
    )
