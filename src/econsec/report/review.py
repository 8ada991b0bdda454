"""The country review: dependence, world supply and leverage in one offline HTML report.

:func:`build_review` gathers tidy frames from :mod:`econsec.analysis`; :func:`write_review`
renders them with the findings in plain sentences and plotly charts into one HTML file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from econsec import __version__, analysis
from econsec.engine import Warehouse
from econsec.query.resolver import Countries, Party, Products, Resolver, open_warehouse
from econsec.report import findings as fd


@dataclass(frozen=True)
class Review:
    """Everything the review report shows, as tidy frames and sentences."""

    country: str
    country_name: str
    year: int
    rival: str | None
    rival_name: str | None
    products: list[str] | None
    autonomy: pl.DataFrame
    shares: pl.DataFrame
    trend: pl.DataFrame
    trend_by_product: pl.DataFrame
    world: pl.DataFrame
    leverage: pl.DataFrame
    leverage_summary: dict[str, Any]
    geodep: pl.DataFrame
    frontier: pl.DataFrame
    describe: dict[str, str]
    sources: list[dict[str, Any]]
    headline: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Critical minerals: leading miner, refiner (USGS) and exporter (BACI) per product.
    minerals: pl.DataFrame = field(default_factory=pl.DataFrame)

    def summary(self) -> dict[str, Any]:
        """Headline figures as plain values (what the CLI prints)."""
        total = float(self.autonomy["import_value"].sum()) if self.autonomy.height else 0.0
        out: dict[str, Any] = {
            "country": self.country,
            "year": self.year,
            "rival": self.rival,
            "products": self.autonomy.height,
            "import_value": total,
            "concentrated": self.autonomy.filter(pl.col("hhi") > 0.4).height,
            "geodep_flagged": int(self.geodep["flagged"].sum()) if self.geodep.height else 0,
            "headline": self.headline,
        }
        if self.rival and "rival_value" in self.autonomy.columns and total:
            out["rival_share"] = float(self.autonomy["rival_value"].sum()) / total
        return out


def _describe(wh: Warehouse) -> dict[str, str]:
    out: dict[str, str] = {}
    for r in sorted(wh.releases, key=lambda r: r.release):
        try:
            df = wh.products(r.hs, r.release)
        except Exception:  # a release without a product table still reviews fine
            continue
        for code, desc in zip(df["code"].to_list(), df["description"].to_list(), strict=True):
            if desc:
                out[code] = _short(desc)
    return out


def _short(desc: str, n: int = 70) -> str:
    d = desc.split(";")[0].strip()
    return d if len(d) <= n else d[: n - 1].rstrip() + "…"


def build_review(
    country: Countries,
    year: int | None = None,
    *,
    products: Products | None = None,
    rival: Countries | None = None,
    warehouse: Warehouse | None = None,
    home: Path | str | None = None,
    allow_synthetic: bool = False,
    top: int = 15,
) -> Review:
    """Compute everything the review shows for ``country`` in ``year``.

    Parameters
    ----------
    country
        The reviewed importer: a country (ISO3, ISO2, name or code), or a group such as
        ``EU27`` or a list of countries reviewed as one bloc (its extra-bloc trade).
    year
        Year (latest held when ``None``).
    products
        HS codes or a basket name; all products the country imports when ``None``.
    rival
        Country (or group) whose share, trend and leverage are examined.
    top
        Products shown in the supplier and world-supply charts.
    """
    wh = open_warehouse(warehouse, home, allow_synthetic)
    kw: dict[str, Any] = {"warehouse": wh}
    r = Resolver(wh, year)
    who, riv = _parties(r, country, rival)
    y = r.year
    aut_res = analysis.autonomy(country, y, products, rival=rival, **kw)
    aut = aut_res.to_polars()
    iso, name = who.label, _party_name(r, who)
    riso = riv.label if riv is not None else None
    rname = _party_name(r, riv) if riv is not None else None
    describe = _describe(wh)
    rank = aut.sort(["hhi", "import_value"], descending=True)
    focus = rank.filter(pl.col("import_value") > 0).head(top)["product"].to_list()
    shares = (
        analysis.supplier_shares(country, y, focus, **kw).to_polars() if focus else pl.DataFrame()
    )
    notes: list[str] = list(aut_res.notes)
    trend = trend_p = pl.DataFrame()
    if rival:
        tr = analysis.autonomy_trend(country, products, rival=rival, **kw)
        trend_p = tr.to_polars()
        trend = (
            trend_p.group_by("year")
            .agg(pl.col("import_value").sum(), pl.col("rival_value").sum())
            .with_columns(rival_share=pl.col("rival_value") / pl.col("import_value"))
            .sort("year")
        )
        noms = tr.params.get("nomenclature") or {}
        if len(set(noms.values())) > 1:
            notes.append(
                "The trend spans HS nomenclatures "
                + ", ".join(sorted(set(noms.values())))
                + "; codes were followed across revisions with econsec's "
                "value-conserving concordance."
            )
    if riv is not None:
        from econsec.report.backtest_html import precedent_lines

        notes += precedent_lines(riv.members, aut["product"].to_list(), who.members, home=wh.home)
    # No imports and no products asked: no world market to show (not every product held).
    scope = aut["product"].to_list() or products
    ind = analysis.indispensability(None, y, scope, **kw).to_polars() if scope else pl.DataFrame()
    world = ind.filter(pl.col("world_rank") == 1) if ind.height else ind
    minerals, mnotes = _minerals(world, r.hs)
    notes += mnotes
    pair = (iso, riso) if riso and riv is not None and not (who.is_bloc or riv.is_bloc) else None
    notes.extend(_source_notes(wh, y, world, riso, pair))
    lev = analysis.leverage(country, rival, y, products, **kw) if rival else None
    geo = analysis.screen_geodep(country, y, products, **kw).to_polars()
    frontier = pl.DataFrame()
    if riv is not None:
        # A bloc's plan re-sources its extra-bloc imports (a group keeps its dated membership).
        buyer: Countries = (
            who.codes[0]
            if not who.is_bloc
            else who.label
            if who.kind == "group"
            else list(who.members)
        )
        frontier = _frontier(wh, buyer, y, aut, list(riv.members))
    rv = Review(
        country=iso,
        country_name=name,
        year=y,
        rival=riso,
        rival_name=rname,
        products=aut_res.params.get("products"),
        autonomy=aut,
        shares=shares,
        trend=trend,
        trend_by_product=trend_p,
        world=world,
        # `is not None`: a result without rows (no dependence either way) is falsy.
        leverage=lev.to_polars() if lev is not None else pl.DataFrame(),
        leverage_summary=lev.summary() if lev is not None else {},
        geodep=geo,
        frontier=frontier,
        describe=describe,
        sources=_sources(wh, sorted(set(trend_p["year"].to_list())) if trend_p.height else [y]),
        notes=notes,
        minerals=minerals,
    )
    return _with_headline(rv)


def _minerals(world: pl.DataFrame, hs: str) -> tuple[pl.DataFrame, list[str]]:
    """Who mines, refines and exports the reviewed products the HS ↔ USGS map covers."""
    from econsec.minerals import hs_usgs_map, supply_by_stage
    from econsec.minerals.beside import side_by_side

    if world.height == 0:
        return pl.DataFrame(), []
    prods = world["product"].to_list()
    if not hs_usgs_map().filter(pl.col("hs6").is_in(prods)).height:
        return pl.DataFrame(), []
    try:
        supply = supply_by_stage(prods, hs_revision=hs)
    except FileNotFoundError as e:  # no USGS tables here: the review stands without them
        return pl.DataFrame(), [f"Mine and refinery production (USGS) not shown: {e}"]
    return side_by_side(supply, world), []


def _source_notes(
    wh: Warehouse,
    year: int,
    world: pl.DataFrame,
    rival: str | None,
    pair: tuple[str, str] | None,
) -> list[str]:
    """World and supplier shares that BACI and reports as filed (UN Comtrade) put apart."""
    if not world.height or not (wh.home / "sources" / "comtrade").is_dir():
        return []
    from econsec.sources.mirror import held, sensitivity_notes, supplier_notes

    if not held(year, wh.home):
        return []
    prods = world["product"].to_list()
    out = sensitivity_notes(year, prods, exporters=[rival] if rival else None, home=wh.home)
    if pair is not None:  # one country against one rival country: its supplier shares too
        out += supplier_notes(year, *pair, prods, home=wh.home)
    return list(dict.fromkeys(out))  # the explanation once


def _parties(
    r: Resolver, country: Countries, rival: Countries | None
) -> tuple[Party, Party | None]:
    """Resolve the reviewed country (or bloc) and the rival in the review year's release.

    Raises
    ------
    ValueError
        When the rival is the reviewed country (or only members of the reviewed bloc).
    """
    who = r.party(country)
    riv = r.party(rival) if rival is not None else None
    if riv is not None and set(riv.codes) <= set(who.codes):
        what = f"a member of {who.label}" if who.is_bloc else "the reviewed country"
        raise ValueError(
            f"the rival {riv.label} is {what}: review dependence on another country or group"
        )
    return who, riv


def _party_name(r: Resolver, p: Party) -> str:
    """Return a country's name in the review year's country table, or a bloc's label."""
    return p.label if p.is_bloc else r.countries.name_of(p.codes[0])


