"""The back-test verbs: list the events, replay one against the data, score them all.

Typical use::

    from econsec.backtest import backtest, list_events, score_events

    list_events()                                   # event, date, imposer, target, products, source
    res = backtest("cn-gallium-germanium-2023")     # 2022 replayed, 2023–2025 observed where held
    res.frame                                       # product, importer, observed/predicted change …
    res.scores, res.statements
    score_events().frame                            # error per horizon, best redirect fraction
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from econsec.backtest.events import Event, get_event, load_events
from econsec.backtest.reported import no_monthly
from econsec.backtest.results import BacktestResult, ScoreResult
from econsec.backtest.run import MeasureRun, run_measure
from econsec.backtest.score import readings, scores, statements
from econsec.engine import Warehouse
from econsec.errors import NotFoundError
from econsec.query.resolver import open_warehouse

Home = Path | str | None

#: Columns of :func:`list_events`.
LIST_COLUMNS = ("event", "date", "kind", "imposer", "target", "products", "source", "title")


def events(home: Home = None) -> list[Event]:
    """Return the shipped events and the user's (``home/events/*.toml``), by date."""
    return load_events(home=home)


def _involves(e: Event, country: str) -> bool:
    c = country.strip().upper()
    return any(
        c in {x.upper() for x in m.imposer}
        or m.target == "all"
        or c in {x.upper() for x in m.target}
        for m in e.measures
    )


def list_events(home: Home = None, country: str | None = None) -> pl.DataFrame:
    """Return one row per event: :data:`LIST_COLUMNS` (sources joined by `` | ``).

    With ``country`` (ISO3), only the events where it imposes, is targeted, or every
    destination is (a timeline beside the country's trade).
    """
    rows = []
    for e in events(home):
        if country is not None and not _involves(e, country):
            continue
        rows.append(
            {
                "event": e.id,
                "date": e.date.isoformat(),
                "kind": "+".join(dict.fromkeys(m.kind for m in e.measures)),
                "imposer": "+".join(e.imposers()),
                "target": ", ".join(e.targets()),
                "products": " / ".join(dict.fromkeys(m.products.label() for m in e.measures)),
                "source": " | ".join(s.citation for s in e.sources),
                "title": e.title,
            }
        )
    schema = dict.fromkeys(LIST_COLUMNS, pl.Utf8)
    return pl.DataFrame(rows, schema=schema)


def _measure_params(e: Event, run: MeasureRun) -> dict[str, Any]:
    m = e.measures[run.index]
    return {
        "index": run.index,
        "kind": m.kind,
        "imposer": list(m.imposer),
        "target": m.target_label(),
        "targets": list(run.targets),
        "starts": m.starts(e.date).isoformat(),
        "base_year": run.base_year,
        "outcome_years": list(run.outcome_years),
        "hs": run.hs,
        "products": None if run.codes is None else list(run.codes),
        "share": m.cut_share if m.kind in ("ban", "licensing") else None,
        "share_basis": m.share_basis,
        "rate": m.rate,
        "products_note": m.products_note,
        "sources": [e.source(k).citation for k in m.sources],
    }


def backtest(
    event: str | Event,
    *,
    base_year: int | None = None,
    outcome_years: Sequence[int] | None = None,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
) -> BacktestResult:
    """Replay an event's measures on the year before and compare with the years after.

    Parameters
    ----------
    event
        An event id (``econsec backtest list``) or an :class:`Event`.
    base_year
        The year replayed; the last full year before each measure when ``None``.
    outcome_years
        The years compared; when ``None``, three years from the first in which the measure
        is in force for at least three months (those held; the others are named in the
        notes).
    warehouse, home, allow_synthetic
        The warehouse, or where to open it.

    Raises
    ------
    NotFoundError
        For an unknown event, or a base year the warehouse does not hold.
    """
    wh = open_warehouse(warehouse, home, allow_synthetic)
    ev = event if isinstance(event, Event) else get_event(event, events(wh.home))
    runs = [
        run_measure(wh, ev, n, base_year=base_year, outcome_years=outcome_years)
        for n in range(len(ev.measures))
    ]
    rows = readings(pl.concat([r.rows for r in runs], how="vertical_relaxed"))
    table = scores(rows)
    notes = [n for r in runs for n in r.notes]
    parts = [r.monthly for r in runs if r.monthly.height]
    monthly = pl.concat(parts, how="vertical_relaxed") if parts else no_monthly()
    lines = [x for r in runs for x in r.monthly_lines]
    params = {
        "event": ev.id,
        "title": ev.title,
        "date": ev.date.isoformat(),
        "announced": ev.announced.isoformat() if ev.announced else None,
        "summary": ev.summary,
        "measures": [_measure_params(ev, r) for r in runs],
        "sources": [s.model_dump(exclude_none=True) for s in ev.sources],
        "unit": "thousand USD; quantities in tons; unit values in USD per kg",
    }
    outcomes = tuple(
        {"text": o.text, "sources": [ev.source(k).citation for k in o.sources]} for o in ev.outcomes
    )
    return BacktestResult(
        rows,
        params,
        tuple(notes),
        scores=table,
        statements=tuple(statements(rows, table)) + tuple(lines),
        outcomes=outcomes,
        monthly=monthly,
    )


def score_events(
    ids: Sequence[str] | None = None,
    *,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
) -> ScoreResult:
    """Back-test every event (or ``ids``) the warehouse covers, and score them together.

    Events whose base year is not held, or whose products have no flows, are listed under
    ``not_covered`` with the reason.
    """
    wh = open_warehouse(warehouse, home, allow_synthetic)
    library = events(wh.home)
    chosen = [get_event(i, library) for i in ids] if ids else library
    frames, notes, scored, missed = [], [], [], []
    for ev in chosen:
        try:
            res = backtest(ev, warehouse=wh)
        except NotFoundError as e:
            missed.append(f"{ev.id}: {e}")
            continue
        held = res.frame.filter(pl.col("outcome_value").is_not_null())
        if held.height == 0:
            why = [n.split(": ", 1)[1] for n in res.notes if "not covered" in n]
            if res.frame.height:
                why = ["no outcome year in the data held"]
            missed.append(f"{ev.id}: {'; '.join(why) or 'no flows of its products'}")
            continue
        scored.append(ev.id)
        frames.append(res.frame)
        notes += [f"{ev.id}: {n}" for n in res.notes]
    rows = pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()
    table = scores(rows) if frames else scores(_no_rows())
    params = {"scored": scored, "not_covered": missed}
    return ScoreResult(
        table,
        params,
        tuple(notes),
        rows=rows,
        statements=tuple(statements(rows if frames else _no_rows(), table)),
    )


def _no_rows() -> pl.DataFrame:
    from econsec.backtest.rows import empty_rows

    return empty_rows()


__all__ = ["LIST_COLUMNS", "backtest", "events", "list_events", "score_events"]
