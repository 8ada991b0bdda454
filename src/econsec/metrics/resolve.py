"""Resolve what users type (countries, groups, products, years) into codes, and back.

Countries resolve through the release's own country table (ISO3, ISO2, CEPII code or name);
groups (``G7``, ``EU27``) through :mod:`econsec.reference.groups` when installed; products
are HS codes of 6 digits, 2/4-digit chapters/headings expanded to their HS6 codes from the
release's product table, or basket names (:mod:`econsec.baskets`). Outputs show countries
as ISO3 (``TWN`` for CEPII's ``S19``) and merged groups by their name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import ibis.expr.types as ir
import polars as pl

from econsec.countries import CountryTable
from econsec.engine import Warehouse
from econsec.errors import NotFoundError
from econsec.warehouse.catalog import ReleaseInfo

#: What a country argument may be: a name/code, or several.
Countries = str | int | Sequence[str | int]
#: What a product argument may be: an HS code (6, 4 or 2 digits) or basket name, or several.
Products = str | int | Sequence[str | int]

#: Columns holding country codes, shown as ISO3 in results.
COUNTRY_COLUMNS = (
    "importer",
    "exporter",
    "supplier",
    "top_supplier",
    "top_exporter",
    "partner",
    "bloc",
)


def open_warehouse(
    warehouse: Warehouse | None, home: Path | str | None, allow_synthetic: bool
) -> Warehouse:
    """Return the given warehouse, or the one under ``home`` (``ECONSEC_HOME`` when ``None``)."""
    if warehouse is not None:
        return warehouse
    return Warehouse(Path(home) if home is not None else None, allow_synthetic=allow_synthetic)


def resolve_year(wh: Warehouse, year: int | None) -> tuple[int, ReleaseInfo]:
    """Return the year (the latest held when ``None``) and the release describing it.

    Raises
    ------
    NotFoundError
        When the warehouse does not hold the year (the message lists the years held).
    """
    if year is None:
        held = wh.years()
        if not held:
            synthetic = any(r.synthetic for r in wh.releases)
            hint = f"the warehouse at {wh.home} holds no usable year; " + (
                "it holds only synthetic data: pass allow_synthetic / --allow-synthetic"
                if synthetic
                else "run 'econsec data fetch baci --hs HS17 --release V202601'"
            )
            raise NotFoundError("year", "latest", hint=hint)
        year = held[-1]
    return int(year), wh.release_for(int(year))


def _optional(module: str) -> ModuleType | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def as_list(x: Any) -> list[Any]:
    """Return ``x`` as a list: one name becomes a one-element list, ``None`` an empty one."""
    if x is None:
        return []
    if isinstance(x, str | int):
        return [x]
    return list(x)


@dataclass(frozen=True)
class Side:
    """A country, or a bloc treated as one country: display label and member codes."""

    label: str
    codes: tuple[int, ...]

    @property
    def is_bloc(self) -> bool:
        """Whether it has several members (flows must be merged before computing)."""
        return len(self.codes) > 1


@dataclass(frozen=True)
class Names:
    """Resolves country and group names against a release's table, in a given year.

    Attributes
    ----------
    countries
        The release's country table.
    year
        Year for group membership (members on 1 July of that year).
    home
        Warehouse folder, where user groups (``groups.toml``) are looked up.
    """

    countries: CountryTable
    year: int
    home: Path | None = None

    def is_group(self, name: object) -> bool:
        """Whether ``name`` is a known group (``False`` when groups are unavailable)."""
        mod = _optional("econsec.reference.groups")
        return (
            isinstance(name, str) and mod is not None and bool(mod.is_group(name, home=self.home))
        )

    def group(self, name: str) -> list[int]:
        """CEPII codes of a group's members in the year (members not in the table skipped).

        Raises
        ------
        NotFoundError
            When groups are unavailable, the group is unknown, or no member is in the table.
        """
        mod = _optional("econsec.reference.groups")
        if mod is None:
            raise NotFoundError(
                "group", name, hint="country groups are unavailable; list the member countries"
            )
        codes = []
        for iso3 in mod.members(name, on=self.year, home=self.home):
            try:
                codes.append(self.countries.resolve(iso3))
            except NotFoundError:
                continue
        if not codes:
            raise NotFoundError("group", name, hint="none of its members is in the country table")
        return sorted(set(codes))

    def codes(self, names: Countries) -> list[int]:
        """Codes of countries, and of the members of any group among ``names`` (expanded)."""
        out: list[int] = []
        for n in as_list(names):
            out.extend(self.group(n) if self.is_group(n) else [self.countries.resolve(n)])
        if not out:
            raise ValueError("no country given")
        return sorted(set(out))

    def side(self, x: Countries) -> Side:
        """Resolve a country, a group name, or a list of countries into a :class:`Side`."""
        if isinstance(x, str | int):
            if self.is_group(x):
                return Side(str(x), tuple(self.group(str(x))))
            code = self.countries.resolve(x)
            return Side(self.countries.iso3_of(code), (code,))
        given = list(dict.fromkeys(self.countries.resolve(n) for n in x))  # input order
        if not given:
            raise ValueError("no country given")
        label = "+".join(self.countries.iso3_of(c) for c in given)
        return Side(label, tuple(sorted(given)))

    def iso3(self, codes: Iterable[int]) -> list[str]:
        """Display ISO3 of each code."""
        return [self.countries.iso3_of(c) for c in codes]


def product_codes(
    items: Products | None, table: pl.DataFrame, hs: str, home: Path | None = None
) -> list[str] | None:
    """HS6 codes for codes (6 digits), chapters/headings (2/4 digits) or basket names.

    A leading zero lost to a numeric conversion (5- or 3-digit input) is restored.

    Raises
    ------
    NotFoundError
        For a code the release's product table lacks (with codes of the same heading), or
        a name that is no basket (with close names).
    """
    if items is None:
        return None
    known = set(table["code"].to_list())
    out: set[str] = set()
    for p in as_list(items):
        s = str(p).strip()
        if s.isdigit() and len(s) in (1, 3, 5):
            s = "0" + s
        if s.isdigit() and len(s) == 6 and s in known:
            out.add(s)
        elif s.isdigit() and len(s) in (2, 4) and (hit := {c for c in known if c.startswith(s)}):
            out.update(hit)
        elif s.isdigit():
            raise NotFoundError(
                "product", p, _near_codes(s, table), hint=f"not in the {hs} product table"
            )
        else:
            out.update(_basket(s, hs, home))
    return sorted(out)


def _basket(name: str, hs: str, home: Path | None) -> list[str]:
    mod = _optional("econsec.baskets")
    if mod is None:
        raise NotFoundError("product", name, hint="give HS codes (baskets are unavailable)")
    codes: list[str] = mod.basket_codes(name, hs, home=home)
    return codes


def _near_codes(s: str, table: pl.DataFrame, limit: int = 5) -> list[str]:
    """Codes sharing the longest prefix with ``s`` (same heading, else same chapter)."""
    for n in (4, 2):
        hit = table.filter(pl.col("code").str.starts_with(s[:n])).head(limit)
        if hit.height:
            return [f"{c} ({str(d)[:40]})" for c, d in hit.select("code", "description").rows()]
    return []


def display(
    df: pl.DataFrame, ct: CountryTable, labels: Mapping[int, str] | None = None
) -> pl.DataFrame:
    """Replace country codes by ISO3 (and bloc codes by their labels) in result columns."""
    mapping: dict[int, str] = {
        int(c): str(i) for c, i in ct.mapping().select("code", "iso3").rows()
    }
    mapping.update(labels or {})
    cols = [c for c in COUNTRY_COLUMNS if c in df.columns and df[c].dtype.is_integer()]
    return df.with_columns(
        pl.col(c)
        .replace_strict(mapping, default=None, return_dtype=pl.Utf8)
        .fill_null(pl.format("C{}", pl.col(c)))
        for c in cols
    )


def by_release(wh: Warehouse, years: Iterable[int]) -> list[tuple[ReleaseInfo, list[int]]]:
    """Years grouped by the release describing them, oldest first."""
    groups: dict[tuple[str, str], tuple[ReleaseInfo, list[int]]] = {}
    for y in sorted(set(years)):
        rel = wh.release_for(y)
        groups.setdefault((rel.hs, rel.release), (rel, []))[1].append(y)
    return sorted(groups.values(), key=lambda g: g[1][0])


Converter = Callable[..., ir.Table]


def release_flows(
    wh: Warehouse,
    rel: ReleaseInfo,
    years: Sequence[int],
    target_hs: str,
    products: Sequence[str] | None = None,
) -> tuple[ir.Table, bool]:
    """Flows of ``years`` from ``rel``, in ``target_hs`` codes where a concordance is installed.

    With ``products`` (target codes), only the source codes that map to them are read and
    converted. Returns the flows and whether they were converted (``False``: the release's
    own nomenclature, codes left as they are).
    """
    flows = wh.trade(list(years), hs=rel.hs, release=rel.release)
    if rel.hs == target_hs:
        return flows, False
    mod = _optional("econsec.reference.hs")
    if mod is None:
        return flows, False
    try:
        m = mod.concordance(rel.hs, target_hs)
    except ValueError:  # a nomenclature the concordance does not cover
        return flows, False
    if products is not None:
        wanted = set(products)
        mapped = m.filter(pl.col("to_code").is_in(sorted(wanted)))
        listed = set(m["from_code"].to_list())
        sources = set(mapped["from_code"].to_list()) | {c for c in wanted if c not in listed}
        flows = flows.filter(flows.k.isin(sorted(sources)))
    return mod.convert_flows(flows, rel.hs, target_hs), True
