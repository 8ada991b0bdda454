"""Inputs of one year's yard: the parties resolved, the flows read, one row per product.

Everything a user typed is resolved by a :class:`~econsec.query.Resolver` for the year (each
year of a trend has its own: group members change, and older years use their own release's
nomenclature and country table). Flows come from :func:`econsec.query.flows.release_flows`,
where a country's several CEPII codes are one; a bloc importer is merged into
:data:`BLOC_CODE` with trade between its members dropped, so its imports are extra-bloc.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import polars as pl

from econsec.baskets import criticality_weights
from econsec.engine import Warehouse
from econsec.errors import NotFoundError
from econsec.formatting import plural
from econsec.metrics.autonomy import autonomy, collapse_bloc, restrict
from econsec.metrics.indispensability import world_concentration
from econsec.query.flows import release_flows
from econsec.query.resolver import Countries, Party, Products, Resolver
from econsec.reference.unga import alignment_matrix
from econsec.substitution import redirectable_supply
from econsec.yard.espa import EspaParams
from econsec.yard.score import ScoreParams

#: Code given to a bloc importer once its members are merged (CEPII codes are positive).
BLOC_CODE = -1


@dataclass(frozen=True)
class YardSetup:
    """What the call asks, as given (resolved again in each year's release).

    Attributes
    ----------
    importer, rival, rival_group
        Country arguments as the user gave them.
    unaligned
        UN voting distance beyond which a supplier counts as a rival (``None``: not used).
    products
        Product items (HS codes, headings, chapters, basket names); ``None``: every product.
    catalogues, baskets_file
        Catalogues of the criticality weight (``None``: every built-in one) and the user
        baskets TOML (``None``: ``home/baskets.toml``).
    """

    wh: Warehouse
    importer: Countries
    rival: tuple[str | int, ...]
    rival_group: str | None
    unaligned: float | None
    products: Products | None
    catalogues: tuple[str, ...] | None
    baskets_file: Path | None
    score: ScoreParams
    espa: EspaParams | None
    method: str
    coverage: float
    min_value: float
    time_limit: float
    #: Criticality weights by nomenclature, computed once per call (years share them).
    weight_cache: dict[str, pl.DataFrame] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    @property
    def has_rival(self) -> bool:
        """Whether a rival set is asked for (otherwise the top supplier is the exposure)."""
        return bool(self.rival) or self.rival_group is not None or self.unaligned is not None


@dataclass(frozen=True)
class YearParties:
    """The call resolved in one year's release.

    Attributes
    ----------
    importer
        The importer as a :class:`Party` (a bloc for a group or a list of countries).
    code
        Its code in the flows: its canonical CEPII code, or :data:`BLOC_CODE` for a bloc.
    rival
        Codes of the rivals (``None``: no rival set, the top supplier is the exposure).
    products
        HS6 codes asked, in this release's nomenclature (``None``: every product).
    rival_label
        The rivals as the user named them (``None`` without a rival set).
    meaning
        What the importer and the rivals stand for, one sentence each.
    """

    r: Resolver
    importer: Party
    code: int
    rival: list[int] | None
    products: list[str] | None
    rival_label: str | None = None
    meaning: tuple[str, ...] = ()


def resolve_parties(s: YardSetup, r: Resolver) -> YearParties:
    """Resolve the importer, the rivals and the products against ``r``'s release.

    Raises
    ------
    ValueError
        When the rivals are the importer itself (or only members of the bloc importer).
    """
    imp = r.party(s.importer)
    code = BLOC_CODE if imp.is_bloc else imp.codes[0]
    products = r.products(s.products, extra=s.baskets_file)
    meaning = (imp.meaning("importer"),)
    if not s.has_rival:
        return YearParties(r, imp, code, None, products, None, meaning)
    rival, label, said = rivals(s, r, imp)
    return YearParties(r, imp, code, rival, products, label, meaning + said)


def rivals(s: YardSetup, r: Resolver, imp: Party) -> tuple[list[int], str, tuple[str, ...]]:
    """Codes of the rivals in ``r``'s year, their label, and what each stands for.

    Rivals inside the importer (the importer itself, members of a bloc importer) are left
    out with a note; when nothing else is left, the request makes no sense.

    Raises
    ------
    ValueError
        When every rival is the importer or a member of the bloc importer.
    """
    codes: set[int] = set()
    labels: list[str] = []
    meaning: list[str] = []
    named = [r.party(list(s.rival))] if s.rival else []
    if s.rival_group is not None:
        named.append(r.group(s.rival_group))
    for p in named:
        codes.update(p.codes)
        labels.append(p.label)
        meaning.append(p.meaning("rival"))
    if s.unaligned is not None:
        far = unaligned_codes(r, imp, s.unaligned)
        codes |= far
        labels.append(f"UN-unaligned (distance > {s.unaligned:g})")
        meaning.append(
            f"rival UN-unaligned = {len(far)} countries whose UN General Assembly ideal point "
            f"lies farther than {s.unaligned:g} from {imp.label}'s in {r.year}"
        )
    label = " + ".join(labels)
    inside = codes & set(imp.codes)
    why = (
        f"trade between members of {imp.label} is not imports of the bloc"
        if imp.is_bloc
        else "a country cannot be its own rival"
    )
    if inside and not codes - inside:
        what = f"a member of {imp.label}" if imp.is_bloc else "the importer"
        raise ValueError(
            f"the rival {label} is {what}: {why}; name other suppliers "
            "(or leave the rival out to use each product's top supplier)"
        )
    if inside:
        r.notes.append(f"rival {label}: {', '.join(r.iso3s(sorted(inside)))} left out: {why}")
    if not codes:
        r.notes.append(
            f"no supplier is a rival ({label}) in {r.year}: dependence is 0 for every product"
        )
    return sorted(codes - inside), label, tuple(meaning)


def unaligned_codes(r: Resolver, importer: Party, threshold: float) -> set[int]:
    """Countries whose UN General Assembly ideal point lies farther than ``threshold``.

    Uses :func:`econsec.reference.unga.alignment_matrix` (needs the data mirror).

    Raises
    ------
    ValueError
        For a bloc importer: a bloc has no ideal point of its own.
    NotFoundError
        When the importer has no ideal point in the year.
    """
    if importer.is_bloc:
        raise ValueError(
            f"unaligned needs a country importer: {importer.label} is a bloc and has no UN "
            "General Assembly ideal point of its own; name the rivals instead"
        )
    me = r.iso3(importer.codes[0])
    d = alignment_matrix(r.year).filter(pl.col("a") == me)
    if d.height == 0:
        raise NotFoundError("country", me, hint=f"no UN General Assembly ideal point in {r.year}")
    out: set[int] = set()
    for iso3 in d.filter(pl.col("distance") > threshold)["b"].to_list():
        try:
            out.add(r.country(iso3))
        except NotFoundError:
            continue  # a UN member BACI does not list trades nothing here
    return out


def year_flows(p: YearParties) -> ir.Table:
    """Read the year's flows of the products asked, every country under its canonical code."""
    r = p.r
    flows, _ = release_flows(r.wh, r.release, [r.year], r.hs, p.products)
    return flows


def importer_view(flows: ir.Table, p: YearParties) -> ir.Table:
    """Return ``flows`` as the importer sees them: a bloc merged, trade between members dropped."""
    if not p.importer.is_bloc:
        return flows
    return collapse_bloc(flows, p.importer.codes, BLOC_CODE)


def exposure(
    flows: ir.Table, m: int, rival: list[int] | None, imports: pl.DataFrame, r: float
) -> pl.DataFrame:
    """Per product: value exposed (rivals or top supplier) and others' redirectable capacity."""
    prods = imports["product"].to_list()
    cap = redirectable_supply(
        restrict(flows, products=prods), [m], fraction=r, exclude_exporters=rival or ()
    )
    cap_df = to_polars(cap.select("k", "exporter", "capacity")).rename({"k": "product"})
    if rival is None:
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


def to_polars(t: ir.Table) -> pl.DataFrame:
    """Execute an Ibis expression into a polars frame (on the backend its tables belong to)."""
    from econsec.query.fetch import to_polars as fetch

    return fetch(t._find_backend(), t)


def weights(s: YardSetup, hs: str) -> pl.DataFrame:
    """Criticality weight and listing catalogues of each product in ``hs`` codes."""
    if hs not in s.weight_cache:
        s.weight_cache[hs] = criticality_weights(
            hs, baskets=s.catalogues, extra=s.baskets_file, home=s.wh.home
        ).select("product", "weight", "baskets")
    return s.weight_cache[hs]


def year_inputs(s: YardSetup, p: YearParties) -> pl.DataFrame:
    """One row per product the importer buys in the year, with every input of the score."""
    r = p.r
    # Three queries read the year: the engine keeps it once rather than recompute the
    # merge of country codes in each (released on leaving the block).
    with year_flows(p).cache() as world_flows:
        flows = importer_view(world_flows, p)
        imports = to_polars(autonomy(flows, importers=[p.code], rival=p.rival))
        if imports.height == 0:
            return empty_inputs()
        exp = exposure(flows, p.code, p.rival, imports, s.score.redirect)
        # World concentration is the world market's, whoever imports: members stay apart.
        world = to_polars(
            world_concentration(world_flows, products=imports["product"].to_list()).select(
                "product", "world_hhi"
            )
        )
    if p.rival is None:
        imports = imports.with_columns(rival_value=pl.lit(None, pl.Float64))
    names = r.product_table.select(pl.col("code").alias("product"), "description")
    return (
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
        .join(weights(s, r.hs), on="product", how="left")
        .join(names, on="product", how="left")
        .with_columns(
            pl.col("weight").fill_null(0.0),
            pl.col("baskets").fill_null(pl.lit([], pl.List(pl.Utf8))),
            pl.col("description").fill_null(""),
            pl.col("top_supplier").map_elements(r.iso3, return_dtype=pl.Utf8),
        )
    )


#: Schema of :func:`year_inputs` (an importer without imports gets an empty frame of it).
INPUT_SCHEMA: dict[str, Any] = {
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


def empty_inputs() -> pl.DataFrame:
    """Return an empty frame of :data:`INPUT_SCHEMA`."""
    return pl.DataFrame(schema=INPUT_SCHEMA)


def missing_products(p: YearParties, imported: Sequence[str]) -> str | None:
    """Name the products asked that the importer does not import (``None``: none)."""
    if p.products is None:
        return None
    missing = sorted(set(p.products) - set(imported))
    if not missing or len(missing) == len(p.products):
        return None
    shown = ", ".join(missing[:20]) + (f" … ({len(missing)} in all)" if len(missing) > 20 else "")
    return (
        f"{len(missing)} of the {plural(len(p.products), 'product')} asked "
        f"{'has' if len(missing) == 1 else 'have'} no imports by "
        f"{p.importer.label} in {p.r.year}: {shown}"
    )
