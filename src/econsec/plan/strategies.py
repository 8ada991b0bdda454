"""Which suppliers may expand under each strategy.

=================  ==========================================================================
strategy           suppliers allowed to expand
=================  ==========================================================================
``diversify``      every supplier but the rival
``friend-shore``   members of a country group (``G7`` by default; ``QUAD``, ``CPTPP``, a user
                   group, ...) on 1 July of the year
``near-shore``     countries of one or more geographic regions (UN M49 regions or sub-regions
                   from ``econsec/data/plan/regions.csv``, or group names such as ``ASEAN``);
                   by default the importer's own M49 region
``china-plus-one`` every supplier but the rival, and no single supplier above a share cap (the
                   rival's cap by default)
``reshore``        domestic output only, at a cost premium, up to a domestic capacity
=================  ==========================================================================

The rival never expands; suppliers outside the allowed set keep their baseline volume.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl
from rapidfuzz import process

from econsec.countries import CountryTable
from econsec.errors import NotFoundError
from econsec.reference._io import read_shipped

STRATEGIES = ("diversify", "friend-shore", "near-shore", "china-plus-one", "reshore")
#: Group used by ``friend-shore`` when none is given.
DEFAULT_GROUP = "G7"


@dataclass(frozen=True)
class Strategy:
    """A resolved strategy.

    Attributes
    ----------
    name
        One of :data:`STRATEGIES`.
    allowed
        CEPII codes allowed to expand; ``None`` for every supplier but the rival.
    single_cap
        Cap on any single supplier's share (``china-plus-one``), else ``None``.
    domestic
        Whether domestic output is the allowed source (``reshore``).
    label
        What the allowed set is, for output (``"G7"``, ``"Eastern Asia"``, ...).
    """

    name: str
    allowed: frozenset[int] | None
    single_cap: float | None
    domestic: bool
    label: str


@cache
def regions() -> pl.DataFrame:
    """Return the shipped region table ``iso3, region, subregion, source, url, as_of``."""
    rows = read_shipped("plan", "regions.csv", required=("iso3", "region", "subregion", "source"))
    return pl.DataFrame([r.values for r in rows])


def region_of(iso3: str) -> str | None:
    """M49 region (e.g. ``Asia``) of a country, or ``None`` when the table lacks it."""
    hit = regions().filter(pl.col("iso3") == iso3.upper())
    return str(hit["region"][0]) if hit.height else None


def region_members(names: Sequence[str], year: int, *, home: Path | str | None = None) -> list[str]:
    """ISO3 codes of the countries in regions, sub-regions or groups ``names``.

    Raises
    ------
    NotFoundError
        For a name that is neither a region, a sub-region nor a group (with close names).
    """
    from econsec.reference import groups

    tab = regions()
    known = sorted(set(tab["region"].to_list()) | set(tab["subregion"].to_list()))
    out: set[str] = set()
    for name in names:
        key = name.strip().lower()
        hit = tab.filter(
            (pl.col("region").str.to_lowercase() == key)
            | (pl.col("subregion").str.to_lowercase() == key)
        )
        if hit.height:
            out.update(hit["iso3"].to_list())
        elif groups.is_group(name, home=home):
            out.update(groups.members(name, on=year, home=home))
        else:
            sugg = [h[0] for h in process.extract(name, known, limit=4, score_cutoff=50)]
            raise NotFoundError(
                "region", name, sugg, hint="use an M49 region or sub-region, or a group name"
            )
    return sorted(out)


def _codes(iso3s: Sequence[str], ct: CountryTable) -> frozenset[int]:
    """CEPII codes of ISO3 codes the release knows (others cannot trade in it)."""
    out = set()
    for c in iso3s:
        try:
            out.add(ct.resolve(c))
        except NotFoundError:
            continue
    return frozenset(out)


def resolve_strategy(
    name: str,
    *,
    importer: str,
    ct: CountryTable,
    year: int,
    cap: float,
    group: str | None = None,
    region: Sequence[str] | None = None,
    single_cap: float | None = None,
    home: Path | str | None = None,
) -> Strategy:
    """Resolve a strategy name and its options into the allowed set.

    Parameters
    ----------
    name
        One of :data:`STRATEGIES`.
    importer
        ISO3 of the importer (for the default near-shore region).
    ct
        The release's country table.
    year
        Year of the group membership.
    cap
        The rival's cap, the default single-supplier cap of ``china-plus-one``.
    group, region, single_cap
        Options of ``friend-shore``, ``near-shore`` and ``china-plus-one``.
    home
        Warehouse folder holding user groups.

    Raises
    ------
    ValueError
        For an unknown strategy or an option the strategy does not take.
    """
    from econsec.reference import groups

    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; allowed: {', '.join(STRATEGIES)}")
    if group is not None and name != "friend-shore":
        raise ValueError("--group applies to the friend-shore strategy only")
    if region and name != "near-shore":
        raise ValueError("--region applies to the near-shore strategy only")
    if single_cap is not None and name != "china-plus-one":
        raise ValueError("a single-supplier cap applies to the china-plus-one strategy only")
    if name == "friend-shore":
        g = group or DEFAULT_GROUP
        return Strategy(name, _codes(groups.members(g, on=year, home=home), ct), None, False, g)
    if name == "near-shore":
        names = list(region or [])
        if not names:
            own = region_of(importer)
            if own is None:
                raise NotFoundError("region of", importer, hint="pass --region")
            names = [own]
        iso3s = region_members(names, year, home=home)
        return Strategy(name, _codes(iso3s, ct), None, False, "+".join(names))
    if name == "china-plus-one":
        s = cap if single_cap is None else single_cap
        if not 0 < s <= 1:
            raise ValueError(f"single-supplier cap must be in (0, 1], got {s}")
        return Strategy(name, None, s, False, f"any supplier ≤ {s:.0%}")
    if name == "reshore":
        return Strategy(name, frozenset(), None, True, "domestic")
    return Strategy(name, None, None, False, "any supplier but the rival")