def _frontier(
    wh: Warehouse,
    country: Countries,
    year: int,
    aut: pl.DataFrame,
    rival: list[str],
    n: int = 5,
) -> pl.DataFrame:
    """Cost–dependence frontier of the products most dependent on the rival (share ≥ 0.5)."""
    from econsec.plan.api import plan

    if "rival_share" not in aut.columns:
        return pl.DataFrame()
    dep = aut.filter(pl.col("rival_share") >= 0.5).sort("rival_value", descending=True)
    prods = dep["product"].head(n).to_list()
    if not prods:
        return pl.DataFrame()
    return plan(country, year, prods, rival, warehouse=wh).frontier().to_polars()


def _sources(wh: Warehouse, years: list[int]) -> list[dict[str, Any]]:
    used: dict[tuple[str, str], list[int]] = {}
    for y in years:
        r = wh.release_for(y)
        used.setdefault((r.hs, r.release), []).append(y)
    out = []
    for (hs, rel), ys in sorted(used.items()):
        info = next(r for r in wh.releases if r.hs == hs and r.release == rel)
        out.append(
            {
                "dataset": f"CEPII BACI {hs} {rel}",
                "years": f"{min(ys)}–{max(ys)}",
                "sha256": info.sha256 or "",
                "file": Path(info.source or "").name,
            }
        )
    return out


