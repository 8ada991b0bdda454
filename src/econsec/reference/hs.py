"""HS nomenclatures: product descriptions and a value-conserving concordance between revisions.

The concordance is data (``econsec/data/hs/concordance.csv``, see its header for sources and
coverage): links ``from_code -> to_code`` between *adjacent* revisions HS02 → HS07 → HS12 →
HS17 → HS22 with weights ``w`` such that, for every ``from_code`` listed,

    Σ_to w(from, to) = 1,

so converting flows splits value and never creates or loses any. A code not listed maps to
itself with weight 1. Conversions between non-adjacent revisions compose the adjacent steps
(``W = W₁ W₂ ⋯``, products of stochastic matrices stay stochastic); backward steps are derived
from the forward links:

    w_back(to → from) = 1 / |{from : w(from, to) > 0}|,

i.e. a new code is split equally among the old codes that fed it. Either direction can use
trade-value weights instead: given values ``v(c)`` of the target codes (a flows table in the
target nomenclature), every split becomes ``w(x → c) = v(c) / Σ_{c' ∈ dest(x)} v(c')``; a split
whose destinations have no value keeps its default weights.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import ibis
import polars as pl

from econsec.errors import DataError
from econsec.reference._io import as_path, data_path, read_rows, read_text

if TYPE_CHECKING:
    from econsec.engine import Warehouse

#: HS revisions the concordance links, oldest first.
REVISIONS: tuple[str, ...] = ("HS02", "HS07", "HS12", "HS17", "HS22")
_CODE_RE = re.compile(r"^\d{6}$")
_COLUMNS = ("from_hs", "from_code", "to_hs", "to_code", "weight", "source")
_TOL = 1e-9

LINK_SCHEMA = {
    "from_hs": pl.Utf8,
    "from_code": pl.Utf8,
    "to_hs": pl.Utf8,
    "to_code": pl.Utf8,
    "weight": pl.Float64,
    "source": pl.Utf8,
    "note": pl.Utf8,
}
MAP_SCHEMA = {"from_code": pl.Utf8, "to_code": pl.Utf8, "weight": pl.Float64}


def check_revision(hs: str) -> str:
    """Normalise an HS revision name (``hs17`` → ``HS17``) and check the concordance covers it."""
    h = hs.strip().upper()
    if h not in REVISIONS:
        raise ValueError(
            f"HS revision {hs!r} is not covered by the concordance; allowed: {', '.join(REVISIONS)}"
        )
    return h


# ---------------------------------------------------------------------------------------------
# The link table


def parse_links(text: str, *, path: object) -> pl.DataFrame:
    """Parse and validate a concordance table (the format of ``concordance.csv``).

    Raises
    ------
    DataError
        Naming the file, line and field for an unknown revision, non-adjacent revisions,
        a malformed code or weight, a duplicate link, or weights of a code not summing to 1.
    """
    rows = read_rows(text, path=path, required=_COLUMNS)
    out: list[dict[str, object]] = []
    sums: dict[tuple[str, str], tuple[Fraction, int]] = {}
    seen: set[tuple[str, str, str]] = set()
    for r in rows:
        for f in ("from_hs", "to_hs"):
            if r[f].upper() not in REVISIONS:
                raise DataError(
                    f"unknown HS revision {r[f]!r}; allowed: {', '.join(REVISIONS)}",
                    path=path,
                    line=r.line,
                    field=f,
                )
        fh, th = r["from_hs"].upper(), r["to_hs"].upper()
        if REVISIONS.index(th) != REVISIONS.index(fh) + 1:
            raise DataError(
                f"links must go to the next revision ({fh} -> {_next(fh)}), got {th}",
                path=path,
                line=r.line,
                field="to_hs",
            )
        for f in ("from_code", "to_code"):
            if not _CODE_RE.match(r[f]):
                raise DataError(
                    f"expected a 6-digit HS code, got {r[f]!r}", path=path, line=r.line, field=f
                )
        try:
            w = Fraction(r["weight"])
        except (ValueError, ZeroDivisionError):
            raise DataError(
                f"weight is not a number or fraction: {r['weight']!r}",
                path=path,
                line=r.line,
                field="weight",
            ) from None
        if not 0 < w <= 1:
            raise DataError(
                f"weight must be in (0, 1], got {r['weight']}",
                path=path,
                line=r.line,
                field="weight",
            )
        key = (fh, r["from_code"], r["to_code"])
        if key in seen:
            raise DataError(
                f"duplicate link {r['from_code']} -> {r['to_code']}",
                path=path,
                line=r.line,
                field="to_code",
            )
        seen.add(key)
        s, _ = sums.get((fh, r["from_code"]), (Fraction(0), r.line))
        sums[(fh, r["from_code"])] = (s + w, r.line)
        out.append(
            {
                "from_hs": fh,
                "from_code": r["from_code"],
                "to_hs": th,
                "to_code": r["to_code"],
                "weight": w,
                "source": r["source"],
                "note": r.values.get("note", ""),
            }
        )
    for (fh, code), (s, line) in sums.items():
        if abs(float(s) - 1.0) > _TOL:
            raise DataError(
                f"weights of {fh} {code} sum to {float(s):.12g}, not 1",
                path=path,
                line=line,
                field="weight",
            )
    # Renormalise exactly so that float weights of each code sum to 1 to the last bit we can.
    for row in out:
        total = sums[(str(row["from_hs"]), str(row["from_code"]))][0]
        part = row["weight"]
        assert isinstance(part, Fraction)
        row["weight"] = float(part / total)
    return pl.DataFrame(out, schema=LINK_SCHEMA, orient="row")


def _next(hs: str) -> str:
    i = REVISIONS.index(hs)
    return REVISIONS[i + 1] if i + 1 < len(REVISIONS) else "-"


@cache
def shipped_links() -> pl.DataFrame:
    """Return the concordance shipped with econsec (links between adjacent revisions)."""
    return parse_links(read_text("hs", "concordance.csv"), path=data_path("hs", "concordance.csv"))


def read_links(path: Path | str) -> pl.DataFrame:
    """Read a user concordance file in the shipped format (e.g. a fuller UNSD transcription)."""
    p = as_path(path)
    return parse_links(p.read_text(encoding="utf-8"), path=p)


# ---------------------------------------------------------------------------------------------
# Pure composition of code maps (explicit rows, identity elsewhere)


def step_map(links: pl.DataFrame, from_hs: str, to_hs: str) -> pl.DataFrame:
    """Map ``from_code, to_code, weight`` for one step between adjacent revisions.

    Forward steps are the links as listed; a backward step gives each new code equal weights
    over the old codes that fed it.
    """
    i, j = REVISIONS.index(from_hs), REVISIONS.index(to_hs)
    if abs(i - j) != 1:
        raise ValueError(f"{from_hs} and {to_hs} are not adjacent revisions")
    if j == i + 1:
        fwd = links.filter(pl.col("from_hs") == from_hs)
        return fwd.select("from_code", "to_code", "weight")
    fwd = links.filter(pl.col("from_hs") == to_hs)
    back = fwd.select(pl.col("to_code").alias("from_code"), pl.col("from_code").alias("to_code"))
    return back.with_columns((1.0 / pl.len().over("from_code")).alias("weight"))


def compose(first: pl.DataFrame, second: pl.DataFrame) -> pl.DataFrame:
    """Compose two code maps (each identity outside its listed ``from_code``).

    ``C(x, z) = Σ_y A(x, y) · B(y, z)`` where ``B(y, ·) = δ_y`` for ``y`` not listed in ``B``;
    codes listed in ``B`` but not in ``A`` keep ``B``'s rows (``A`` is identity on them).
    """
    listed_b = second.select(pl.col("from_code").alias("to_code"), pl.lit(True).alias("_in_b"))
    a = first.join(listed_b.unique(), on="to_code", how="left")
    through = (
        a.filter(pl.col("_in_b").is_not_null())
        .join(
            second.rename({"from_code": "to_code", "to_code": "_z", "weight": "_wb"}), on="to_code"
        )
        .select(
            "from_code",
            pl.col("_z").alias("to_code"),
            (pl.col("weight") * pl.col("_wb")).alias("weight"),
        )
    )
    passed = a.filter(pl.col("_in_b").is_null()).select("from_code", "to_code", "weight")
    only_b = second.join(first.select("from_code").unique(), on="from_code", how="anti")
    out = pl.concat([through, passed, only_b.select("from_code", "to_code", "weight")])
    return _canonical(out)


def _canonical(m: pl.DataFrame) -> pl.DataFrame:
    m = m.group_by("from_code", "to_code").agg(pl.col("weight").sum())
    # A code mapped wholly onto itself is the implicit identity: drop its row.
    m = m.filter(
        ~(
            (pl.col("from_code") == pl.col("to_code"))
            & (pl.col("weight").sum().over("from_code") == pl.col("weight"))
            & (pl.len().over("from_code") == 1)
        )
    )
    return m.sort("from_code", "to_code").cast(MAP_SCHEMA)  # type: ignore[arg-type]


def reweight(m: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """Replace split weights by target-value shares ``v(to) / Σ_{to' ∈ dest(from)} v(to')``.

    ``values`` has columns ``code, v`` in the target nomenclature. Splits whose destinations
    carry no value keep their weights.
    """
    v = values.group_by("code").agg(pl.col("v").sum()).rename({"code": "to_code", "v": "_v"})
    j = m.join(v, on="to_code", how="left").with_columns(pl.col("_v").fill_null(0.0).clip(0.0))
    tot = pl.col("_v").sum().over("from_code")
    j = j.with_columns(
        pl.when(tot > 0).then(pl.col("_v") / tot).otherwise(pl.col("weight")).alias("weight")
    )
    return j.select("from_code", "to_code", "weight").cast(MAP_SCHEMA)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Public API


def concordance(
    from_hs: str,
    to_hs: str,
    *,
    weights: pl.DataFrame | ibis.Table | None = None,
    links: pl.DataFrame | Path | str | None = None,
) -> pl.DataFrame:
    """Value-conserving map ``from_code, to_code, weight`` between two HS revisions.

    Only codes that change are listed; every other code maps to itself with weight 1. The
    weights of each ``from_code`` sum to 1.

    Parameters
    ----------
    from_hs, to_hs
        Revisions among HS02, HS07, HS12, HS17, HS22; either direction, any distance.
    weights
        Trade values in the *target* nomenclature, columns ``k, v`` (a flows table) or
        ``code, v``; splits then follow value shares instead of equal weights.
    links
        A concordance table (frame from :func:`read_links` or a path); the shipped one
        when omitted.
    """
    fh, th = check_revision(from_hs), check_revision(to_hs)
    table = _links(links)
    m = pl.DataFrame(schema=MAP_SCHEMA)
    i, j = REVISIONS.index(fh), REVISIONS.index(th)
    path = list(range(i, j + 1)) if j >= i else list(range(i, j - 1, -1))
    for a, b in itertools.pairwise(path):
        m = compose(m, step_map(table, REVISIONS[a], REVISIONS[b]))
    if weights is not None:
        m = reweight(m, _values(weights))
    return m


def convert_codes(
    codes: Iterable[str],
    from_hs: str,
    to_hs: str,
    *,
    weights: pl.DataFrame | ibis.Table | None = None,
    links: pl.DataFrame | Path | str | None = None,
) -> pl.DataFrame:
    """Where each code goes: ``from_code, to_code, weight`` (identity rows included)."""
    wanted = pl.DataFrame(
        {"from_code": [str(c).strip().zfill(6) for c in codes]}, schema={"from_code": pl.Utf8}
    ).unique(maintain_order=True)
    m = concordance(from_hs, to_hs, weights=weights, links=links)
    hit = wanted.join(m, on="from_code", how="left")
    return hit.with_columns(
        pl.col("to_code").fill_null(pl.col("from_code")), pl.col("weight").fill_null(1.0)
    ).select("from_code", "to_code", "weight")


def convert_flows(
    flows: ibis.Table,
    from_hs: str,
    to_hs: str,
    *,
    weights: pl.DataFrame | ibis.Table | None = None,
    links: pl.DataFrame | Path | str | None = None,
) -> ibis.Table:
    """Re-express flows ``t, i, j, k, v, q`` in another HS revision.

    Each flow is split over the target codes of its ``k`` with ``v`` and ``q`` multiplied by
    the weight, then re-aggregated by every other column (``t, i, j, k``): total value is
    conserved (up to floating-point rounding), per year and per exporter-importer pair.
    Missing quantities stay missing (a sum over missing ``q`` only is null).
    """
    m = concordance(from_hs, to_hs, weights=weights, links=links)
    if m.height == 0:
        return flows
    cm = ibis.memtable(m.rename({"from_code": "_from", "to_code": "_to", "weight": "_w"}))
    cols = flows.columns
    j = flows.left_join(cm, flows.k == cm._from)
    split = j.mutate(
        k=ibis.coalesce(j._to, j.k),
        _w=ibis.coalesce(j._w, ibis.literal(1.0)),
    )
    measures = [c for c in ("v", "q") if c in cols]
    split = split.mutate(**{c: split[c] * split._w for c in measures})
    keys = [c for c in cols if c not in measures]
    out = split.group_by(keys).aggregate(**{c: split[c].sum() for c in measures})
    return out.select(*cols)


def describe(
    codes: Iterable[str], hs: str | None = None, warehouse: Warehouse | None = None
) -> pl.DataFrame:
    """Descriptions ``code, description`` of HS6 codes from a release's product table.

    Parameters
    ----------
    codes
        HS6 codes (leading zeros restored).
    hs
        Nomenclature of the codes; the newest release held when omitted.
    warehouse
        The warehouse to read; ``Warehouse()`` (``ECONSEC_HOME``) when omitted.
    """
    if warehouse is None:
        from econsec.engine import Warehouse

        warehouse = Warehouse()
    products = warehouse.products(hs=hs).select(
        pl.col("code").cast(pl.Utf8), pl.col("description").cast(pl.Utf8)
    )
    wanted = pl.DataFrame(
        {"code": [str(c).strip().zfill(6) for c in codes]}, schema={"code": pl.Utf8}
    )
    return wanted.join(products, on="code", how="left")


# ---------------------------------------------------------------------------------------------
# helpers


def _links(links: pl.DataFrame | Path | str | None) -> pl.DataFrame:
    if links is None:
        return shipped_links()
    if isinstance(links, pl.DataFrame):
        return links
    return read_links(links)


def _values(weights: pl.DataFrame | ibis.Table) -> pl.DataFrame:
    if isinstance(weights, ibis.Table):
        key = "k" if "k" in weights.columns else "code"
        agg = weights.group_by(key).aggregate(v=weights.v.sum())
        df = agg.to_polars()
    else:
        df = weights
        key = "k" if "k" in df.columns else "code"
    if key not in df.columns or "v" not in df.columns:
        raise ValueError("weights need columns 'k' (or 'code') and 'v'")
    return df.select(pl.col(key).cast(pl.Utf8).alias("code"), pl.col("v").cast(pl.Float64))
