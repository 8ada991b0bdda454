r"""Replay an event's measures on the year before, and set the data of the years after beside.

For each measure, per product *k* and importer *m* (the target of a ban, licensing or
coalition control; the imposer of a tariff) and supplier side *S* (the imposer of a stop; the
taxed country of a tariff):

* **observed change** :math:`x_{Smk}(t_1) - x_{Smk}(t_0)`: the importer's imports from the
  supplier side in the outcome year minus the base year (thousand current USD);
* **predicted change** :math:`-L_{mk}`: the scenario's lost imports on the base year;
* **observed replacement** :math:`x_{\bar S mk}(t_1) - x_{\bar S mk}(t_0)`: the change of its
  imports from everyone else;
* **predicted replacement** :math:`R_{mk}`: the scenario's replacement, at the redirect
  fraction of the outcome year's horizon (and at each of 5%, 20%, 50% for the scores).

The base year is the last full year before the measure; an outcome year's horizon is the time
from the measure to the middle of the part of that year after it (≤ 3 months ``0-3m``, ≤ 12
``3-12m``, else ``12m+``). Observed flows are read through :mod:`econsec.query.flows` (a
country's several CEPII codes merged; later releases converted to the base year's HS
revision); predictions through :mod:`econsec.scenarios`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import ibis
import polars as pl

from econsec.backtest.events import Event, EventMeasure
from econsec.backtest.reported import monthly_replacement, no_monthly, reported_rows
from econsec.backtest.rows import (
    COLUMNS,
    SOURCE_BACI,
    Roles,
    base_year_of,
    default_outcomes,
    empty_rows,
    horizon_of,
    roles,
    row_schema,
    unit_value,
    with_shares,
)
from econsec.engine import Warehouse
from econsec.query.flows import release_flows
from econsec.query.resolver import Resolver
from econsec.scenarios.elasticities import Elasticities, load_elasticities
from econsec.substitution import HORIZONS

#: Redirect fractions every stop is also replayed at (the scenario model's horizons).
SWEEP: dict[str, float] = dict(HORIZONS)
#: Share of the imposer's sales a resolved ``target = "all"`` covers, and its most buyers.
ALL_COVER, ALL_MAX = 0.9, 15


# ---------------------------------------------------------------------------------- observed


def year_flows(
    wh: Warehouse, year: int, hs: str, codes: Sequence[str] | None
) -> tuple[Resolver, ibis.Table]:
    """Return the resolver of ``year`` and its flows of ``codes`` in revision ``hs``."""
    r = Resolver(wh, year)
    flows, _ = release_flows(wh, r.release, [year], hs, codes)
    return r, flows


def observed(
    wh: Warehouse, year: int, hs: str, codes: Sequence[str] | None, who: Roles
) -> pl.DataFrame:
    """Return imports of each importer from the supplier side and from everyone else, per product.

    Returns
    -------
    polars.DataFrame
        ``importer, product, value, quantity, value_q, others`` (thousand USD; quantity in
        tons where reported, ``value_q`` the value of the flows with a quantity). An importer
        that is a group buys as one bloc (trade between its members excluded).
    """
    r, flows = year_flows(wh, year, hs, codes)
    sup = r.codes(who.supplier)
    frames = []
    for name in who.importers:
        p = r.party(name)
        f = flows.filter(flows.j.isin(list(p.codes)) & ~flows.i.isin(list(p.codes)))
        from_s = f.i.isin(sup)
        agg = f.group_by(product=f.k).aggregate(
            value=f.v.sum(where=from_s).fill_null(0.0),
            quantity=f.q.sum(where=from_s),
            value_q=f.v.sum(where=from_s & f.q.notnull()),
            others=f.v.sum(where=~from_s).fill_null(0.0),
        )
        frames.append(agg.to_polars().with_columns(pl.lit(p.label).alias("importer")))
    schema = {
        "importer": pl.Utf8,
        "product": pl.Utf8,
        "value": pl.Float64,
        "quantity": pl.Float64,
        "value_q": pl.Float64,
        "others": pl.Float64,
    }
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat([f.select(list(schema)).cast(pl.Schema(schema)) for f in frames])


def main_buyers(
    wh: Warehouse, year: int, hs: str, codes: Sequence[str], imposer: list[str]
) -> list[str]:
    """Return the imposer's largest buyers of ``codes`` in ``year``, as ISO3.

    Largest first, until they make up :data:`ALL_COVER` of its sales (at most
    :data:`ALL_MAX`).
    """
    r, flows = year_flows(wh, year, hs, codes)
    sup = r.codes(imposer)
    f = flows.filter(flows.i.isin(sup) & ~flows.j.isin(sup))
    by = f.group_by(code=f.j).aggregate(v=f.v.sum()).to_polars().sort("v", descending=True)
    total = float(by["v"].sum()) if by.height else 0.0
    out: list[str] = []
    acc = 0.0
    for code, v in by.iter_rows():
        if acc >= ALL_COVER * total or len(out) >= ALL_MAX:
            break
        out.append(r.iso3(int(code)))
        acc += float(v)
    return out


# ---------------------------------------------------------------------------------- predicted


def sigma_note(el: Elasticities) -> str:
    """Say where a tariff's trade elasticities come from (they drive its prediction)."""
    if el.source == "default":
        return (
            "tariff elasticities: the default σ for every product (CEPII ProTEE not found; "
            "set ECONSEC_MIRROR to a folder holding ref/protee_hs6_trade_elasticities.csv)"
        )
    return f"tariff elasticities: CEPII ProTEE HS6 ({el.source})"


