"""Inputs of a scenario: the year's flows, the measure's parties and products, resolved once.

Names, groups, products and the year are resolved by :class:`~econsec.query.Resolver`; flows
are read with :func:`~econsec.query.flows.release_flows`, so a country whose release lists
several CEPII codes (Germany 276/280) is one node. A group in the importer's role (a ban's or
a coalition's target, a tariff's imposer) is merged into one bloc with its extra-bloc
imports; in the exporter's role (a ban's imposer, a tariff's target, a coalition) its members
act together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import polars as pl

from econsec.engine import Warehouse
from econsec.errors import NotFoundError
from econsec.formatting import plural
from econsec.metrics.autonomy import collapse_bloc
from econsec.query.flows import display, release_flows
from econsec.query.resolver import Party, Resolver, as_list
from econsec.scenarios.spec import CoalitionControl, ExportBan, Quota, Tariff

#: A measure of a scenario specification.
MeasureSpec = ExportBan | Quota | Tariff | CoalitionControl

#: Above this many codes, products are matched by a join, not a literal IN list (whose
#: expression graph makes Ibis compilation slow).
ISIN_MAX = 64


@dataclass
class Context:
    """What every measure of a scenario shares: the resolver and the year's flows.

    Attributes
    ----------
    r
        The resolver of the scenario's year (the latest held when the spec gives none).
    flows
        Every flow of the year, each country under its canonical code.
    country_importers
        Whether importers must be countries (IO propagation maps them to regions).
    """

    r: Resolver
    flows: ir.Table
    country_importers: bool = False

    @property
    def wh(self) -> Warehouse:
        """The warehouse."""
        return self.r.wh

    @property
    def year(self) -> int:
        """The year replayed."""
        return self.r.year

    @property
    def hs(self) -> str:
        """The nomenclature of the year's release."""
        return self.r.hs

    @property
    def release(self) -> str:
        """The release describing the year."""
        return self.r.release.release


def open_context(wh: Warehouse, year: int | None, *, country_importers: bool = False) -> Context:
    """Resolve the year (the latest held when ``None``) and open its flows."""
    r = Resolver(wh, year)
    flows, _ = release_flows(wh, r.release, [r.year], r.hs)
    return Context(r, flows, country_importers)


# ------------------------------------------------------------------------------ products


def split_products(items: Iterable[str | int]) -> tuple[list[str], list[str]]:
    """Split what users give as products into HS codes and basket names.

    Integers and digit strings are codes (a leading zero lost to a numeric conversion, as in
    ``30110`` for ``030110``, is restored); anything else is a basket name.
    """
    codes, names = [], []
    for x in items:
        s = str(x).strip()
        if not s:
            continue
        if s.isdigit():
            codes.append("0" + s if len(s) in (1, 3, 5) else s)
        else:
            names.append(s)
    return codes, names


def measure_products(ctx: Context, m: MeasureSpec, where: str) -> list[str] | None:
    """HS6 codes of a measure's products and baskets (``None``: every product, tariffs only).

    Raises
    ------
    NotFoundError
        For an unknown code or basket, or when none of the basket codes is in the release.
    """
    items = [*m.products, *m.baskets]
    if not items:
        return None
    try:
        codes = ctx.r.products(items)
    except NotFoundError as e:
        raise in_field(e, f"{where}.products") from None
    if not codes:
        raise NotFoundError(
            f"products in {where}",
            ", ".join(items),
            hint=f"none of their codes is in the {ctx.hs} {ctx.release} product table",
        )
    return codes


def restrict(ctx: Context, products: Sequence[str] | None) -> ir.Table:
    """Return the year's flows of ``products`` (``None``: all)."""
    flows = ctx.flows
    if products is None or len(products) == ctx.r.product_table.height:
        return flows  # every product of the release: no filter to compile or run
    if len(products) <= ISIN_MAX:
        return flows.filter(flows.k.isin(list(products)))
    codes = ibis.memtable({"k": list(products)}, schema={"k": "string"})
    return flows.semi_join(codes, "k")


# ------------------------------------------------------------------------------ parties


def in_field(e: NotFoundError, where: str) -> NotFoundError:
    """Return the same error, its message prefixed with the field it comes from."""
    err = NotFoundError(e.kind, e.name, e.suggestions)
    err.args = (f"{where}: {e}",)
    return err


@dataclass(frozen=True)
class Side:
    """One side of a measure: its parties, and the codes they act with.

    Attributes
    ----------
    role
        ``importer`` (blocs merged, extra-bloc trade) or the exporter-side role name
        (``imposer``, ``target``, ``coalition``: members together).
    parties
        As resolved, one per name given.
    codes
        The codes in the flows: countries' codes, and a negative code per merged bloc.
    """

    role: str
    parties: tuple[Party, ...]
    codes: tuple[int, ...]

    @property
    def members(self) -> set[int]:
        """Every member country's code."""
        return {c for p in self.parties for c in p.codes}

    @property
    def label(self) -> str:
        """The parties' labels joined by ``+``."""
        return "+".join(p.label for p in self.parties)

    def meaning(self) -> list[str]:
        """One sentence per party on what it stands for in this role."""
        return [p.meaning(self.role) for p in self.parties]


