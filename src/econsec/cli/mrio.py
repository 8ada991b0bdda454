"""``econsec io``: input-output tables — balance check, multipliers, single-shock propagation."""

from __future__ import annotations

from pathlib import Path

import typer

from econsec.cli.common import Format, FormatOption, emit_frame, emit_json, handle_errors

io_app = typer.Typer(
    name="io",
    help="Multi-regional input-output tables: balance, multipliers, shock propagation.",
    no_args_is_help=True,
)

TableOption = typer.Option(
    ...,
    "--table",
    "-t",
    help="Table: a Parquet bundle folder, or a file read by pymrio (see --kind).",
)
KindOption = typer.Option(
    "auto", "--kind", help="Table format: auto (Parquet bundle), bundle, oecd, exiobase3, wiod."
)
YearOption = typer.Option(None, "--year", help="Year to read (OECD ICIO and WIOD files).")
RebalanceOption = typer.Option(
    False, "--recompute-x", help="Recompute gross output as Z1 + Y1 before the analysis."
)


def _load(table: Path, kind: str, year: int | None, recompute_x: bool):  # type: ignore[no-untyped-def]
    from econsec.mrio.tables import load_table

    t = load_table(table, kind=kind, year=year)
    return t.rebalanced() if recompute_x else t


@io_app.command("check")
@handle_errors
def check(
    table: Path = TableOption,
    kind: str = KindOption,
    year: int | None = YearOption,
    atol: float = typer.Option(1.0, "--atol", help="Absolute tolerance per row (table unit)."),
    rtol: float = typer.Option(1e-3, "--rtol", help="Relative tolerance per row."),
    top: int = typer.Option(10, "--top", help="Rows with the largest residuals to list."),
    fmt: Format = FormatOption,
) -> None:
    """Check the row balance x = Z1 + Y1 and report the residuals."""
    rep = _load(table, kind, year, False).balance(atol=atol, rtol=rtol)
    if fmt == Format.json:
        emit_json({"summary": rep.summary(), "worst": rep.worst(top).to_dicts()})
    elif fmt == Format.csv:
        emit_frame(rep.residual, fmt)
    else:
        emit_frame(_kv(rep.summary()), fmt, title=f"balance of {table}")
        emit_frame(rep.worst(top), fmt, title="largest residuals (x − Z1 − Y1)")


@io_app.command("multipliers")
@handle_errors
def multipliers_cmd(
    table: Path = TableOption,
    kind: str = KindOption,
    year: int | None = YearOption,
    recompute_x: bool = RebalanceOption,
    fmt: Format = FormatOption,
) -> None:
    """Leontief output and Ghosh input multipliers per region x sector.

    The output multiplier is the column sum of L, the input multiplier the row sum of G.
    """
    from econsec.mrio.propagate import multipliers

    emit_frame(
        multipliers(_load(table, kind, year, recompute_x)),
        fmt,
        title="output and input multipliers",
    )


@io_app.command("shock")
@handle_errors
def shock_cmd(
    table: Path = TableOption,
    region: str = typer.Option(..., "--region", "-r", help="Shocked region, as in the table."),
    sector: str = typer.Option(..., "--sector", "-s", help="Shocked sector, as in the table."),
    value: float = typer.Option(..., "--value", "-v", help="Loss in the table's unit."),
    model: str = typer.Option(
        "ghosh",
        "--model",
        "-m",
        help="ghosh (supply loss, forward), leontief (demand loss, backward) or inoperability.",
    ),
    kind: str = KindOption,
    year: int | None = YearOption,
    recompute_x: bool = RebalanceOption,
    top: int = typer.Option(10, "--top", help="Most affected sectors to list."),
    fmt: Format = FormatOption,
) -> None:
    """Propagate one loss at one region x sector through the table."""
    import polars as pl

    from econsec.mrio.propagate import propagate

    t = _load(table, kind, year, recompute_x)
    shock = pl.DataFrame({"region": [region], "sector": [sector], "value": [value]})
    res = propagate(t, shock, model)
    if fmt == Format.json:
        emit_json(
            {
                "totals": res.totals(),
                "top_sectors": res.top(top).to_dicts(),
                "regions": res.by_region().to_dicts(),
            }
        )
    elif fmt == Format.csv:
        emit_frame(res.by_sector(), fmt)
    else:
        emit_frame(_kv(res.totals()), fmt, title=f"{model} shock: {value:g} at {region} {sector}")
        cols = ["region", "sector", "output_loss", "inoperability", "value_added_loss"]
        emit_frame(res.top(top).select(cols), fmt, title="most affected sectors")
        emit_frame(res.by_region().head(top), fmt, title="regions by value-added loss")


def _kv(d: dict[str, object]):  # type: ignore[no-untyped-def]
    import polars as pl

    return pl.DataFrame({"item": list(d), "value": [str(v) for v in d.values()]})


def register(app: typer.Typer) -> None:
    """Attach the ``io`` sub-command to the main app."""
    app.add_typer(io_app, name="io")
