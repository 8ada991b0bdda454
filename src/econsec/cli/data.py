"""``econsec data``: fetch, ingest, list, check and synthesise BACI releases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from econsec.cli.common import Format, console, emit_frame, emit_json, handle_errors
from econsec.errors import DataError, EconsecError

if TYPE_CHECKING:
    from rich.progress import TaskID

    from econsec.warehouse.doctor import DoctorReport
    from econsec.warehouse.ingest import IngestReport, ProgressFn
    from econsec.warehouse.synth import CodeTables

# The warehouse, download and progress-bar modules are imported inside each command, so that
# `econsec --help` and the other commands do not pay for them.

data_app = typer.Typer(help="Fetch, ingest and inspect trade data.", no_args_is_help=True)
fetch_app = typer.Typer(
    help="Download a dataset (mirror first) and ingest it.", no_args_is_help=True
)
ingest_app = typer.Typer(help="Ingest a local file into the warehouse.", no_args_is_help=True)
data_app.add_typer(fetch_app, name="fetch")
data_app.add_typer(ingest_app, name="ingest")

HS_OPT = typer.Option(..., "--hs", help="HS nomenclature, e.g. HS17.")
REL_OPT = typer.Option(..., "--release", help="BACI release, e.g. V202601.")
STRICT_OPT = typer.Option(
    False, "--strict", help="Exit non-zero (ingesting nothing) on any rejected row."
)
HOME_OPT = typer.Option(None, "--home", help="Warehouse folder (default: ECONSEC_HOME).")
WAIT_OPT = typer.Option(
    None,
    "--wait",
    min=0,
    metavar="SECONDS",
    help="Wait this long for another writer to finish (default: ECONSEC_LOCK_WAIT, 30).",
)


def register(app: typer.Typer) -> None:
    """Attach ``econsec data`` to the root command."""
    app.add_typer(data_app, name="data")


@contextmanager
def _progress() -> Iterator[ProgressFn]:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    bars = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def advance(name: str, n: int, total: int) -> None:
        if name not in tasks:
            tasks[name] = bars.add_task(name.rsplit(":", 1)[-1], total=total or None)
        bars.advance(tasks[name], n)

    with bars:
        yield advance


def _report(rep: IngestReport) -> None:
    if rep.skipped:
        console.print(
            f"{rep.hs} {rep.release}: already holds this file's rows "
            f"(sha256 {rep.sha256[:12]}…); use --force to re-ingest"
        )
        return
    yrs = sorted(rep.years)
    span = f"{yrs[0]}–{yrs[-1]}" if len(yrs) > 1 else str(yrs[0]) if yrs else "no years"
    console.print(
        f"[green]ingested[/] {rep.hs} {rep.release} {span}: {rep.rows:,} rows, "
        f"{rep.rejects:,} rejected, {rep.seconds:.1f} s → {rep.path}"
        + (" [yellow](synthetic)[/]" if rep.synthetic else "")
    )
    for f in rep.rejects_files:
        console.print(f"  rejected rows (line, field, reason): {f}")


@fetch_app.command("baci")
@handle_errors
def fetch_baci(
    hs: str = HS_OPT,
    release: str = REL_OPT,
    home: Path | None = HOME_OPT,
    strict: bool = STRICT_OPT,
    force: bool = typer.Option(False, "--force", help="Re-ingest even if unchanged."),
    no_ingest: bool = typer.Option(False, "--no-ingest", help="Download only."),
    wait: float | None = WAIT_OPT,
) -> None:
    """Download CEPII's BACI release zip (ECONSEC_MIRROR first), verify it and ingest it.

    A download is kept only when it is a complete zip of the announced size; its SHA-256 is
    recorded in downloads/SHA256SUMS and checked before the cached copy is reused.
    """
    from econsec.download import baci_zip_name, fetch, recorded_sha256, sha256_of
    from econsec.settings import get_settings
    from econsec.warehouse.ingest import ingest_baci
    from econsec.warehouse.schema import check_hs, check_release
    from econsec.warehouse.store import writing

    settings = get_settings(home)
    hs, release = check_hs(hs), check_release(release)
    name = baci_zip_name(hs, release)
    # One writer at a time: a second fetch waits rather than writing the same .part file.
    with writing(settings.home, wait=wait, what=f"fetch {name}"):
        with _progress() as prog:
            path = fetch(
                f"baci/{name}",
                settings.home / "downloads",
                mirror=settings.mirror,
                progress=prog,
                note=lambda msg: console.print(f"[yellow]note:[/] {msg}", highlight=False),
            )
        digest = recorded_sha256(path) or sha256_of(path)
        console.print(f"{name}: {path} (sha256 {digest}, verified)")
        if no_ingest:
            return
        with _progress() as prog:
            rep = ingest_baci(
                path,
                hs,
                release,
                home=settings.home,
                strict=strict,
                force=force,
                progress=prog,
                sha256=digest,
            )
    _report(rep)


@ingest_app.command("baci")
@handle_errors
def ingest_baci_cmd(
    path: Path = typer.Argument(..., help="A BACI release zip or one yearly CSV."),
    hs: str | None = typer.Option(
        None, "--hs", help="HS nomenclature (from the zip name if omitted)."
    ),
    release: str | None = typer.Option(
        None, "--release", help="Release (from the zip name if omitted)."
    ),
    home: Path | None = HOME_OPT,
    strict: bool = STRICT_OPT,
    countries: Path | None = typer.Option(
        None,
        "--countries",
        help="Country table to validate against (country_codes CSV or release zip).",
    ),
    year: int | None = typer.Option(
        None, "--year", help="A yearly CSV's year, when its name does not tell it."
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Re-ingest even if unchanged; allow replacing a year by far fewer rows.",
    ),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Summary format."),
    wait: float | None = WAIT_OPT,
) -> None:
    """Ingest a local BACI release zip or yearly CSV into the warehouse.

    A yearly CSV replaces its year (rows of other years are rejected); a release zip replaces
    the release. Duplicate flows, unknown codes and implausible values are rejected rows.
    """
    from econsec.settings import get_settings
    from econsec.warehouse.ingest import ingest_baci

    settings = get_settings(home)
    with _progress() as prog:
        rep = ingest_baci(
            path,
            hs,
            release,
            year=year,
            home=settings.home,
            strict=strict,
            countries=countries,
            force=force,
            progress=prog,
            wait=wait,
        )
    if fmt == Format.json:
        emit_json(rep.summary())
    else:
        _report(rep)


@data_app.command("list")
@handle_errors
def list_cmd(
    home: Path | None = HOME_OPT,
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table, csv or json."),
) -> None:
    """Show what the warehouse holds: one row per nomenclature × release × year."""
    from econsec.settings import get_settings
    from econsec.warehouse.listing import inventory

    settings = get_settings(home)
    inv = inventory(settings.home)
    if fmt == Format.table:
        if inv.height == 0:
            console.print(
                f"the warehouse {settings.home} is empty; try "
                "'econsec data fetch baci --hs HS17 --release V202601'"
            )
            return
        emit_frame(inv.drop("source"), fmt, title=f"warehouse {settings.home}", limit=500)
    else:
        emit_frame(inv, fmt)


@data_app.command("doctor")
@handle_errors
def doctor_cmd(
    home: Path | None = HOME_OPT,
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table or json."),
    wait: float | None = WAIT_OPT,
) -> None:
    """Repair what crashes left and check every release's metadata against its files.

    Finishes or undoes interrupted release replacements, removes leftover staging folders and
    bad cached downloads, then checks rows per year (Parquet footers) and listed files against
    meta.json. Exits 1 when problems remain.
    """
    from econsec.warehouse.doctor import doctor

    if fmt == Format.csv:
        raise ValueError("--format csv does not suit the doctor's report; use table or json")
    from econsec.settings import get_settings

    settings = get_settings(home)
    rep = doctor(settings.home, wait=wait)
    if fmt == Format.json:
        emit_json(rep.summary())
    else:
        _print_doctor(rep)
    if not rep.ok:
        raise typer.Exit(1)


def _print_doctor(rep: DoctorReport) -> None:
    from econsec.formatting import plural

    for f in rep.fixed:
        console.print(f"[green]fixed:[/] {f}", highlight=False, soft_wrap=True)
    for p in rep.problems:
        console.print(f"[bold red]problem:[/] {p}", highlight=False, soft_wrap=True)
    verdict = "[green]ok[/]" if rep.ok else f"[bold red]{plural(len(rep.problems), 'problem')}[/]"
    console.print(
        f"{verdict}: {plural(rep.releases, 'release')}, {plural(rep.files, 'Parquet file')} "
        f"checked in {rep.home}; {plural(len(rep.fixed), 'repair')}",
        highlight=False,
    )


def _parse_years(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?", part)
        if not m:
            raise ValueError(f"invalid years {text!r}; use e.g. 2024, 1995-2024 or 2010,2020")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        out.extend(range(a, b + 1))
    return sorted(set(out))


def code_tables(codes_from: Path | None, home: Path | None = None) -> CodeTables:
    """Real country and product codes: a given zip, else the warehouse, else the mirror."""
    import polars as pl

    from econsec.warehouse.synth import CodeTables, code_tables_from_zip

    if codes_from is not None:
        return code_tables_from_zip(codes_from)
    from econsec.settings import get_settings

    settings = get_settings(home)
    rels = sorted(
        (settings.home / "baci").glob("hs=HS17/release=*/countries.parquet"), reverse=True
    )
    for c in rels:
        prod = c.parent / "products.parquet"
        if prod.exists():
            products = pl.read_parquet(prod)
            if products.height > 1000:  # a full product table, not a sample's subset
                return CodeTables(pl.read_parquet(c), products)
    if settings.mirror and "://" not in settings.mirror:
        z = Path(settings.mirror) / "baci" / "BACI_HS17_V202601.zip"
        if z.exists():
            return code_tables_from_zip(z)
    raise EconsecError(
        "no real code tables found: pass --codes-from BACI_HS17_<release>.zip "
        "or fetch a release first"
    )


@data_app.command("synth")
@handle_errors
def synth_cmd(
    year: str = typer.Option(..., "--year", help="Year(s): 2024, 1995-2024 or 2010,2020."),
    rows: int = typer.Option(..., "--rows", help="Rows per year (a full BACI year is ~11M)."),
    out: Path = typer.Option(..., "--out", help="Folder to write the release zip into."),
    hs: str = typer.Option("HS17", "--hs", help="Nomenclature of the codes."),
    release: str = typer.Option("V202601-synth", "--release", help="Release name."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    codes_from: Path | None = typer.Option(
        None, "--codes-from", help="Release zip whose country and product codes to use."
    ),
    home: Path | None = HOME_OPT,
) -> None:
    """Write a synthetic BACI-shaped release zip (marked synthetic) for scale tests."""
    from econsec.warehouse.schema import check_hs, check_release
    from econsec.warehouse.synth import write_synthetic_release

    if rows <= 0:
        raise DataError("--rows must be positive")
    if out.exists() and not out.is_dir():
        raise DataError("--out must be a folder; this is a file or device", path=out)
    tables = code_tables(codes_from, home)
    try:
        path = write_synthetic_release(
            out,
            tables,
            _parse_years(year),
            rows,
            hs=check_hs(hs),
            release=check_release(release),
            seed=seed,
        )
    except OSError as e:
        raise DataError(f"cannot write the release there: {e.strerror or e}", path=out) from None
    console.print(f"[green]wrote[/] {path} (synthetic; ingest with 'econsec data ingest baci')")
