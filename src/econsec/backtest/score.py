r"""Scores of the back-tests: prediction error per horizon, and the redirect fraction that fits.

Over rows *n* (product × importer × outcome year) with an observed outcome, the error of a
prediction :math:`p_n` of an observed change :math:`o_n` is the weighted absolute percentage
error

.. math::

    \mathrm{WAPE} = \frac{\sum_n |p_n - o_n|}{\sum_n |o_n|},

0 for a perfect prediction, 1 for predicting no change at all (and more when worse than
that). ``share_error`` is the same on the change of the supplier side's share of the importer's
imports, which demand growth between the two years leaves alone. Stops (bans, licensing,
coalition controls) are also scored at each redirect fraction of the scenario model (5%, 20%,
50%): the best is the one with the smallest replacement error.
Tariffs are scored apart (their replacement comes from σ, not from a redirect fraction).

Observed changes hold everything else that moved between the two years (demand, prices, the
coverage of the data), so a score measures how far the model is from what happened, not the
effect of the measure alone.
"""

from __future__ import annotations

from typing import Any

import polars as pl

#: The redirect fractions scored, by column suffix.
FRACTIONS = {"r05": 0.05, "r20": 0.2, "r50": 0.5}
HORIZON_ORDER = ("0-3m", "3-12m", "12m+")

#: Columns of the score table.
SCORE_COLUMNS = (
    "scope",
    "horizon",
    "rows",
    "events",
    "observed_change",
    "predicted_change",
    "change_error",
    "direction_right",
    "observed_replacement",
    "predicted_replacement",
    "replacement_error",
    "error_r05",
    "error_r20",
    "error_r50",
    "best_redirect",
    "share_error",
)


def wape(predicted: pl.Expr, observed: pl.Expr) -> pl.Expr:
    """Return Σ|p − o| / Σ|o| (null when nothing was observed to change)."""
    den = observed.abs().sum()
    return pl.when(den > 0).then((predicted - observed).abs().sum() / den).otherwise(None)


def scope_of(kind: pl.Expr) -> pl.Expr:
    """Return ``tariffs`` for tariff rows, ``stops`` for the rest."""
    return pl.when(kind == "tariff").then(pl.lit("tariffs")).otherwise(pl.lit("stops"))


def scores(rows: pl.DataFrame) -> pl.DataFrame:
    """Score back-test rows per scope (stops, tariffs) and horizon, and over all horizons.

    Parameters
    ----------
    rows
        Rows of :data:`econsec.backtest.rows.COLUMNS`; those without an outcome are left out.

    Returns
    -------
    polars.DataFrame
        :data:`SCORE_COLUMNS`, one row per scope × horizon plus ``all`` per scope.
    """
    r = rows.filter(pl.col("outcome_value").is_not_null()).with_columns(
        scope_of(pl.col("kind")).alias("scope")
    )
    if r.height == 0:
        return pl.DataFrame(schema=_schema())
    aggs = [
        pl.len().cast(pl.Int64).alias("rows"),
        pl.col("event").n_unique().cast(pl.Int64).alias("events"),
        pl.col("observed_change").sum(),
        pl.col("predicted_change").sum(),
        wape(pl.col("predicted_change"), pl.col("observed_change")).alias("change_error"),
        _direction().alias("direction_right"),
        pl.col("observed_replacement").sum(),
        pl.col("predicted_replacement").sum(),
        wape(pl.col("predicted_replacement"), pl.col("observed_replacement")).alias(
            "replacement_error"
        ),
        *(
            wape(pl.col(f"predicted_replacement_{k}"), pl.col("observed_replacement")).alias(
                f"error_{k}"
            )
            for k in FRACTIONS
        ),
        wape(
            pl.col("predicted_share") - pl.col("base_share"),
            pl.col("outcome_share") - pl.col("base_share"),
        ).alias("share_error"),
    ]
    by = r.group_by("scope", "horizon").agg(aggs)
    overall = r.group_by("scope").agg(aggs).with_columns(pl.lit("all").alias("horizon"))
    out = pl.concat([by, overall.select(by.columns)])
    out = out.with_columns(_best().alias("best_redirect"))
    # Tariffs have no redirect fraction: their sweep columns would repeat one number.
    out = out.with_columns(
        pl.when(pl.col("scope") == "tariffs").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("error_r05", "error_r20", "error_r50", "best_redirect")
    )
    order = {h: n for n, h in enumerate((*HORIZON_ORDER, "all"))}
    out = out.with_columns(pl.col("horizon").replace_strict(order).alias("_o")).sort("scope", "_o")
    return out.select(SCORE_COLUMNS).cast(_schema())  # type: ignore[arg-type]


def _direction() -> pl.Expr:
    # Share of rows where the model predicted a fall and imports did fall.
    predicted_fall = pl.col("predicted_change") < 0
    hit = predicted_fall & (pl.col("observed_change") < 0)
    n = predicted_fall.sum()
    return pl.when(n > 0).then(hit.sum() / n).otherwise(None)


