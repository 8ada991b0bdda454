"""One year's yard (score, eligibility, selection) and the yard followed across years.

Each year is computed in its own release's HS nomenclature (e.g. HS02 to 2016, HS17 from
2017) with the catalogues' codes in that nomenclature; codes are compared across years as
they stand, and the trend notes where the nomenclature changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from econsec.errors import NotFoundError
from econsec.query.resolver import Resolver
from econsec.yard.assembly import (
    YardSetup,
    YearParties,
    missing_products,
    resolve_parties,
    year_inputs,
)
from econsec.yard.espa import ESPA_COLUMNS, espa_filters
from econsec.yard.results import PRODUCT_COLUMNS, TREND_COLUMNS
from econsec.yard.score import score_products
from econsec.yard.select import Selection, select_yard


@dataclass(frozen=True)
class YearYard:
    """The yard of one year: every scored product and the selection among the eligible."""

    parties: YearParties
    scores: pl.DataFrame
    selection: Selection
    import_value: float
    total_score: float
    candidates: int
    notes: tuple[str, ...]

    @property
    def year(self) -> int:
        """The year."""
        return self.parties.r.year

    @property
    def hs(self) -> str:
        """The year's nomenclature."""
        return self.parties.r.hs

    @property
    def chosen(self) -> pl.DataFrame:
        """The scored products inside the yard."""
        return self.scores.filter(pl.col("in_yard"))

    @property
    def fence_value(self) -> float:
        """Import value inside the yard."""
        return float(self.chosen["import_value"].sum())

    @property
    def fence_cost(self) -> float:
        """Share of the importer's import value inside the yard (0 without imports)."""
        return self.fence_value / self.import_value if self.import_value > 0 else 0.0


def reason(row: Mapping[str, Any], has_rival: bool) -> str:
    """Why a product is in: its factors in words."""
    who = "rivals" if has_rival else str(row["top_supplier"])
    parts = [
        f"{row['dependence']:.0%} from {who}",
        f"HHI {row['concentration']:.2f}",
        f"{row['substitution_gap']:.0%} not replaceable",
    ]
    bs = row.get("baskets") or []
    parts.append("listed in " + ", ".join(bs) if bs else "in no catalogue")
    return "; ".join(parts)


def yard_of_year(s: YardSetup, year: int | None) -> YearYard:
    """Resolve the call in ``year``'s release (latest held: ``None``), score, choose the yard."""
    p = resolve_parties(s, Resolver(s.wh, year))
    inputs = year_inputs(s, p)
    scored = score_products(inputs, s.score)
    eligible = pl.col("import_value") >= s.min_value
    if s.espa is not None:
        scored = espa_filters(scored, s.espa, has_rival=s.has_rival)
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
    reasons = [reason(row, s.has_rival) for row in scored.iter_rows(named=True)]
    scored = scored.with_columns(pl.Series("reason", reasons, dtype=pl.Utf8))
    notes = list(p.r.notes)
    if scored.height == 0:
        asked = " in the products asked" if p.products is not None else ""
        notes.append(
            f"no imports by {p.importer.label}{asked} in {year}: the yard of {year} is empty"
        )
    else:
        gap = missing_products(p, scored["product"].to_list())
        if gap:
            notes.append(gap)
    return YearYard(p, scored, sel, total_m, total_s, cand.height, tuple(notes))


def yard_frame(y: YearYard, espa: bool) -> pl.DataFrame:
    """Rank the yard's products by score, with the cumulative coverage."""
    ranked = y.chosen.sort(["score", "import_value", "product"], descending=[True, False, False])
    df = ranked.with_row_index("rank", offset=1).with_columns(pl.col("rank").cast(pl.Int64))
    total = y.total_score
    df = df.with_columns(
        cum_coverage=(pl.col("score").cum_sum() / total) if total > 0 else pl.lit(1.0)
    )
    cols = list(PRODUCT_COLUMNS) + (list(ESPA_COLUMNS) if espa else [])
    return df.select(cols)


def headline(s: YardSetup, y: YearYard) -> dict[str, Any]:
    """Return the year's figures: size, coverage, fence cost and what they are of."""
    rel = y.parties.r.release
    return {
        "importer": y.parties.importer.label,
        "year": y.year,
        "hs": rel.hs,
        "release": rel.release,
        "method": s.method,
        "coverage_target": s.coverage,
        "size": y.selection.size,
        "coverage": y.selection.coverage,
        "fence_cost": y.fence_cost,
        "fence_value": y.fence_value,
        "import_value": y.import_value,
        "total_score": y.total_score,
        "candidates": y.candidates,
        "products_imported": y.scores.height,
        "optimal": y.selection.optimal,
    }


#: Schema of the changes frame (products entering or leaving the yard).
CHANGES_SCHEMA: dict[str, Any] = {
    "year": pl.Int64,
    "product": pl.Utf8,
    "status": pl.Utf8,
    "hs_changed": pl.Boolean,
}


@dataclass(frozen=True)
class Trend:
    """The yard across years: one row per year, the changes, and what to know."""

    frame: pl.DataFrame
    changes: pl.DataFrame
    notes: tuple[str, ...]


def trend(s: YardSetup, years: Sequence[int], done: Mapping[int, YearYard]) -> Trend:
    """Choose the yard in each of ``years`` (reusing ``done``) and compare consecutive ones."""
    rows: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    notes: list[str] = []
    prev: YearYard | None = None
    for year in years:
        try:
            y = done[year] if year in done else yard_of_year(s, year)
        except NotFoundError as e:
            # A country or code missing from an older release's tables: that year has no yard.
            notes.append(f"{year} left out of the trend: {e}")
            continue
        if year not in done:  # the asked year's notes are the result's own
            notes.extend(n if str(year) in n else f"{year}: {n}" for n in y.notes)
        sel = set(y.chosen["product"].to_list())
        entering = leaving = 0
        if prev is not None:
            before = set(prev.chosen["product"].to_list())
            hs_changed = prev.hs != y.hs
            if hs_changed:
                notes.append(
                    f"{year} is in {y.hs} codes, {prev.year} and before in {prev.hs}: "
                    "products entering or leaving that year may only have changed code"
                )
            for status, codes in (("entering", sel - before), ("leaving", before - sel)):
                changes.extend(
                    {"year": year, "product": c, "status": status, "hs_changed": hs_changed}
                    for c in sorted(codes)
                )
            entering, leaving = len(sel - before), len(before - sel)
        rows.append(
            {
                "year": year,
                "hs": y.hs,
                "size": y.selection.size,
                "coverage": y.selection.coverage,
                "fence_cost": y.fence_cost,
                "fence_value": y.fence_value,
                "import_value": y.import_value,
                "total_score": y.total_score,
                "candidates": y.candidates,
                "entering": entering,
                "leaving": leaving,
            }
        )
        prev = y
    frame = pl.DataFrame(rows).select(TREND_COLUMNS) if rows else pl.DataFrame()
    return Trend(frame, pl.DataFrame(changes, schema=CHANGES_SCHEMA), tuple(notes))
