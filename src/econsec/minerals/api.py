"""``minerals``: production by country, world shares and reserves from MCS world tables."""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from econsec.errors import NotFoundError
from econsec.minerals import series as _s
from econsec.minerals.hsmap import hs_usgs_map, usgs_codes_for
from econsec.query.results import Result
from econsec.reference import usgs
from econsec.reference._io import as_path

DEFAULT_EDITION = 2024

#: Columns of :func:`minerals` frames, in order.
COLUMNS = (
    "edition",
    "commodity",
    "commodity_code",
    "stage",
    "type",
    "variant",
    "year",
    "country",
    "iso3",
    "is_other",
    "production",
    "unit",
    "world_total",
    "share",
    "share_basis",
    "rank",
    "reserves",
    "reserves_unit",
    "reserves_share",
    "estimated",
    "production_flag",
    "note",
    "source_file",
    "line",
)


@dataclass(frozen=True)
class MineralsResult(Result):
    """Production by country × commodity series × year (see :func:`minerals`)."""

    def summary(self) -> dict[str, Any]:
        """Rows, commodities, years and the leading producer of each series."""
        df = self.frame
        lead = df.filter(pl.col("rank") == 1) if df.height else df
        return {
            "rows": df.height,
            "commodities": sorted(set(df["commodity"].to_list())) if df.height else [],
            "years": sorted(set(df["year"].drop_nulls().to_list())) if df.height else [],
            "leaders": [
                {k: r[k] for k in ("commodity", "stage", "type", "year", "iso3", "share")}
                for r in lead.iter_rows(named=True)
            ],
            "params": dict(self.params),
        }


# ---------------------------------------------------------------------------------------------
# Where the files are


def edition_folder(edition: int, mirror: Path | str | None = None) -> Path:
    """Return the folder of an edition's world tables: ``<mirror>/ref/usgs_mcs<edition>_world``.

    Raises
    ------
    FileNotFoundError
        Naming the editions the mirror holds.
    """
    root = usgs.default_root(mirror)
    d = root / "ref" / f"usgs_mcs{edition}_world"
    if not d.is_dir():
        held = sorted(
            m.group(1)
            for p in (root / "ref").glob("usgs_mcs*_world")
            if (m := re.fullmatch(r"usgs_mcs(\d{4})_world", p.name))
        )
        raise FileNotFoundError(
            f"--edition {edition}: no MCS world tables at {d}; editions held: "
            + (", ".join(held) or "none")
            + " (or pass the folder of mcs<edition>-<code>_world.csv files)"
        )
    return d


def world_files(folder: Path) -> dict[str, Path]:
    """MCS commodity code → its world-table file in ``folder`` (``mcsYYYY-<code>_world.csv``)."""
    out: dict[str, Path] = {}
    for p in sorted(folder.glob("*_world.csv")):
        out.setdefault(re.sub(r"^mcs\d{4}-|_world$", "", p.stem), p)
    if not out:
        raise FileNotFoundError(f"no *_world.csv files in {folder}")
    return out


# ---------------------------------------------------------------------------------------------
# What users type


def resolve_commodity(name: str, available: Sequence[str]) -> list[str]:
    """Return the MCS codes meant by ``name``.

    ``name`` is a code (``raree``), a name (``Rare earths``, ``graphite``), the start of one
    (``platinum``) or an HS6 code (``811292``: every commodity the HS ↔ USGS map gives it).

    Raises
    ------
    NotFoundError
        With close names and a hint to list them.
    """
    names = usgs.commodity_names()
    q = " ".join(name.strip().lower().split())
    avail = set(available)
    if q in avail:
        return [q]
    if q.isdigit() and len(q) == 6:
        m = usgs_codes_for(q)
        codes = [c for c in dict.fromkeys(m["usgs_code"].to_list()) if c]
        if codes:
            return [c for c in codes if c in avail] or codes
        hint = "no MCS chapter measures it" if m.height else "it is not in the HS ↔ USGS map"
        raise NotFoundError("USGS commodity for HS code", name, hint=hint)
    full = {names.get(c, c).lower(): c for c in avail}
    short = {re.sub(r"\s*\(.*\)", "", n).strip(): c for n, c in full.items()}
    for table in (full, short):
        if q in table:
            return [table[q]]
    stem = q.rstrip("s")
    starts = sorted({c for n, c in full.items() if n.startswith(stem)})
    if len(starts) >= 1:
        return starts
    close = difflib.get_close_matches(q, [*full, *avail], n=4, cutoff=0.6)
    raise NotFoundError(
        "USGS commodity",
        name,
        list(dict.fromkeys(names.get(c, c).lower() if c in avail else c for c in close)),
        hint="'econsec minerals' without --commodity lists them",
    )


