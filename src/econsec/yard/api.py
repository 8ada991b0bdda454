"""Choose an importer's small yard from the warehouse, and follow it across the years held.

:func:`yard` scores every product the importer buys (:mod:`econsec.yard.score`), optionally
keeps those meeting the four requirements of Japan's Economic Security Promotion Act
(:mod:`econsec.yard.espa`), and chooses the yard (:mod:`econsec.yard.select`). Each year is
computed in its own release's HS nomenclature (e.g. HS02 to 2016, HS17 from 2017) with the
catalogues' codes in that nomenclature; codes are compared across years as they stand, and
the result notes where the nomenclature changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import polars as pl

from econsec.countries import CountryTable
from econsec.engine import Warehouse
from econsec.errors import NotFoundError
from econsec.metrics.autonomy import autonomy, restrict
from econsec.metrics.indispensability import world_concentration
from econsec.query.resolver import open_warehouse
from econsec.query.results import Result
from econsec.substitution import redirectable_supply
from econsec.warehouse.catalog import ReleaseInfo
from econsec.yard.espa import ESPA_COLUMNS, EspaParams, espa_filters
from econsec.yard.score import FACTOR_COLUMNS, ScoreParams, score_products
from econsec.yard.select import METHODS, Selection, select_yard

#: Columns of the yard's products (``YardResult.to_polars()``), ESPA columns follow with espa.
PRODUCT_COLUMNS = (
    "rank",
    "product",
    "description",
    "score",
    "cum_coverage",
    "import_value",
    "value_share",
    "dependence",
    "concentration",
    "substitution_gap",
    "criticality",
    "top_supplier",
    "top_share",
    "world_hhi",
    "import_export_ratio",
    "baskets",
    "reason",
)
#: Columns of the trend across years.
TREND_COLUMNS = (
    "year",
    "hs",
    "size",
    "coverage",
    "fence_cost",
    "fence_value",
    "import_value",
    "total_score",
    "candidates",
    "entering",
    "leaving",
)


@dataclass(frozen=True)
class YardResult(Result):
    """A chosen yard: its products (``frame``), every scored product, and the trend.

    Attributes
    ----------
    frame
        The yard's products, highest score first (:data:`PRODUCT_COLUMNS`).
    scores
        Every product imported, with its factors, ``eligible`` and ``in_yard``.
    headline
        ``importer, year, hs, release, method, coverage_target, size, coverage, fence_cost,
        fence_value, import_value, total_score, candidates, optimal``.
    trend
        One row per year held (:data:`TREND_COLUMNS`); empty when not computed.
    changes
        Products entering or leaving the yard: ``year, product, status, hs_changed``.
    notes
        Caveats worth reading with the result (nomenclature changes, empty years).
    """

    scores: pl.DataFrame = field(default_factory=pl.DataFrame)
    headline: Mapping[str, Any] = field(default_factory=dict)
    trend: pl.DataFrame = field(default_factory=pl.DataFrame)
    changes: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def coverage(self) -> float:
        """Share of the candidates' total vulnerability inside the yard."""
        return float(self.headline["coverage"])

    @property
    def fence_cost(self) -> float:
        """Share of the importer's total import value inside the yard."""
        return float(self.headline["fence_cost"])

    def growth(self) -> str | None:
        """``growing``, ``shrinking`` or ``stable`` (yard size, first vs last year held)."""
        if self.trend.height < 2:
            return None
        first, last = self.trend["size"][0], self.trend["size"][-1]
        return "growing" if last > first else "shrinking" if last < first else "stable"

    def summary(self) -> dict[str, Any]:
        """Headline figures, the yard's products, the trend verdict and the parameters."""
        out = dict(self.headline)
        out["products"] = self.frame["product"].to_list()
        if self.trend.height:
            out["trend"] = self.growth()
            out["years"] = self.trend["year"].to_list()
        out["notes"] = list(self.notes)
        out["params"] = dict(self.params)
        return out

    def to_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """Everything as plain Python values (the CLI's JSON output)."""
        out = dict(self.headline)
        out["products"] = (self.frame if limit is None else self.frame.head(limit)).to_dicts()
        if self.trend.height:
            out["trend"] = self.growth()
            out["years"] = self.trend.to_dicts()
            out["changes"] = self.changes.to_dicts()
        out["notes"] = list(self.notes)
        out["params"] = dict(self.params)
        return out