def _best() -> pl.Expr:
    errs = [pl.col(f"error_{k}") for k in FRACTIONS]
    best = pl.lit(None, pl.Float64)
    low = pl.min_horizontal(errs)
    for k, v in reversed(FRACTIONS.items()):
        best = pl.when(pl.col(f"error_{k}") == low).then(pl.lit(v)).otherwise(best)
    return best


def _schema() -> dict[str, Any]:
    s: dict[str, Any] = {c: pl.Float64 for c in SCORE_COLUMNS}
    s.update(scope=pl.Utf8, horizon=pl.Utf8, rows=pl.Int64, events=pl.Int64)
    return s


# ---------------------------------------------------------------------------------- readings


def readings(rows: pl.DataFrame) -> pl.DataFrame:
    """Add ``reading``: where the model is wrong on each row, and the likely reason.

    A stop predicted to cut imports that instead rose was not a stop (licences granted,
    buying ahead of the measure); a fall deeper than predicted means a wider stop or falling
    demand; replacement above the 50% ceiling means new capacity or rerouting through third
    countries; no replacement at all, falling demand or stockpiles drawn down.
    """
    obs, pred = pl.col("observed_change"), pl.col("predicted_change")
    rep, cap = pl.col("observed_replacement"), pl.col("predicted_replacement_r50")
    stop = pl.col("kind") != "tariff"
    change = (
        pl.when(pl.col("outcome_value").is_null())
        .then(pl.lit("no outcome data"))
        .when((pred < 0) & (obs >= 0))
        .then(
            pl.when(stop)
            .then(pl.lit("rose instead of falling: licences granted, buying ahead or stocks"))
            .otherwise(pl.lit("rose despite the tariff: demand or prices rose more"))
        )
        .when((pred < 0) & (obs < 2 * pred))
        .then(
            pl.when(stop)
            .then(pl.lit("fell more than twice the prediction: wider stop or falling demand"))
            .otherwise(pl.lit("fell more than twice the prediction: demand more elastic"))
        )
        .when((pred < 0) & (obs > 0.5 * pred))
        .then(
            pl.when(stop)
            .then(pl.lit("fell less than half the prediction: leakage or licences granted"))
            .otherwise(pl.lit("fell less than half the prediction: exemptions or rigid demand"))
        )
        .when(pred < 0)
        .then(pl.lit("fall within a factor 2 of the prediction"))
        .otherwise(pl.lit("no change predicted"))
    )
    replacement = (
        pl.when(pl.col("outcome_value").is_null())
        .then(pl.lit(""))
        .when(stop & (rep > cap) & (cap > 0))
        .then(pl.lit("; others replaced more than the 50% ceiling: new capacity or rerouting"))
        .when((obs < 0) & (rep <= 0))
        .then(pl.lit("; others did not replace: demand fell or stocks drawn down"))
        .otherwise(pl.lit(""))
    )
    return rows.with_columns(pl.concat_str([change, replacement]).alias("reading"))


def statements(rows: pl.DataFrame, table: pl.DataFrame) -> list[str]:
    """Plain sentences on where the model is right and wrong, from rows with readings."""
    r = rows.filter(pl.col("outcome_value").is_not_null())
    if r.height == 0:
        return ["no back-test row has an outcome year in the data held: nothing to score"]
    out = []
    stops = r.filter((pl.col("kind") != "tariff") & (pl.col("predicted_change") < 0))
    if stops.height:
        rose = stops.filter(pl.col("observed_change") >= 0).height
        out.append(
            f"imports from the imposer rose in {rose} of {stops.height} rows where a stop "
            "predicted a fall: licensing is not a ban (licences are granted after a delay), "
            "and buyers stock up ahead of a measure announced in advance"
        )
        above = stops.filter(
            (pl.col("observed_replacement") > pl.col("predicted_replacement_r50"))
            & (pl.col("predicted_replacement_r50") > 0)
        ).height
        if above:
            out.append(
                f"other suppliers' sales grew beyond the model's 50% ceiling in {above} rows: "
                "the model redirects existing sales only, not new capacity or goods rerouted "
                "through third countries"
            )
    best = table.filter((pl.col("scope") == "stops") & (pl.col("horizon") != "all"))
    for row in best.iter_rows(named=True):
        b = row["best_redirect"]
        if b is None:
            continue
        key = next(k for k, v in FRACTIONS.items() if v == b)
        line = (
            f"horizon {row['horizon']}: of the redirect fractions 5%, 20% and 50%, {b:.0%} fits "
            f"replacement best (error {_pct(row[f'error_{key}'])}; the model's own fraction for "
            f"this horizon: {_pct(row['replacement_error'])})"
        )
        o, p = row["observed_replacement"], row["predicted_replacement"]
        if p and o and o > 0 and o / p >= 2:
            line += f"; others' sales grew {o / p:.0f} times the predicted replacement"
        out.append(line)
    out.append(
        "observed changes include demand growth and price changes between the two years: a "
        "year-on-year change is not the effect of the measure alone"
    )
    return out


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0%}"
