"""``econsec scenario``: export bans, tariffs, coalition controls and scenario files."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from econsec.cli.common import (
    Format,
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
    from collections.abc import Mapping

    import polars as pl

    from econsec.scenarios.results import ScenarioResult

scenario_app = typer.Typer(
    name="scenario",
    help="Coercion scenarios: export bans, tariffs, coalition export controls.",
    no_args_is_help=True,
)


class ScenarioFormat(StrEnum):
    """Output formats of scenario commands."""

    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


FormatOpt = typer.Option(ScenarioFormat.table, "--format", "-f", help="Output format.")
YearOpt = typer.Option(None, "--year", "-y", help="Year to replay; the latest held when omitted.")
ProductOpt = typer.Option(
    [], "--product", "-p", help="HS code (6, 4 or 2 digits) or basket name; repeatable."
)
BasketOpt = typer.Option([], "--basket", "-b", help="Basket name (as --product); repeatable.")
RedirectOpt = typer.Option(
    None, "--redirect", help="Redirectable fraction of other exporters' sales (overrides horizon)."
)
HorizonOpt = typer.Option("3-12m", "--horizon", help="Substitution horizon: 0-3m, 3-12m, 12m+.")
DrawsOpt = typer.Option(
    None, "--draws", help="Monte Carlo draws, 10 to 1,000,000 (median and 90% interval)."
)
SeedOpt = typer.Option(None, "--seed", help="Monte Carlo seed.")
IOOpt = typer.Option(None, "--io", help="MRIO table (Parquet bundle) to propagate through.")
ModelOpt = typer.Option(None, "--model", help="IO model: ghosh, leontief or inoperability.")
OutOpt = typer.Option(None, "--out", "-o", help="Write the output to this file.")


def _split(values: list[str]) -> list[str]:
    return [v.strip() for x in values for v in x.split(",") if v.strip()]


def _goods(product: list[str], basket: list[str]) -> dict[str, list[str]]:
    """Split --product and --basket into the spec's ``products`` (codes) and ``baskets``."""
    from econsec.scenarios.assembly import split_products

    codes, names = split_products(_split(product))
    return {"products": codes, "baskets": [*names, *_split(basket)]}


def _check(draws: int | None, out: Path | None) -> None:
    # Before any work: a long run must not end on a bad option.
    from econsec.scenarios.montecarlo import check_draws

    if draws is not None:
        check_draws(draws, what="--draws")
    if out is not None:
        check_out_path(out)


def _run(
    spec_data: dict[str, Any],
    home: Path | None,
    allow_synthetic: bool,
    io: Path | None,
    model: str | None,
    draws: int | None,
    seed: int | None,
    fmt: ScenarioFormat,
    out: Path | None,
) -> None:
    from econsec.cli.metrics import emit_notes
    from econsec.scenarios.api import run_scenario
    from econsec.scenarios.spec import parse_scenario

    _check(draws, out)
    if io is not None:
        spec_data["io"] = {"table": str(io), **({"model": model} if model else {})}
    spec = parse_scenario(spec_data, source="command line")
    res = run_scenario(spec, home=home, allow_synthetic=allow_synthetic, draws=draws, seed=seed)
    _emit(res, fmt, out)
    emit_notes(res)


def _emit(res: ScenarioResult, fmt: ScenarioFormat, out: Path | None) -> None:
    if fmt == ScenarioFormat.html:
        from econsec.report.scenario_html import render_html

        text = render_html(res)
        if out is None:
            sys.stdout.write(text)
        else:
            write_output(out, text)
        return
    if out is not None:
        if fmt == ScenarioFormat.csv:
            from econsec.formatting import tidy_frame

            write_output(out, tidy_frame(res.products()).write_csv())
        else:
            write_output(out, dumps_json(res.to_dict()) + "\n")
        return
    if fmt == ScenarioFormat.json:
        emit_json(res.to_dict())
        return
    if fmt == ScenarioFormat.csv:
        emit_frame(res.products(), Format.csv)
        return
    _tables(res)


