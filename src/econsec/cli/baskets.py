"""``econsec baskets``: list and show the critical-goods catalogues and user baskets."""

from __future__ import annotations

from pathlib import Path

import typer

from econsec.cli.common import Format, FormatOption, HomeOption, emit_frame, handle_errors

BasketsFileOption = typer.Option(
    None, "--baskets-file", help="User baskets TOML (default: ECONSEC_HOME/baskets.toml)."
)
HsOption = typer.Option("HS17", "--hs", help="HS nomenclature of the codes (HS02, HS17, HS22...).")

app = typer.Typer(
    help="Cited critical-goods catalogues (baskets) as HS6 codes, and user baskets.",
    no_args_is_help=True,
)


@app.command("list")
@handle_errors
def list_cmd(
    fmt: Format = FormatOption,
    baskets_file: Path | None = BasketsFileOption,
    home: Path | None = HomeOption,
) -> None:
    """List the built-in catalogues and the user baskets."""
    from econsec.baskets import list_baskets

    emit_frame(list_baskets(extra=baskets_file, home=home), fmt, title="baskets")


@app.command("show")
@handle_errors
def show_cmd(
    name: str = typer.Argument(..., help="Basket name (see `econsec baskets list`)."),
    hs: str = HsOption,
    fmt: Format = FormatOption,
    baskets_file: Path | None = BasketsFileOption,
    home: Path | None = HomeOption,
) -> None:
    """Show a basket's items and HS6 codes with their sources."""
    from econsec.baskets import load_basket

    df = load_basket(name, hs=hs, extra=baskets_file, home=home)
    emit_frame(df, fmt, title=f"{name} ({hs.upper()})", limit=500)


@app.command("weights")
@handle_errors
def weights_cmd(
    hs: str = HsOption,
    fmt: Format = FormatOption,
    baskets_file: Path | None = BasketsFileOption,
    home: Path | None = HomeOption,
) -> None:
    """Criticality weight of each listed product: the share of catalogues listing it."""
    from econsec.baskets import criticality_weights

    df = criticality_weights(hs, extra=baskets_file, home=home)
    if fmt != Format.json:
        import polars as pl

        df = df.with_columns(pl.col("baskets").list.join(" "))
    emit_frame(df, fmt, title=f"criticality weights ({hs.upper()})")


def register(root: typer.Typer) -> None:
    """Add the ``baskets`` sub-command group to the root command."""
    root.add_typer(app, name="baskets")