def predict(
    wh: Warehouse,
    m: EventMeasure,
    base_year: int,
    codes: list[str] | None,
    targets: list[str],
    redirect: float,
    elasticities: Elasticities | None = None,
) -> pl.DataFrame:
    """Return ``importer, product, lost_imports, replaced``: the scenario of ``m``."""
    from econsec.scenarios.api import coalition_control, export_ban, tariff

    if m.kind == "tariff":
        res = tariff(
            m.imposer,
            targets,
            base_year,
            codes,
            rate=float(m.rate or 0.0),
            warehouse=wh,
            elasticities=elasticities,
        )
    elif m.kind == "coalition_control":
        res = coalition_control(
            m.imposer, targets, base_year, codes, redirect=redirect, warehouse=wh
        )
    else:
        res = export_ban(
            m.imposer, targets, base_year, codes, share=m.cut_share, redirect=redirect, warehouse=wh
        )
    return res.products().select("importer", "product", "lost_imports", "replaced")


def predictions(
    wh: Warehouse,
    m: EventMeasure,
    base_year: int,
    codes: list[str] | None,
    targets: list[str],
    elasticities: Elasticities | None = None,
) -> pl.DataFrame:
    """Return ``importer, product, lost_imports`` and ``replaced_<horizon>`` per sweep fraction.

    A tariff's replacement does not depend on the fraction: each column holds the same value.
    """
    out: pl.DataFrame | None = None
    runs = {"0-3m": None} if m.kind == "tariff" else SWEEP
    for h, r in runs.items():
        p = predict(wh, m, base_year, codes, targets, r if r is not None else 0.0, elasticities)
        p = p.rename({"replaced": f"replaced_{h}"})
        out = (
            p
            if out is None
            else out.join(
                p.drop("lost_imports"), on=["importer", "product"], how="full", coalesce=True
            )
        )
    assert out is not None
    if m.kind == "tariff":
        out = out.with_columns(
            pl.col("replaced_0-3m").alias("replaced_3-12m"),
            pl.col("replaced_0-3m").alias("replaced_12m+"),
        )
    return out


# ---------------------------------------------------------------------------------- assembly


@dataclass(frozen=True)
class MeasureRun:
    """One measure replayed: its rows, and what a reader must know."""

    index: int
    rows: pl.DataFrame
    notes: tuple[str, ...]
    base_year: int
    outcome_years: tuple[int, ...]
    hs: str
    codes: tuple[str, ...] | None
    targets: tuple[str, ...]
    monthly: pl.DataFrame = field(default_factory=pl.DataFrame)
    monthly_lines: Sequence[str] = ()