@dataclass(frozen=True)
class _Setup:
    """Everything fixed across years."""

    wh: Warehouse
    importer: str
    risky: tuple[str, ...]
    risky_group: str | None
    unaligned: float | None
    basket_names: tuple[str, ...]
    catalogues: tuple[str, ...] | None
    baskets_file: Path | None
    score: ScoreParams
    espa: EspaParams | None
    method: str
    coverage: float
    min_value: float
    time_limit: float


# ---------------------------------------------------------------------------------------------
# inputs of one year


def _risky_codes(s: _Setup, ct: CountryTable, year: int, m: int) -> list[int] | None:
    """Codes of the risky suppliers in ``year`` (``None``: no risky set, use the top supplier)."""
    if not s.risky and s.risky_group is None and s.unaligned is None:
        return None
    codes = {ct.resolve(r) for r in s.risky}
    if s.risky_group is not None:
        from econsec.reference.groups import members

        for iso3 in members(s.risky_group, on=year):
            try:
                codes.add(ct.resolve(iso3))
            except NotFoundError:
                continue  # members the release's country table lacks cannot supply anyway
    if s.unaligned is not None:
        codes |= _unaligned_codes(ct, m, year, s.unaligned)
    codes.discard(m)
    return sorted(codes)


def _unaligned_codes(ct: CountryTable, m: int, year: int, threshold: float) -> set[int]:
    """Countries whose UN General Assembly ideal point lies farther than ``threshold`` from m's.

    Uses :func:`econsec.reference.unga.alignment_matrix` (needs the data mirror).
    """
    from econsec.reference.unga import alignment_matrix

    me = ct.iso3_of(m)
    d = alignment_matrix(year).filter(pl.col("a") == me)
    if d.height == 0:
        raise NotFoundError("country", me, hint=f"no UN General Assembly ideal point in {year}")
    out: set[int] = set()
    for iso3 in d.filter(pl.col("distance") > threshold)["b"].to_list():
        try:
            out.add(ct.resolve(iso3))
        except NotFoundError:
            continue
    return out


def _basket_products(s: _Setup, hs: str) -> list[str] | None:
    if not s.basket_names:
        return None
    from econsec.baskets import basket_codes

    codes: set[str] = set()
    for b in s.basket_names:
        codes.update(basket_codes(b, hs, extra=s.baskets_file, home=s.wh.home))
    return sorted(codes)


def _weights(s: _Setup, hs: str) -> pl.DataFrame:
    from econsec.baskets import criticality_weights

    return criticality_weights(
        hs, baskets=s.catalogues, extra=s.baskets_file, home=s.wh.home
    ).select("product", "weight", "baskets")


def _exposure(
    flows: ir.Table, m: int, risky: list[int] | None, imports: pl.DataFrame, r: float
) -> pl.DataFrame:
    """Per product: value exposed (risky or top supplier) and others' redirectable capacity."""
    prods = imports["product"].to_list()
    cap = redirectable_supply(
        restrict(flows, products=prods), [m], fraction=r, exclude_exporters=risky or ()
    )
    cap_df = pl.from_arrow(cap.select("k", "exporter", "capacity").to_pyarrow())
    assert isinstance(cap_df, pl.DataFrame)
    cap_df = cap_df.rename({"k": "product"})
    if risky is None:
        # The top supplier is the one to replace; the others' capacity replaces it.
        top = imports.select("product", pl.col("top_supplier").cast(cap_df["exporter"].dtype))
        cap_df = cap_df.join(top, on="product").filter(pl.col("exporter") != pl.col("top_supplier"))
        exposed = imports.select(
            "product", exposed_value=pl.col("top_share") * pl.col("import_value")
        )
    else:
        exposed = imports.select("product", exposed_value=pl.col("rival_value"))
    capacity = cap_df.group_by("product").agg(capacity=pl.col("capacity").sum())
    return exposed.join(capacity, on="product", how="left").with_columns(
        pl.col("capacity").fill_null(0.0)
    )


def _to_polars(t: ir.Table) -> pl.DataFrame:
    df = pl.from_arrow(t.to_pyarrow())
    assert isinstance(df, pl.DataFrame)
    return df