def resolve_iso3(name: str) -> str:
    """ISO3 of a country typed as ISO3, ISO2 or a name (USGS and ISO 3166 spellings).

    Raises
    ------
    NotFoundError
        With close names.
    """
    from econsec.reference._io import read_shipped

    q = name.strip()
    iso = {r["iso3"]: (r["iso2"], r["name"]) for r in _iso_rows(read_shipped)}
    if q.upper() in iso:
        return q.upper()
    for code, (iso2, _) in iso.items():
        if iso2 and q.upper() == iso2.upper():
            return code
    hit = usgs.resolve_country(q, usgs.country_table())
    if hit.iso3:
        return hit.iso3
    names = [n for _, n in iso.values()]
    raise NotFoundError(
        "country", name, difflib.get_close_matches(q, names, n=3, cutoff=0.6), hint="ISO3 or name"
    )


def _iso_rows(read_shipped: Any) -> list[Any]:
    return list(read_shipped("groups", "iso3166.csv", required=("iso3", "iso2", "name")))


# ---------------------------------------------------------------------------------------------
# The verb


def read_tables(files: dict[str, Path], codes: Sequence[str]) -> tuple[pl.DataFrame, list[str]]:
    """Tidy rows of the world tables of ``codes`` with ``series``/``stage``; unmapped names."""
    frames, unmapped = [], []
    for c in codes:
        df, missing = usgs.read_world_file(files[c])
        frames.append(df)
        unmapped += [f"{n!r} ({files[c].name})" for n in missing]
    return _s.attach_orphans(_s.with_series(pl.concat(frames))), unmapped


def minerals(
    commodity: str | Sequence[str] | None = None,
    *,
    edition: int = DEFAULT_EDITION,
    country: str | Sequence[str] | None = None,
    year: int | None = None,
    stage: str | None = None,
    top: int | None = None,
    folder: Path | str | None = None,
    mirror: Path | str | None = None,
) -> MineralsResult:
    """Production by country with world shares and reserves, from MCS world tables.

    Parameters
    ----------
    commodity
        MCS commodities: codes (``raree``), names (``cobalt``) or HS6 codes mapped through
        the HS ↔ USGS map; every commodity of the edition when ``None``.
    edition
        MCS edition; its files are read from ``<ECONSEC_MIRROR>/ref/usgs_mcs<edition>_world``.
    country
        Keep these countries only (ISO3, ISO2 or names).
    year
        Production year (each table's latest when ``None``; MCS 2024 gives 2022 and 2023).
    stage
        ``mine``, ``refined`` or ``production`` series only.
    top
        Keep each series' ``top`` largest producers (``Other countries`` rows are dropped).
    folder
        A folder of ``mcs<edition>-<code>_world.csv`` files to read instead of the mirror's.

    Returns
    -------
    MineralsResult
        Columns :data:`COLUMNS`: ``share`` = production / world total of the series and year
        (``share_basis``: ``world total`` as published, rounded, or ``sum of rows`` where the
        table has none); ``rank`` 1 = largest producer (countries only); ``reserves_share``
        of world reserves (MCS reserves carry no year). Units as MCS gives them (``unit``).
    """
    d = as_path(folder) if folder is not None else edition_folder(edition, mirror)
    files = world_files(d)
    wanted = [commodity] if isinstance(commodity, str) else list(commodity or [])
    codes = (
        list(dict.fromkeys(c for w in wanted for c in resolve_commodity(w, list(files))))
        if wanted
        else list(files)
    )
    absent = [c for c in codes if c not in files]
    codes = [c for c in codes if c in files]
    notes: list[str] = [
        f"{usgs.commodity_names().get(c, c)} ({c}): no world table in {d}" for c in absent
    ]
    if not codes:
        raise NotFoundError("USGS commodity", ", ".join(wanted), hint=f"no world table in {d}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", usgs.UnmappedCountryWarning)
        raw, unmapped = read_tables(files, codes)
    if unmapped:
        notes.append(f"country names not mapped to ISO3 (kept, iso3 empty): {', '.join(unmapped)}")
    df = _s.world_shares(raw)
    df = _pick_year(df, year, notes)
    if stage is not None:
        df = df.filter(pl.col("stage") == stage)
    isos = [resolve_iso3(c) for c in ([country] if isinstance(country, str) else country or [])]
    whole = df
    if isos:
        df = df.filter(pl.col("iso3").is_in(isos))
        for i in isos:
            if df.filter(pl.col("iso3") == i).height == 0:
                notes.append(
                    f"{i}: not listed by USGS for these commodities (in 'Other countries' or none)"
                )
    # Withheld figures of the commodities shown: their world totals leave them out.
    notes += _withheld_notes(
        whole.filter(pl.col("commodity").is_in(df["commodity"].unique().to_list()))
    )
    if top is not None:
        df = df.filter(pl.col("rank") <= top)
    if df.filter(pl.col("production").is_not_null()).height == 0:
        notes.append("no production figure for this selection (empty or withheld tables)")
    df = df.with_columns(edition=pl.lit(edition, pl.Int16)).select(COLUMNS)
    df = df.sort(["commodity", "stage", "type", "variant", "year", "rank"], nulls_last=True)
    params = {
        "edition": edition,
        "commodities": codes,
        "countries": isos or None,
        "year": year,
        "stage": stage,
        "top": top,
        "folder": str(d),
        "source": f"U.S. Geological Survey, Mineral Commodity Summaries {edition}",
    }
    return MineralsResult(df, params, tuple(notes))


