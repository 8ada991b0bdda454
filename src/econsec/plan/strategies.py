"""Which suppliers may expand under each strategy.

=================  ==========================================================================
strategy           suppliers allowed to expand
=================  ==========================================================================
``diversify``      every supplier but the rival
``friend-shore``   members of a country group (``G7`` by default; ``QUAD``, ``CPTPP``, a user
                   group, ...) on 1 July of the year
``near-shore``     countries of one or more geographic regions (UN M49 regions or sub-regions
                   from ``econsec/data/plan/regions.csv``, or group names such as ``ASEAN``);
                   by default the importer's own M49 region (a bloc's, when all its members
                   share one)
``china-plus-one`` every supplier but the rival, and no single supplier above a share cap (the
                   rival's cap by default)
``reshore``        domestic output only, at a cost premium, up to a domestic capacity
=================  ==========================================================================

The rival never expands; suppliers outside the allowed set keep their baseline volume.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import polars as pl
from rapidfuzz import process

from econsec.errors import NotFoundError
from econsec.query.resolver import Countries, Party, Resolver
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


def region_codes(r: Resolver, names: Sequence[str]) -> frozenset[int]:
    """Canonical codes of the countries in regions, sub-regions or groups ``names``.

    Countries of a region that the release does not list are left out (the M49 table covers
    territories BACI does not report); members a group's release lacks go to ``r.notes``.

    Raises
    ------
    NotFoundError
        For a name that is neither a region, a sub-region nor a group (with close names).
    """
    tab = regions()
    out: set[int] = set()
    for name in names:
        key = name.strip().lower()
        hit = tab.filter(
            (pl.col("region").str.to_lowercase() == key)
            | (pl.col("subregion").str.to_lowercase() == key)
        )
        if hit.height:
            out |= _known(r, hit["iso3"].to_list())
        elif r.is_group(name):
            out.update(r.group(name).codes)
        else:
            known = sorted(set(tab["region"].to_list()) | set(tab["subregion"].to_list()))
            sugg = [h[0] for h in process.extract(name, known, limit=4, score_cutoff=50)]
            raise NotFoundError(
                "region", name, sugg, hint="use an M49 region or sub-region, or a group name"
            )
    return frozenset(out)


def _known(r: Resolver, iso3s: Sequence[str]) -> set[int]:
    """Codes of the ISO3 codes the release lists (others cannot trade in it)."""
    out = set()
    for c in iso3s:
        try:
            out.add(r.country(c))
        except NotFoundError:
            continue
    return out


def home_region(importer: Party) -> tuple[str, str | None]:
    """M49 region of the importer, or of most members of a bloc, with a note for a bloc.

    A bloc's region is the one more than half of its members belong to (Europe for the
    EU27, Cyprus being in Western Asia); the note names the members outside it.

    Raises
    ------
    NotFoundError
        When the table lacks the importer's region, or no region holds most of a bloc.
    """
    by_member = {m: region_of(m) for m in importer.members}
    counts = Counter(r for r in by_member.values() if r is not None)
    top = counts.most_common(1)
    if top and 2 * top[0][1] > len(by_member):
        region = top[0][0]
        outside = sorted(m for m, r in by_member.items() if r != region)
        note = (
            f"near-shore region of {importer.label}: {region}, the region of most of its "
            f"members" + (f" (not {', '.join(outside)})" if outside else "")
            if importer.is_bloc
            else None
        )
        return region, note
    hint = (
        f"its members span {', '.join(sorted(counts))}; pass --region"
        if importer.is_bloc
        else "pass --region"
    )
    raise NotFoundError("region of", importer.label, hint=hint)


def resolve_strategy(
    name: str,
    r: Resolver,
    importer: Party,
    *,
    cap: float,
    group: Countries | None = None,
    region: Sequence[str] | None = None,
    single_cap: float | None = None,
) -> Strategy:
    """Resolve a strategy name and its options into the allowed set.

    Parameters
    ----------
    name
        One of :data:`STRATEGIES`.
    r
        The resolver of the plan's year (groups as of 1 July of it, the user's groups too).
    importer
        The importer (for the default near-shore region).
    cap
        The rival's cap, the default single-supplier cap of ``china-plus-one``.
    group, region, single_cap
        Options of ``friend-shore`` (a group, or countries), ``near-shore`` and
        ``china-plus-one``.

    Raises
    ------
    ValueError
        For an unknown strategy or an option the strategy does not take.
    """
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; allowed: {', '.join(STRATEGIES)}")
    if group is not None and name != "friend-shore":
        raise ValueError("--group applies to the friend-shore strategy only")
    if region and name != "near-shore":
        raise ValueError("--region applies to the near-shore strategy only")
    if single_cap is not None and name != "china-plus-one":
        raise ValueError("a single-supplier cap applies to the china-plus-one strategy only")
    if name == "friend-shore":
        friends = r.party(group if group is not None else DEFAULT_GROUP)
        return Strategy(name, frozenset(friends.codes), None, False, friends.label)
    if name == "near-shore":
        names = list(region or [])
        if not names:
            own, note = home_region(importer)
            names = [own]
            if note:
                r.notes.append(note)
        return Strategy(name, region_codes(r, names), None, False, "+".join(names))
    if name == "china-plus-one":
        s = cap if single_cap is None else single_cap
        if not 0 < s <= 1:
            raise ValueError(f"single-supplier cap must be in (0, 1], got {s}")
        return Strategy(name, None, s, False, f"any supplier ≤ {s:.0%}")
    if name == "reshore":
        return Strategy(name, frozenset(), None, True, "domestic")
    return Strategy(name, None, None, False, "any supplier but the rival")
