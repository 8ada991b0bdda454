"""Economic-security analysis of the warehouse by country, bloc, product and year.

Each verb resolves its arguments once through :class:`econsec.query.Resolver` (countries by
ISO3, ISO2, CEPII code or name, every CEPII code of a country merged; groups built-in or the
user's; products as HS6 codes, headings, chapters or baskets; the year omitted = the latest
held), builds the Ibis expressions of :mod:`econsec.metrics`, executes them on the
warehouse's backend (DuckDB by default) and returns an immutable
:class:`~econsec.query.Result`: ``frame``, ``params``, ``notes``, ``summary()``,
``to_polars()``, ``to_pandas()``, ``to_dict()``. Countries appear as ISO3 (``TWN`` for
Taiwan; blocs by their name), products as 6-character HS codes, values in thousand current
USD.

Every verb takes ``engine=`` (``"duckdb"``, ``"polars"``, ``"pyspark"``, an Ibis connection
or a ``SparkSession``; ``ECONSEC_ENGINE`` by default): the numbers are the same on each.

Wherever a country is accepted, a group (``EU27``, ``G7``, a user group) or a list of
countries acting together is accepted too: as an importer it is one bloc whose imports are
extra-bloc imports; as an exporter, its extra-bloc exports; ``params["meaning"]`` says so.
Several importers (``["JPN", "KOR", "EU27"]``) are each reported. Series spanning several HS
nomenclatures (e.g. HS02 for 2002–2016 and HS17 from 2017) are computed year by year and
converted to the newest nomenclature with the concordance; they carry an ``hs`` column.

Examples
--------
>>> import econsec as es
>>> es.autonomy("JPN", 2024, products=["850511"], rival="CHN").to_polars()  # doctest: +SKIP
>>> es.autonomy("EU27", 2024, products="eu-crma").notes  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import polars as pl

from econsec.analysis.assembly import (
    A_CODE,
    B_CODE,
    BLOC_CODE,
    Query,
    autonomy_builder,
    autonomy_setup,
    bloc_flows,
    bloc_world,
    by_party,
    coverage_notes,
    execute,
    make_query,
    params_of,
    run_screen,
    shown_labels,
    split_parties,
    write,
)
from econsec.analysis.results import (
    AutonomyResult,
    IndispensabilityResult,
    LeverageResult,
    ScreenResult,
    SupplierSharesResult,
)
from econsec.engine import Engine, Warehouse
from econsec.metrics import autonomy as _aut
from econsec.metrics import indispensability as _ind
from econsec.metrics import leverage as _lev
from econsec.metrics import screens as _scr
from econsec.metrics.spec import ScreenSpec, load_spec
from econsec.query.resolver import Countries, Products, open_warehouse

__all__ = [
    "AutonomyResult",
    "IndispensabilityResult",
    "LeverageResult",
    "ScreenResult",
    "SupplierSharesResult",
    "autonomy",
    "autonomy_trend",
    "indispensability",
    "indispensability_trend",
    "leverage",
    "screen_custom",
    "screen_eu",
    "screen_geodep",
    "screen_geodep_trend",
    "supplier_shares",
]

Home = Path | str | None

#: Longest GeoDep persistence window accepted (years); BACI spans about 30 years.
MAX_WINDOW = 30


def _check_window(window: int, min_years: int) -> None:
    if not 1 <= window <= MAX_WINDOW:
        raise ValueError(f"--window must be between 1 and {MAX_WINDOW} years, got {window}")
    if not 1 <= min_years <= window:
        raise ValueError(
            f"--min-years must be between 1 and the window ({window}), got {min_years}"
        )


# --------------------------------------------------------------------------------------
# autonomy


def _run(
    q: Query,
    years: Sequence[int],
    build: Callable[[ir.Table], ir.Table],
    sort: list[str],
    with_hs: bool,
    out: Home,
) -> tuple[pl.DataFrame, dict[int, str], list[str]]:
    """Collect the rows, or with ``out`` have the engine write them to Parquet."""
    if out is None:
        df, nom = execute(q, years, build, sort=sort, with_hs=with_hs)
        return df, nom, []
    df, nom, rows = write(q, years, build, Path(out), with_hs=with_hs)
    note = f"{rows:,} rows written to {out} by the engine (not collected)"
    return df, nom, [note if rows else note + ": nothing matched the query"]


def _autonomy(
    importer: Countries | None,
    year: int | None,
    years: Sequence[int] | None,
    products: Products | None,
    rival: Countries | None,
    rival_group: str | None,
    bloc: Countries | None,
    wh: Warehouse,
    out: Home = None,
) -> AutonomyResult:
    q = make_query(wh, year, products)
    s = autonomy_setup(q, importer, rival, rival_group, bloc)
    q = replace(q, labels=s.labels)
    ys = [q.year] if years is None else list(years)
    sort = ["year", "importer", "product"]
    build = autonomy_builder(s, q.products, wh)
    df, nom, written = _run(q, ys, build, sort, years is not None, out)
    params = params_of(
        q,
        importer=s.shown,
        rival=s.rival_label,
        nomenclature=nom,
        meaning=[p.meaning("importer") for p, _ in s.blocs],
    )
    if s.blocs:
        params["bloc"] = s.blocs[0][0].label
        params["bloc_members"] = list(s.blocs[0][0].members)
    if years is not None:
        params["years"] = ys
    if out is not None:
        params["out"] = str(out)
    covered = written or coverage_notes(q, df, s.shown, "importer", "importer")
    return AutonomyResult(df, params, (*q.r.notes, *covered))


def autonomy(
    importer: Countries | None = None,
    year: int | None = None,
    products: Products | None = None,
    rival: Countries | None = None,
    rival_group: str | None = None,
    bloc: Countries | None = None,
    *,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    engine: Engine | None = None,
    out: Home = None,
) -> AutonomyResult:
    """Import concentration (strategic autonomy) per importer × product.

    Parameters
    ----------
    importer
        Country (ISO3, ISO2, name or CEPII code), a group or bloc (one importer: its
        extra-bloc imports), or several of these (each reported); ``None``: every importer.
    year
        Year; the latest held when ``None``.
    products
        HS codes: 6 digits, or 4/2-digit headings/chapters expanded; ``None``: all.
    rival, rival_group
        Suppliers (countries; a group name) whose combined share is reported.
    bloc
        A group name or list of countries treated as one importer, intra-bloc trade
        excluded (its imports and exports are extra-bloc); excludes ``importer``.
    warehouse, home, allow_synthetic
        The warehouse (or its folder), and whether synthetic releases may be used.
    engine
        ``duckdb``, ``polars``, ``pyspark``, an Ibis connection or a SparkSession
        (``ECONSEC_ENGINE`` when omitted); ignored when ``warehouse`` is given.
    out
        A Parquet path: the engine writes the rows there instead of collecting them (for
        results too large for memory); the result's frame is then empty, with the schema.

    Returns
    -------
    AutonomyResult
        Columns ``year, importer, product, import_value, n_suppliers, top_supplier,
        top_share, hhi, export_value, import_export_ratio`` (+ ``rival_value,
        rival_share``); see :func:`econsec.metrics.autonomy.autonomy` for the formulas.
    """
    wh = open_warehouse(warehouse, home, allow_synthetic, engine)
    return _autonomy(importer, year, None, products, rival, rival_group, bloc, wh, out)


def autonomy_trend(
    importer: Countries | None = None,
    products: Products | None = None,
    rival: Countries | None = None,
    rival_group: str | None = None,
    bloc: Countries | None = None,
    years: Sequence[int] | None = None,
    *,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    engine: Engine | None = None,
    out: Home = None,
) -> AutonomyResult:
    """:func:`autonomy` for every year held (or ``years``), with an ``hs`` column.

    Names, groups and products are resolved in the latest year's release; each year is
    computed in its own release's nomenclature unless a converter is installed.
    """
    wh = open_warehouse(warehouse, home, allow_synthetic, engine)
    ys = sorted(set(years)) if years is not None else wh.years()
    latest = ys[-1] if ys else None
    return _autonomy(importer, latest, ys, products, rival, rival_group, bloc, wh, out)


def supplier_shares(
    importer: Countries | None = None,
    year: int | None = None,
    products: Products | None = None,
    bloc: Countries | None = None,
    *,
    top: int | None = None,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    engine: Engine | None = None,
) -> SupplierSharesResult:
    """Each supplier's value, share and rank per importer × product (``top``: best *n*).

    Returns
    -------
    SupplierSharesResult
        Columns ``year, importer, product, supplier, value, share, rank``.
    """
    wh = open_warehouse(warehouse, home, allow_synthetic, engine)
    q = make_query(wh, year, products)
    s = autonomy_setup(q, importer, None, None, bloc)
    q = replace(q, labels=s.labels)

    def build(flows: ir.Table) -> ir.Table:
        t = by_party(
            s.importers,
            s.blocs,
            lambda p, c: _aut.supplier_shares(bloc_flows(flows, p, c, q.products), importers=[c]),
            lambda imps: _aut.supplier_shares(flows, importers=imps, products=q.products),
        )
        return t if top is None else t.filter(t["rank"] <= top)

    df, _ = execute(q, [q.year], build, sort=["year", "importer", "product", "rank"])
    notes = [*q.r.notes, *coverage_notes(q, df, s.shown, "importer", "importer")]
    return SupplierSharesResult(
        df,
        params_of(
            q,
            importer=s.shown,
            top=top,
            meaning=[p.meaning("importer") for p, _ in s.blocs],
        ),
        tuple(notes),
    )


# --------------------------------------------------------------------------------------
# indispensability


def _indispensability(
    exporter: Countries | None,
    year: int | None,
    years: Sequence[int] | None,
    products: Products | None,
    threshold: float,
    redirect: float,
    wh: Warehouse,
    out: Home = None,
) -> IndispensabilityResult:
    q = make_query(wh, year, products)
    exps, blocs = split_parties(q, exporter)
    q = replace(q, labels={c: p.label for p, c in blocs})

    kw: dict[str, Any] = {"threshold": threshold, "redirect": redirect}

    def build(flows: ir.Table) -> ir.Table:
        return by_party(
            exps,
            blocs,
            lambda p, c: _ind.indispensability(
                bloc_world(flows, p, c, q.products), exporters=[c], products=None, **kw
            ),
            lambda e: _ind.indispensability(
                flows,
                exporters=e,
                products=q.products,
                # Every market of the products is needed: a whole year is worth summarising.
                summary=wh.summaries.for_flows(flows, build=q.products is None),
                **kw,
            ),
        )

    ys = [q.year] if years is None else list(years)
    sort = ["year", "product", "world_rank", "exporter"]
    df, nom, written = _run(q, ys, build, sort, years is not None, out)
    shown = shown_labels(q, exps, blocs)
    params = params_of(
        q,
        exporter=shown,
        threshold=threshold,
        redirect=redirect,
        nomenclature=nom,
        meaning=[p.meaning("exporter") for p, _ in blocs],
    )
    if years is not None:
        params["years"] = ys
    if out is not None:
        params["out"] = str(out)
    covered = written or coverage_notes(q, df, shown, "exporter", "exporter")
    asked = df["exporter"].unique().to_list() if exporter is not None and not written else []
    sens = () if written or years is not None else _source_sensitivity(wh, q.year, df, asked)
    return IndispensabilityResult(df, params, (*q.r.notes, *covered, *sens))


def _source_sensitivity(
    wh: Warehouse, year: int, df: pl.DataFrame, exporters: list[str]
) -> list[str]:
    """Where importers' own reports (UN Comtrade, when held) move a world share: say so.

    Checked: each product's leading exporter in either source, and the exporters asked for.
    """
    if not df.height or not (wh.home / "sources" / "comtrade").is_dir():
        return []  # no second source held: nothing to compare (and nothing more imported)
    from econsec.sources.mirror import held, sensitivity_notes

    if not held(year, wh.home):
        return []
    prods = df["product"].unique().to_list()
    return sensitivity_notes(year, prods, exporters=exporters, home=wh.home)


def indispensability(
    exporter: Countries | None = None,
    year: int | None = None,
    products: Products | None = None,
    *,
    threshold: float = 0.5,
    redirect: float = 0.2,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    engine: Engine | None = None,
    out: Home = None,
) -> IndispensabilityResult:
    """World reliance on exporters (strategic indispensability) per exporter × product.

    Parameters
    ----------
    exporter
        Country, a group or bloc (one exporter: its extra-bloc exports), or several of
        these (each reported); ``None``: every exporter.
    year, products
        As in :func:`autonomy`.
    threshold
        An importer is a dependent when the exporter supplies at least this share of it.
    redirect
        Fraction of their exports the other exporters could redirect (replaceability).
    warehouse, home, allow_synthetic
        As in :func:`autonomy`.

    Returns
    -------
    IndispensabilityResult
        Columns ``year, exporter, product, export_value, world_share, world_rank,
        n_exporters, world_hhi, n_dependents, dependent_value, replaceability``; see
        :mod:`econsec.metrics.indispensability` for the formulas.
    """
    wh = open_warehouse(warehouse, home, allow_synthetic, engine)
    return _indispensability(exporter, year, None, products, threshold, redirect, wh, out)


def indispensability_trend(
    exporter: Countries | None = None,
    products: Products | None = None,
    years: Sequence[int] | None = None,
    *,
    threshold: float = 0.5,
    redirect: float = 0.2,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    engine: Engine | None = None,
    out: Home = None,
) -> IndispensabilityResult:
    """:func:`indispensability` for every year held (or ``years``), with an ``hs`` column."""
    wh = open_warehouse(warehouse, home, allow_synthetic, engine)
    ys = sorted(set(years)) if years is not None else wh.years()
    latest = ys[-1] if ys else None
    return _indispensability(exporter, latest, ys, products, threshold, redirect, wh, out)


# --------------------------------------------------------------------------------------
# leverage


def leverage(
    a: Countries,
    b: Countries,
    year: int | None = None,
    products: Products | None = None,
    *,
    tau: float = 0.5,
    sigma: float = 0.3,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    engine: Engine | None = None,
) -> LeverageResult:
    """Mutual dependencies of *A* and *B* (countries, groups or lists) and export exposure.

    Parameters
    ----------
    a, b
        The two sides; a group or list is merged into one country, intra-group flows
        excluded.
    year, products
        As in :func:`autonomy`.
    tau
        Minimum import share from the other side for a dependency.
    sigma
        Minimum world export share of the other side for a dependency.
    warehouse, home, allow_synthetic
        As in :func:`autonomy`.

    Returns
    -------
    LeverageResult
        ``frame``: ``year, importer, supplier, product, import_value, value_at_stake,
        import_share, supplier_world_share`` (both directions); ``exposure``: share of each
        side's exports sold to the other; ``summary()``: the balance.
    """
    wh = open_warehouse(warehouse, home, allow_synthetic, engine)
    q = make_query(wh, year, products)
    sa, sb = q.r.party(a), q.r.party(b)
    if set(sa.codes) & set(sb.codes):
        same = "the same country" if sa.codes == sb.codes else "sides that share members"
        raise ValueError(f"{sa.label} and {sb.label} are {same}; leverage needs two disjoint sides")
    ca = A_CODE if sa.is_bloc else sa.codes[0]
    cb = B_CODE if sb.is_bloc else sb.codes[0]
    q = replace(q, labels={ca: sa.label, cb: sb.label})

    def merged(flows: ir.Table) -> ir.Table:
        f = _aut.restrict(flows, products=q.products)
        for s_, c in ((sa, ca), (sb, cb)):
            if s_.is_bloc:
                f = _aut.collapse_bloc(f, s_.codes, c)
        return f

    df, _ = execute(
        q,
        [q.year],
        lambda f: _lev.mutual_dependencies(merged(f), ca, cb, tau=tau, sigma=sigma),
        sort=["year", "importer", "value_at_stake", "product"],
    )
    df = df.sort(["year", "importer", "value_at_stake"], descending=[False, False, True])
    exposure, _ = execute(
        q, [q.year], lambda f: _lev.export_exposure(merged(f), ca, cb), sort=["year", "exporter"]
    )
    params = params_of(
        q,
        a=sa.label,
        b=sb.label,
        tau=tau,
        sigma=sigma,
        a_members=list(sa.members),
        b_members=list(sb.members),
        meaning=[sa.meaning("side A"), sb.meaning("side B")],
    )
    notes = list(q.r.notes)
    if df.height == 0:
        notes.append(
            f"neither {sa.label} nor {sb.label} depends on the other in {q.year} at "
            f"import share ≥ {tau:g} and world share ≥ {sigma:g}"
            + (" in the products asked" if q.products is not None else "")
        )
    return LeverageResult(df, params, tuple(notes), exposure=exposure)


# --------------------------------------------------------------------------------------
# screens


def _geodep(
    q: Query,
    years: Sequence[int],
    report: Sequence[int],
    importer: Countries | None,
    thresholds: dict[str, Any],
    window: int,
    min_years: int,
    persistence: bool,
    extra: dict[str, Any],
    *,
    every_year: bool = False,
) -> ScreenResult:
    imps, blocs = split_parties(q, importer)
    q = replace(q, labels={c: p.label for p, c in blocs})

    def build(flows: ir.Table) -> ir.Table:
        return by_party(
            imps,
            blocs,
            lambda p, c: _scr.geodep_conditions(
                bloc_world(flows, p, c, q.products), importers=[c], products=None, **thresholds
            ),
            lambda i: _scr.geodep_conditions(
                flows,
                importers=i,
                products=q.products,
                summary=q.wh.summaries.for_flows(flows, build=i is None and q.products is None),
                **thresholds,
            ),
        )

    def post(t: ir.Table) -> ir.Table:
        if persistence:
            t = _scr.persistence(t, ["importer", "product"], window=window, min_years=min_years)
        else:
            t = t.mutate(years_met=ibis.literal(None, "int64"), persistent=ibis.literal(True))
        return t.mutate(flagged=t.conditions_met & t.persistent)

    shown = shown_labels(q, imps, blocs)
    params = params_of(
        q,
        importer=shown,
        meaning=[p.meaning("importer") for p, _ in blocs],
        **thresholds,
        persistence=persistence,
        window=window,
        min_years=min_years,
        years_used=list(years),
        **extra,
    )
    keys = ["importer", "product"]
    res = run_screen(
        q, years, report, build, keys, "import_value", params, post, every_year=every_year
    )
    return replace(
        res, notes=(*res.notes, *coverage_notes(q, res.frame, shown, "importer", "importer"))
    )


def screen_geodep(
    importer: Countries | None = None,
    year: int | None = None,
    products: Products | None = None,
    *,
    import_hhi: float = 0.4,
    world_hhi: float = 0.4,
    ratio: float = 1.0,
    window: int = 3,
    min_years: int = 2,
    persistence: bool = True,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    engine: Engine | None = None,
) -> ScreenResult:
    """CEPII GeoDep screen (Lefebvre & Wibaux 2024) for every importer × product.

    A row is ``flagged`` when C1 import HHI > ``import_hhi``, C2 world export HHI >
    ``world_hhi`` and C3 imports / exports > ``ratio`` hold in the year, and (C4, when
    ``persistence``) they hold in at least ``min_years`` years of some ``window``-year span
    containing the year, counting the neighbouring years held.

    Returns
    -------
    ScreenResult
        Columns ``year, importer, product, import_value, import_hhi, world_hhi,
        import_export_ratio, top_supplier, top_share, c1_import_hhi, c2_world_hhi,
        c3_import_export, conditions_met, years_met, persistent, flagged``; ``churn``
        against the previous year held.
    """
    _check_window(window, min_years)
    wh = open_warehouse(warehouse, home, allow_synthetic, engine)
    q = make_query(wh, year, products)
    prev = max((h for h in wh.years() if h < q.year), default=None)
    report = [y for y in (prev, q.year) if y is not None]
    if persistence:
        lo, hi = report[0] - (window - 1), q.year + window - 1
        ys = [h for h in wh.years() if lo <= h <= hi]
    else:
        ys = report
    thresholds = {"import_hhi": import_hhi, "world_hhi": world_hhi, "ratio": ratio}
    return _geodep(
        q, ys, report, importer, thresholds, window, min_years, persistence, {"previous_year": prev}
    )


def screen_geodep_trend(
    importer: Countries | None = None,
    products: Products | None = None,
    years: Sequence[int] | None = None,
    *,
    import_hhi: float = 0.4,
    world_hhi: float = 0.4,
    ratio: float = 1.0,
    window: int = 3,
    min_years: int = 2,
    persistence: bool = True,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    engine: Engine | None = None,
) -> ScreenResult:
    """:func:`screen_geodep` for every year held (or ``years``) in one pass.

    Each year's conditions are computed once and persistence uses the neighbouring years
    held. ``churn`` lists, for each year, the rows entering or leaving the list since the
    year before; restrict ``importer`` or ``products`` on full releases (the frame has a row
    per importer × product × year).
    """
    _check_window(window, min_years)
    wh = open_warehouse(warehouse, home, allow_synthetic, engine)
    held = wh.years()
    report = sorted(set(years)) if years is not None else held
    q = make_query(wh, report[-1] if report else None, products)
    ys = [h for h in held if report[0] - (window - 1) <= h <= report[-1] + window - 1]
    thresholds = {"import_hhi": import_hhi, "world_hhi": world_hhi, "ratio": ratio}
    return _geodep(
        q,
        ys if persistence else report,
        report,
        importer,
        thresholds,
        window,
        min_years,
        persistence,
        {"years": report},
        every_year=True,
    )


def screen_eu(
    bloc: Countries = "EU27",
    year: int | None = None,
    products: Products | None = None,
    *,
    extra_hhi: float = 0.4,
    extra_share: float = 0.5,
    ratio: float = 1.0,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    engine: Engine | None = None,
) -> ScreenResult:
    """EU 2021 dependency screen (Commission SWD(2021) 352) for a bloc.

    Flags products with C1 extra-bloc import HHI > ``extra_hhi``, C2 extra-bloc share of
    total imports > ``extra_share`` and C3 extra-bloc imports / extra-bloc exports >
    ``ratio``.

    Returns
    -------
    ScreenResult
        Columns ``year, bloc, product, extra_imports, intra_imports, extra_hhi,
        extra_share, extra_exports, extra_import_export_ratio, top_supplier, top_share,
        c1_extra_hhi, c2_extra_share, c3_import_export, flagged``; ``churn`` against the
        previous year held.
    """
    wh = open_warehouse(warehouse, home, allow_synthetic, engine)
    q = make_query(wh, year, products)
    b = q.r.party(bloc)
    if not b.is_bloc:
        raise ValueError(
            f"the EU 2021 screen is for a bloc of several countries; {b.label} is one country "
            "(use 'screen geodep' for a country)"
        )
    q = replace(q, labels={BLOC_CODE: b.label})
    prev = max((h for h in wh.years() if h < q.year), default=None)

    def build(flows: ir.Table) -> ir.Table:
        return _scr.eu_conditions(
            flows,
            b.codes,
            BLOC_CODE,
            products=q.products,
            extra_hhi=extra_hhi,
            extra_share=extra_share,
            ratio=ratio,
        )

    params = params_of(
        q,
        bloc=b.label,
        members=list(b.members),
        meaning=[b.meaning("importer")],
        extra_hhi=extra_hhi,
        extra_share=extra_share,
        ratio=ratio,
    )
    ys = [y for y in (prev, q.year) if y is not None]
    params["previous_year"] = prev
    res = run_screen(q, ys, ys, build, ["bloc", "product"], "extra_imports", params)
    return replace(res, notes=(*res.notes, *coverage_notes(q, res.frame, None, "bloc", "bloc")))


_SCREEN_KEYS = {
    "autonomy": (["importer", "product"], "import_value"),
    "indispensability": (["exporter", "product"], "export_value"),
    "geodep": (["importer", "product"], "import_value"),
    "eu": (["bloc", "product"], "extra_imports"),
}


def screen_custom(
    spec: ScreenSpec | str | Path | Mapping[str, Any],
    year: int | None = None,
    *,
    warehouse: Warehouse | None = None,
    home: Home = None,
    allow_synthetic: bool = False,
    engine: Engine | None = None,
) -> ScreenResult:
    """Screen a metric table with thresholds from a spec (TOML file, text or mapping).

    See :mod:`econsec.metrics.spec` for the format. ``year`` overrides the spec's year.

    Returns
    -------
    ScreenResult
        The table's columns, one boolean column per condition (``c1``, ``c2``, …) and
        ``flagged``; ``churn`` against the previous year held.
    """
    sp = spec if isinstance(spec, ScreenSpec) else load_spec(spec)
    wh = open_warehouse(warehouse, home, allow_synthetic, engine)
    opt = dict(sp.options)
    q = make_query(wh, year if year is not None else sp.year, opt.pop("products", None))
    prev = max((h for h in wh.years() if h < q.year), default=None)
    build, labels = _custom_table(sp.table, q, opt)
    q = replace(q, labels=labels)

    def screened(flows: ir.Table) -> ir.Table:
        t = build(flows)
        sp.check_columns(list(t.columns))
        return _scr.threshold_screen(t, sp.conditions, combine=sp.combine)

    keys, value = _SCREEN_KEYS[sp.table]
    params = params_of(
        q,
        name=sp.name,
        table=sp.table,
        combine=sp.combine,
        conditions=[f"{c.column} {c.op} {c.value:g}" for c in sp.conditions],
        **{k: v for k, v in opt.items() if v is not None},
    )
    ys = [y for y in (prev, q.year) if y is not None]
    params["previous_year"] = prev
    return run_screen(q, ys, ys, screened, keys, value, params)


def _custom_table(
    table: str, q: Query, opt: dict[str, Any]
) -> tuple[Callable[[ir.Table], ir.Table], dict[int, str]]:
    """Return a builder of the metric table a custom screen thresholds, and bloc labels."""
    if table == "autonomy":
        s = autonomy_setup(
            q, opt.get("importer"), opt.get("rival"), opt.get("rival_group"), opt.get("bloc")
        )
        return autonomy_builder(s, q.products), s.labels
    if table == "indispensability":
        ex = opt.get("exporter")
        exps = q.r.codes(ex) if ex is not None else None
        return (
            lambda f: _ind.indispensability(
                f,
                exporters=exps,
                products=q.products,
                threshold=opt.get("threshold", 0.5),
                redirect=opt.get("redirect", 0.2),
            )
        ), {}
    if table == "geodep":
        imp = opt.get("importer")
        imps = q.r.codes(imp) if imp is not None else None
        return (lambda f: _scr.geodep_conditions(f, importers=imps, products=q.products)), {}
    b = q.r.party(opt.get("bloc", "EU27"))
    return (
        lambda f: _scr.eu_conditions(f, b.codes, BLOC_CODE, products=q.products).drop("flagged"),
        {BLOC_CODE: b.label},
    )
