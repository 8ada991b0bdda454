"""``rerouting``: the screen of :mod:`econsec.rerouting.math` on the BACI warehouse."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from econsec.engine import Engine, Warehouse
from econsec.formatting import plural
from econsec.query.fetch import to_polars
from econsec.query.flows import by_release, display, release_flows
from econsec.query.resolver import Countries, Products, Resolver, open_warehouse
from econsec.query.results import Result
from econsec.rerouting import math as rm

#: The literature the method follows, cited in every result's notes.
METHOD = (
    "Method: a third country is flagged when its imports from the restricting country and its "
    "exports to the target both rose after the restriction (trade diversion through a hub; "
    "Freund, Mattoo, Mulabdic & Ruta 2024, 'Is US trade policy reshaping global supply "
    "chains?', Journal of International Economics 152; Alfaro & Chor 2023, 'Global Supply "
    'Chains: The Looming "Great Reallocation"\', NBER WP 31661), and a hub exporting more than '
    "it imports plus produces is set apart (after the rerouting measure of Iyoha, Malesky, Wen "
    "& Wu 2024, 'Exports in Disguise? Trade Rerouting during the U.S.-China Trade War', "
    "Harvard Business School WP 24-072)."
)
LIMITS = (
    "Limits: a signal, not proof. HS6 annual data blur a mid-year restriction (the event year "
    "is left out) and cannot follow a shipment; a hub may process what it imports within the "
    "same HS6 code (not evasion); BACI reconciles each flow from the importer's and the "
    "exporter's reports, so re-exports recorded by origin on one side and by consignment on "
    "the other can move between countries; demand in the target may grow for its own reasons; "
    "BACI tons are gross weight, USGS production is often metal content."
)


@dataclass(frozen=True)
class ReroutingResult(Result):
    """Diversion signals per product × hub (``frame``) and hub balances (``balance``).

    ``frame``: see :func:`econsec.rerouting.math.diversion`; ``balance``: see
    :func:`econsec.rerouting.math.hub_balance` (one row per product × hub × year after the
    restriction).
    """

    balance: pl.DataFrame = field(default_factory=pl.DataFrame)

    def summary(self) -> dict[str, Any]:
        """Return the flagged hubs, their matched rise, and hubs exporting beyond supply."""
        df, b = self.frame, self.balance
        flagged = df.filter(pl.col("flagged")) if df.height else df
        over = b.filter(pl.col("flagged").fill_null(False)) if b.height else b
        return {
            "rows": df.height,
            "flagged_hubs": flagged["hub"].unique().sort().to_list() if flagged.height else [],
            "matched_rise": float(flagged["matched_rise"].sum()) if flagged.height else 0.0,
            "hubs_beyond_supply": over["hub"].unique().sort().to_list() if over.height else [],
            "params": dict(self.params),
        }

    def to_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """Like :meth:`Result.to_dict`, with the hub balances under ``balance``."""
        from econsec.formatting import tidy_frame, to_jsonable

        out = super().to_dict(limit=limit)
        b = self.balance if limit is None else self.balance.head(limit)
        out["balance"] = to_jsonable(tidy_frame(b).to_dicts())
        return out


def rerouting(
    source: Countries,
    target: Countries,
    products: Products,
    years: Sequence[int] | str,
    *,
    date: dt.date | str | None = None,
    min_growth: float = 0.25,
    min_value: float = 100.0,
    slack: float = 0.10,
    edition: int = 2024,
    usgs_folder: Path | str | None = None,
    warehouse: Warehouse | None = None,
    home: Path | str | None = None,
    allow_synthetic: bool = False,
    engine: Engine | None = None,
) -> ReroutingResult:
    """Screen third countries for rerouting of ``products`` from ``source`` to ``target``.

    Parameters
    ----------
    source, target
        The restricting country and the target (ISO3, ISO2, names).
    products
        HS codes or a basket name.
    years
        Years compared (``"2021-2024"`` or a list); years the warehouse lacks are noted.
    date
        The restriction's date (``"2023-08"``); the first year is compared with the last
        without it.
    min_growth, min_value
        A hub is flagged when both flows rose by at least ``min_growth`` (0.25 = 25%) and the
        matched rise is at least ``min_value`` thousand USD a year.
    slack
        Margin before exports count as exceeding imports plus production (0.10 = 10%).
    edition, usgs_folder
        MCS edition (or folder of world tables) giving production through the HS ↔ USGS map.

    Returns
    -------
    ReroutingResult
        ``frame`` one row per product × hub, ``balance`` per product × hub × later year.
    """
    wh = open_warehouse(warehouse, home, allow_synthetic, engine)
    asked = rm.parse_years(years) if isinstance(years, str) else sorted(set(years))
    when = rm.parse_date(date) if isinstance(date, str) else date
    held = set(wh.years())
    usable = [y for y in asked if y in held]
    notes: list[str] = []
    if set(asked) - held:
        notes.append(
            f"years not in the warehouse, left out: {sorted(set(asked) - held)} "
            f"(held: {sorted(held)})"
        )
    if len(usable) < 2:
        raise ValueError(f"--years: the warehouse holds {usable or 'none'} of {asked}")
    p = rm.periods(usable, when)
    r = Resolver(wh, usable[-1])
    src, tgt = _country(r, source, "--from"), _country(r, target, "--to")
    if src == tgt:
        raise ValueError("--from and --to are the same country")
    prods = r.products(products)
    if not prods:
        raise ValueError("--product: give the HS codes (or a basket) to screen")
    flows = _flows(wh, r, usable, prods)
    notes += r.notes
    lacking = sorted(set(prods) - set(flows["product"].unique().to_list()))
    if lacking:
        notes.append(f"no flows at all in {usable[0]}-{usable[-1]} for {', '.join(lacking)}")
    div = rm.diversion(flows, src, tgt, p, min_growth=min_growth, min_value=min_value)
    hubs = div.filter(pl.col("hub_to_target_after") > 0)["hub"].unique().to_list()
    production, pnotes = _production(prods, r.hs, hubs, usable[-1], edition, usgs_folder)
    bal = rm.hub_balance(flows, hubs, p.post, production, slack=slack)
    notes += pnotes
    notes.append(p.describe())
    notes += _finding_notes(div, bal, src, tgt)
    notes += [METHOD, LIMITS]
    params = {
        "source": src,
        "target": tgt,
        "products": prods,
        "years": usable,
        "before": list(p.pre),
        "after": list(p.post),
        "date": when.isoformat() if when else None,
        "min_growth": min_growth,
        "min_value": min_value,
        "slack": slack,
        "edition": edition,
        "nomenclature": r.hs,
        "units": "thousand current USD (values), metric tons (quantities)",
    }
    return ReroutingResult(div, params, tuple(notes), balance=bal)


def _country(r: Resolver, name: Countries, option: str) -> str:
    party = r.party(name)
    if party.is_bloc:
        raise ValueError(f"{option} {party.label}: give one country, not a group")
    return party.label


def _flows(wh: Warehouse, r: Resolver, years: list[int], products: list[str]) -> pl.DataFrame:
    """Flows ``year, exporter, importer, product, value, quantity`` of ``products`` (ISO3)."""
    frames = []
    for rel, ys in by_release(wh, years):
        f, _ = release_flows(wh, rel, ys, r.hs, products)
        df = to_polars(wh.con, f.select("t", "i", "j", "k", "v", "q"))
        df = df.rename(
            {"t": "year", "i": "exporter", "j": "importer", "k": "product", "v": "value"}
        )
        df = display(df, wh.countries(rel.hs, rel.release)).rename({"q": "quantity"})
        frames.append(
            df.with_columns(
                pl.col("year").cast(pl.Int32),
                pl.col("value").cast(pl.Float64),
                pl.col("quantity").cast(pl.Float64),
            )
        )
    return pl.concat(frames, how="vertical_relaxed")


def _production(
    products: list[str],
    hs: str,
    hubs: list[str],
    year: int,
    edition: int,
    folder: Path | str | None,
) -> tuple[pl.DataFrame, list[str]]:
    """Production in tons per product × hub through the HS ↔ USGS map, and notes."""
    from econsec.minerals import api as mn
    from econsec.minerals import series as ms
    from econsec.minerals.hsmap import usgs_codes_for
    from econsec.reference import usgs

    empty = pl.DataFrame(schema={"product": pl.Utf8, "iso3": pl.Utf8, "production_t": pl.Float64})
    try:
        d = Path(folder) if folder is not None else mn.edition_folder(edition)
        files = mn.world_files(d)
    except FileNotFoundError as e:
        return empty, [f"production unknown (no USGS tables: {e}); hubs tested on trade alone"]
    links = pl.concat([usgs_codes_for(p, hs) for p in products])
    links = links.filter(pl.col("usgs_code").is_in(list(files)))
    if links.height == 0:
        return empty, ["production unknown: the HS ↔ USGS map gives no MCS table for these codes"]
    codes = links["usgs_code"].unique().to_list()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", usgs.UnmappedCountryWarning)
        raw, _ = mn.read_tables(files, codes)
    rows = ms.world_shares(raw).filter(pl.col("production").is_not_null())
    # The latest MCS year not after the last trade year.
    held = sorted(int(y) for y in rows["year"].drop_nulls().unique().to_list())
    if not held:
        return empty, ["production unknown: the USGS tables give no figure for these codes"]
    py = max([y for y in held if y <= year] or held)
    rows = rows.filter(pl.col("year") == py)
    picked = []
    for link in links.iter_rows(named=True):
        sel = rows.filter(pl.col("commodity_code") == link["usgs_code"])
        if link["series"]:
            sel = sel.filter(pl.col("type").str.to_lowercase().str.contains(link["series"]))
        picked.append(
            sel.select(pl.lit(link["hs6"]).alias("product"), "iso3", "production", "unit")
        )
    prod = rm.production_tonnes(pl.concat(picked))
    # A hub MCS does not list for a mapped commodity produces none of it (or too little to list).
    grid = pl.DataFrame({"product": links["hs6"].unique().to_list()}).join(
        pl.DataFrame({"iso3": hubs or [""]}), how="cross"
    )
    prod = grid.join(prod, on=["product", "iso3"], how="left").with_columns(
        pl.col("production_t").fill_null(0.0)
    )
    commodities = ", ".join(sorted(set(links["usgs_commodity"].to_list())))
    return prod, [
        f"production: USGS Mineral Commodity Summaries {edition}, {py}, in metric tons, summed "
        f"over {commodities} (mine output where MCS gives no refined series: an upper bound "
        "that makes the hub test conservative); countries USGS does not list count as 0"
    ]


def _finding_notes(div: pl.DataFrame, bal: pl.DataFrame, src: str, tgt: str) -> list[str]:
    flagged = div.filter(pl.col("flagged"))
    out = []
    if div.height == 0:
        out.append(f"no third country exported these products to {tgt} in these years")
    elif flagged.height == 0:
        out.append(
            f"no third country's imports from {src} and exports to {tgt} rose together "
            "beyond the thresholds"
        )
    else:
        out.append(
            f"{plural(flagged['hub'].n_unique(), 'hub')} where imports from {src} "
            f"and exports to {tgt} "
            f"rose together: {', '.join(flagged['hub'].unique(maintain_order=True).to_list())}"
        )
    over = bal.filter(pl.col("flagged").fill_null(False))
    if over.height:
        out.append(
            "exports above imports plus production: "
            + ", ".join(sorted(set(over["hub"].to_list())))
        )
    unknown = bal.filter(pl.col("basis") == "unknown")
    if unknown.height:
        out.append(
            f"{plural(unknown['hub'].n_unique(), 'hub')} not tested against supply "
            "(quantities missing "
            "and the hub produces the mineral): see basis = unknown"
        )
    return out