def _codes_for(m: EventMeasure, hs: str) -> tuple[list[str] | None, list[str]]:
    """Return the measure's codes in revision ``hs``, converting another revision's when needed."""
    codes = m.products.codes(hs)
    if codes is None or codes:
        return codes, []
    from econsec.reference import hs as _hs

    listed = m.products.revisions()
    for src in sorted(listed, key=lambda h: abs(int(h[2:]) - int(hs[2:]))):
        try:
            conv = _hs.convert_codes(m.products.codes(src) or [], src, hs)
        except ValueError:
            continue
        got = sorted(set(conv["to_code"].to_list()))
        return got, [f"no {hs} codes listed; {src} codes converted: {' '.join(got)}"]
    return [], [f"no {hs} codes listed for this measure"]


def held_codes(wh: Warehouse, year: int, hs: str, codes: list[str] | None) -> list[str] | None:
    """Return the codes with flows in ``year`` (``None``, every good, stays ``None``)."""
    if codes is None or not codes:
        return codes
    _, flows = year_flows(wh, year, hs, codes)
    found = set(flows.select("k").distinct().to_polars()["k"].to_list())
    return [c for c in codes if c in found]


def run_measure(
    wh: Warehouse,
    event: Event,
    index: int,
    *,
    base_year: int | None = None,
    outcome_years: Sequence[int] | None = None,
) -> MeasureRun:
    """Replay measure ``index`` of ``event`` and compare with the years after.

    Raises
    ------
    NotFoundError
        When the warehouse does not hold the base year.
    """
    m = event.measures[index]
    start = m.starts(event.date)
    base = base_year if base_year is not None else base_year_of(start)
    if base >= start.year:
        raise ValueError(f"--base-year {base} is not before the measure ({start.isoformat()})")
    r0 = Resolver(wh, base)
    hs = r0.hs
    codes, notes = _codes_for(m, hs)
    held = set(wh.years())
    wanted = list(outcome_years) if outcome_years else default_outcomes(start)
    outs = tuple(y for y in wanted if y in held)
    missing = [y for y in wanted if y not in held]
    tag = f"measure {index} ({m.kind}, {'+'.join(m.imposer)} → {m.target_label()})"
    if missing:
        notes.append(
            f"{tag}: outcome year(s) {', '.join(map(str, missing))} not in the warehouse: "
            "predictions only for them"
        )
    for y in outs:
        horizon_of(start, y)  # raises for a year before the measure
    kept = held_codes(wh, base, hs, codes)
    if codes is not None:
        absent = [c for c in codes if c not in set(kept or [])]
        if absent:
            notes.append(
                f"{tag}: {hs} {r0.release.release} has no flows of {' '.join(absent)} in {base}"
            )
    if m.products_note:
        notes.append(f"{tag}: products: {' '.join(m.products_note.split())}")
    monthly, lines = _monthly(wh, m, start)
    if codes is not None and not kept:
        notes.append(f"{tag}: not covered: none of its products is in the {hs} data held")
        rep = reported_rows(event, index, base, wanted, hs, codes, wh.home)
        if rep is not None:
            notes.append(
                f"{tag}: observed from the importer's own reports (UN Comtrade) instead; the "
                "predicted replacement needs every exporter's sales (a full BACI release)"
            )
            years = tuple(sorted(set(rep["outcome_year"].to_list())))
            return MeasureRun(
                index, rep, tuple(notes), base, years, hs, tuple(codes), (), monthly, lines
            )
        return MeasureRun(
            index, empty_rows(), tuple(notes), base, outs, hs, tuple(codes), (), monthly, lines
        )
    targets = _targets(wh, m, base, hs, kept, notes, tag)
    if not targets:
        return MeasureRun(
            index,
            empty_rows(),
            tuple(notes),
            base,
            outs,
            hs,
            tuple(kept or []) or None,
            (),
            monthly,
            lines,
        )
    who = roles(m, targets)
    el = None
    if m.kind == "tariff":
        el = load_elasticities()
        notes.append(f"{tag}: {sigma_note(el)}")
    pred = predictions(wh, m, base, kept, targets, el)
    obs0 = observed(wh, base, hs, kept, who)
    rows = []
    for y in outs or tuple(wanted[:1]):
        months, horizon = horizon_of(start, y)
        obs1 = observed(wh, y, hs, kept, who) if y in outs else obs0.clear()
        rows.append(
            _compare(event, index, m, who, base, y, months, horizon, obs0, obs1, pred, y in outs)
        )
    df = with_shares(pl.concat(rows)).sort("outcome_year", "importer", "product")
    return MeasureRun(
        index,
        df.select(COLUMNS).cast(row_schema()),
        tuple(notes),
        base,
        outs,
        hs,
        None if kept is None else tuple(kept),
        tuple(targets),
        monthly,
        lines,
    )