def _kv(d: Mapping[str, Any]) -> pl.DataFrame:
    import polars as pl

    rows = [(k, v) for k, v in d.items() if isinstance(v, int | float) or v is None]
    return pl.DataFrame(
        {
            "metric": [k for k, _ in rows],
            "value": [float("nan") if v is None else float(v) for _, v in rows],
        }
    )


_MAIN = (
    "importer",
    "product",
    "baseline_imports",
    "lost_imports",
    "replaced",
    "shortfall",
    "shortfall_share",
)


def _tables(res: ScenarioResult) -> None:
    title = f"{res.name} — {res.year} ({res.hs} {res.release}), redirect {res.redirect:g}"
    for m in res.measures:
        cols = [c for c in (*_MAIN, "from_target", "sigma") if c in m.products.columns]
        emit_frame(
            m.products.select(cols), Format.table, title=f"{title}: {m.label} (thousand USD)"
        )
        emit_frame(_kv(m.totals), Format.table, title="totals and mutual pain")
        if m.by_supplier.height:
            emit_frame(m.by_supplier, Format.table, title="replacement by supplier", limit=15)
        if m.access is not None:
            emit_frame(m.access, Format.table, title="residual access and leakage")
            if m.leakers is not None:
                emit_frame(m.leakers, Format.table, title="leakage by non-member", limit=15)
        if m.join_set is not None:
            js = m.join_set
            typer.echo(
                f"must join to reach {js.threshold:.0%} of world supply: "
                f"{', '.join(m.parameters.get('join_set_iso3', [])) or 'nobody'} "
                f"({js.method}{'' if js.exact else ': may not be the smallest set'})"
            )
    if res.io is not None:
        emit_frame(_kv(res.io.totals), Format.table, title=f"IO propagation ({res.io.model})")
        emit_frame(res.io.by_region, Format.table, title="losses by region", limit=15)
        emit_frame(
            res.io.top_sectors.select(
                "region",
                "sector",
                "sector_name",
                "output_loss",
                "inoperability",
                "value_added_loss",
            ),
            Format.table,
            title="most affected sectors",
        )
    if res.uncertainty is not None:
        emit_frame(res.uncertainty, Format.table, title="uncertainty (median, 5–95%)")


@scenario_app.command("ban")
@handle_errors
def ban_cmd(
    suppliers: list[str] = typer.Option(
        ..., "--from", help="Imposer: country, group (members together) or comma list."
    ),
    targets: list[str] = typer.Option(
        ..., "--to", help="Target: country, comma list, or group (its extra-bloc imports)."
    ),
    product: list[str] = ProductOpt,
    basket: list[str] = BasketOpt,
    year: int | None = YearOpt,
    share: float = typer.Option(1.0, "--share", help="Share of the flows stopped (partial ban)."),
    redirect: float | None = RedirectOpt,
    horizon: str = HorizonOpt,
    draws: int | None = DrawsOpt,
    seed: int | None = SeedOpt,
    io: Path | None = IOOpt,
    model: str | None = ModelOpt,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
    fmt: ScenarioFormat = FormatOpt,
    out: Path | None = OutOpt,
) -> None:
    """Export ban: suppliers stop (a share of) their exports of the products to the targets."""
    spec = {
        "name": "export ban",
        "year": year,
        "horizon": horizon,
        "redirect": redirect,
        "measures": [
            {
                "kind": "export_ban",
                "suppliers": _split(suppliers),
                "targets": _split(targets),
                **_goods(product, basket),
                "share": share,
            }
        ],
    }
    _run(spec, home, allow_synthetic, io, model, draws, seed, fmt, out)


