"""Assembly of the analysis verbs: resolve a call, run it per release, show ISO3, add notes.

A call resolves its names and products once (:class:`Query`, over a
:class:`~econsec.query.Resolver`), builds Ibis expressions over each release's flows,
executes them on the warehouse's backend, replaces country codes by ISO3 and says what the
frame lacks (products without flows, members a release does not list).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import polars as pl

from econsec.analysis.results import ScreenResult
from econsec.countries import CountryTable
from econsec.engine import Warehouse
from econsec.formatting import plural
from econsec.metrics import autonomy as _aut
from econsec.metrics import screens as _scr
from econsec.query.fetch import to_polars
from econsec.query.flows import (
    COUNTRY_COLUMNS,
    by_release,
    code_labels,
    display,
    release_flows,
)
from econsec.query.resolver import Countries, Party, Products, Resolver

#: Codes given to merged blocs (CEPII codes are positive).
BLOC_CODE, A_CODE, B_CODE = -1, -1, -2


@dataclass(frozen=True)
class Query:
    """What one API call asks, resolved against the target year's release."""

    r: Resolver
    products: list[str] | None
    labels: Mapping[int, str] = field(default_factory=dict)

    @property
    def wh(self) -> Warehouse:
        """The warehouse."""
        return self.r.wh

    @property
    def year(self) -> int:
        """The target year."""
        return self.r.year

    @property
    def hs(self) -> str:
        """The target year's nomenclature."""
        return self.r.hs


def make_query(wh: Warehouse, year: int | None, items: Products | None) -> Query:
    """Resolve the year (latest held when ``None``) and products against its release."""
    r = Resolver(wh, year)
    return Query(r, r.products(items))


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
    for t, ct, hs, ys in per_release(q, years, build):
        df = display(to_polars(q.wh.con, t.order_by(list(sort))), ct, q.labels)
        nomenclature.update(dict.fromkeys(ys, hs))
        frames.append(df.with_columns(hs=pl.lit(hs)) if with_hs else df)
    out = pl.concat(frames, how="vertical_relaxed") if len(frames) > 1 else frames[0]
    return out, nomenclature


def per_release(
    q: Query, years: Sequence[int], build: Callable[[ir.Table], ir.Table]
) -> Iterator[tuple[ir.Table, CountryTable, str, list[int]]]:
    """Apply ``build`` to each release's flows, oldest first.

    Yields the expression, the release's country table, the nomenclature of its product codes
    (the query's where converted) and the years the release covers.
    """
    for rel, ys in by_release(q.wh, years):
        flows, converted = release_flows(q.wh, rel, ys, q.hs, q.products)
        if not converted:
            q.wh.summaries.note(flows, rel, ys, q.products)
        hs = q.hs if converted else rel.hs
        yield build(flows), q.wh.countries(rel.hs, rel.release), hs, ys


def write(
    q: Query,
    years: Sequence[int],
    build: Callable[[ir.Table], ir.Table],
    out: Path,
    *,
    with_hs: bool = False,
) -> tuple[pl.DataFrame, dict[int, str], int]:
    """Like :func:`execute`, but the engine writes the rows to Parquet at ``out``.

    Country codes become ISO3 inside the engine, so nothing but counts is collected. DuckDB
    writes one file; Spark writes a folder of part files (``pl.read_parquet(out / "*")``).

    Returns
    -------
    The result's schema (an empty frame), the nomenclature of each year and the rows written.
    """
    parts, nomenclature = [], {}
    for t, ct, hs, ys in per_release(q, years, build):
        shown = display_expr(t, ct, q.labels)
        nomenclature.update(dict.fromkeys(ys, hs))
        parts.append(shown.mutate(hs=ibis.literal(hs)) if with_hs else shown)
    expr = ibis.union(*parts) if len(parts) > 1 else parts[0]
    if out.is_dir() and any(out.iterdir()):
        raise ValueError(f"--out {out}: a folder that is not empty; give a new path")
    out.parent.mkdir(parents=True, exist_ok=True)
    q.wh.con.to_parquet(expr, str(out))
    rows = int(q.wh.con.execute(expr.count()))
    empty = pl.DataFrame(schema=pl.Schema(expr.schema().to_polars()))
    return empty, nomenclature, rows


