"""``econsec groups``: list country groupings and show their members on a date."""

from __future__ import annotations

from pathlib import Path

import typer

from econsec.cli.common import Format, FormatOption, HomeOption, emit_frame, handle_errors

GroupsFileOption = typer.Option(
    None, "--groups-file", help="User groups TOML (default: ECONSEC_HOME/groups.toml)."
)

app = typer.Typer(
    help="Country groupings (EU, G7, G20, OECD, NATO, CPTPP, RCEP, BRICS...) with dates.",
    no_args_is_help=True,
)


@app.command("list")
@handle_errors
def list_cmd(
    fmt: Format = FormatOption,
    groups_file: Path | None = GroupsFileOption,
    home: Path | None = HomeOption,
) -> None:
    """List the built-in and user-defined groups with today's member count."""
    from econsec.reference.groups import list_groups

    emit_frame(list_groups(extra=groups_file, home=home), fmt, title="country groups")


@app.command("show")
@handle_errors
def show_cmd(
    name: str = typer.Argument(..., help="Group name or alias (see `econsec groups list`)."),
    on: str | None = typer.Option(
        None, "--on", help="Date YYYY-MM-DD, or a year (members on 1 July). Default: today."
    ),
    history: bool = typer.Option(False, "--history", help="Every membership spell, past too."),
    fmt: Format = FormatOption,
    groups_file: Path | None = GroupsFileOption,
    home: Path | None = HomeOption,
) -> None:
    """Show a group's members with start/end dates and sources."""
    import polars as pl

    from econsec.reference.groups import get_group, membership, reference_date

    g = get_group(name, extra=groups_file, home=home)
    df = membership(g.group, on, all_dates=history, extra=groups_file, home=home)
    df = df.with_columns(pl.col("start").cast(pl.Utf8), pl.col("end").cast(pl.Utf8))
    when = "all dates" if history else f"on {reference_date(on).isoformat()}"
    emit_frame(df, fmt, title=f"{g.group}: {g.name} ({df.height} rows, {when})", limit=500)


def register(root: typer.Typer) -> None:
    """Add the ``groups`` sub-command to the root app."""
    root.add_typer(app, name="groups")
