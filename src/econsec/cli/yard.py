"""``econsec yard``: choose an importer's (or a bloc's) small yard and show whether it grows."""

from __future__ import annotations

from pathlib import Path

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
from econsec.cli.defaults import ESPA, SCORE, YARD_COVERAGE
from econsec.cli.metrics import BasketOption, ProductOption, YearOption, emit_notes

#: Columns of the table view (the CSV and JSON outputs hold every column).
TABLE_COLUMNS = (
    "rank",
    "product",
    "score",
    "cum_coverage",
    "import_value",
    "top_supplier",
    "dependence",
    "concentration",
    "substitution_gap",
    "criticality",
    "description",
)


def _party(x: str) -> str | list[str]:
    # A comma-separated list of countries acts as one bloc; a single name is a country or group.
    parts = [p.strip() for p in x.split(",") if p.strip()]
    return parts if len(parts) > 1 else x


def _deprecated(old: str, new: str) -> None:
    console.print(f"note: {old} is deprecated, use {new}", highlight=False, soft_wrap=True)


@handle_errors
def yard_cmd(
    importer: str = typer.Argument(
        ...,
        help="Importing country (ISO3, ISO2, code or name), a group such as EU27 (its "
        "extra-bloc imports), or comma-separated countries acting as one bloc.",
    ),
    year: int | None = YearOption,
    product: list[str] | None = ProductOption,
    basket: list[str] | None = BasketOption,
    rival: list[str] | None = typer.Option(
        None,
        "--rival",
        help="Rival supplier: country or group (repeatable). Default: each product's top supplier.",
    ),
    rival_group: str | None = typer.Option(
        None, "--rival-group", help="Rival suppliers as a country group (e.g. BRICS)."
    ),
    risky: list[str] | None = typer.Option(None, "--risky", hidden=True),
    risky_group: str | None = typer.Option(None, "--risky-group", hidden=True),
    unaligned: float | None = typer.Option(
        None,
        "--unaligned",
        help="Also treat as rivals countries whose UN voting ideal point is farther than this "
        "from the importer's (needs the data mirror; a country importer only).",
    ),
    coverage: float = typer.Option(
        YARD_COVERAGE, "--coverage", help="Share of total vulnerability the yard must cover."
    ),
    catalogue: list[str] | None = typer.Option(
        None,
        "--catalogue",
        help="Catalogue counted in the criticality weight (repeatable; default: all built-in).",
    ),
    baskets_file: Path | None = typer.Option(
        None, "--baskets-file", help="User baskets TOML (default: ECONSEC_HOME/baskets.toml)."
    ),
    method: str = typer.Option(
        "smallest",
        "--method",
        help="smallest (fewest products), cheapest (least import value fenced) or "
        "smallest-cheapest.",
    ),
    espa: bool = typer.Option(
        False, "--espa", help="Keep only products meeting Japan's ESPA four requirements."
    ),
    floor: float = typer.Option(
        SCORE["floor"], "--floor", help="Criticality of unlisted products."
    ),
    redirect: float = typer.Option(
        SCORE["redirect"],
        "--redirect",
        help="Fraction of other exporters' sales they can redirect.",
    ),
    alpha: float = typer.Option(SCORE["alpha"], "--alpha", help="Exponent of dependence."),
    beta: float = typer.Option(SCORE["beta"], "--beta", help="Exponent of concentration (HHI)."),
    gamma: float = typer.Option(
        SCORE["gamma"], "--gamma", help="Exponent of low substitutability."
    ),
    delta: float = typer.Option(SCORE["delta"], "--delta", help="Exponent of criticality."),
    value_exponent: float = typer.Option(
        SCORE["value_exponent"],
        "--value-exponent",
        help="Exponent of the product's share of imports.",
    ),
    espa_top_share: float = typer.Option(
        ESPA["top_share"], "--espa-top-share", help="ESPA 2: top share."
    ),
    espa_hhi: float = typer.Option(ESPA["hhi"], "--espa-hhi", help="ESPA 2: import HHI."),
    espa_rival_share: float = typer.Option(
        ESPA["rival_share"], "--espa-rival-share", help="ESPA 3: rivals' share."
    ),
    espa_risky_share: float | None = typer.Option(None, "--espa-risky-share", hidden=True),
    espa_world_hhi: float = typer.Option(
        ESPA["world_hhi"], "--espa-world-hhi", help="ESPA 3: world HHI."
    ),
    espa_ratio: float = typer.Option(
        ESPA["ratio"], "--espa-ratio", help="ESPA 4: imports / exports."
    ),
    min_value: float = typer.Option(
        0.0, "--min-value", help="Leave out products imported for less (thousand USD)."
    ),
    trend: bool = typer.Option(
        True, "--trend/--no-trend", help="Also choose the yard in every earlier year held."
    ),
    since: int | None = typer.Option(None, "--since", help="First year of the trend."),
    fmt: Format = FormatOption,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
) -> None:
    """Score imported products by vulnerability and choose the small yard to protect.

    Vulnerability = dependence on rival suppliers x supplier concentration x low
    substitutability x criticality from the catalogues. The yard is the fewest products
    covering the target share of total vulnerability; its fence cost is the share of total
    import value inside it.
    """
    import polars as pl

    from econsec.yard import yard
    from econsec.yard.espa import EspaParams
    from econsec.yard.score import ScoreParams

    if espa_risky_share is not None:
        _deprecated("--espa-risky-share", "--espa-rival-share")
        espa_rival_share = espa_risky_share
    score = ScoreParams(
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        delta=delta,
        floor=floor,
        redirect=redirect,
        value_exponent=value_exponent,
    )
    espa_p = (
        EspaParams(
            top_share=espa_top_share,
            hhi=espa_hhi,
            rival_share=espa_rival_share,
            world_hhi=espa_world_hhi,
            ratio=espa_ratio,
        )
        if espa
        else False
    )
    if risky:
        _deprecated("--risky", "--rival")
        rival = [*(rival or []), *risky]
    if risky_group is not None:
        _deprecated("--risky-group", "--rival-group")
        if rival_group is not None:
            raise ValueError("give --rival-group or its old name --risky-group, not both")
        rival_group = risky_group
    res = yard(
        _party(importer),
        year,
        [*(product or []), *(basket or [])] or None,
        rival or None,
        rival_group,
        coverage=coverage,
        unaligned=unaligned,
        catalogues=catalogue or None,
        baskets_file=baskets_file,
        score=score,
        method=method,
        espa=espa_p,
        min_value=min_value,
        trend=trend,
        since=since,
        home=home,
        allow_synthetic=allow_synthetic,
    )
    emit_notes(res)
    if fmt == Format.json:
        emit_json(res.to_dict())
        return
    products = res.to_polars().with_columns(pl.col("baskets").list.join(" "))
    if fmt == Format.csv:
        emit_frame(products, fmt)
        return
    h = res.headline
    title = (
        f"Small yard of {h['importer']} in {h['year']} ({h['hs']}): {h['size']} of "
        f"{h['candidates']} products, coverage {h['coverage']:.1%}, "
        f"fence cost {h['fence_cost']:.2%} of imports"
    )
    view = products.with_columns(pl.col("description").str.slice(0, 30))
    emit_frame(view.select(TABLE_COLUMNS), fmt, title=title, limit=100)
    # Notes go to stderr: stdout carries the tables only.
    if not h["optimal"]:
        console.print(
            "note: the MIP stopped at its time limit: the yard is the best found, not proven"
        )
    if res.trend.height:
        emit_frame(res.trend, fmt, title=f"Is the yard growing? {res.growth()}", limit=100)


def register(root: typer.Typer) -> None:
    """Add the ``yard`` command to the root command."""
    root.command("yard")(yard_cmd)