def _monthly(wh: Warehouse, m: EventMeasure, start: dt.date) -> tuple[pl.DataFrame, list[str]]:
    """Return the national customs view of the measure's ``national`` lines (if any)."""
    if not m.national:
        return no_monthly(), []
    return monthly_replacement(m, start, wh.home)


def _targets(
    wh: Warehouse,
    m: EventMeasure,
    base: int,
    hs: str,
    codes: list[str] | None,
    notes: list[str],
    tag: str,
) -> list[str]:
    if m.target != "all":
        return list(m.target)
    buyers = main_buyers(wh, base, hs, codes or [], m.imposer)
    if not buyers:
        notes.append(f"{tag}: no sales of the products by {'+'.join(m.imposer)} in {base}")
    else:
        notes.append(
            f"{tag}: target 'all' = the imposer's main buyers in {base} "
            f"({ALL_COVER:.0%} of its sales, at most {ALL_MAX}): {', '.join(buyers)}"
        )
    return buyers


def _compare(
    event: Event,
    index: int,
    m: EventMeasure,
    who: Roles,
    base: int,
    year: int,
    months: float,
    horizon: str,
    obs0: pl.DataFrame,
    obs1: pl.DataFrame,
    pred: pl.DataFrame,
    held: bool,
) -> pl.DataFrame:
    keys = ["importer", "product"]
    b = obs0.rename({c: f"base_{c}" for c in ("value", "quantity", "value_q", "others")})
    o = obs1.rename({c: f"outcome_{c}" for c in ("value", "quantity", "value_q", "others")})
    df = (
        pred.join(b, on=keys, how="full", coalesce=True)
        .join(o, on=keys, how="full", coalesce=True)
        .with_columns(
            pl.col("lost_imports", "replaced_0-3m", "replaced_3-12m", "replaced_12m+").fill_null(
                0.0
            )
        )
        .with_columns(pl.col("base_value", "base_others").fill_null(0.0))
    )
    if held:
        df = df.with_columns(pl.col("outcome_value", "outcome_others").fill_null(0.0))
    else:
        df = df.with_columns(
            pl.lit(None, pl.Float64).alias(c) for c in ("outcome_value", "outcome_others")
        )
    # A product nobody sold the importer in either year says nothing.
    df = df.filter(
        (pl.col("base_value") > 0)
        | (pl.col("outcome_value").fill_null(0.0) > 0)
        | (pl.col("lost_imports") > 0)
    )
    return df.select(
        pl.lit(event.id).alias("event"),
        pl.lit(index).alias("measure"),
        pl.lit(m.kind).alias("kind"),
        pl.lit(SOURCE_BACI).alias("source"),
        "product",
        "importer",
        pl.lit(who.supplier_label).alias("supplier"),
        pl.lit(base).alias("base_year"),
        pl.lit(year).alias("outcome_year"),
        pl.lit(months).alias("months_after"),
        pl.lit(horizon).alias("horizon"),
        "base_value",
        "outcome_value",
        (pl.col("outcome_value") - pl.col("base_value")).alias("observed_change"),
        (-pl.col("lost_imports")).alias("predicted_change"),
        "base_others",
        "outcome_others",
        (pl.col("outcome_others") - pl.col("base_others")).alias("observed_replacement"),
        pl.col(f"replaced_{horizon}").alias("predicted_replacement"),
        pl.col("replaced_0-3m").alias("predicted_replacement_r05"),
        pl.col("replaced_3-12m").alias("predicted_replacement_r20"),
        pl.col("replaced_12m+").alias("predicted_replacement_r50"),
        pl.col("base_quantity"),
        pl.col("outcome_quantity"),
        unit_value("base_value_q", "base_quantity").alias("base_unit_value"),
        unit_value("outcome_value_q", "outcome_quantity").alias("outcome_unit_value"),
    )
