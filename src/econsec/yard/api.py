"""Choose an importer's small yard from the warehouse, and follow it across the years held.

:func:`yard` scores every product the importer buys (:mod:`econsec.yard.score`), optionally
keeps those meeting the four requirements of Japan's Economic Security Promotion Act
(:mod:`econsec.yard.espa`), and chooses the yard (:mod:`econsec.yard.select`). Arguments are
resolved by :class:`econsec.query.Resolver` in each year's release
(:mod:`econsec.yard.assembly`); each year is computed in its own nomenclature
(:mod:`econsec.yard.yearly`).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import polars as pl

from econsec.engine import Warehouse
from econsec.query.resolver import Countries, Products, as_list, open_warehouse
from econsec.yard.assembly import YardSetup
from econsec.yard.espa import ESPA_COLUMNS, EspaParams
from econsec.yard.results import YardResult
from econsec.yard.score import FACTOR_COLUMNS, ScoreParams
from econsec.yard.select import METHODS
from econsec.yard.yearly import Trend, headline, yard_frame, yard_of_year
from econsec.yard.yearly import trend as follow

#: Share of the candidates' total vulnerability the yard covers by default.
DEFAULT_COVERAGE = 0.8
#: Seconds the MIP of the cost-aware methods may take per year by default.
DEFAULT_TIME_LIMIT = 30.0


def _renamed(old: str, new: str, *, both: bool) -> None:
    """Warn that keyword ``old`` is now ``new`` (an error when both are given)."""
    warnings.warn(
        f"yard({old}=...) is deprecated and will be removed in the next release; use {new}=...",
        DeprecationWarning,
        stacklevel=3,
    )
    if both:
        raise ValueError(f"give {new} or its old name {old}, not both")


def _check(method: str, coverage: float, unaligned: float | None) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; allowed: {', '.join(METHODS)}")
    if not 0.0 <= coverage <= 1.0:
        raise ValueError(f"coverage must be in [0, 1]; got {coverage!r}")
    if unaligned is not None and unaligned < 0:
        raise ValueError(f"unaligned must be a distance >= 0; got {unaligned!r}")


def yard(
    importer: Countries,
    year: int | None = None,
    products: Products | None = None,
    rival: Countries | None = None,
    rival_group: str | None = None,
    *,
    unaligned: float | None = None,
    coverage: float = DEFAULT_COVERAGE,
    baskets: Products | None = None,
    catalogues: str | list[str] | tuple[str, ...] | None = None,
    baskets_file: Path | str | None = None,
    score: ScoreParams | None = None,
    method: str = "smallest",
    espa: bool | EspaParams = False,
    min_value: float = 0.0,
    trend: bool = True,
    since: int | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    risky: Countries | None = None,
    risky_group: str | None = None,
    warehouse: Warehouse | None = None,
    home: Path | str | None = None,
    allow_synthetic: bool = False,
) -> YardResult:
    r"""Score the importer's products by vulnerability and choose its small yard.

    Parameters
    ----------
    importer
        Importing country (ISO3, ISO2, CEPII code or name), or a group (``EU27``, a group of
        ``$ECONSEC_HOME/groups.toml``) or list of countries acting as one bloc: its
        extra-bloc imports (trade between members excluded), members as of each year.
    year
        Year to choose the yard for; the latest held when omitted.
    products
        Score only these products: HS6 codes, 4/2-digit headings/chapters or basket names
        (every product imported when omitted). ``baskets`` is an alias.
    rival, rival_group
        Rival suppliers (countries or groups, and a group such as ``BRICS``; group members as
        of each year). Without them (and without ``unaligned``) dependence is the top
        supplier's share and substitution replaces the top supplier.
    unaligned
        Also count as rivals every country whose UN General Assembly ideal point is farther
        than this from the importer's (:mod:`econsec.reference.unga`; needs the data mirror;
        a country importer only).
    coverage
        Target share :math:`\tau` of the candidates' total vulnerability the yard covers.
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
    risky, risky_group
        Deprecated names of ``rival`` and ``rival_group`` (a ``DeprecationWarning``).
    warehouse, home, allow_synthetic
        The warehouse to read (or its folder), and whether synthetic releases may be used.

    Returns
    -------
    YardResult
        The yard's products with the reason each is in, every scored product, the fence cost,
        and the trend across years; ``notes`` say what the data lacks.

    Raises
    ------
    ValueError
        For a rival that is the importer itself, ``unaligned`` with a bloc importer, or an
        option out of range.
    """
    if risky is not None:
        _renamed("risky", "rival", both=rival is not None)
        rival = risky
    if risky_group is not None:
        _renamed("risky_group", "rival_group", both=rival_group is not None)
        rival_group = risky_group
    _check(method, coverage, unaligned)
    items = [*as_list(products), *as_list(baskets)]
    espa_p = espa if isinstance(espa, EspaParams) else (EspaParams() if espa else None)
    wh = open_warehouse(warehouse, home, allow_synthetic)
    s = YardSetup(
        wh=wh,
        importer=importer,
        rival=tuple(as_list(rival)),
        rival_group=rival_group,
        unaligned=unaligned,
        products=items if products is not None or baskets is not None else None,
        catalogues=tuple(as_list(catalogues)) if catalogues is not None else None,
        baskets_file=Path(baskets_file) if baskets_file is not None else None,
        score=score or ScoreParams(),
        espa=espa_p,
        method=method,
        coverage=coverage,
        min_value=min_value,
        time_limit=time_limit,
    )
    y = yard_of_year(s, year)
    notes = list(y.notes)
    tr = Trend(pl.DataFrame(), pl.DataFrame(), ())
    if trend:
        span = [t for t in wh.years() if t <= y.year and (since is None or t >= since)]
        tr = follow(s, span, {y.year: y})
        notes.extend(tr.notes)
    p = y.parties
    params = {
        "importer": p.importer.label,
        "year": y.year,
        "hs": y.hs,
        "products": p.products,
        "rival": p.rival_label,
        "rival_group": rival_group,
        "unaligned": unaligned,
        "meaning": list(p.meaning),
        "coverage": coverage,
        "catalogues": list(s.catalogues) if s.catalogues is not None else "all built-in",
        "method": method,
        "min_value": min_value,
        "score": s.score.as_dict(),
        "espa": espa_p.as_dict() if espa_p is not None else None,
        "dependence": "rival share" if s.has_rival else "top-supplier share",
    }
    extra_cols = [c for c in ("eligible", "in_yard", *ESPA_COLUMNS) if c in y.scores.columns]
    scores = y.scores.select(
        [c for c in y.scores.columns if c not in (*FACTOR_COLUMNS, *extra_cols)]
        + list(FACTOR_COLUMNS)
        + extra_cols
    )
    return YardResult(
        frame=yard_frame(y, espa_p is not None),
        params=params,
        notes=tuple(notes),
        scores=scores,
        headline=headline(s, y),
        trend=tr.frame,
        changes=tr.changes,
    )
