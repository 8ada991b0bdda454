"""Parse national customs statistics: monthly series by national tariff line and partner.

Shape (Korea Customs Service, as compiled in public research repositories)::

    hs10,partner,year,month,export_usd,export_kg,import_usd,import_kg

Partners are English names, resolved through the release's country table
(:class:`econsec.countries.CountryTable`) after undoing national spellings (``Netherland``,
``Rumania``, ``Swiss``, ``HongKong``…). A blank partner, an unknown name, a bad month or a
negative value is a rejected row with its line and reason. Values become thousand USD and
weights metric tons, like BACI. Exact duplicate rows count once; a second, different row for
the same line × partner × month is rejected (the first is kept).
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from econsec.countries import CountryTable
from econsec.errors import DataError, NotFoundError
from econsec.sources.comtrade import REJECT_SCHEMA, Parsed, read_csv

COLUMNS = (
    "hs10",
    "partner",
    "year",
    "month",
    "export_usd",
    "export_kg",
    "import_usd",
    "import_kg",
)
#: National spellings → ISO3 (the country table resolves ISO3; it cannot guess these).
SPELLINGS = {
    "netherland": "NLD",
    "rumania": "ROU",
    "swiss": "CHE",
    "hongkong": "HKG",
    "southafrica": "ZAF",
    "uk": "GBR",
    "czech": "CZE",
    "russia": "RUS",
    "taiwan": "TWN",
    "usa": "USA",
}
MONTHLY_SCHEMA = {
    "reporter": pl.Int16,
    "partner": pl.Int16,
    "partner_name": pl.Utf8,
    "product": pl.Utf8,
    "year": pl.Int16,
    "month": pl.Int8,
    "export_v": pl.Float64,
    "export_q": pl.Float64,
    "import_v": pl.Float64,
    "import_q": pl.Float64,
    "line": pl.Int64,
}
KEY = ("reporter", "partner", "product", "year", "month")


def parse(data: bytes, path: object, table: CountryTable, reporter: int) -> Parsed:
    """Validate a national monthly CSV; ``reporter`` is the reporting country's code."""
    raw = read_csv(data, path)
    raw.columns = [c.strip().lower() for c in raw.columns]
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(
            f"not a national monthly series: missing columns {missing}; found {raw.columns[:10]}",
            path=path,
            line=1,
        )
    df = raw.select(
        *(pl.col(c).str.strip_chars() for c in COLUMNS),
        pl.concat_str([pl.col(c).fill_null("") for c in raw.columns], separator=",").alias("row"),
    ).with_row_index("line", offset=2)
    names = df["partner"].drop_nulls().unique().to_list()
    codes = {n: _resolve(table, n) for n in names}
    df = df.with_columns(
        pl.col("line").cast(pl.Int64),
        pl.col("partner").replace_strict(codes, default=None, return_dtype=pl.Int64).alias("_p"),
    )
    now = datetime.now(UTC).year
    checks: list[tuple[str, pl.Expr, str]] = [
        ("hs10", ~pl.col("hs10").str.contains(r"^\d{6,10}$").fill_null(False), "not a tariff line"),
        ("partner", pl.col("partner").is_null(), "blank partner"),
        ("partner", pl.col("_p").is_null(), "partner name not in the country table"),
        ("year", ~_int("year").is_between(1950, now).fill_null(False), "not a year"),
        ("month", ~_int("month").is_between(1, 12).fill_null(False), "not a month 1–12"),
    ]
    for c in ("export_usd", "export_kg", "import_usd", "import_kg"):
        checks.append((c, ~_num(c).is_between(0.0, 1e13).fill_null(False), "not a number ≥ 0"))
    reason = pl.lit(None, dtype=pl.Utf8)
    fld = pl.lit(None, dtype=pl.Utf8)
    for name, bad, why in reversed(checks):
        reason = pl.when(bad).then(pl.lit(why)).otherwise(reason)
        fld = pl.when(bad).then(pl.lit(name)).otherwise(fld)
    df = df.with_columns(reason.alias("_reason"), fld.alias("_field"))
    rejects = (
        df.filter(pl.col("_reason").is_not_null())
        .select(
            pl.lit(str(path)).alias("file"),
            pl.col("line"),
            pl.col("_field").alias("field"),
            pl.lit(None, dtype=pl.Utf8).alias("value"),
            pl.col("_reason").alias("reason"),
            pl.col("row"),
        )
        .cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    )
    ok = df.filter(pl.col("_reason").is_null()).select(
        pl.lit(reporter).alias("reporter"),
        pl.col("_p").alias("partner"),
        pl.col("partner").alias("partner_name"),
        pl.col("hs10").alias("product"),
        _int("year").alias("year"),
        _int("month").alias("month"),
        (_num("export_usd") / 1000).alias("export_v"),
        (_num("export_kg") / 1000).alias("export_q"),
        (_num("import_usd") / 1000).alias("import_v"),
        (_num("import_kg") / 1000).alias("import_q"),
        pl.col("line"),
        pl.col("row"),
    )
    values = ["export_v", "export_q", "import_v", "import_q"]
    n0 = ok.height
    ok = ok.unique(subset=[*KEY, *values], keep="first", maintain_order=True)
    dups = n0 - ok.height
    first = pl.col("line").min().over(list(KEY))
    ok = ok.with_columns(first.alias("_first"))
    later = ok.filter(pl.col("line") != pl.col("_first"))
    conflicts = later.select(
        pl.lit(str(path)).alias("file"),
        pl.col("line"),
        pl.lit("partner").alias("field"),
        pl.col("partner_name").alias("value"),
        pl.concat_str(
            pl.lit("a second, different row for the same line, partner and month (first on line "),
            pl.col("_first").cast(pl.Utf8),
            pl.lit("); the first is kept"),
        ).alias("reason"),
        pl.col("row"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    kept = ok.filter(pl.col("line") == pl.col("_first"))
    return Parsed(
        "national",
        kept.select(list(MONTHLY_SCHEMA)).cast(MONTHLY_SCHEMA),  # type: ignore[arg-type]
        pl.concat([rejects, conflicts]).sort("line"),
        duplicates=dups,
    )


def _resolve(table: CountryTable, name: str) -> int | None:
    key = name.strip()
    try:
        return table.resolve(SPELLINGS.get(key.lower().replace(" ", ""), key))
    except NotFoundError:
        return None


def _int(c: str) -> pl.Expr:
    return pl.col(c).cast(pl.Int64, strict=False)


def _num(c: str) -> pl.Expr:
    return pl.col(c).cast(pl.Float64, strict=False)
