"""``econsec backtest``: the event library, and the scenarios replayed against history."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from econsec.cli.common import (
    Format,
    FormatOption,
    HomeOption,
    SyntheticOption,
    check_out_path,
    dumps_json,
    emit_frame,
    emit_json,
    handle_errors,
    write_output,
)

if TYPE_CHECKING:
    from econsec.backtest.results import BacktestResult, ScoreResult

backtest_app = typer.Typer(
    name="backtest",
    help="Back-tests: do the coercion scenarios predict what happened after real events?",
    no_args_is_help=True,
)


class RunFormat(StrEnum):
    """Output formats of ``backtest run``."""

    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


OutOpt = typer.Option(None, "--out", "-o", help="Write the output to this file.")
#: Columns of the main table of ``backtest run`` (all of them in csv and json).
MAIN = (
    "product",
    "importer",
    "supplier",
    "base_year",
    "outcome_year",
    "horizon",
    "observed_change",
    "predicted_change",
    "observed_replacement",
    "predicted_replacement",
    "base_unit_value",
    "outcome_unit_value",
)


def _echo_lines(title: str, lines: list[str]) -> None:
    if lines:
        typer.echo(f"\n{title}:")
        for x in lines:
            typer.echo(f"  - {x}")


@backtest_app.command("list")
@handle_errors
def list_cmd(
    country: str | None = typer.Option(
        None, "--country", "-c", help="Only events where this country (ISO3) imposes or is hit."
    ),
    home: Path | None = HomeOption,
    fmt: Format = FormatOption,
) -> None:
    """List the events: date, imposer, target, products and sources (add yours in HOME/events)."""
    from econsec.backtest.api import list_events

    df = list_events(home, country)
    if fmt == Format.table:
        emit_frame(
            df.drop("source", "title"), fmt, title="coercion events (econsec backtest run EVENT)"
        )
        for ev, src in df.select("event", "source").iter_rows():
            typer.echo(f"{ev}: {src}")
        return
    emit_frame(df, fmt)


@backtest_app.command("run")
@handle_errors
def run_cmd(
    event: str = typer.Argument(..., help="Event id (econsec backtest list)."),
    base_year: int | None = typer.Option(
        None, "--base-year", help="Year replayed; the last full year before the measure."
    ),
    outcome_year: list[int] = typer.Option(
        [],
        "--outcome-year",
        help="Year compared (repeatable); default: three years from the first with the measure "
        "in force for 3 months or more.",
    ),
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
    fmt: RunFormat = typer.Option(RunFormat.table, "--format", "-f", help="Output format."),
    out: Path | None = OutOpt,
) -> None:
    """Replay an event's measures on the year before it; observed and predicted side by side."""
    from econsec.backtest.api import backtest
    from econsec.cli.metrics import emit_notes

    if out is not None:
        check_out_path(out)
    res = backtest(
        event,
        base_year=base_year,
        outcome_years=outcome_year or None,
        home=home,
        allow_synthetic=allow_synthetic,
    )
    _emit_run(res, fmt, out)
    emit_notes(res)


def _emit_run(res: BacktestResult, fmt: RunFormat, out: Path | None) -> None:
    from econsec.formatting import tidy_frame

    if fmt == RunFormat.html:
        from econsec.report.backtest_html import render_backtest

        text = render_backtest(res)
    elif fmt == RunFormat.csv:
        text = tidy_frame(res.frame).write_csv()
    elif fmt == RunFormat.json:
        text = dumps_json(res.to_dict()) + "\n"
    else:
        text = ""
    if out is not None and fmt != RunFormat.table:
        write_output(out, text)
        return
    if fmt != RunFormat.table:
        sys.stdout.write(text)
        return
    _run_tables(res)


def _run_tables(res: BacktestResult) -> None:
    p = res.params
    typer.echo(f"{p['event']}: {p['title']} ({p['date']})")
    for m in p["measures"]:
        typer.echo(
            f"  measure {m['index']}: {m['kind']} {'+'.join(m['imposer'])} → {m['target']}, "
            f"replayed on {m['base_year']} ({m['hs']}), "
            f"outcome years held: {', '.join(map(str, m['outcome_years'])) or 'none'}"
        )
    if res.frame.height:
        emit_frame(
            res.frame.select(MAIN),
            Format.table,
            title="observed and predicted changes (thousand USD; unit values USD/kg)",
        )
        emit_frame(
            res.frame.select("product", "importer", "outcome_year", "reading"),
            Format.table,
            title="where the model is wrong",
        )
    if res.monthly.height:
        emit_frame(
            res.monthly,
            Format.table,
            title="who replaced the imposer: national customs, thousand USD a month",
            limit=60,
        )
    if res.scores.height:
        emit_frame(
            res.scores, Format.table, title="scores (error: Σ|predicted − observed| / Σ|observed|)"
        )
    _echo_lines(
        "what the sources say", [f"{o['text']} [{'; '.join(o['sources'])}]" for o in res.outcomes]
    )
    _echo_lines("reading", list(res.statements))


@backtest_app.command("score")
@handle_errors
def score_cmd(
    event: list[str] = typer.Option(
        [], "--event", "-e", help="Event id (repeatable); all when omitted."
    ),
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
    fmt: Format = FormatOption,
    out: Path | None = OutOpt,
) -> None:
    """Score every event the data covers: error per horizon, the redirect fraction that fits."""
    from econsec.backtest.api import score_events
    from econsec.cli.metrics import emit_notes

    if out is not None:
        check_out_path(out)
    res = score_events(event or None, home=home, allow_synthetic=allow_synthetic)
    if out is not None:
        write_output(out, dumps_json(res.to_dict()) + "\n")
        return
    if fmt == Format.json:
        emit_json(res.to_dict())
    elif fmt == Format.csv:
        emit_frame(res.frame, fmt)
    else:
        _score_tables(res)
    emit_notes(res)


def _score_tables(res: ScoreResult) -> None:
    emit_frame(
        res.frame,
        Format.table,
        title="back-test scores (error: Σ|predicted − observed| / Σ|observed|)",
    )
    _echo_lines("scored", list(res.params["scored"]))
    _echo_lines("not covered by the data held", list(res.params["not_covered"]))
    _echo_lines("reading", list(res.statements))


def register(app: typer.Typer) -> None:
    """Add the ``backtest`` sub-command to the main app."""
    app.add_typer(backtest_app, name="backtest")
