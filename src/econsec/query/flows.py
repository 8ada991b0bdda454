"""Flows as the analyses need them: one code per country, one nomenclature per series.

BACI's country table may list several CEPII codes for one country (Germany 276 and 280,
Belgium 56 and 58, Sudan 729 and 736) and a release's flows may use any of them. Here every
code is mapped to its country's canonical code (:meth:`CountryTable.canonical`), so a country
is one node whatever code the data uses; flows are re-aggregated only in the rare year where
two codes of one country both carry flows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import ibis.expr.types as ir
import polars as pl

from econsec.countries import CountryTable
from econsec.engine import Warehouse
from econsec.reference import hs as _hs
from econsec.warehouse.catalog import ReleaseInfo

#: Columns holding country codes, shown as ISO3 in results.
COUNTRY_COLUMNS = (
    "importer",
    "exporter",
    "supplier",
    "top_supplier",
    "top_exporter",
    "partner",
    "bloc",
    "imposer",
    "target",
)


def by_release(wh: Warehouse, years: Iterable[int]) -> list[tuple[ReleaseInfo, list[int]]]:
    """Years grouped by the release describing them, oldest first."""
    groups: dict[tuple[str, str], tuple[ReleaseInfo, list[int]]] = {}
    for y in sorted(set(years)):
        rel = wh.release_for(y)
        groups.setdefault((rel.hs, rel.release), (rel, []))[1].append(y)
    return sorted(groups.values(), key=lambda g: g[1][0])


def merge_country_codes(
    flows: ir.Table, ct: CountryTable, used: Mapping[int, set[int]]
) -> ir.Table:
    """Map every country code of ``flows`` to its canonical code.

    Parameters
    ----------
    flows
        Flows ``t, i, j, k, v, q``.
    ct
        The release's country table.
    used
        Codes appearing in ``i`` or ``j``, per year of ``flows``.
    """
    aliases = ct.aliases
    present = {c for codes in used.values() for c in codes if c in aliases}
    if not present:
        return flows
    mapping = {c: aliases[c] for c in sorted(present)}
    f = flows.mutate(
        i=flows.i.substitute(mapping).cast("int16"), j=flows.j.substitute(mapping).cast("int16")
    )
    clash = False
    for codes in used.values():
        canon = [ct.canonical(c) for c in codes]
        clash = clash or len(canon) != len(set(canon))
    if not clash:
        return f
    # Two codes of one country carry flows in the same year: sum them into one flow.
    return f.group_by(["t", "i", "j", "k"]).aggregate(v=f.v.sum(), q=f.q.sum())


def release_flows(
    wh: Warehouse,
    rel: ReleaseInfo,
    years: Sequence[int],
    target_hs: str,
    products: Sequence[str] | None = None,
) -> tuple[ir.Table, bool]:
    """Flows of ``years`` from ``rel``, countries merged, in ``target_hs`` codes if possible.

    With ``products`` (target codes), only the source codes that map to them are read and
    converted. Returns the flows and whether they were converted (``False``: the release's
    own nomenclature, codes left as they are).
    """
    flows = wh.trade(list(years), hs=rel.hs, release=rel.release)
    ct = wh.countries(rel.hs, rel.release)
    if ct.aliases:
        flows = merge_country_codes(flows, ct, {y: wh.codes_used(rel, y) for y in years})
    if rel.hs == target_hs:
        return _only(flows, products), False
    try:
        m = _hs.concordance(rel.hs, target_hs)
    except ValueError:  # a nomenclature the concordance does not cover
        return _only(flows, products), False
    if products is not None:
        wanted = set(products)
        mapped = m.filter(pl.col("to_code").is_in(sorted(wanted)))
        listed = set(m["from_code"].to_list())
        sources = set(mapped["from_code"].to_list()) | {c for c in wanted if c not in listed}
        flows = flows.filter(flows.k.isin(sorted(sources)))
    return _hs.convert_flows(flows, rel.hs, target_hs), True


def _only(flows: ir.Table, products: Sequence[str] | None) -> ir.Table:
    # Filtering here lets the engine skip row groups of other products early.
    return flows if products is None else flows.filter(flows.k.isin(sorted(set(products))))


def code_labels(ct: CountryTable, labels: Mapping[int, str] | None = None) -> dict[int, str]:
    """Display label of every code: ISO3 from the country table, bloc codes by ``labels``."""
    mapping = {int(c): str(i) for c, i in ct.mapping().select("code", "iso3").rows()}
    mapping.update(labels or {})
    return mapping


def display(
    df: pl.DataFrame, ct: CountryTable, labels: Mapping[int, str] | None = None
) -> pl.DataFrame:
    """Replace country codes by ISO3 (and bloc codes by their labels) in result columns.

    A code without a label is shown as ``C<code>``; a null stays null.
    """
    mapping = code_labels(ct, labels)
    cols = [c for c in COUNTRY_COLUMNS if c in df.columns and df[c].dtype.is_integer()]
    return df.with_columns(_labelled(df[c], mapping) for c in cols)


#: Widest code range labelled through a lookup table (CEPII codes are below 1,000).
_LABEL_SPAN = 1 << 16


def _labelled(codes: pl.Series, mapping: Mapping[int, str]) -> pl.Series:
    """Return codes as their labels, gathered from a table indexed by code (a million: 5 ms)."""
    if codes.null_count() == len(codes):  # no codes at all
        return codes.cast(pl.Utf8)
    lo, hi = int(codes.min()), int(codes.max())  # type: ignore[arg-type]
    if hi - lo >= _LABEL_SPAN:
        shown = codes.replace_strict(mapping, default=None, return_dtype=pl.Utf8)
    else:
        table = pl.Series([mapping.get(c) for c in range(lo, hi + 1)], dtype=pl.Utf8)
        shown = table.gather(codes.cast(pl.Int64) - lo)
    if shown.null_count() > codes.null_count():
        shown = shown.fill_null("C" + codes.cast(pl.Utf8))
    return shown.alias(codes.name)
