"""USGS Mineral Commodity Summaries (MCS 2024): world production, capacity and reserves.

The USGS publishes one CSV per commodity (``mcs2024-<code>_world.csv``). They share a shape
(``Source, Country, Type, <value columns>, <note columns>``) but not the details, which this
module normalises:

- a UTF-8 byte-order mark and dozens of empty trailing columns;
- the unit, the year, the estimate flag and sometimes a variant inside the column name:
  ``Prod_t_2022``, ``Prod_kt_est_2023``, ``Prod_Sponge_t_Est_2022``, ``Cap_kg_2023``,
  ``Reserves_ore_K2O_equiv_kt`` (see :data:`UNITS`);
- cells such as ``NA`` (not available), ``W`` (withheld to avoid disclosing company data),
  ``XX`` (not applicable), ``--``, ``>130,000,000`` (a lower bound), ``e5,000`` (estimated),
  thousands separators, padding spaces and free text (``Less than ½ unit.``), kept in the
  ``*_flag`` columns and in ``note``;
- country names with footnote digits (``China6``), an ``e`` estimate mark (``Japane``),
  non-breaking spaces and qualifiers (``Brazil (beneficiated)``, ``China, boric oxide
  equivalent``), mapped to ISO3 through ``econsec/data/reference/usgs_country_names.csv``
  (then ISO 3166 names); names matched nowhere are kept with a null ``iso3`` and listed in a
  warning;
- ``World total (rounded)`` rows (``is_total``) and ``Other countries`` rows and multi-country
  aggregates (``is_other``), kept and flagged rather than dropped.

Reserves have no year in MCS (they are the latest estimate); they are repeated on each year's
row of the same country and variant.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from econsec.errors import DataError
from econsec.reference._io import as_path, read_shipped
from econsec.settings import get_settings

#: Units found in MCS column names.
UNITS: dict[str, str] = {
    "t": "metric tons",
    "kt": "thousand metric tons",
    "mt": "million metric tons",
    "mmt": "million metric tons",
    "kg": "kilograms",
    "kct": "thousand carats",
    "mct": "million carats",
    "mcm": "million cubic meters",
}
#: Cell codes used by the USGS for missing values.
MISSING_CODES: dict[str, str] = {
    "NA": "not available",
    "W": "withheld to avoid disclosing company proprietary data",
    "XX": "not applicable",
    "--": "zero or negligible",
}
WORLD_DIR = Path("ref") / "usgs_mcs2024_world"
FIG2 = Path("ref") / "MCS2024_Fig2_Net_Import_Reliance.csv"
FIG3 = Path("ref") / "MCS2024_Fig3_Major_Import_Sources.csv"

_MEASURES = {"prod": "production", "cap": "capacity", "reserves": "reserves"}
_COL_RE = re.compile(r"^(prod|cap|reserves)_(.+)$", re.IGNORECASE)
_NUM_RE = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$")

WORLD_SCHEMA: dict[str, pl.DataType] = {
    "commodity": pl.Utf8(),
    "commodity_code": pl.Utf8(),
    "type": pl.Utf8(),
    "variant": pl.Utf8(),
    "country": pl.Utf8(),
    "qualifier": pl.Utf8(),
    "iso3": pl.Utf8(),
    "is_total": pl.Boolean(),
    "is_other": pl.Boolean(),
    "year": pl.Int16(),
    "production": pl.Float64(),
    "unit": pl.Utf8(),
    "production_flag": pl.Utf8(),
    "capacity": pl.Float64(),
    "capacity_unit": pl.Utf8(),
    "capacity_flag": pl.Utf8(),
    "reserves": pl.Float64(),
    "reserves_unit": pl.Utf8(),
    "reserves_flag": pl.Utf8(),
    "estimated": pl.Boolean(),
    "note": pl.Utf8(),
    "country_raw": pl.Utf8(),
    "source_file": pl.Utf8(),
    "line": pl.Int32(),
}


class UnmappedCountryWarning(UserWarning):
    """Country names in a USGS file that no table maps to ISO3 (kept with a null iso3)."""


# ---------------------------------------------------------------------------------------------
# Pure parsing helpers


@dataclass(frozen=True)
class Column:
    """A value column of an MCS file, decoded from its name."""

    index: int
    name: str
    measure: str  # production | capacity | reserves
    unit: str | None
    year: int | None
    estimated: bool
    variant: str


def parse_column(name: str, index: int = 0) -> Column | None:
    """Decode ``Prod_kt_est_2023``-style names; None for other columns (notes, blanks)."""
    m = _COL_RE.match(name.strip())
    if not m or "note" in name.lower():
        return None
    tokens = [t for t in m.group(2).split("_") if t]
    year = None
    if tokens and re.fullmatch(r"\d{4}", tokens[-1]):
        year = int(tokens.pop())
    est = any(t.lower() == "est" for t in tokens)
    tokens = [t for t in tokens if t.lower() != "est"]
    unit = next((t.lower() for t in tokens if t.lower() in UNITS), None)
    rest = [t for t in tokens if t.lower() != unit]
    return Column(
        index, name.strip(), _MEASURES[m.group(1).lower()], unit, year, est, " ".join(rest).lower()
    )


def parse_value(cell: str | None) -> tuple[float | None, str | None, bool]:
    """Parse one cell into ``(value, flag, estimated)``.

    ``flag`` is a missing-value code (``NA``, ``W``, ``XX``, ``--``), ``>`` or ``<`` for a
    bound (the value is kept), ``text`` for free text, or None for a plain number.
    """
    if cell is None:
        return None, None, False
    s = cell.replace("\xa0", " ").strip()
    if not s:
        return None, None, False
    if s in MISSING_CODES:
        return None, s, False
    est = False
    flag = None
    if s[0] in "<>":
        flag, s = s[0], s[1:].strip()
    if s[:1] == "e" and _NUM_RE.match(s[1:].strip()):
        est, s = True, s[1:].strip()
    if _NUM_RE.match(s):
        return float(s.replace(",", "")), flag, est
    return None, "text", False


_FOOTNOTE_RE = re.compile(r"\d+$")


def clean_name(raw: str) -> str:
    """Country cell without non-breaking spaces, padding and trailing footnote digits."""
    s = " ".join(raw.replace("\xa0", " ").split())
    return _FOOTNOTE_RE.sub("", s).strip()


@dataclass(frozen=True)
class Country:
    """A resolved country cell."""

    country: str
    qualifier: str
    iso3: str | None
    estimated: bool
    is_total: bool
    is_other: bool
    mapped: bool


def resolve_country(raw: str, table: dict[str, str | None]) -> Country:
    """Resolve a USGS country cell with ``table`` (lower-case name → ISO3 or None).

    Tries the cleaned name, then without an ``e`` estimate mark, then without a qualifier in
    parentheses or after a comma.
    """
    name = clean_name(raw)
    low = name.lower()
    if low.startswith("world total") or low == "world":
        return Country(name, "", None, False, True, False, True)
    if low.startswith("other"):
        est = low.startswith("other countriese")
        base = "Other countries" if low.startswith("other countries") else name
        qual = (
            name[len("Other countries") + (1 if est else 0) :].strip(" ()")
            if low.startswith("other countries")
            else ""
        )
        return Country(base, qual, None, est, False, True, True)
    for cand, qual in _candidates(name):
        for c, est in ((cand, False), (cand[:-1], True) if cand.endswith("e") else (cand, False)):
            key = _key(c)
            if key in table:
                iso = table[key]
                return Country(c, qual, iso, est, False, iso is None, True)
    return Country(name, "", None, False, False, False, False)


def _candidates(name: str) -> list[tuple[str, str]]:
    out = [(name, "")]
    if "(" in name:
        i = name.index("(")
        out.append((name[:i].strip(), name[i:].strip().strip("()").strip()))
    if ", " in name:
        i = name.index(", ")
        out.append((name[:i].strip(), name[i + 2 :].strip()))
    return out


def _key(name: str) -> str:
    return name.replace("’", "'").strip().lower()


# ---------------------------------------------------------------------------------------------
# Tables shipped with econsec


@cache
def country_table() -> dict[str, str | None]:
    """Lower-case country name → ISO3 (None for aggregates): USGS names, then ISO 3166 names."""
    table: dict[str, str | None] = {}
    for r in read_shipped("groups", "iso3166.csv", required=("iso3", "name", "common_name")):
        for n in (r["name"], r["common_name"]):
            if n:
                table.setdefault(_key(n), r["iso3"])
    for r in read_shipped("reference", "usgs_country_names.csv", required=("name", "iso3")):
        table[_key(r["name"])] = r["iso3"] or None
    return table


@cache
def commodity_names() -> dict[str, str]:
    """MCS file code (``raree``) → commodity name (``Rare earths``)."""
    rows = read_shipped("reference", "usgs_commodities.csv", required=("code", "commodity"))
    return {r["code"]: r["commodity"] for r in rows}


# ---------------------------------------------------------------------------------------------
# Reading files


def default_root(mirror: Path | str | None = None) -> Path:
    """Return the local mirror folder (``ECONSEC_MIRROR``) that holds ``ref/``."""
    m = mirror if mirror is not None else get_settings().mirror
    if m is None or "://" in str(m):
        raise FileNotFoundError(
            "no local data mirror: set ECONSEC_MIRROR to a folder holding ref/ or pass the "
            "folder explicitly"
        )
    return as_path(m)


def read_world_file(path: Path | str) -> tuple[pl.DataFrame, list[str]]:
    """Tidy rows of one ``mcs2024-<code>_world.csv`` and the country names left unmapped."""
    p = as_path(path)
    text = p.read_text(encoding="utf-8-sig")
    code = re.sub(r"^mcs\d{4}-|_world$", "", p.stem)
    commodity = commodity_names().get(code, code)
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise DataError("empty file", path=p) from None
    header = [h.replace("\ufeff", "").strip() for h in header]
    if len(header) < 3 or header[1].lower() != "country":
        raise DataError(
            f"expected columns Source, Country, Type, ...; got {header[:4]}", path=p, line=1
        )
    cols = [c for i, h in enumerate(header) if (c := parse_column(h, i)) is not None]
    if not cols:
        raise DataError("no Prod_/Cap_/Reserves_ value columns", path=p, line=1)
    notes = [i for i, h in enumerate(header) if "note" in h.lower()]
    years: list[int | None] = [y for y in sorted({c.year for c in cols if c.year is not None})]
    if not years:
        years = [None]
    table = country_table()
    rows: list[dict[str, object]] = []
    unmapped: list[str] = []
    for rec in reader:
        line = reader.line_num
        rec = rec + [""] * (len(header) - len(rec))
        raw = rec[1]
        if not raw.strip():
            if any(rec[c.index].strip() for c in cols):
                raise DataError("values without a country", path=p, line=line, field="Country")
            continue
        who = resolve_country(raw, table)
        if not who.mapped:
            unmapped.append(raw.strip())
        note_parts = list(dict.fromkeys(rec[i].strip() for i in notes if rec[i].strip()))
        rows.extend(
            _row_values(rec, cols, years, who, note_parts, commodity, code, header, p.name, line)
        )
    return pl.DataFrame(rows, schema=WORLD_SCHEMA, orient="row"), unmapped


def _row_values(
    rec: list[str],
    cols: list[Column],
    years: list[int | None],
    who: Country,
    note_parts: list[str],
    commodity: str,
    code: str,
    header: list[str],
    fname: str,
    line: int,
) -> list[dict[str, object]]:
    out = []
    for variant in dict.fromkeys(c.variant for c in cols):
        vc = [c for c in cols if c.variant == variant]
        dated = sorted({c.year for c in vc if c.year is not None})
        for year in dated or years:
            rec_out: dict[str, object] = {
                "commodity": commodity,
                "commodity_code": code,
                "type": rec[2].strip(),
                "variant": variant,
                "country": who.country,
                "qualifier": who.qualifier,
                "iso3": who.iso3,
                "is_total": who.is_total,
                "is_other": who.is_other,
                "year": year,
                "estimated": who.estimated,
                "country_raw": rec[1],
                "source_file": fname,
                "line": line,
            }
            texts = list(note_parts)
            for measure, vcol, ucol, fcol in (
                ("production", "production", "unit", "production_flag"),
                ("capacity", "capacity", "capacity_unit", "capacity_flag"),
                ("reserves", "reserves", "reserves_unit", "reserves_flag"),
            ):
                pick = [
                    c for c in vc if c.measure == measure and (c.year == year or c.year is None)
                ]
                if not pick:
                    rec_out.update({vcol: None, ucol: None, fcol: None})
                    continue
                c = pick[0]
                value, flag, est = parse_value(rec[c.index])
                if flag == "text":
                    texts.append(f"{header[c.index]}: {rec[c.index].strip()}")
                rec_out.update({vcol: value, ucol: c.unit, fcol: flag})
                if measure != "reserves" and (c.estimated or est):
                    rec_out["estimated"] = True
            rec_out["note"] = " | ".join(texts) or None
            out.append(rec_out)
    return out


def read_world(folder: Path | str | None = None, *, warn: bool = True) -> pl.DataFrame:
    """All ``mcs2024-*_world.csv`` files as one tidy frame (see the module docstring).

    Parameters
    ----------
    folder
        The folder of world files; ``<ECONSEC_MIRROR>/ref/usgs_mcs2024_world`` when omitted.
    warn
        Emit an :class:`UnmappedCountryWarning` listing names that no table maps to ISO3.

    Returns
    -------
    polars.DataFrame
        One row per file row, variant and year: ``commodity, commodity_code, type, variant,
        country, qualifier, iso3, is_total, is_other, year, production, unit,
        production_flag, capacity, capacity_unit, capacity_flag, reserves, reserves_unit,
        reserves_flag, estimated, note, country_raw, source_file, line``.
    """
    d = as_path(folder) if folder is not None else default_root() / WORLD_DIR
    files = sorted(d.glob("*_world.csv"))
    if not files:
        raise FileNotFoundError(f"no *_world.csv files in {d}")
    frames: list[pl.DataFrame] = []
    missing: dict[str, str] = {}
    for f in files:
        df, unmapped = read_world_file(f)
        frames.append(df)
        for n in unmapped:
            missing.setdefault(n, f.name)
    if missing and warn:
        listed = "; ".join(f"{n!r} ({f})" for n, f in missing.items())
        warnings.warn(
            f"{len(missing)} USGS country names not mapped to ISO3 (kept, iso3 null): {listed}",
            UnmappedCountryWarning,
            stacklevel=2,
        )
    return pl.concat(frames)


def net_import_reliance(path: Path | str | None = None) -> pl.DataFrame:
    """MCS 2024 Figure 2: U.S. net import reliance by commodity (2023).

    Returns ``order, commodity, nir_pct, nir_bound, sources, note`` where ``nir_pct`` is the
    percentage (``>95`` gives 95 with ``nir_bound`` ``>``) and ``sources`` the major import
    sources 2019-2022 in descending order of import share.
    """
    p = as_path(path) if path is not None else default_root() / FIG2
    df = pl.read_csv(p, infer_schema=False, encoding="utf8-lossy")
    df = df.rename({c: c.replace("\ufeff", "").strip() for c in df.columns})
    need = [
        "Import_Share_Order",
        "Commodity",
        "Net_Import_Reliance_pct_2023",
        "Major_Import_Sources_2019_2022",
    ]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError(f"missing columns {missing}", path=p, line=1)
    nir = pl.col("Net_Import_Reliance_pct_2023").str.strip_chars()
    return df.select(
        pl.col("Import_Share_Order").str.strip_chars().cast(pl.Int32).alias("order"),
        pl.col("Commodity").str.strip_chars().alias("commodity"),
        nir.str.replace(r"^[<>]", "").cast(pl.Float64).alias("nir_pct"),
        nir.str.extract(r"^([<>])", 1).alias("nir_bound"),
        pl.col("Major_Import_Sources_2019_2022")
        .str.split(",")
        .list.eval(pl.element().str.strip_chars())
        .alias("sources"),
        pl.col("Notes").str.strip_chars().alias("note")
        if "Notes" in df.columns
        else pl.lit(None, pl.Utf8).alias("note"),
    )


def import_sources(path: Path | str | None = None) -> pl.DataFrame:
    """Figure 2's sources in long form: ``commodity, rank, country, iso3``."""
    nir = net_import_reliance(path)
    long = nir.select("commodity", "sources").explode("sources").rename({"sources": "country"})
    long = long.filter(pl.col("country").is_not_null() & (pl.col("country") != ""))
    long = long.with_columns(pl.int_range(1, pl.len() + 1).over("commodity").alias("rank"))
    return _with_iso3(long, "country").select("commodity", "rank", "country", "iso3")