def _with_headline(r: Review) -> Review:
    lines: list[str | None] = [
        fd.scope_sentence(r.autonomy, r.country_name, r.year),
        fd.concentration_sentence(r.autonomy),
    ]
    if r.rival:
        lines.append(fd.rival_sentence(r.autonomy, r.rival, r.describe, r.rival_name))
        lines.append(fd.trend_sentence(r.trend, r.rival_name or r.rival))
    lines.append(fd.top_dependency_sentence(r.autonomy, r.describe))
    lines.append(fd.world_sentence(r.world, r.rival, r.rival_name))
    lines.append(fd.miner_refiner_sentence(r.minerals))
    if r.rival:
        lines.append(
            fd.leverage_sentence(r.leverage_summary, r.country_name, r.rival_name or r.rival)
        )
    flagged = int(r.geodep["flagged"].sum()) if r.geodep.height else 0
    lines.append(fd.geodep_sentence(flagged, r.year))
    return Review(**{**r.__dict__, "headline": [s for s in lines if s]})


def write_review(review: Review, out: Path | str) -> Path:
    """Render the review as one self-contained HTML file (written atomically)."""
    from econsec.report.render import render_review
    from econsec.warehouse.store import atomic_write_text

    path = Path(out)
    atomic_write_text(
        path, render_review(review, generated=dt.date.today().isoformat(), version=__version__)
    )
    return path
