"""Mirror flows, world shares by importers' reports, and source-sensitivity notes.

Every flow is reported twice: by the importer (CIF, including freight and insurance) and by
the exporter (FOB). The mirror view puts both side by side with BACI's reconciled value. A
ratio ``import / export`` within the CIF/FOB band (0.9–1.25 by default: CIF margins average
about 5–10 %, Gaulier & Zignago 2010) is ordinary; outside it the reports disagree (differing
valuation, timing, classification, confidentiality, or one side misreporting) and the row is
flagged.

Source sensitivity: BACI reconciles the two reports of each flow, weighting each country's
reporting reliability (Gaulier & Zignago 2010). Where that reconciliation moves a headline (an
exporter's share of world exports), :func:`sensitivity_notes` says so with both figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from econsec.countries import CountryTable
from econsec.errors import NotFoundError, SyntheticDataError
from econsec.settings import get_settings
from econsec.sources.api import WORLD_ISO3, read_flows
from econsec.sources.store import countries_of, source_dir

#: Import/export ratios treated as ordinary CIF/FOB differences.
CIF_FOB_BAND = (0.9, 1.25)
#: Share difference (absolute, share points) from which a headline is called source-sensitive.
SENSITIVITY = 0.03
MIRROR_COLUMNS = (
    "importer",
    "exporter",
    "product",
    "year",
    "import_value_reported",
    "export_value_reported",
    "ratio",
    "baci_value",
    "reports",
    "outside_band",
)
_KEYS = ["importer", "exporter", "product", "year"]
_INGEST_HINT = "ingest a Comtrade file first: 'econsec data ingest comtrade FILE'"
#: Said once after source-sensitivity notes.
WHY = (
    "BACI reconciles the importer's and the exporter's report of each flow; where the two "
    "disagree, a share depends on the source (both reports: 'econsec mirror')."
)


def _home(home: Path | str | None) -> Path:
    return Path(home) if home is not None else get_settings().home


def _countries_only(df: pl.DataFrame, col: str) -> pl.DataFrame:
    # Comtrade's areas n.e.s., bunkers and free zones (no ISO3) have no mirror report.
    return df.filter(~pl.col(col).str.contains(r"^C\d+$") & (pl.col(col) != WORLD_ISO3))


def mirror(
    year: int,
    *,
    products: Iterable[str] | None = None,
    importers: Iterable[str] | None = None,
    exporters: Iterable[str] | None = None,
    hs: str = "HS17",
    band: tuple[float, float] = CIF_FOB_BAND,
    home: Path | str | None = None,
) -> pl.DataFrame:
    """Both reports of each importer × exporter × product flow in ``year``, in thousand USD.

    Returns
    -------
    polars.DataFrame
        ``importer, exporter, product, year, import_value_reported`` (the importer's M row),
        ``export_value_reported`` (the exporter's X row), ``ratio`` (import / export),
        ``baci_value`` (BACI's flow where a release holds the year), ``reports`` (``both``,
        ``importer only``, ``exporter only``) and ``outside_band`` (both reports present and
        the ratio outside ``band``).
    """
    lo, hi = band
    if not 0 < lo <= 1 <= hi:
        raise ValueError(f"CIF/FOB band {band} must satisfy 0 < low ≤ 1 ≤ high")
    h = _home(home)
    if not held(year, h):
        ys = years_held(h)
        hint = f"Comtrade years held: {', '.join(map(str, ys))}" if ys else ""
        raise NotFoundError("Comtrade year", year, hint=hint or _INGEST_HINT)
    prods = list(products) if products is not None else None
    imps = list(importers) if importers is not None else None
    exps = list(exporters) if exporters is not None else None
    m = read_flows(
        years=year, flows="M", reporters=imps, partners=exps, products=prods, hs=hs, home=h
    )
    x = read_flows(
        years=year, flows="X", reporters=exps, partners=imps, products=prods, hs=hs, home=h
    )
    m = _countries_only(m, "partner").select(
        pl.col("reporter").alias("importer"),
        pl.col("partner").alias("exporter"),
        pl.col("k").alias("product"),
        pl.col("year").cast(pl.Int64),
        pl.col("v").alias("import_value_reported"),
    )
    x = _countries_only(x, "partner").select(
        pl.col("partner").alias("importer"),
        pl.col("reporter").alias("exporter"),
        pl.col("k").alias("product"),
        pl.col("year").cast(pl.Int64),
        pl.col("v").alias("export_value_reported"),
    )
    # One country may appear under two codes (Germany 276 and 280): one row per ISO3.
    m = m.group_by(_KEYS).agg(pl.col("import_value_reported").sum())
    x = x.group_by(_KEYS).agg(pl.col("export_value_reported").sum())
    both = m.join(x, on=_KEYS, how="full", coalesce=True)
    baci = baci_values(year, both["product"].unique().to_list(), hs, h)
    if baci is not None:
        both = both.join(baci, on=_KEYS, how="left")
    else:
        both = both.with_columns(pl.lit(None, dtype=pl.Float64).alias("baci_value"))
    imp, exp = pl.col("import_value_reported"), pl.col("export_value_reported")
    ratio = pl.when(exp > 0).then(imp / exp).otherwise(None)
    reports = (
        pl.when(imp.is_not_null() & exp.is_not_null())
        .then(pl.lit("both"))
        .when(imp.is_not_null())
        .then(pl.lit("importer only"))
        .otherwise(pl.lit("exporter only"))
    )
    out = both.with_columns(ratio.alias("ratio"), reports.alias("reports"))
    outside = (pl.col("reports") == "both") & ~pl.col("ratio").is_between(lo, hi).fill_null(False)
    out = out.with_columns(outside.alias("outside_band"))
    return out.select(MIRROR_COLUMNS).sort(_KEYS)


def baci_values(year: int, products: list[str], hs: str, home: Path) -> pl.DataFrame | None:
    """Return BACI's flows of ``products`` in ``year`` (``None`` when no real release holds it).

    Columns ``importer, exporter, product, year, baci_value`` (ISO3, codes in ``hs``).
    """
    from econsec.engine import Warehouse
    from econsec.reference.hs import convert_flows

    wh = Warehouse(home, engine="duckdb")  # a small read: never start Spark for it
    try:
        rel = wh.release_for(year)
    except (NotFoundError, SyntheticDataError):
        return None
    t = wh.trade(year, hs=rel.hs, release=rel.release)
    if rel.hs != hs:
        t = convert_flows(t, rel.hs, hs)
    if products:
        t = t.filter(t.k.isin(products))
    df = t.select("t", "i", "j", "k", "v").to_polars()
    iso = wh.countries(rel.hs, rel.release).mapping().select("code", "iso3")
    df = (
        df.join(iso.rename({"code": "i", "iso3": "exporter"}), on="i", how="left")
        .join(iso.rename({"code": "j", "iso3": "importer"}), on="j", how="left")
        .with_columns(
            pl.col("exporter").fill_null(pl.concat_str(pl.lit("C"), pl.col("i").cast(pl.Utf8))),
            pl.col("importer").fill_null(pl.concat_str(pl.lit("C"), pl.col("j").cast(pl.Utf8))),
        )
    )
    return df.group_by(
        "importer",
        "exporter",
        pl.col("k").alias("product"),
        pl.col("t").cast(pl.Int64).alias("year"),
    ).agg(pl.col("v").sum().alias("baci_value"))


def world_shares(
    year: int, products: Iterable[str], *, hs: str | None = None, home: Path | str | None = None
) -> pl.DataFrame:
    """Each exporter's share of world exports in BACI and by importers' own reports.

    Returns
    -------
    polars.DataFrame
        ``product, exporter, year, baci_value, baci_share, reported_value, reported_share``:
        ``reported_*`` from importers' M rows (partner World excluded; the denominator is every
        import reported, from any partner); ``baci_*`` from BACI (null when no release holds
        the year). Values in thousand USD; codes in ``hs`` (default: the nomenclature of BACI's
        release for the year).
    """
    h = _home(home)
    hs = hs or _nomenclature(year, h)
    prods = [str(p).strip().zfill(6) for p in products]
    m = read_flows(years=year, flows="M", products=prods, hs=hs, home=h)
    m = m.filter(pl.col("partner") != WORLD_ISO3)
    rep = m.group_by(pl.col("k").alias("product"), pl.col("partner").alias("exporter")).agg(
        pl.col("v").sum().alias("reported_value")
    )
    rep = rep.with_columns(
        (pl.col("reported_value") / pl.col("reported_value").sum().over("product")).alias(
            "reported_share"
        )
    )
    baci = baci_values(year, prods, hs, h)
    if baci is None:
        b = pl.DataFrame(schema={"product": pl.Utf8, "exporter": pl.Utf8, "baci_value": pl.Float64})
    else:
        b = baci.group_by("product", "exporter").agg(pl.col("baci_value").sum())
    b = b.with_columns(
        (pl.col("baci_value") / pl.col("baci_value").sum().over("product")).alias("baci_share")
    )
    out = b.join(rep, on=["product", "exporter"], how="full", coalesce=True)
    return (
        out.with_columns(pl.lit(year).alias("year"))
        .select(
            "product",
            "exporter",
            "year",
            "baci_value",
            "baci_share",
            "reported_value",
            "reported_share",
        )
        .sort("product", "baci_value", descending=[False, True], nulls_last=True)
    )


def _nomenclature(year: int, home: Path) -> str:
    """Return the nomenclature BACI describes ``year`` in (HS17 when no real release has it)."""
    from econsec.engine import Warehouse

    try:
        return Warehouse(home, engine="duckdb").release_for(year).hs
    except (NotFoundError, SyntheticDataError):
        return "HS17"


def years_held(home: Path | str | None = None) -> list[int]:
    """Years of Comtrade flows held, ascending (cheap: reads ``meta.json`` only)."""
    from econsec.sources.store import held_files

    h = _home(home)
    if not source_dir(h, "comtrade").is_dir():
        return []
    return sorted({int(y) for rec in held_files(h, "comtrade").values() for y in rec["years"]})


def held(year: int, home: Path | str | None = None) -> bool:
    """Whether Comtrade flows of ``year`` are held (cheap: reads ``meta.json`` only)."""
    return year in years_held(home)


def sensitivity_notes(
    year: int,
    products: Iterable[str],
    *,
    exporters: Iterable[str] | None = None,
    threshold: float = SENSITIVITY,
    hs: str | None = None,
    home: Path | str | None = None,
) -> list[str]:
    """Sentences for headline shares that BACI and importers' reports put apart.

    For each product, the world's largest exporter in either source (and ``exporters``) is
    checked; a note is written when the two shares differ by at least ``threshold``. Nothing
    when Comtrade does not hold ``year`` or BACI does not.
    """
    h = _home(home)
    prods = sorted({str(p).strip().zfill(6) for p in products})
    if not prods or not held(year, h):
        return []
    ws = world_shares(year, prods, hs=hs, home=h)
    if ws.height == 0 or ws["baci_value"].is_null().all():
        return []
    want = set(exporters or ())
    top_b = pl.col("baci_value").rank("ordinal", descending=True).over("product") == 1
    top_r = pl.col("reported_value").rank("ordinal", descending=True).over("product") == 1
    cand = ws.filter(
        top_b.fill_null(False) | top_r.fill_null(False) | pl.col("exporter").is_in(want)
    )
    table = CountryTable(countries_of(h, "comtrade"))
    notes = []
    gap = (pl.col("baci_share").fill_null(0.0) - pl.col("reported_share").fill_null(0.0)).abs()
    cand = cand.with_columns(gap.alias("_gap")).filter(pl.col("_gap") >= threshold)
    for r in cand.sort(["_gap", "product"], descending=[True, False]).iter_rows(named=True):
        b, c = r["baci_share"] or 0.0, r["reported_share"] or 0.0
        notes.append(
            f"Source sensitivity: {_name(table, r['exporter'])}'s share of world exports of "
            f"{r['product']} in {year} is {b:.1%} in BACI but {c:.1%} by importers' own reports "
            "(UN Comtrade)."
        )
    return [*notes, WHY] if notes else []


def supplier_notes(
    year: int,
    importer: str,
    supplier: str,
    products: Iterable[str],
    *,
    threshold: float = SENSITIVITY,
    limit: int = 5,
    home: Path | str | None = None,
) -> list[str]:
    """Sentences where a supplier's share of an importer's imports differs between sources.

    The share by the importer's own report (its M rows, partner World excluded) is compared
    with BACI's; at most ``limit`` products, largest imports first. Nothing when Comtrade does
    not hold the importer's report for ``year`` or BACI does not hold the year.
    """
    h = _home(home)
    prods = sorted({str(p).strip().zfill(6) for p in products})
    if not prods or not held(year, h):
        return []
    hs = _nomenclature(year, h)
    table = CountryTable(countries_of(h, "comtrade"))
    try:
        imp, sup = table.iso3_of(table.resolve(importer)), table.iso3_of(table.resolve(supplier))
    except NotFoundError:
        return []
    m = read_flows(years=year, reporters=imp, flows="M", products=prods, hs=hs, home=h)
    m = m.filter(pl.col("partner") != WORLD_ISO3)
    baci = baci_values(year, prods, hs, h)
    if m.height == 0 or baci is None:
        return []
    rep = _shares(m.rename({"k": "product", "partner": "exporter", "v": "value"}), sup)
    b = _shares(baci.filter(pl.col("importer") == imp).rename({"baci_value": "value"}), sup)
    both = rep.join(b, on="product", suffix="_baci").sort("total", descending=True)
    notes: list[str] = []
    for r in both.iter_rows(named=True):
        if abs(r["share"] - r["share_baci"]) < threshold or len(notes) >= limit:
            continue
        notes.append(
            f"Source sensitivity: {_name(table, sup)} supplies {r['share']:.1%} of "
            f"{_name(table, imp)}'s imports of {r['product']} in {year} by "
            f"{_name(table, imp)}'s own report (UN Comtrade) but {r['share_baci']:.1%} in BACI."
        )
    return [*notes, WHY] if notes else []


def _shares(df: pl.DataFrame, supplier: str) -> pl.DataFrame:
    """Per product: total imports and the supplier's share of them."""
    return df.group_by("product").agg(
        pl.col("value").sum().alias("total"),
        (pl.col("value").filter(pl.col("exporter") == supplier).sum() / pl.col("value").sum())
        .fill_nan(0.0)
        .alias("share"),
    )


def _name(table: CountryTable, iso3: str) -> str:
    try:
        return table.name_of(table.resolve(iso3))
    except NotFoundError:
        return iso3


def world_indispensability(
    year: int, products: Iterable[str], *, hs: str = "HS17", home: Path | str | None = None
) -> pl.DataFrame:
    """Compute exporter concentration from exporters' own reports to partner World (Comtrade).

    For products without bilateral flows (a file of World rows only): each reporter's exports
    to World (re-exports excluded, so a hub's re-exports do not count as supply), its share of
    the reported world total, rank, the number of exporters and the HHI.

    Returns
    -------
    polars.DataFrame
        ``year, exporter, product, export_value, world_share, world_rank, n_exporters,
        world_hhi`` (thousand USD).
    """
    h = _home(home)
    prods = [str(p).strip().zfill(6) for p in products]
    x = read_flows(years=year, flows="X", partners=WORLD_ISO3, products=prods, hs=hs, home=h)
    if x.height == 0:
        raise NotFoundError(
            "Comtrade exports to World",
            f"{year} {', '.join(prods)}",
            hint="ingest a Comtrade file with partner World rows for that year",
        )
    by = x.group_by("year", pl.col("reporter").alias("exporter"), pl.col("k").alias("product"))
    df = by.agg(pl.col("v").sum().alias("export_value"))
    share = pl.col("export_value") / pl.col("export_value").sum().over("product")
    df = df.with_columns(share.alias("world_share"))
    return (
        df.with_columns(
            pl.col("export_value")
            .rank("ordinal", descending=True)
            .over("product")
            .cast(pl.Int64)
            .alias("world_rank"),
            pl.len().over("product").cast(pl.Int64).alias("n_exporters"),
            (pl.col("world_share") ** 2).sum().over("product").alias("world_hhi"),
        )
        .with_columns(pl.col("year").cast(pl.Int64))
        .sort("product", "world_rank")
    )