def import_source_counts(path: Path | str | None = None) -> pl.DataFrame:
    """MCS 2024 Figure 3: ``country, iso3, commodity_count, map_class`` (sources 2019-2022)."""
    p = as_path(path) if path is not None else default_root() / FIG3
    df = pl.read_csv(p, infer_schema=False, encoding="utf8-lossy")
    df = df.rename({c: c.replace("\ufeff", "").strip() for c in df.columns})
    for c in ("Country", "Commodity_Count"):
        if c not in df.columns:
            raise DataError(f"missing column {c!r}", path=p, line=1)
    out = df.select(
        pl.col("Country").str.strip_chars().alias("country"),
        pl.col("Commodity_Count").str.strip_chars().cast(pl.Int32).alias("commodity_count"),
        pl.col("Map_Class").str.strip_chars().alias("map_class")
        if "Map_Class" in df.columns
        else pl.lit(None, pl.Utf8).alias("map_class"),
    )
    return _with_iso3(out, "country").select("country", "iso3", "commodity_count", "map_class")


def _with_iso3(df: pl.DataFrame, col: str) -> pl.DataFrame:
    table = country_table()
    names = df[col].to_list()
    isos = [resolve_country(n, table).iso3 for n in names]
    missing = sorted({n for n, i in zip(names, isos, strict=True) if i is None})
    if missing:
        warnings.warn(
            f"USGS country names not mapped to ISO3 (kept, iso3 null): {missing}",
            UnmappedCountryWarning,
            stacklevel=3,
        )
    return df.with_columns(pl.Series("iso3", isos, dtype=pl.Utf8))