def display_expr(t: ir.Table, ct: CountryTable, labels: Mapping[int, str]) -> ir.Table:
    """:func:`~econsec.query.flows.display` as an Ibis expression (codes → ISO3 in the engine)."""
    mapping = code_labels(ct, labels)
    cols = [c for c in COUNTRY_COLUMNS if c in t.columns and t[c].type().is_integer()]
    return t.mutate(
        **{c: t[c].substitute(mapping, else_=ibis.literal("C") + t[c].cast("string")) for c in cols}
    )


def params_of(q: Query, **kw: Any) -> dict[str, Any]:
    """Parameters recorded in a result: year, nomenclature, products and ``kw``."""
    return {"year": q.year, "hs": q.hs, "products": q.products, **kw}


def coverage_notes(
    q: Query, df: pl.DataFrame, who: Sequence[str] | None, role: str, column: str
) -> list[str]:
    """Say what the frame lacks: asked products or parties without flows.

    Parameters
    ----------
    df
        The result frame (``product`` and ``column`` columns).
    who
        The parties asked for (labels as they appear in ``column``); ``None``: all.
    role
        ``importer`` or ``exporter``, for the wording.
    """
    notes = []
    yrs = sorted(df["year"].unique().to_list()) if "year" in df.columns and df.height else []
    when = f"in {yrs[0]}" if len(yrs) == 1 else f"in {q.year}"
    if df.height == 0:
        whom = f" for {role} {', '.join(who)}" if who else ""
        what = (
            f" in the {plural(len(q.products), 'product')} asked" if q.products is not None else ""
        )
        notes.append(f"no flows{whom}{what} {when}: the result is empty")
        return notes
    if who:
        absent = [w for w in who if w not in set(df[column].to_list())]
        if absent:
            notes.append(f"no flows for {role} {', '.join(absent)} {when} in the products asked")
    if q.products is not None:
        missing = sorted(set(q.products) - set(df["product"].to_list()))
        if missing:
            shown = ", ".join(missing[:20]) + (
                f" … ({len(missing)} in all)" if len(missing) > 20 else ""
            )
            whom = f" for {', '.join(who)}" if who else ""
            notes.append(
                f"{plural(len(missing), 'product')} asked "
                f"{'has' if len(missing) == 1 else 'have'} no flows{whom} {when}: {shown}"
            )
    return notes


@dataclass(frozen=True)
class AutonomySetup:
    """Resolved importers: countries (``None``: all), blocs with their codes, rival."""

    importers: list[int] | None
    blocs: list[tuple[Party, int]]
    rival: list[int] | None
    rival_label: str | None

    @property
    def labels(self) -> dict[int, str]:
        """Display labels of the bloc codes."""
        return {c: p.label for p, c in self.blocs}

    shown: list[str] | None = None  # labels of the importers asked (None: all)


def split_parties(
    q: Query, x: Countries | None
) -> tuple[list[int] | None, list[tuple[Party, int]]]:
    """Countries of ``x`` (``None``: all) and its blocs, each with a negative code."""
    if x is None:
        return None, []
    countries: list[int] = []
    blocs: list[tuple[Party, int]] = []
    for p in q.r.parties(x):
        if p.is_bloc:
            blocs.append((p, -1 - len(blocs)))
        else:
            countries.extend(p.codes)
    return sorted(set(countries)), blocs


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
    for x, group in ((rival, False), (rival_group, True)):
        if x is not None:
            p = q.r.group(str(x)) if group else q.r.party(x)
            rv = sorted(set(rv or []) | set(p.codes))
            labels.append(p.label)
    if bloc is not None:
        p = q.r.party(bloc)
        p = p if p.is_bloc else Party(p.label, p.codes, "list", p.members)
        imps: list[int] | None = []
        blocs = [(p, BLOC_CODE)]
    else:
        imps, blocs = split_parties(q, importer)
    if rv is not None:
        for p, _ in blocs:
            if set(p.codes) & set(rv):
                q.r.notes.append(
                    f"rival {'+'.join(labels)} shares members with {p.label}: "
                    "trade between members is not imports of the bloc"
                )
    imps = imps if (imps or blocs) else None
    return AutonomySetup(imps, blocs, rv, "+".join(labels) or None, shown_labels(q, imps, blocs))


