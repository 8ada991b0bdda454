"""Commands ``autonomy``, ``indispensability``, ``leverage`` and ``screen geodep|eu|custom``.

Thin wrappers over :mod:`econsec.analysis`; every command takes ``--format table|csv|json``,
``--home`` and ``--allow-synthetic``. Countries are ISO3, ISO2, names or CEPII codes (or
group names such as ``G7`` where noted); products are HS codes (6 digits, or 4/2-digit
headings/chapters).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from econsec.cli.common import (
    Format,
    FormatOption,
    HomeOption,
    SyntheticOption,
    console,
    emit_frame,
    emit_json,
    handle_errors,
)

if TYPE_CHECKING:
    from econsec.analysis.results import ScreenResult
    from econsec.query.results import Result

YearOption = typer.Option(None, "--year", "-y", help="Year (default: the latest held).")
ProductOption = typer.Option(
    None, "--product", "-p", help="HS code (6 digits, or a 4/2-digit heading); repeatable."
)
BasketOption = typer.Option(
    None, "--basket", "-b", help="Products of a basket (see 'econsec baskets list'); repeatable."
)

OutOption = typer.Option(
    None,
    "--out",
    "-o",
    help="Write the rows to this Parquet path from the engine instead of printing them "
    "(for results too large for memory; Spark writes a folder).",
)

screen_app = typer.Typer(
    help="Dependency screens: EU 2021 method, CEPII GeoDep, custom TOML thresholds.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the metric commands to the ``econsec`` application."""
    app.command("autonomy")(autonomy)
    app.command("indispensability")(indispensability)
    app.command("leverage")(leverage)
    app.add_typer(screen_app, name="screen")


def _products(product: list[str] | None, basket: list[str] | None) -> list[str] | None:
    return [*(product or []), *(basket or [])] or None


def _side(x: str) -> str | list[str]:
    # A comma-separated list of ISO3 codes is a bloc; a single name is a country or group.
    parts = [p.strip() for p in x.split(",") if p.strip()]
    return parts if len(parts) > 1 else x


def emit_notes(res: Result) -> None:
    """Write a result's notes to stderr (whatever the format: stdout stays the document)."""
    for n in res.notes:
        console.print(f"note: {n}", highlight=False, soft_wrap=True)


def _note(text: str, fmt: Format) -> None:
    # Notes go to stderr and only with the table format, so csv/json stay machine-readable.
    if fmt == Format.table:
        console.print(text, highlight=False, soft_wrap=True)


@handle_errors
def autonomy(
    importer: list[str] | None = typer.Option(
        None,
        "--importer",
        "-i",
        help="Importer: country, or group as one bloc (extra-bloc imports); repeatable.",
    ),
    year: int | None = YearOption,
    product: list[str] | None = ProductOption,
    rival: list[str] | None = typer.Option(
        None, "--rival", help="Supplier whose share to report; repeatable."
    ),
    rival_group: str | None = typer.Option(
        None, "--rival-group", help="Group of suppliers whose share to report (e.g. G7)."
    ),
    bloc: str | None = typer.Option(
        None,
        "--bloc",
        help="Group (e.g. EU27) or comma-separated ISO3 codes treated as one importer, "
        "intra-bloc trade excluded.",
    ),
    basket: list[str] | None = BasketOption,
    fmt: Format = FormatOption,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
    out: Path | None = OutOption,
) -> None:
    """Import concentration per importer × product: suppliers, top share, HHI, rival share."""
    from econsec import analysis

    res = analysis.autonomy(
        importer or None,
        year,
        _products(product, basket),
        rival=rival or None,
        rival_group=rival_group,
        bloc=_side(bloc) if bloc else None,
        home=home,
        allow_synthetic=allow_synthetic,
        out=out,
    )
    emit_notes(res)
    if out is not None:  # the engine wrote the rows; stdout stays empty
        return
    emit_frame(res.to_polars(), fmt, title=f"Import concentration {res.params['year']}")
    s = res.summary()
    _note(
        f"{s['rows']} rows; {s['concentrated']} with HHI > 0.4 "
        f"({s['concentrated_value_share']:.1%} of import value)",
        fmt,
    )


