"""``econsec yard``: choose an importer's small yard and show whether it is growing."""

from __future__ import annotations

from pathlib import Path

import polars as pl
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


@handle_errors
def yard_cmd(
    importer: str = typer.Argument(..., help="Importing country (ISO3, ISO2, code or name)."),
    year: int | None = typer.Option(None, "--year", "-y", help="Year (default: latest held)."),
    coverage: float = typer.Option(
        0.8, "--coverage", help="Share of total vulnerability the yard must cover."
    ),
    risky: list[str] | None = typer.Option(
        None, "--risky", help="Risky supplier (repeatable). Default: the top supplier."
    ),
    risky_group: str | None = typer.Option(
        None, "--risky-group", help="Risky suppliers as a country group (e.g. BRICS)."
    ),
    unaligned: float | None = typer.Option(
        None,
        "--unaligned",
        help="Also treat as risky countries whose UN voting ideal point is farther than this "
        "from the importer's (needs the data mirror).",
    ),
    basket: list[str] | None = typer.Option(
        None, "--basket", help="Score only the products of this basket (repeatable)."
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
    floor: float = typer.Option(0.1, "--floor", help="Criticality of unlisted products."),
    redirect: float = typer.Option(
        0.2, "--redirect", help="Fraction of other exporters' sales they can redirect."
    ),
    alpha: float = typer.Option(1.0, "--alpha", help="Exponent of dependence."),
    beta: float = typer.Option(1.0, "--beta", help="Exponent of concentration (HHI)."),
    gamma: float = typer.Option(1.0, "--gamma", help="Exponent of low substitutability."),
    delta: float = typer.Option(1.0, "--delta", help="Exponent of criticality."),
    value_exponent: float = typer.Option(
        0.0, "--value-exponent", help="Exponent of the product's share of imports."
    ),
    espa_top_share: float = typer.Option(0.5, "--espa-top-share", help="ESPA 2: top share."),
    espa_hhi: float = typer.Option(0.4, "--espa-hhi", help="ESPA 2: import HHI."),
    espa_risky_share: float = typer.Option(
        0.3, "--espa-risky-share", help="ESPA 3: risky suppliers' share."
    ),
    espa_world_hhi: float = typer.Option(0.4, "--espa-world-hhi", help="ESPA 3: world HHI."),
    espa_ratio: float = typer.Option(1.0, "--espa-ratio", help="ESPA 4: imports / exports."),
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

    Vulnerability = dependence on risky suppliers x supplier concentration x low
    substitutability x criticality from the catalogues. The yard is the fewest products
    covering the target share of total vulnerability; its fence cost is the share of total
    import value inside it.
    """
    from econsec.yard import EspaParams, ScoreParams, yard

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
            risky_share=espa_risky_share,
            world_hhi=espa_world_hhi,
            ratio=espa_ratio,
        )
        if espa
        else False
    )
    res = yard(
        importer,
        year,
        coverage=coverage,
        risky=risky or None,
        risky_group=risky_group,
        unaligned=unaligned,
        baskets=basket or None,
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
    for note in res.notes:
        console.print(f"note: {note}", highlight=False, soft_wrap=True)


def register(root: typer.Typer) -> None:
    """Add the ``yard`` command to the root command."""
    root.command("yard")(yard_cmd)
