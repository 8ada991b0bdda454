"""Ingest and read the second and third sources (see :mod:`econsec.sources` for the API)."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from econsec.countries import CountryTable
from econsec.errors import DataError, NotFoundError
from econsec.settings import get_settings
from econsec.sources import comtrade, national
from econsec.sources.comtrade import KEY, REJECT_SCHEMA, Parsed
from econsec.sources.store import (
    SourceReport,
    countries_of,
    country_table,
    file_stem,
    held_files,
    scan,
    write_file,
)
from econsec.warehouse.zipfiles import require_regular_file

WORLD = 0
#: Display code of partner World (Comtrade partner 0).
WORLD_ISO3 = "WLD"


def _home(home: Path | str | None) -> Path:
    return Path(home) if home is not None else get_settings().home


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while b := f.read(1 << 22):
            h.update(b)
    return h.hexdigest()


def _skip(
    home: Path, source: str, path: Path, stem: str, digest: str, force: bool
) -> SourceReport | None:
    rec = held_files(home, source).get(stem)
    if force or rec is None or rec.get("sha256") != digest:
        return None
    return SourceReport(
        source,
        path,
        stem,
        digest,
        rec["rows"],
        rec.get("rejects", 0),
        rec.get("duplicates", 0),
        rec.get("breakdowns", 0),
        {int(y): n for y, n in rec.get("years", {}).items()},
        None,
        rec.get("shape", ""),
        skipped=True,
    )


def ingest_comtrade(
    path: Path | str,
    *,
    home: Path | str | None = None,
    hs: str | None = None,
    countries: Path | str | None = None,
    strict: bool = False,
    force: bool = False,
    wait: float | None = None,
) -> SourceReport:
    """Ingest a UN Comtrade CSV or CSV.gz (compact, API/bulk or legacy shape).

    Parameters
    ----------
    path
        The file; re-ingesting a file of the same name replaces its rows.
    home
        Warehouse folder (``ECONSEC_HOME`` by default).
    hs
        HS revision of rows that do not name theirs (default: the revision in force in the
        row's year).
    countries
        Country table (``country_codes`` CSV or BACI zip) for M49 codes; by default the newest
        BACI release's.
    strict
        Ingest nothing when any row is rejected.
    force
        Re-ingest a file whose content is already held.

    Raises
    ------
    DataError
        Unreadable file, unknown shape, no country table, or rejects under ``strict``.
    """
    t0 = time.perf_counter()
    p, h = Path(path), _home(home)
    require_regular_file(p)
    hs_ = _check_hs(hs)
    stem, digest = file_stem(p), _sha256(p)
    done = _skip(h, "comtrade", p, stem, digest, force)
    if done is not None:
        return done
    ctab = country_table(h, Path(countries) if countries else None, p)
    parsed = comtrade.parse(comtrade.read_text(p), p, CountryTable(ctab), hs=hs_)
    parsed = _against_held(h, stem, parsed, str(p))
    return _commit(h, "comtrade", p, stem, digest, parsed, ctab, strict, wait, t0)


def ingest_national(
    path: Path | str,
    reporter: str,
    *,
    home: Path | str | None = None,
    countries: Path | str | None = None,
    strict: bool = False,
    force: bool = False,
    wait: float | None = None,
) -> SourceReport:
    """Ingest a national customs monthly series (``hs10,partner,year,month,…``) of ``reporter``.

    Raises
    ------
    DataError
        Unreadable file, wrong columns, no country table, or rejects under ``strict``.
    NotFoundError
        When ``reporter`` is not a country of the table.
    """
    t0 = time.perf_counter()
    p, h = Path(path), _home(home)
    require_regular_file(p)
    stem, digest = file_stem(p), _sha256(p)
    done = _skip(h, "national", p, stem, digest, force)
    if done is not None:
        return done
    ctab = country_table(h, Path(countries) if countries else None, p)
    table = CountryTable(ctab)
    code = table.resolve(reporter)
    parsed = national.parse(comtrade.read_text(p), p, table, code)
    return _commit(h, "national", p, stem, digest, parsed, ctab, strict, wait, t0)


def _check_hs(hs: str | None) -> str | None:
    if hs is None:
        return None
    h = hs.strip().upper()
    h = comtrade.CLASSIFICATIONS.get(h, h)
    if h not in comtrade.BRIDGED:
        raise ValueError(f"--hs {hs!r}: expected one of {', '.join(comtrade.BRIDGED)}")
    return h


def _against_held(home: Path, stem: str, parsed: Parsed, file: str) -> Parsed:
    """Flows other held files already give: the same value counts once, another is a conflict."""
    held = scan(home, "comtrade")
    if held is None or parsed.flows.height == 0:
        return parsed
    other = (
        held.filter(pl.col("file") != stem)
        .select(*KEY, pl.col("v").alias("_v"), pl.col("file").alias("_file"))
        .collect()
    )
    if other.height == 0:
        return parsed
    j = parsed.flows.join(other, on=list(KEY), how="left")
    same = (pl.col("_v") - pl.col("v")).abs() <= 1e-9 * pl.max_horizontal(pl.col("v").abs(), 1.0)
    seen = j.filter(pl.col("_v").is_not_null() & same)
    clash = j.filter(pl.col("_v").is_not_null() & ~same)
    keep = j.filter(pl.col("_v").is_null()).drop("_v", "_file")
    rej = clash.select(
        pl.lit(file).alias("file"),
        pl.col("line"),
        pl.lit("value").alias("field"),
        (pl.col("v") * 1000).cast(pl.Utf8).alias("value"),
        pl.concat_str(
            pl.lit("the same flow is held from file "),
            pl.col("_file"),
            pl.lit(" with another value ("),
            (pl.col("_v") * 1000).round(3).cast(pl.Utf8),
            pl.lit(" USD); the held one is kept"),
        ).alias("reason"),
        pl.lit(None, dtype=pl.Utf8).alias("row"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    notes = list(parsed.notes)
    if seen.height:
        notes.append(f"{seen.height:,} flows already held from other files counted once")
    return Parsed(
        parsed.shape,
        keep,
        pl.concat([parsed.rejects, rej]).sort("line"),
        duplicates=parsed.duplicates + seen.height,
        breakdowns=parsed.breakdowns,
        notes=notes,
    )


def _commit(
    home: Path,
    source: str,
    path: Path,
    stem: str,
    digest: str,
    parsed: Parsed,
    ctab: pl.DataFrame,
    strict: bool,
    wait: float | None,
    t0: float,
) -> SourceReport:
    n_rej = parsed.rejects.height
    if strict and n_rej:
        first = parsed.rejects.row(0, named=True)
        raise DataError(
            f"{n_rej:,} rows rejected under --strict (first: {first['reason']}); "
            "nothing was ingested",
            path=path,
            line=first["line"],
            field=first["field"],
        )
    hs = sorted(parsed.flows["hs"].unique().to_list()) if "hs" in parsed.flows.columns else []
    record = {
        "path": str(path),
        "sha256": digest,
        "size": path.stat().st_size,
        "shape": parsed.shape,
        "duplicates": parsed.duplicates,
        "breakdowns": parsed.breakdowns,
        "hs": hs,
        "notes": parsed.notes,
    }
    rej_file = write_file(home, source, stem, parsed.flows, parsed.rejects, record, ctab, wait=wait)
    years = dict(parsed.flows.group_by("year").len().iter_rows())
    return SourceReport(
        source,
        path,
        stem,
        digest,
        parsed.flows.height,
        n_rej,
        parsed.duplicates,
        parsed.breakdowns,
        {int(y): int(n) for y, n in years.items()},
        rej_file,
        parsed.shape,
        time.perf_counter() - t0,
        notes=parsed.notes,
    )


# ---------------------------------------------------------------------------------------------
# Reading


def _codes(table: CountryTable, names: Iterable[str | int] | str | int | None) -> list[int] | None:
    if names is None:
        return None
    items = [names] if isinstance(names, str | int) else list(names)
    out = []
    for n in items:
        if isinstance(n, str) and n.strip().upper() in (WORLD_ISO3, "WORLD"):
            out.append(WORLD)
        else:
            out.extend(table.codes_of(n))
    return out


def _list(x: Iterable[str] | str | None) -> list[str] | None:
    if x is None:
        return None
    return [x] if isinstance(x, str) else list(x)


def _years(x: Iterable[int] | int | None) -> list[int] | None:
    if x is None:
        return None
    return [x] if isinstance(x, int) else list(x)


def read_flows(
    source: str = "comtrade",
    *,
    years: Iterable[int] | int | None = None,
    reporters: Iterable[str | int] | str | int | None = None,
    partners: Iterable[str | int] | str | int | None = None,
    products: Iterable[str] | str | None = None,
    flows: Iterable[str] | str | None = None,
    hs: str | None = "HS17",
    home: Path | str | None = None,
) -> pl.DataFrame:
    """Annual flows as each country reported them, in thousand USD.

    Parameters
    ----------
    source
        ``comtrade`` (the only annual bilateral source so far).
    years, reporters, partners, products, flows
        Filters; countries as ISO3, names or codes (``WLD`` is partner World), products as HS6
        codes of ``hs``, flows among ``M, X, RM, RX``.
    hs
        Bridge every row to this HS revision with the value-conserving concordance (a row
        reported in another revision is split over the target codes); ``None`` keeps codes
        as reported.

    Returns
    -------
    polars.DataFrame
        ``year, reporter, partner`` (ISO3; ``WLD`` for World), ``reporter_code,
        partner_code`` (M49), ``flow, k, v`` (thousand USD), ``q`` (metric tons, null where
        unreported), ``hs`` (as reported).
    """
    if source != "comtrade":
        raise NotFoundError("annual source", source, ["comtrade"])
    h = _home(home)
    lf = scan(h, source)
    if lf is None:
        raise NotFoundError(
            "source", source, hint="ingest one first: 'econsec data ingest comtrade FILE'"
        )
    table = CountryTable(countries_of(h, source))
    if (ys := _years(years)) is not None:
        lf = lf.filter(pl.col("year").is_in(ys))
    if (rc := _codes(table, reporters)) is not None:
        lf = lf.filter(pl.col("reporter").is_in(rc))
    if (pc := _codes(table, partners)) is not None:
        lf = lf.filter(pl.col("partner").is_in(pc))
    if (fl := _list(flows)) is not None:
        lf = lf.filter(pl.col("flow").is_in([f.upper() for f in fl]))
    df = lf.select("year", "reporter", "partner", "flow", "hs", "cmd", "v", "q").collect()
    df = _bridge(df, hs) if hs is not None else df.rename({"cmd": "k"})
    if (pr := _list(products)) is not None:
        df = df.filter(pl.col("k").is_in([str(p).strip().zfill(6) for p in pr]))
    return _with_iso3(df, table).sort("year", "reporter", "partner", "flow", "k")


def _bridge(df: pl.DataFrame, to_hs: str) -> pl.DataFrame:
    """Re-express codes in ``to_hs``: split ``v, q`` by the concordance's weights."""
    from econsec.reference.hs import check_revision, concordance

    target = check_revision(to_hs)
    pieces = []
    for (rev,), part in df.group_by("hs"):
        if rev == target:
            pieces.append(part.rename({"cmd": "k"}))
            continue
        m = concordance(str(rev), target)
        j = part.join(m, left_on="cmd", right_on="from_code", how="left").with_columns(
            pl.col("to_code").fill_null(pl.col("cmd")).alias("k"),
            pl.col("weight").fill_null(1.0),
        )
        j = j.with_columns(pl.col("v") * pl.col("weight"), pl.col("q") * pl.col("weight"))
        pieces.append(j.drop("cmd", "to_code", "weight"))
    if not pieces:
        return df.rename({"cmd": "k"})
    out = pl.concat(
        [p.select("year", "reporter", "partner", "flow", "hs", "k", "v", "q") for p in pieces]
    )
    return out.group_by("year", "reporter", "partner", "flow", "hs", "k").agg(
        pl.col("v").sum(),
        pl.when(pl.col("q").is_null().all()).then(None).otherwise(pl.col("q").sum()).alias("q"),
    )


def _iso3(col: str, iso: dict[int, str]) -> pl.Expr:
    """Codes → ISO3 (no codes: a text column all the same, for an empty frame)."""
    if not iso:
        return pl.col(col).cast(pl.Utf8)
    return pl.col(col).replace_strict(iso, return_dtype=pl.Utf8)


def _with_iso3(df: pl.DataFrame, table: CountryTable) -> pl.DataFrame:
    codes = sorted(set(df["reporter"].to_list()) | set(df["partner"].to_list()))
    iso = {c: (WORLD_ISO3 if c == WORLD else table.iso3_of(c)) for c in codes}
    return df.select(
        "year",
        _iso3("reporter", iso).alias("reporter"),
        _iso3("partner", iso).alias("partner"),
        pl.col("reporter").alias("reporter_code"),
        pl.col("partner").alias("partner_code"),
        "flow",
        "k",
        "v",
        "q",
        "hs",
    )


def monthly(
    reporter: str | int,
    *,
    partners: Iterable[str | int] | str | int | None = None,
    products: Iterable[str] | str | None = None,
    years: Iterable[int] | int | None = None,
    home: Path | str | None = None,
) -> pl.DataFrame:
    """Monthly national customs series of ``reporter``, in thousand USD and metric tons.

    Parameters
    ----------
    reporter
        The reporting country (ISO3, name or code), e.g. ``KOR``.
    partners, products, years
        Filters: partner countries, national tariff lines (``2811111000``) or their HS6 or
        shorter prefixes, years.

    Returns
    -------
    polars.DataFrame
        ``reporter, partner`` (ISO3), ``product, year, month, import_v, import_q, export_v,
        export_q``, one row per partner × line × month held, sorted by time.
    """
    h = _home(home)
    lf = scan(h, "national")
    if lf is None:
        raise NotFoundError(
            "source", "national", hint="ingest one first: 'econsec data ingest national FILE'"
        )
    table = CountryTable(countries_of(h, "national"))
    rc = _codes(table, reporter) or []
    lf = lf.filter(pl.col("reporter").is_in(rc))
    if (pc := _codes(table, partners)) is not None:
        lf = lf.filter(pl.col("partner").is_in(pc))
    if (ys := _years(years)) is not None:
        lf = lf.filter(pl.col("year").is_in(ys))
    if (pr := _list(products)) is not None:
        lf = lf.filter(
            pl.any_horizontal(*(pl.col("product").str.starts_with(p.strip()) for p in pr))
        )
    df = lf.collect()
    codes = sorted(set(df["reporter"].to_list()) | set(df["partner"].to_list()))
    iso = {c: table.iso3_of(c) for c in codes}
    return df.select(
        _iso3("reporter", iso),
        _iso3("partner", iso),
        "product",
        "year",
        "month",
        "import_v",
        "import_q",
        "export_v",
        "export_q",
    ).sort("product", "partner", "year", "month")