def bloc_flows(flows: ir.Table, party: Party, code: int, prods: list[str] | None) -> ir.Table:
    """Return the bloc's own trade: members merged into ``code``, intra-bloc flows dropped.

    Only flows to or from a member are kept, which is all an importer-side metric needs.
    """
    m = list(party.codes)
    f = _aut.restrict(flows, products=prods)
    return _aut.collapse_bloc(f.filter(f.i.isin(m) | f.j.isin(m)), m, code)


def bloc_world(flows: ir.Table, party: Party, code: int, prods: list[str] | None) -> ir.Table:
    """Return every flow, with ``party``'s members merged into ``code`` (for world shares)."""
    return _aut.collapse_bloc(_aut.restrict(flows, products=prods), list(party.codes), code)


def by_party(
    countries: list[int] | None,
    blocs: Sequence[tuple[Party, int]],
    per_bloc: Callable[[Party, int], ir.Table],
    per_countries: Callable[[list[int] | None], ir.Table],
) -> ir.Table:
    """One expression per bloc and one for the countries (``None``: all), as one table."""
    parts = [per_bloc(p, c) for p, c in blocs]
    if countries is None or countries:
        parts.append(per_countries(countries))
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def shown_labels(
    q: Query, countries: list[int] | None, blocs: Sequence[tuple[Party, int]]
) -> list[str] | None:
    """Labels of the parties asked for, as results show them (``None``: every country)."""
    if countries is None and not blocs:
        return None
    return [*(p.label for p, _ in blocs), *q.r.iso3s(countries or [])]


def autonomy_builder(
    s: AutonomySetup, prods: list[str] | None, wh: Warehouse | None = None
) -> Callable[[ir.Table], ir.Table]:
    """Return the autonomy expression builder over flows (merging each bloc).

    With ``wh``, countries are served from its flow summaries where held (computed first
    when the query covers every importer and product).
    """

    def countries(flows: ir.Table, imps: list[int] | None) -> ir.Table:
        whole = imps is None and prods is None
        summary = None if wh is None else wh.summaries.for_flows(flows, build=whole)
        return _aut.autonomy(flows, importers=imps, products=prods, rival=s.rival, summary=summary)

    def build(flows: ir.Table) -> ir.Table:
        return by_party(
            s.importers,
            s.blocs,
            lambda p, c: _aut.autonomy(
                bloc_flows(flows, p, c, prods), importers=[c], rival=s.rival
            ),
            lambda imps: countries(flows, imps),
        )

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
    notes: Sequence[str] = (),
) -> ScreenResult:
    """Build per release over ``years``, union, post-process (persistence), keep ``report``.

    The frame holds the last reported year (every reported year with ``every_year``); churn
    compares each reported year with the one before it.
    """
    parts = []
    nom: dict[int, str] = {}
    for t_rel, _, hs, ys in per_release(q, years, build):
        parts.append(t_rel)
        nom.update(dict.fromkeys(ys, hs))
    t = ibis.union(*parts) if len(parts) > 1 else parts[0]
    if post is not None:
        t = post(t)
    rep = sorted(set(report))
    t = t.filter(t.year.isin(rep))
    raw = to_polars(q.wh.con, t.order_by(["year", *keys]))
    churns = []
    if len(rep) > 1:
        mt = ibis.memtable(raw.select(*keys, "year", "flagged").to_arrow())
        for a, b in itertools.pairwise(rep):
            churns.append(to_polars(q.wh.con, _scr.churn(mt, keys, a, b)))
    ch = pl.DataFrame()
    if churns:
        ch = display(pl.concat(churns), q.r.countries, q.labels).sort(["year_to", "status", *keys])
    shown = raw if every_year else raw.filter(pl.col("year") == rep[-1])
    df = display(shown, q.r.countries, q.labels)
    params = {**params, "nomenclature": nom}
    return ScreenResult(df, params, (*q.r.notes, *notes), churn=ch, value_column=value_column)
