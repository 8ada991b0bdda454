"""Plumbing of :mod:`econsec.analysis`: resolve a call, run it per release, show ISO3.

A call resolves its names and products against the release of its target year
(:class:`Query`), builds Ibis expressions over each release's flows, executes them on the
warehouse's backend and replaces country codes by ISO3 in the frames returned.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import polars as pl

from econsec.countries import CountryTable
from econsec.engine import Warehouse
from econsec.metrics import autonomy as _aut
from econsec.metrics import screens as _scr
from econsec.metrics.resolve import (
    Countries,
    Names,
    Products,
    Side,
    by_release,
    display,
    product_codes,
    release_flows,
    resolve_year,
)
from econsec.metrics.results import ScreenResult

#: Codes given to merged blocs (CEPII codes are positive).
BLOC_CODE, A_CODE, B_CODE = -1, -1, -2


@dataclass(frozen=True)
class Query:
    """What one API call asks, resolved against the target year's release."""

    wh: Warehouse
    year: int
    hs: str
    names: Names
    products: list[str] | None
    labels: Mapping[int, str] = field(default_factory=dict)

    @property
    def countries(self) -> CountryTable:
        """The target release's country table."""
        return self.names.countries


def make_query(wh: Warehouse, year: int | None, items: Products | None) -> Query:
    """Resolve the year (latest held when ``None``) and products against its release."""
    y, rel = resolve_year(wh, year)
    names = Names(wh.countries(rel.hs, rel.release), y, wh.home)
    prods = product_codes(items, wh.products(rel.hs, rel.release), rel.hs, wh.home)
    return Query(wh, y, rel.hs, names, prods)


def execute(
    q: Query,
    years: Sequence[int],
    build: Callable[[ir.Table], ir.Table],
    *,
    sort: Sequence[str],
    with_hs: bool = False,
) -> tuple[pl.DataFrame, dict[int, str]]:
    """Run ``build`` on each release's flows for ``years``; concatenate, show ISO3.

    Rows are ordered by ``sort`` (country codes, not names) in the query; releases follow
    each other in year order.
    """
    frames, nomenclature = [], {}
    for rel, ys in by_release(q.wh, years):
        flows, converted = release_flows(q.wh, rel, ys, q.hs, q.products)
        df = q.wh.con.to_polars(build(flows).order_by(list(sort)))
        df = display(df, q.wh.countries(rel.hs, rel.release), q.labels)
        hs = q.hs if converted else rel.hs
        nomenclature.update(dict.fromkeys(ys, hs))
        if with_hs:
            df = df.with_columns(hs=pl.lit(hs))
        frames.append(df)
    out = pl.concat(frames, how="vertical_relaxed") if len(frames) > 1 else frames[0]
    return out, nomenclature


def params_of(q: Query, **kw: Any) -> dict[str, Any]:
    """Parameters recorded in a result: year, nomenclature, products and ``kw``."""
    return {"year": q.year, "hs": q.hs, "products": q.products, **kw}


@dataclass(frozen=True)
class AutonomySetup:
    """Resolved importers (``None``: all), rival codes and label, and bloc of an autonomy call."""

    importers: list[int] | None
    rival: list[int] | None
    rival_label: str | None
    bloc: Side | None


def autonomy_setup(
    q: Query,
    importer: Countries | None,
    rival: Countries | None,
    rival_group: str | None,
    bloc: Countries | None,
) -> AutonomySetup:
    """Resolve the country arguments of :func:`econsec.analysis.autonomy`."""
    if bloc is not None and importer is not None:
        raise ValueError("give either importer or bloc, not both")
    rv: list[int] | None = None
    labels = []
    if rival is not None:
        rv = q.names.codes(rival)
        labels.append("+".join(q.names.iso3(rv)))
    if rival_group is not None:
        if not q.names.is_group(rival_group):
            q.names.group(rival_group)  # raises with the closest group names
        rv = sorted(set(rv or []) | set(q.names.group(rival_group)))
        labels.append(rival_group)
    b = q.names.side(bloc) if bloc is not None else None
    imps = q.names.codes(importer) if importer is not None else None
    return AutonomySetup(imps, rv, "+".join(labels) or None, b)


def autonomy_builder(s: AutonomySetup, prods: list[str] | None) -> Callable[[ir.Table], ir.Table]:
    """Return the autonomy expression builder over flows (merging the bloc if any)."""

    def build(flows: ir.Table) -> ir.Table:
        if s.bloc is not None:
            m = list(s.bloc.codes)
            f = _aut.restrict(flows, products=prods)
            f = _aut.collapse_bloc(f.filter(f.i.isin(m) | f.j.isin(m)), m, BLOC_CODE)
            return _aut.autonomy(f, importers=[BLOC_CODE], rival=s.rival)
        return _aut.autonomy(flows, importers=s.importers, products=prods, rival=s.rival)

    return build


def run_screen(
    q: Query,
    years: Sequence[int],
    report: Sequence[int],
    build: Callable[[ir.Table], ir.Table],
    keys: Sequence[str],
    value_column: str,
    params: dict[str, Any],
    post: Callable[[ir.Table], ir.Table] | None = None,
    *,
    every_year: bool = False,
) -> ScreenResult:
    """Build per release over ``years``, union, post-process (persistence), keep ``report``.

    The frame holds the last reported year (every reported year with ``every_year``); churn
    compares each reported year with the one before it.
    """
    parts = []
    nom: dict[int, str] = {}
    for rel, ys in by_release(q.wh, years):
        flows, converted = release_flows(q.wh, rel, ys, q.hs, q.products)
        parts.append(build(flows))
        nom.update(dict.fromkeys(ys, q.hs if converted else rel.hs))
    t = ibis.union(*parts) if len(parts) > 1 else parts[0]
    if post is not None:
        t = post(t)
    rep = sorted(set(report))
    t = t.filter(t.year.isin(rep))
    raw = q.wh.con.to_polars(t.order_by(["year", *keys]))
    churns = []
    if len(rep) > 1:
        mt = ibis.memtable(raw.select(*keys, "year", "flagged").to_arrow())
        for a, b in itertools.pairwise(rep):
            churns.append(q.wh.con.to_polars(_scr.churn(mt, keys, a, b)))
    ch = pl.DataFrame()
    if churns:
        ch = display(pl.concat(churns), q.countries, q.labels).sort(["year_to", "status", *keys])
    shown = raw if every_year else raw.filter(pl.col("year") == rep[-1])
    df = display(shown, q.countries, q.labels)
    params = {**params, "nomenclature": nom}
    return ScreenResult(df, params, churn=ch, value_column=value_column)