@handle_errors
def indispensability(
    exporter: list[str] | None = typer.Option(
        None,
        "--exporter",
        "-e",
        help="Exporter: country, or group as one bloc (extra-bloc exports); repeatable.",
    ),
    year: int | None = YearOption,
    product: list[str] | None = ProductOption,
    threshold: float = typer.Option(
        0.5, "--threshold", help="Supply share making an importer a dependent."
    ),
    redirect: float = typer.Option(
        0.2, "--redirect", help="Fraction of exports other exporters could redirect."
    ),
    basket: list[str] | None = BasketOption,
    fmt: Format = FormatOption,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
    out: Path | None = OutOption,
    source: str = typer.Option(
        "baci",
        "--source",
        help="baci, or comtrade: exporters' own reports to partner World (products without "
        "bilateral flows; needs --year and --product).",
    ),
) -> None:
    """World reliance per exporter × product: world share and rank, dependents, replaceability."""
    from econsec import analysis

    if source.strip().lower() == "comtrade":
        from econsec.sources.cli_views import world_reliance

        world_reliance(exporter, year, product, basket, fmt, home)
        return
    if source.strip().lower() != "baci":
        msg = f"unknown source {source!r}; use baci or comtrade"
        raise typer.BadParameter(msg, param_hint="'--source'")
    res = analysis.indispensability(
        exporter or None,
        year,
        _products(product, basket),
        threshold=threshold,
        redirect=redirect,
        home=home,
        allow_synthetic=allow_synthetic,
        out=out,
    )
    emit_notes(res)
    if out is not None:
        return
    emit_frame(res.to_polars(), fmt, title=f"Export reliance {res.params['year']}")


@handle_errors
def leverage(
    a: str = typer.Argument(
        ..., help="Side A: country, group (e.g. G7) or comma-separated ISO3 codes."
    ),
    b: str = typer.Argument(..., help="Side B: country, group or comma-separated ISO3 codes."),
    year: int | None = YearOption,
    product: list[str] | None = ProductOption,
    tau: float = typer.Option(0.5, "--tau", help="Minimum import share from the other side."),
    sigma: float = typer.Option(
        0.3, "--sigma", help="Minimum world export share of the other side."
    ),
    basket: list[str] | None = BasketOption,
    fmt: Format = FormatOption,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
) -> None:
    """Who depends on whom: products and values at stake each way, and export exposure."""
    from econsec import analysis

    res = analysis.leverage(
        _side(a),
        _side(b),
        year,
        _products(product, basket),
        tau=tau,
        sigma=sigma,
        home=home,
        allow_synthetic=allow_synthetic,
    )
    s = res.summary()
    emit_notes(res)
    if fmt == Format.json:
        emit_json(
            {
                "summary": s,
                "notes": list(res.notes),
                "dependencies": res.frame.to_dicts(),
                "exposure": res.exposure.to_dicts(),
            }
        )
        return
    if fmt == Format.csv:
        emit_frame(res.to_polars(), fmt)
        return
    la, lb = s["a"], s["b"]
    emit_frame(
        res.to_polars(), fmt, title=f"Dependencies between {la} and {lb}, {res.params['year']}"
    )
    emit_frame(res.exposure, fmt, title="Export-market exposure")
    ab, ba = s["a_depends_on_b"], s["b_depends_on_a"]
    typer.echo(
        f"{la} depends on {lb} for {ab['products']} products "
        f"({ab['value_at_stake']:,.0f} thousand USD at stake); "
        f"{lb} depends on {la} for {ba['products']} "
        f"({ba['value_at_stake']:,.0f} thousand USD)."
    )


def _emit_screen(res: ScreenResult, fmt: Format, flagged_only: bool, title: str) -> None:
    import polars as pl

    df = res.to_polars()
    if flagged_only:
        df = df.filter(pl.col("flagged"))
    emit_frame(df, fmt, title=title)
    emit_notes(res)
    s = res.summary()
    line = (
        f"{s['flagged']} of {s['rows']} flagged "
        f"({s['value_share']:.1%} of {res.value_column.replace('_', ' ')})"
    )
    if "entering" in s:
        line += (
            f"; since {res.params['previous_year']}: {s['entering']} entering, "
            f"{s['leaving']} leaving"
        )
    _note(line, fmt)


