"""Trade as reported: ``data ingest|fetch comtrade``, ``data ingest national``, views."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from econsec.cli.common import Format, console, emit_frame, emit_json, handle_errors

if TYPE_CHECKING:
    from econsec.sources.store import SourceReport

HOME_OPT = typer.Option(None, "--home", help="Warehouse folder (default: ECONSEC_HOME).")
STRICT_OPT = typer.Option(
    False, "--strict", help="Exit non-zero (ingesting nothing) on any rejected row."
)
FORCE_OPT = typer.Option(False, "--force", help="Re-ingest even if this file is already held.")
COUNTRIES_OPT = typer.Option(
    None,
    "--countries",
    help="Country table for codes (country_codes CSV or BACI zip); default: newest release's.",
)
WAIT_OPT = typer.Option(
    None, "--wait", min=0, metavar="SECONDS", help="Wait this long for another writer."
)
FMT_OPT = typer.Option(Format.table, "--format", "-f", help="table, csv or json.")


def register(app: typer.Typer) -> None:
    """Attach the ingest and fetch sub-commands to ``econsec data``, and the views to root."""
    from econsec.cli.data import fetch_app, ingest_app

    ingest_app.command("comtrade")(ingest_comtrade_cmd)
    ingest_app.command("national")(ingest_national_cmd)
    fetch_app.command("comtrade")(fetch_comtrade_cmd)
    app.command("mirror")(mirror_cmd)
    app.command("monthly")(monthly_cmd)


def _report(rep: SourceReport, fmt: Format) -> None:
    if fmt == Format.json:
        emit_json(rep.summary())
        return
    if rep.skipped:
        console.print(
            f"{rep.source}: already holds {rep.file} (sha256 {rep.sha256[:12]}…); "
            "use --force to re-ingest"
        )
        return
    yrs = sorted(rep.years)
    span = f"{yrs[0]}–{yrs[-1]}" if len(yrs) > 1 else str(yrs[0]) if yrs else "no years"
    console.print(
        f"[green]ingested[/] {rep.source} {rep.file} ({rep.shape} shape) {span}: "
        f"{rep.rows:,} rows, {rep.rejects:,} rejected, {rep.duplicates:,} exact duplicates "
        f"counted once, {rep.breakdowns:,} breakdown rows set aside (totals kept); "
        f"values in thousand USD, {rep.seconds:.1f} s",
        highlight=False,
    )
    for n in rep.notes:
        console.print(f"  note: {n}", highlight=False)
    if rep.rejects_file:
        console.print(f"  rejected rows (line, field, reason): {rep.rejects_file}")


@handle_errors
def ingest_comtrade_cmd(
    path: Path = typer.Argument(..., help="A UN Comtrade CSV or CSV.gz (any of three shapes)."),
    hs: str | None = typer.Option(
        None,
        "--hs",
        help="HS revision of rows without a classification (default: in force that year).",
    ),
    countries: Path | None = COUNTRIES_OPT,
    home: Path | None = HOME_OPT,
    strict: bool = STRICT_OPT,
    force: bool = FORCE_OPT,
    fmt: Format = FMT_OPT,
    wait: float | None = WAIT_OPT,
) -> None:
    """Ingest UN Comtrade as reported (compact, API/bulk or legacy 35-column CSV).

    Keeps one total per flow (breakdowns by transport mode, customs procedure or second
    partner are set aside, never summed), counts exact duplicates once, and keeps rejected rows
    with their line and reason. Values are stored in thousand USD, like BACI; partner World
    rows are kept.
    """
    from econsec.settings import get_settings
    from econsec.sources import ingest_comtrade

    settings = get_settings(home)
    rep = ingest_comtrade(
        path,
        home=settings.home,
        hs=hs,
        countries=countries,
        strict=strict,
        force=force,
        wait=wait,
    )
    _report(rep, fmt)


@handle_errors
def ingest_national_cmd(
    path: Path = typer.Argument(..., help="A monthly series CSV (hs10,partner,year,month,…)."),
    reporter: str = typer.Option(..., "--reporter", help="The reporting country, e.g. KOR."),
    countries: Path | None = COUNTRIES_OPT,
    home: Path | None = HOME_OPT,
    strict: bool = STRICT_OPT,
    force: bool = FORCE_OPT,
    fmt: Format = FMT_OPT,
    wait: float | None = WAIT_OPT,
) -> None:
    """Ingest national customs statistics: monthly values by national line and partner."""
    from econsec.settings import get_settings
    from econsec.sources import ingest_national

    settings = get_settings(home)
    rep = ingest_national(
        path,
        reporter,
        home=settings.home,
        countries=countries,
        strict=strict,
        force=force,
        wait=wait,
    )
    _report(rep, fmt)


@handle_errors
def monthly_cmd(
    importer: str = typer.Option(..., "--importer", help="Importing country, e.g. KOR."),
    exporter: str = typer.Option(..., "--exporter", help="Exporting country, e.g. JPN."),
    product: list[str] = typer.Option(
        ..., "--product", "-p", help="National line or its prefix (repeatable)."
    ),
    years: str | None = typer.Option(None, "--years", help="Years: 2019, 2018-2020 or 2018,2020."),
    home: Path | None = HOME_OPT,
    fmt: Format = FMT_OPT,
) -> None:
    """Monthly trade of one product between two countries from national customs statistics.

    Read from whichever of the two reports it (the importer's imports, else the exporter's
    exports). Values in thousand USD, quantities in metric tons.
    """
    from econsec.settings import get_settings
    from econsec.sources.views import monthly_pair

    settings = get_settings(home)
    ys = _years(years) if years else None
    df = monthly_pair(importer, exporter, product, ys, home=settings.home)
    title = f"{df['importer'][0]} imports from {df['exporter'][0]} (monthly, thousand USD)"
    emit_frame(df, fmt, title=title, limit=400)


@handle_errors
def mirror_cmd(
    year: int = typer.Option(..., "--year", help="Year."),
    product: list[str] | None = typer.Option(None, "--product", "-p", help="HS6 code(s)."),
    importer: list[str] | None = typer.Option(None, "--importer", help="Importer(s)."),
    exporter: list[str] | None = typer.Option(None, "--exporter", help="Exporter(s)."),
    hs: str = typer.Option("HS17", "--hs", help="HS revision to show codes in."),
    low: float = typer.Option(0.9, "--band-low", help="Lowest import/export ratio in the band."),
    high: float = typer.Option(1.25, "--band-high", help="Highest ratio in the band."),
    home: Path | None = HOME_OPT,
    fmt: Format = FMT_OPT,
) -> None:
    """Both reports of each flow: what the importer declared and what the exporter declared.

    One row per importer × exporter × product (thousand USD), their ratio (imports are CIF,
    exports FOB, so a ratio a little above 1 is normal), BACI's value where held, and a flag
    when the ratio falls outside the CIF/FOB band.
    """
    from econsec.settings import get_settings
    from econsec.sources.mirror import mirror

    settings = get_settings(home)
    df = mirror(
        year,
        products=product or None,
        importers=importer or None,
        exporters=exporter or None,
        hs=hs,
        band=(low, high),
        home=settings.home,
    )
    emit_frame(df, fmt, title=f"mirror flows {year} (thousand USD)")


@handle_errors
def fetch_comtrade_cmd(
    reporter: list[str] = typer.Option(..., "--reporter", help="Reporter(s): ISO3 or M49."),
    year: list[int] = typer.Option(..., "--year", help="Year(s)."),
    cmd: list[str] = typer.Option(..., "--cmd", help="HS code(s), e.g. 250490."),
    partner: list[str] | None = typer.Option(None, "--partner", help="Partner(s); default all."),
    flow: str = typer.Option("M,X", "--flow", help="Flows, comma-separated (M, X, RM, RX)."),
    home: Path | None = HOME_OPT,
    no_ingest: bool = typer.Option(False, "--no-ingest", help="Download only."),
    force: bool = FORCE_OPT,
) -> None:
    """Download UN Comtrade data from the public API (key: COMTRADE_API_KEY) and ingest it.

    Requests are rate-limited, retried with backoff, paged, cached under downloads/comtrade
    and resumed: an interrupted fetch starts again where it stopped.
    """
    from econsec.settings import get_settings
    from econsec.sources import ingest_comtrade
    from econsec.sources.client import ComtradeClient, Query

    settings = get_settings(home)
    q = Query(
        reporters=_m49(reporter, settings.home),
        years=tuple(year),
        cmds=tuple(cmd),
        partners=_m49(partner or [], settings.home),
        flows=tuple(f.strip().upper() for f in flow.split(",") if f.strip()),
    )
    with ComtradeClient.from_env(settings.home / "downloads" / "comtrade") as client:
        path = client.fetch(q, note=lambda m: console.print(f"[yellow]note:[/] {m}"))
    console.print(f"comtrade: {path}")
    if not no_ingest:
        _report(ingest_comtrade(path, home=settings.home, force=force), Format.table)


def _m49(names: list[str], home: Path) -> tuple[str, ...]:
    """Numeric codes for the API: digits as given, names and ISO3 through the country table."""
    if all(n.strip().isdigit() for n in names):
        return tuple(n.strip() for n in names)
    from econsec.countries import CountryTable
    from econsec.sources.store import country_table

    table = CountryTable(country_table(home, None, Path("--reporter/--partner")))
    return tuple(n.strip() if n.strip().isdigit() else str(table.resolve(n)) for n in names)


def _years(text: str) -> list[int]:
    from econsec.cli.data import _parse_years

    return _parse_years(text)
