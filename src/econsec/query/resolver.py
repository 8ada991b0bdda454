"""Resolve countries, blocs, groups, products and years against the release of a year.

One :class:`Resolver` per call: it picks the year (the latest held when omitted) and the
release describing it, then resolves

* a **country** — ISO3, ISO2, CEPII code or name — to its canonical CEPII code (all of the
  country's codes are merged in the flows, see :mod:`econsec.query.flows`);
* a **group** — built-in (``EU27``, ``G7``, …, members on 1 July of the year) or the user's
  (``$ECONSEC_HOME/groups.toml``) — or a **list** of countries to a :class:`Party` whose
  members act together: as an importer, its extra-bloc imports; as an exporter, its extra-bloc
  exports; as a coalition, its members on that date;
* **products** through :func:`econsec.query.products.resolve_products`.

Members a release does not list, and basket codes it lacks, are recorded in :attr:`notes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from econsec.countries import CountryTable
from econsec.engine import Engine, Warehouse
from econsec.errors import NotFoundError
from econsec.formatting import plural
from econsec.query.products import resolve_products
from econsec.reference import groups as _groups
from econsec.warehouse.catalog import ReleaseInfo

#: What a country argument may be: a name/code, a group name, or several.
Countries = str | int | Sequence[str | int]
#: What a product argument may be: an HS code (6, 4 or 2 digits) or basket name, or several.
Products = str | int | Sequence[str | int]


def open_warehouse(
    warehouse: Warehouse | None,
    home: Path | str | None,
    allow_synthetic: bool,
    engine: Engine | None = None,
) -> Warehouse:
    """Return the given warehouse, or the one under ``home`` (``ECONSEC_HOME`` when ``None``).

    A new warehouse runs on ``engine`` (see :func:`econsec.engine.connect`).
    """
    if warehouse is not None:
        return warehouse
    return Warehouse(
        Path(home) if home is not None else None, engine=engine, allow_synthetic=allow_synthetic
    )


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
    if isinstance(year, bool) or not isinstance(year, int):
        raise NotFoundError("year", year, hint="a year is an integer such as 2024")
    return int(year), wh.release_for(int(year))


def as_list(x: Any) -> list[Any]:
    """Return ``x`` as a list: one name becomes a one-element list, ``None`` an empty one."""
    if x is None:
        return []
    if isinstance(x, str | int):
        return [x]
    return list(x)


@dataclass(frozen=True)
class Party:
    """A country, or countries acting together (a group or a list).

    Attributes
    ----------
    label
        ISO3 of a country, the group's name, or ISO3 codes joined by ``+``.
    codes
        Canonical CEPII codes of the members, sorted.
    kind
        ``"country"``, ``"group"`` or ``"list"``.
    members
        ISO3 of the members, sorted.
    """

    label: str
    codes: tuple[int, ...]
    kind: str
    members: tuple[str, ...]

    @property
    def is_bloc(self) -> bool:
        """Whether it stands for several countries (flows must be merged first)."""
        return self.kind != "country"

    def meaning(self, role: str) -> str:
        """One sentence on what the party means in ``role`` (importer, exporter, ...)."""
        if not self.is_bloc:
            return f"{role} {self.label}"
        what = {
            "importer": "extra-bloc imports (trade between members excluded)",
            "exporter": "extra-bloc exports (trade between members excluded)",
        }.get(role, "its members together")
        return f"{role} {self.label} = {len(self.codes)} members, {what}: {', '.join(self.members)}"


class Resolver:
    """Resolves what users type against the release describing ``year``.

    Parameters
    ----------
    wh
        The warehouse.
    year
        The year; the latest held when ``None``.

    Attributes
    ----------
    year, release, hs
        The year, the release describing it and its nomenclature.
    countries
        The release's country table.
    notes
        What resolution left out (group members the release lacks, basket codes absent).
    """

    def __init__(self, wh: Warehouse, year: int | None = None) -> None:
        self.wh = wh
        self.year, self.release = resolve_year(wh, year)
        self.hs = self.release.hs
        self.countries: CountryTable = wh.countries(self.release.hs, self.release.release)
        self.notes: list[str] = []

    @property
    def home(self) -> Path:
        """The warehouse folder (where user groups and baskets live)."""
        return self.wh.home

    # countries and groups -------------------------------------------------------------

    def is_group(self, name: object) -> bool:
        """Whether ``name`` is a group, built-in or the user's (case-insensitive)."""
        return isinstance(name, str) and _groups.is_group(name, home=self.home)

    def group(self, name: str) -> Party:
        """Resolve a group to its members on 1 July of the year, as a :class:`Party`.

        Raises
        ------
        NotFoundError
            When the group is unknown (with close names) or has no member in the release.
        """
        g = _groups.get_group(name, home=self.home)
        codes: set[int] = set()
        absent = []
        for iso3 in _groups.members(g.group, on=self.year, home=self.home):
            try:
                codes.add(self.countries.resolve(iso3))
            except NotFoundError:
                absent.append(iso3)
        if not codes:
            raise NotFoundError(
                "group", name, hint=f"none of its members on {self.year} is in the country table"
            )
        if absent:
            self._note(
                f"{name}: {plural(len(absent), 'member')} not in the {self.hs} "
                f"{self.release.release} "
                f"country table, left out: {', '.join(sorted(absent))}"
            )
        # Label the bloc as the user spelled it (``EU27``), in the group's own casing.
        label = next(
            (a for a in (g.group, *g.aliases) if a.upper() == name.strip().upper()), g.group
        )
        return self._party(label, codes, "group")

    def country(self, name: str | int) -> int:
        """Canonical CEPII code of a country (see :meth:`CountryTable.resolve`)."""
        return self.countries.resolve(name)

    def party(self, x: Countries) -> Party:
        """Resolve a country, a group name, or a list of countries/groups as one :class:`Party`.

        Raises
        ------
        NotFoundError
            For an unknown name; ``ValueError`` for an empty list.
        """
        if isinstance(x, str | int):
            if self.is_group(x):
                return self.group(str(x))
            try:
                code = self.country(x)
            except NotFoundError as e:
                raise self._unknown(x, e) from None
            return Party(self.countries.iso3_of(code), (code,), "country", (self.iso3(code),))
        items = as_list(x)
        if not items:
            raise ValueError("no country given")
        if len(items) == 1:
            return self.party(items[0])
        codes: set[int] = set()
        labels = []
        for it in items:
            p = self.party(it)
            codes.update(p.codes)
            labels.append(p.label)
        return self._party("+".join(dict.fromkeys(labels)), codes, "list")

    def _unknown(self, x: str | int, e: NotFoundError) -> NotFoundError:
        """Build the error for a name neither a country nor a group, with hints of both."""
        if not isinstance(x, str) or x.strip().isdigit():
            return e
        try:
            _groups.get_group(x, home=self.home)
        except NotFoundError as g:
            sugg = [*e.suggestions[:3], *g.suggestions[:2]]
            return NotFoundError(
                "country or group",
                x,
                sugg,
                hint="countries are ISO3/ISO2 codes or names; 'econsec groups list' shows groups",
            )
        return e  # pragma: no cover - is_group said no

    def parties(self, x: Countries) -> list[Party]:
        """Each name of ``x`` as its own :class:`Party` (a group stays one party)."""
        return [self.party(i) for i in as_list(x)]

    def codes(self, x: Countries) -> list[int]:
        """Codes of the countries in ``x``, groups expanded to their members."""
        out: set[int] = set()
        for p in self.parties(x):
            out.update(p.codes)
        if not out:
            raise ValueError("no country given")
        return sorted(out)

    def iso3(self, code: int) -> str:
        """Display ISO3 of a code (``TWN`` for CEPII's ``S19``)."""
        return self.countries.iso3_of(code)

    def iso3s(self, codes: Iterable[int]) -> list[str]:
        """Display ISO3 of each code."""
        return [self.iso3(c) for c in codes]

    def _party(self, label: str, codes: Iterable[int], kind: str) -> Party:
        cs = tuple(sorted(set(codes)))
        return Party(label, cs, kind, tuple(sorted(self.iso3(c) for c in cs)))

    # products -------------------------------------------------------------------------

    @property
    def product_table(self) -> pl.DataFrame:
        """The release's product table ``code, description``."""
        return self.wh.products(self.release.hs, self.release.release)

    def products(self, items: Products | None, *, extra: Path | None = None) -> list[str] | None:
        """HS6 codes of ``items`` (``None``: every product); see :func:`resolve_products`.

        ``extra``: a user baskets TOML read instead of ``home/baskets.toml``.
        """
        sel = resolve_products(items, self.product_table, self.hs, self.home, extra=extra)
        for n in sel.notes:
            self._note(n)
        return sel.codes

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