@scenario_app.command("tariff")
@handle_errors
def tariff_cmd(
    imposer: list[str] = typer.Option(
        ..., "--imposer", help="Who taxes: country, list, or group (its extra-bloc imports)."
    ),
    target: list[str] = typer.Option(..., "--on", help="Whose goods: country, group or list."),
    rate: float = typer.Option(..., "--rate", help="Ad-valorem rate (0.5 = 50%)."),
    product: list[str] = ProductOpt,
    basket: list[str] = BasketOpt,
    year: int | None = YearOpt,
    eta: float = typer.Option(1.0, "--eta", help="Elasticity of total import demand."),
    draws: int | None = DrawsOpt,
    seed: int | None = SeedOpt,
    io: Path | None = IOOpt,
    model: str | None = ModelOpt,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
    fmt: ScenarioFormat = FormatOpt,
    out: Path | None = OutOpt,
) -> None:
    """Tariff: Armington/CES response of the imposer's imports (all goods if none given)."""
    spec = {
        "name": "tariff",
        "year": year,
        "measures": [
            {
                "kind": "tariff",
                "imposer": _split(imposer),
                "target": _split(target),
                "rate": rate,
                **_goods(product, basket),
                "eta": eta,
            }
        ],
    }
    _run(spec, home, allow_synthetic, io, model, draws, seed, fmt, out)


@scenario_app.command("coalition")
@handle_errors
def coalition_cmd(
    members: list[str] = typer.Option(
        ..., "--members", help="Coalition: countries (comma list) or a group."
    ),
    target: list[str] = typer.Option(
        ..., "--target", help="Target: country, list, or group (its extra-bloc imports)."
    ),
    product: list[str] = ProductOpt,
    basket: list[str] = BasketOpt,
    year: int | None = YearOpt,
    threshold: float | None = typer.Option(
        None, "--threshold", help="Find who must join to leave the target at most this share."
    ),
    redirect: float | None = RedirectOpt,
    horizon: str = HorizonOpt,
    draws: int | None = DrawsOpt,
    seed: int | None = SeedOpt,
    io: Path | None = IOOpt,
    model: str | None = ModelOpt,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
    fmt: ScenarioFormat = FormatOpt,
    out: Path | None = OutOpt,
) -> None:
    """Coalition control: members jointly stop exports; residual access and leakage."""
    spec = {
        "name": "coalition control",
        "year": year,
        "horizon": horizon,
        "redirect": redirect,
        "measures": [
            {
                "kind": "coalition_control",
                "members": _split(members),
                "target": _split(target),
                **_goods(product, basket),
                "threshold": threshold,
            }
        ],
    }
    _run(spec, home, allow_synthetic, io, model, draws, seed, fmt, out)


@scenario_app.command("run")
@handle_errors
def run_cmd(
    spec_path: Path = typer.Argument(..., help="Scenario TOML file."),
    io: Path | None = IOOpt,
    model: str | None = ModelOpt,
    draws: int | None = DrawsOpt,
    seed: int | None = SeedOpt,
    home: Path | None = HomeOption,
    allow_synthetic: bool = SyntheticOption,
    fmt: ScenarioFormat = FormatOpt,
    out: Path | None = OutOpt,
) -> None:
    """Run a scenario file (see examples/scenarios)."""
    from econsec.cli.metrics import emit_notes
    from econsec.scenarios.api import run_scenario
    from econsec.scenarios.spec import IOSpec, load_scenario

    _check(draws, out)
    spec = load_scenario(spec_path)
    if io is not None or model is not None:
        base = spec.io or (IOSpec(table=io) if io is not None else None)
        if base is None:
            raise ValueError("--model needs an IO table: give --io PATH or [io] in the file")
        upd: dict[str, Any] = {}
        if io is not None:
            upd["table"] = io
        if model is not None:
            upd["model"] = model
        spec = spec.model_copy(update={"io": IOSpec.model_validate(base.model_dump() | upd)})
    res = run_scenario(spec, home=home, allow_synthetic=allow_synthetic, draws=draws, seed=seed)
    _emit(res, fmt, out)
    emit_notes(res)


def register(app: typer.Typer) -> None:
    """Add the ``scenario`` sub-command to the main app."""
    app.add_typer(scenario_app, name="scenario")
