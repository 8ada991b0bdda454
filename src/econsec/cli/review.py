"""``econsec review``: the country review as one offline HTML report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from econsec.cli.common import Format, check_out_path, emit_json, handle_errors


def register(app: typer.Typer) -> None:
    """Attach ``econsec review`` to the root command."""
    app.command("review")(review)


@handle_errors
def review(
    country: str = typer.Argument(
        ..., help="Reviewed country (ISO3, ISO2 or name), or a group such as EU27 (as one bloc)."
    ),
    year: int | None = typer.Option(None, "--year", help="Year (latest held by default)."),
    product: list[str] | None = typer.Option(None, "--product", help="HS6 code(s) or headings."),
    basket: str | None = typer.Option(None, "--basket", help="A critical-goods basket name."),
    rival: str | None = typer.Option(
        None, "--rival", help="Country or group to examine dependence on."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="HTML file to write."),
    home: Path | None = typer.Option(None, "--home", help="Warehouse folder."),
    allow_synthetic: bool = typer.Option(False, "--allow-synthetic", help="Allow synthetic data."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Terminal summary format."),
) -> None:
    """Write the economic-security review of a country: dependence, world supply, leverage."""
    from econsec.report import build_review, write_review

    if out is not None:
        check_out_path(out)  # before the minutes of work, not after
    products: list[str] | str | None = list(product) if product else None
    if basket:
        products = [*(products or []), basket] if products else basket
    r = build_review(
        country, year, products=products, rival=rival, home=home, allow_synthetic=allow_synthetic
    )
    path = write_review(r, out or Path(f"econsec_review_{r.country}_{r.year}.html"))
    if fmt == Format.json:
        emit_json({**r.summary(), "report": str(path)})
        return
    con = Console()
    con.print(f"[bold]Economic-security review: {r.country_name} ({r.country}), {r.year}[/]")
    for s in r.headline:
        con.print(f" • {s}")
    con.print(f"[green]report:[/] {path.resolve()}")