def _year_inputs(s: _Setup, rel: ReleaseInfo, year: int) -> tuple[pl.DataFrame, CountryTable]:
    """One row per product the importer buys in ``year``, with every input of the score."""
    wh = s.wh
    ct = wh.countries(rel.hs, rel.release)
    m = ct.resolve(s.importer)
    risky = _risky_codes(s, ct, year, m)
    flows = wh.trade(year, hs=rel.hs, release=rel.release)
    flows = restrict(flows, products=_basket_products(s, rel.hs))
    imports = _to_polars(autonomy(flows, importers=[m], rival=risky if risky is not None else None))
    if risky is None:
        imports = imports.with_columns(rival_value=pl.lit(None, pl.Float64))
    if imports.height == 0:
        return _empty_inputs(), ct
    exp = _exposure(flows, m, risky, imports, s.score.redirect)
    world = _to_polars(
        world_concentration(flows, products=imports["product"].to_list()).select(
            "product", "world_hhi"
        )
    )
    weights = _weights(s, rel.hs)
    names = wh.products(rel.hs, rel.release).select(pl.col("code").alias("product"), "description")
    df = (
        imports.select(
            "product",
            "import_value",
            "n_suppliers",
            "top_supplier",
            "top_share",
            "hhi",
            "export_value",
            "import_export_ratio",
        )
        .join(exp, on="product", how="left")
        .join(world, on="product", how="left")
        .join(weights, on="product", how="left")
        .join(names, on="product", how="left")
        .with_columns(
            pl.col("weight").fill_null(0.0),
            pl.col("baskets").fill_null(pl.lit([], pl.List(pl.Utf8))),
            pl.col("description").fill_null(""),
            pl.col("top_supplier").map_elements(ct.iso3_of, return_dtype=pl.Utf8),
        )
    )
    return df, ct


def _empty_inputs() -> pl.DataFrame:
    schema: dict[str, Any] = {
        "product": pl.Utf8,
        "import_value": pl.Float64,
        "n_suppliers": pl.Int64,
        "top_supplier": pl.Utf8,
        "top_share": pl.Float64,
        "hhi": pl.Float64,
        "export_value": pl.Float64,
        "import_export_ratio": pl.Float64,
        "exposed_value": pl.Float64,
        "capacity": pl.Float64,
        "world_hhi": pl.Float64,
        "weight": pl.Float64,
        "baskets": pl.List(pl.Utf8),
        "description": pl.Utf8,
    }
    return pl.DataFrame(schema=schema)


# ---------------------------------------------------------------------------------------------
# one year's yard


def _reason(row: Mapping[str, Any], has_risky: bool) -> str:
    """Why a product is in: its factors in words."""
    who = "risky suppliers" if has_risky else str(row["top_supplier"])
    parts = [
        f"{row['dependence']:.0%} from {who}",
        f"HHI {row['concentration']:.2f}",
        f"{row['substitution_gap']:.0%} not replaceable",
    ]
    bs = row.get("baskets") or []
    parts.append("listed in " + ", ".join(bs) if bs else "in no catalogue")
    return "; ".join(parts)


@dataclass(frozen=True)
class _YearYard:
    scores: pl.DataFrame
    selection: Selection
    import_value: float
    total_score: float
    candidates: int


def _yard_of_year(s: _Setup, rel: ReleaseInfo, year: int) -> _YearYard:
    inputs, _ = _year_inputs(s, rel, year)
    has_risky = bool(s.risky or s.risky_group or s.unaligned is not None)
    scored = score_products(inputs, s.score)
    eligible = pl.col("import_value") >= s.min_value
    if s.espa is not None:
        scored = espa_filters(scored, s.espa, has_risky=has_risky)
        eligible = eligible & pl.col("espa")
    scored = scored.with_columns(eligible=eligible)
    cand = scored.filter(pl.col("eligible"))
    sel = select_yard(
        cand["score"].to_numpy(),
        cand["import_value"].to_numpy(),
        s.coverage,
        method=s.method,
        time_limit=s.time_limit,
    )
    chosen = cand[list(sel.indices)]["product"].to_list() if sel.size else []
    total_m = float(scored["import_value"].sum()) if scored.height else 0.0
    total_s = float(cand["score"].sum()) if cand.height else 0.0
    scored = scored.with_columns(
        in_yard=pl.col("product").is_in(chosen),
        value_share=pl.col("import_value") / total_m if total_m > 0 else pl.lit(0.0),
    )
    reasons = [_reason(r, has_risky) for r in scored.iter_rows(named=True)]
    scored = scored.with_columns(pl.Series("reason", reasons, dtype=pl.Utf8))
    return _YearYard(scored, sel, total_m, total_s, cand.height)


def _yard_frame(y: _YearYard, espa: bool) -> pl.DataFrame:
    order = {
        p: n
        for n, p in enumerate(
            y.scores.filter(pl.col("in_yard"))
            .sort(["score", "import_value", "product"], descending=[True, False, False])["product"]
            .to_list(),
            start=1,
        )
    }
    df = (
        y.scores.filter(pl.col("in_yard"))
        .with_columns(rank=pl.col("product").replace_strict(order, return_dtype=pl.Int64))
        .sort("rank")
    )
    total = y.total_score
    df = df.with_columns(
        cum_coverage=(pl.col("score").cum_sum() / total) if total > 0 else pl.lit(1.0)
    )
    cols = list(PRODUCT_COLUMNS) + (list(ESPA_COLUMNS) if espa else [])
    return df.select(cols)