FlaggedOnly = typer.Option(False, "--flagged-only", help="Show flagged rows only.")


@screen_app.command("geodep")
@handle_errors
def screen_geodep(
    year: int | None = YearOption,
    importer: list[str] | None = typer.Option(
        None,
        "--importer",
        "-i",
        help="Importer: country, or group as one bloc (extra-bloc imports); repeatable.",
    ),
    product: list[str] | None = ProductOption,
    import_hhi: float = typer.Option(0.4, "--import-hhi", help="C1: import HHI above this."),
    world_hhi: float = typer.Option(0.4, "--world-hhi", help="C2: world export HHI above this."),
    ratio: float = typer.Option(1.0, "--ratio", help="C3: imports / exports above this."),
    window: int = typer.Option(3, "--window", help="C4: span of years."),
    min_years: int = typer.Option(2, "--min-years", help="C4: years meeting C1–C3 in a span."),
    persistence: bool = typer.Option(
        True, "--persistence/--no-persistence", help="Apply C4 (needs neighbouring years)."
    ),
    basket: list[str] | None = BasketOption,
    flagged_only: bool = FlaggedOnly,
    fmt: Format = FormatOption,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
) -> None:
    """CEPII GeoDep screen (Lefebvre & Wibaux 2024) for every importer × product."""
    from econsec import analysis

    res = analysis.screen_geodep(
        importer or None,
        year,
        _products(product, basket),
        import_hhi=import_hhi,
        world_hhi=world_hhi,
        ratio=ratio,
        window=window,
        min_years=min_years,
        persistence=persistence,
        home=home,
        allow_synthetic=allow_synthetic,
    )
    if persistence and len(res.params["years_used"]) < 2:
        _note(
            "note: no neighbouring year held, so no row can meet persistence (C4); "
            "use --no-persistence for a one-year screen",
            fmt,
        )
    _emit_screen(res, fmt, flagged_only, f"GeoDep screen {res.params['year']}")


@screen_app.command("eu")
@handle_errors
def screen_eu(
    bloc: str = typer.Option(
        "EU27", "--bloc", help="Bloc: a group name (default EU27) or comma-separated ISO3 codes."
    ),
    year: int | None = YearOption,
    product: list[str] | None = ProductOption,
    extra_hhi: float = typer.Option(0.4, "--extra-hhi", help="C1: extra-bloc HHI above this."),
    extra_share: float = typer.Option(
        0.5, "--extra-share", help="C2: extra-bloc share of imports above this."
    ),
    ratio: float = typer.Option(
        1.0, "--ratio", help="C3: extra-bloc imports / exports above this."
    ),
    basket: list[str] | None = BasketOption,
    flagged_only: bool = FlaggedOnly,
    fmt: Format = FormatOption,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
) -> None:
    """EU 2021 dependency screen (Commission SWD(2021) 352) for a bloc × product."""
    from econsec import analysis

    res = analysis.screen_eu(
        _side(bloc),
        year,
        _products(product, basket),
        extra_hhi=extra_hhi,
        extra_share=extra_share,
        ratio=ratio,
        home=home,
        allow_synthetic=allow_synthetic,
    )
    _emit_screen(res, fmt, flagged_only, f"EU 2021 screen, {bloc}, {res.params['year']}")


@screen_app.command("custom")
@handle_errors
def screen_custom(
    spec: Path = typer.Argument(..., help="TOML screen spec (table, conditions, combine)."),
    year: int | None = YearOption,
    flagged_only: bool = FlaggedOnly,
    fmt: Format = FormatOption,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
) -> None:
    """Screen any metric table with thresholds from a TOML spec."""
    from econsec import analysis

    res = analysis.screen_custom(spec, year, home=home, allow_synthetic=allow_synthetic)
    _emit_screen(res, fmt, flagged_only, f"{res.params['name']}, {res.params['year']}")