@dataclass(frozen=True)
class Blocs:
    """Blocs merged in a measure's flows: their members and display labels by code."""

    members: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    labels: Mapping[int, str] = field(default_factory=dict)

    def apply(self, flows: ir.Table) -> ir.Table:
        """Flows with each bloc's members merged into its code and intra-bloc flows dropped."""
        for code, members in self.members.items():
            flows = collapse_bloc(flows, members, code)
        return flows


def resolve_side(ctx: Context, names: Sequence[str], where: str, role: str) -> Side:
    """Resolve the names of one side of a measure.

    Raises
    ------
    NotFoundError
        For a name neither a country nor a group, prefixed with ``where``.
    ValueError
        When two names of the side share members, or a bloc importer meets IO propagation.
    """
    try:
        parties = tuple(ctx.r.parties(as_list(names)))
    except NotFoundError as e:
        raise in_field(e, where) from None
    seen: dict[int, str] = {}
    for p in parties:
        for c in p.codes:
            if c in seen:
                raise ValueError(
                    f"{where}: {ctx.r.iso3(c)} is in both {seen[c]} and {p.label}; "
                    "give each country once"
                )
            seen[c] = p.label
    if role != "importer":
        return Side(role, parties, tuple(sorted(seen)))
    blocs = [p for p in parties if p.is_bloc]
    if blocs and ctx.country_importers:
        raise ValueError(
            f"{where}: {blocs[0].label} is a bloc; IO propagation needs country importers "
            "(a bloc's extra-bloc imports have no region in the table): list its members"
        )
    codes = [c for p in parties if not p.is_bloc for c in p.codes]
    codes += [-1 - n for n in range(len(blocs))]
    return Side(role, parties, tuple(codes))


def blocs_of(side: Side) -> Blocs:
    """Return the blocs merged on an importer side (its negative codes, in order)."""
    if side.role != "importer":
        return Blocs()
    blocs = [p for p in side.parties if p.is_bloc]
    return Blocs(
        {-1 - n: p.codes for n, p in enumerate(blocs)},
        {-1 - n: p.label for n, p in enumerate(blocs)},
    )


def check_apart(ctx: Context, a: Side, b: Side, what: str) -> None:
    """Raise ``ValueError`` when the two sides of a measure share a country.

    A country cannot ban, tax or control trade with itself; a bloc importer whose member is
    on the other side would have its own trade counted as extra-bloc.
    """
    both = a.members & b.members
    if both:
        raise ValueError(
            f"{what}: {', '.join(sorted(ctx.r.iso3s(both)))} on both sides "
            f"({a.label} and {b.label}); a measure needs distinct parties"
        )


# ------------------------------------------------------------------------------ display


def shown(df: pl.DataFrame, ctx: Context, blocs: Blocs) -> pl.DataFrame:
    """Country codes of ``df`` as ISO3, bloc codes as the bloc's name."""
    return display(df, ctx.r.countries, blocs.labels)


def flow_notes(
    ctx: Context,
    asked: Sequence[str] | None,
    touched: pl.DataFrame,
    importers: Side,
    source: str,
) -> list[str]:
    """Say what carries no flow: asked products, and importers, the measure cannot touch.

    Parameters
    ----------
    asked
        The measure's products (``None``: every product).
    touched
        ``importer, product`` (display labels) with a flow the measure acts on.
    importers
        The importer side (its parties' labels are looked up in ``touched``).
    source
        Where the flows come from, e.g. ``"from CHN"``.
    """
    to = f"to {importers.label}"
    if touched.height == 0:
        what = f" in the {plural(len(asked), 'product')} asked" if asked is not None else ""
        return [f"no flows {source} {to}{what} in {ctx.year}: the measure changes nothing"]
    notes = []
    hit = set(touched["importer"].to_list())
    for p in importers.parties:
        if p.label not in hit:
            notes.append(f"no flows {source} to {p.label} in the products asked in {ctx.year}")
    if asked is not None:
        missing = sorted(set(asked) - set(touched["product"].to_list()))
        if missing:
            listed = ", ".join(missing[:20])
            listed += f" … ({len(missing)} in all)" if len(missing) > 20 else ""
            notes.append(
                f"{len(missing)} of {plural(len(asked), 'product')} asked "
                f"{'has' if len(missing) == 1 else 'have'} no flows {source} {to} "
                f"in {ctx.year}: {listed}"
            )
    return notes


def ratio(a: Any, b: Any) -> float:
    """Return ``a / b`` as a float, 0 when ``b`` is 0."""
    return float(a) / float(b) if b else 0.0


__all__ = [
    "ISIN_MAX",
    "Blocs",
    "Context",
    "MeasureSpec",
    "Side",
    "blocs_of",
    "check_apart",
    "flow_notes",
    "in_field",
    "measure_products",
    "open_context",
    "ratio",
    "resolve_side",
    "restrict",
    "shown",
    "split_products",
]