def _pick_year(df: pl.DataFrame, year: int | None, notes: list[str]) -> pl.DataFrame:
    """Rows of ``year``, or of each table's latest year; a note where a table lacks it."""
    if year is None:
        latest = pl.col("year").max().over("commodity_code")
        return df.filter((pl.col("year") == latest) | pl.col("year").is_null())
    out = df.filter(pl.col("year") == year)
    lacking = sorted(set(df["commodity"].to_list()) - set(out["commodity"].to_list()))
    if lacking:
        held = sorted(set(df["year"].drop_nulls().to_list()))
        notes.append(f"no {year} figures for {', '.join(lacking)} (years held: {held})")
    return out


def _withheld_notes(df: pl.DataFrame) -> list[str]:
    w = df.filter(pl.col("production_flag") == "W")
    out = []
    for (com,), g in w.group_by(["commodity"], maintain_order=True):
        who = ", ".join(sorted(set(g["country"].to_list())))
        out.append(
            f"{com}: production withheld by USGS (W, company data) for {who}; "
            "its world total excludes it"
        )
    return out


# ---------------------------------------------------------------------------------------------
# Beside trade


def supply_by_stage(
    products: Sequence[str],
    *,
    hs_revision: str | None = None,
    edition: int = DEFAULT_EDITION,
    year: int | None = None,
    top: int = 3,
    folder: Path | str | None = None,
    mirror: Path | str | None = None,
) -> pl.DataFrame:
    """Who mines and who refines what each HS6 product is made of (through the map).

    Returns one row per product × MCS commodity × series with ``product, hs_stage,
    commodity, stage, type, year, top_producers`` (``ISO3 share`` pairs, largest first),
    ``top_iso3, top_share`` and ``map_note``. Products the map does not cover, or whose
    commodity has no table in the edition, are left out.
    """
    d = as_path(folder) if folder is not None else edition_folder(edition, mirror)
    files = world_files(d)
    links = []
    mapped = set(hs_usgs_map()["hs6"].to_list())
    for p in (p for p in dict.fromkeys(products) if p in mapped):
        m = usgs_codes_for(p, hs_revision).filter(pl.col("usgs_code").is_in(list(files)))
        links += m.rename({"hs6": "product", "stage": "hs_stage", "note": "map_note"}).to_dicts()
    cols = ["product", "hs_stage", "commodity", "commodity_code", "stage", "type", "year"]
    empty = pl.DataFrame(schema={**dict.fromkeys(cols, pl.Utf8), "year": pl.Int16})
    if not links:
        return empty.with_columns(
            top_producers=pl.lit(None, pl.Utf8),
            top_iso3=pl.lit(None, pl.Utf8),
            top_share=pl.lit(None, pl.Float64),
            map_note=pl.lit(None, pl.Utf8),
        )
    codes = list(dict.fromkeys(r["usgs_code"] for r in links))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", usgs.UnmappedCountryWarning)
        raw, _ = read_tables(files, codes)
    prod = _pick_year(_s.world_shares(raw), year, [])
    prod = prod.filter(pl.col("rank").is_not_null() & (pl.col("rank") <= top)).sort("rank")
    rows = []
    for link in links:
        sel = prod.filter(pl.col("commodity_code") == link["usgs_code"])
        if link["series"]:
            sel = sel.filter(pl.col("type").str.to_lowercase().str.contains(link["series"]))
        for (ctype, var, y), g in sel.group_by(["type", "variant", "year"], maintain_order=True):
            best = g.row(0, named=True)
            rows.append(
                {
                    "product": link["product"],
                    "hs_stage": link["hs_stage"],
                    "commodity": best["commodity"],
                    "commodity_code": link["usgs_code"],
                    "stage": best["stage"],
                    "type": ctype if not var else f"{ctype} ({var})",
                    "year": y,
                    "top_producers": ", ".join(
                        f"{r['iso3'] or r['country']} {_pct(r['share'])}"
                        for r in g.iter_rows(named=True)
                    ),
                    "top_iso3": best["iso3"],
                    "top_share": best["share"],
                    "map_note": link["map_note"] or None,
                }
            )
    if not rows:
        return supply_by_stage([], folder=d)
    return pl.DataFrame(rows).sort("product", "stage", "commodity")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"