def _headline(s: _Setup, rel: ReleaseInfo, year: int, y: _YearYard) -> dict[str, Any]:
    fence_value = float(y.scores.filter(pl.col("in_yard"))["import_value"].sum())
    return {
        "importer": s.importer,
        "year": year,
        "hs": rel.hs,
        "release": rel.release,
        "method": s.method,
        "coverage_target": s.coverage,
        "size": y.selection.size,
        "coverage": y.selection.coverage,
        "fence_cost": fence_value / y.import_value if y.import_value > 0 else 0.0,
        "fence_value": fence_value,
        "import_value": y.import_value,
        "total_score": y.total_score,
        "candidates": y.candidates,
        "products_imported": y.scores.height,
        "optimal": y.selection.optimal,
    }


# ---------------------------------------------------------------------------------------------
# trend


def _trend(
    s: _Setup, years: Sequence[int], done: Mapping[int, tuple[ReleaseInfo, _YearYard]]
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    rows: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    notes: list[str] = []
    prev: tuple[str, set[str]] | None = None
    for year in years:
        try:
            rel, y = done[year] if year in done else _compute(s, year)
        except NotFoundError as e:
            # A country missing from an older release's table: that year has no yard.
            notes.append(f"{year} left out of the trend: {e}")
            continue
        sel = set(y.scores.filter(pl.col("in_yard"))["product"].to_list())
        fence = float(y.scores.filter(pl.col("in_yard"))["import_value"].sum())
        entering = leaving = 0
        if prev is not None:
            hs_changed = prev[0] != rel.hs
            if hs_changed:
                notes.append(
                    f"{year} is in {rel.hs} codes, {year - 1} and before in {prev[0]}: "
                    "products entering or leaving that year may only have changed code"
                )
            for p in sorted(sel - prev[1]):
                changes.append(
                    {"year": year, "product": p, "status": "entering", "hs_changed": hs_changed}
                )
            for p in sorted(prev[1] - sel):
                changes.append(
                    {"year": year, "product": p, "status": "leaving", "hs_changed": hs_changed}
                )
            entering, leaving = len(sel - prev[1]), len(prev[1] - sel)
        if y.scores.height == 0:
            notes.append(f"{year}: no imports of the importer held")
        rows.append(
            {
                "year": year,
                "hs": rel.hs,
                "size": y.selection.size,
                "coverage": y.selection.coverage,
                "fence_cost": fence / y.import_value if y.import_value > 0 else 0.0,
                "fence_value": fence,
                "import_value": y.import_value,
                "total_score": y.total_score,
                "candidates": y.candidates,
                "entering": entering,
                "leaving": leaving,
            }
        )
        prev = (rel.hs, sel)
    schema: dict[str, Any] = {
        "year": pl.Int64,
        "product": pl.Utf8,
        "status": pl.Utf8,
        "hs_changed": pl.Boolean,
    }
    return (
        pl.DataFrame(rows).select(TREND_COLUMNS) if rows else pl.DataFrame(),
        pl.DataFrame(changes, schema=schema),
        notes,
    )


def _compute(s: _Setup, year: int) -> tuple[ReleaseInfo, _YearYard]:
    rel = s.wh.release_for(year)
    return rel, _yard_of_year(s, rel, year)


# ---------------------------------------------------------------------------------------------
# public API


def yard(
    importer: str,
    year: int | None = None,
    *,
    coverage: float = 0.8,
    risky: str | Sequence[str] | None = None,
    risky_group: str | None = None,
    unaligned: float | None = None,
    baskets: str | Sequence[str] | None = None,
    catalogues: Sequence[str] | None = None,
    baskets_file: Path | str | None = None,
    score: ScoreParams | None = None,
    method: str = "smallest",
    espa: bool | EspaParams = False,
    min_value: float = 0.0,
    trend: bool = True,
    since: int | None = None,
    time_limit: float = 30.0,
    warehouse: Warehouse | None = None,
    home: Path | str | None = None,
    allow_synthetic: bool = False,
) -> YardResult:
    r"""Score the importer's products by vulnerability and choose its small yard.

    Parameters
    ----------
    importer
        Importing country (ISO3, ISO2, CEPII code or name).
    year
        Year to choose the yard for; the latest held when omitted.
    coverage
        Target share :math:`\tau` of the candidates' total vulnerability the yard covers.
    risky, risky_group
        Risky suppliers (countries, and/or a group such as ``BRICS``, members as of each
        year). Without them (and without ``unaligned``) dependence is the top supplier's
        share and substitution replaces the top supplier.
    unaligned
        Also count as risky every country whose UN General Assembly ideal point is farther
        than this from the importer's (:mod:`econsec.reference.unga`; needs the data mirror).
    baskets
        Restrict the products scored to these baskets' codes (all products when omitted).
    catalogues
        Catalogues whose listings give the criticality weight (every built-in one by default).
    baskets_file
        User baskets TOML (default ``ECONSEC_HOME/baskets.toml``).
    score
        Score parameters (:class:`~econsec.yard.score.ScoreParams`).
    method
        ``smallest``, ``cheapest`` or ``smallest-cheapest`` (:mod:`econsec.yard.select`).
    espa
        Keep only products meeting the four requirements of Japan's Economic Security
        Promotion Act (``True`` for the default thresholds, or an
        :class:`~econsec.yard.espa.EspaParams`); coverage is then of the eligible products.
    min_value
        Leave out products imported for less than this (thousand USD).
    trend
        Also choose the yard in every year held up to ``year`` (from ``since``).
    since
        First year of the trend.
    time_limit
        Seconds the MIP of the cost-aware methods may take per year.
    warehouse, home, allow_synthetic
        The warehouse to read (or its folder), and whether synthetic releases may be used.

    Returns
    -------
    YardResult
        The yard's products with the reason each is in, every scored product, the fence cost,
        and the trend across years.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if not 0.0 <= coverage <= 1.0:
        raise ValueError(f"coverage must be in [0, 1]; got {coverage!r}")
    if unaligned is not None and unaligned < 0:
        raise ValueError(f"unaligned must be a distance >= 0; got {unaligned!r}")
    wh = open_warehouse(warehouse, home, allow_synthetic)
    held = wh.years()
    if year is None:
        if not held:
            raise NotFoundError("year", "latest", hint=f"the warehouse at {wh.home} holds none")
        year = held[-1]
    risky_t = (risky,) if isinstance(risky, str) else tuple(risky or ())
    basket_t = (baskets,) if isinstance(baskets, str) else tuple(baskets or ())
    espa_p = espa if isinstance(espa, EspaParams) else (EspaParams() if espa else None)
    s = _Setup(
        wh=wh,
        importer=str(importer),
        risky=risky_t,
        risky_group=risky_group,
        unaligned=unaligned,
        basket_names=basket_t,
        catalogues=tuple(catalogues) if catalogues is not None else None,
        baskets_file=Path(baskets_file) if baskets_file is not None else None,
        score=score or ScoreParams(),
        espa=espa_p,
        method=method,
        coverage=coverage,
        min_value=min_value,
        time_limit=time_limit,
    )
    rel, y = _compute(s, int(year))
    ct = wh.countries(rel.hs, rel.release)
    headline = _headline(s, rel, int(year), y)
    headline["importer"] = ct.iso3_of(ct.resolve(s.importer))
    notes: list[str] = []
    trend_df, changes = pl.DataFrame(), pl.DataFrame()
    if trend:
        span = [t for t in held if t <= int(year) and (since is None or t >= since)]
        trend_df, changes, notes = _trend(s, span, {int(year): (rel, y)})
    params = {
        "coverage": coverage,
        "risky": list(risky_t),
        "risky_group": risky_group,
        "unaligned": unaligned,
        "baskets": list(basket_t),
        "catalogues": list(catalogues) if catalogues is not None else "all built-in",
        "method": method,
        "min_value": min_value,
        "score": s.score.as_dict(),
        "espa": espa_p.as_dict() if espa_p is not None else None,
        "dependence": "risky share"
        if (risky_t or risky_group or unaligned is not None)
        else "top-supplier share",
    }
    extra_cols = [c for c in ("eligible", "in_yard", *ESPA_COLUMNS) if c in y.scores.columns]
    scores = y.scores.select(
        [c for c in y.scores.columns if c not in (*FACTOR_COLUMNS, *extra_cols)]
        + list(FACTOR_COLUMNS)
        + extra_cols
    )
    return YardResult(
        frame=_yard_frame(y, espa_p is not None),
        params=params,
        scores=scores,
        headline=headline,
        trend=trend_df,
        changes=changes,
        notes=tuple(notes),
    )
