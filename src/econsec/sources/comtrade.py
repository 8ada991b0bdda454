"""Parse UN Comtrade files (three shapes) into validated annual flows as reported.

Shapes, told apart by the header:

- **compact** ``year,reporter,partner,cmd,flow,value,netwgt,qty,qtyunit`` (reporter and partner
  UN M49 codes, value USD). It carries no breakdown columns, so several rows of one flow are its
  total and its breakdowns (by mode of transport, customs procedure, second partner): the
  largest is the total (breakdowns are parts of it), the others are counted as breakdowns;
- **API / bulk** (``refYear, reporterCode, partnerCode, cmdCode, flowCode, primaryValue, netWgt,
  qty, qtyUnitCode`` with ``motCode, customsCode, partner2Code``): totals rows are those with
  ``motCode`` 0, ``customsCode`` C00 and ``partner2Code`` 0; a breakdown row is dropped (counted)
  when its total is present and rejected when it is not (breakdowns are never summed: their
  dimensions overlap);
- **legacy** 35 columns (``Classification, Year, …, Trade Value (US$)``): flows 1–4 (Import,
  Export, Re-Export, Re-Import), commodity codes that lost their leading zero are restored.

Values become thousand USD (like BACI) and net weights metric tons. Rows are validated; each
rejected row keeps its line, field, value and reason. Exact duplicate rows count once; two
different totals of one flow are a conflict (the first is kept, the later one rejected).
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from econsec.countries import CountryTable
from econsec.errors import DataError, NotFoundError

#: Largest accepted decompressed file, bytes (a full Comtrade year of every HS6 line is ~2 GB).
MAX_BYTES = 4 << 30
#: Largest plausible value of one flow, USD (the largest real HS6 flows are tens of billions).
MAX_USD = 1e12
FIRST_YEAR = 1988
#: Comtrade classification codes → the HS revision names the concordance uses.
CLASSIFICATIONS = {
    "H0": "HS92",
    "H1": "HS96",
    "H2": "HS02",
    "H3": "HS07",
    "H4": "HS12",
    "H5": "HS17",
    "H6": "HS22",
}
#: Revisions the concordance bridges (older ones are rejected, not silently mis-coded).
BRIDGED = ("HS02", "HS07", "HS12", "HS17", "HS22")
FLOWS = ("M", "X", "RM", "RX")
_LEGACY_FLOWS = {"1": "M", "2": "X", "3": "RX", "4": "RM"}

# Canonical raw column → header name in each shape (absent: the shape has no such column).
_SHAPES: dict[str, dict[str, str]] = {
    "compact": {
        "year": "year",
        "reporter": "reporter",
        "partner": "partner",
        "cmd": "cmd",
        "flow": "flow",
        "value": "value",
        "netwgt": "netwgt",
        "qty": "qty",
        "qtyunit": "qtyunit",
    },
    "api": {
        "year": "refYear",
        "reporter": "reporterCode",
        "partner": "partnerCode",
        "cmd": "cmdCode",
        "flow": "flowCode",
        "value": "primaryValue",
        "netwgt": "netWgt",
        "qty": "qty",
        "qtyunit": "qtyUnitCode",
        "partner2": "partner2Code",
        "mot": "motCode",
        "customs": "customsCode",
        "cls": "classificationCode",
        "freq": "freqCode",
        "reporter_iso": "reporterISO",
        "partner_iso": "partnerISO",
    },
    "legacy": {
        "year": "Year",
        "period": "Period",
        "reporter": "Reporter Code",
        "partner": "Partner Code",
        "cmd": "Commodity Code",
        "flow": "Trade Flow Code",
        "value": "Trade Value (US$)",
        "netwgt": "Netweight (kg)",
        "qty": "Qty",
        "qtyunit": "Qty Unit Code",
        "partner2": "2nd Partner Code",
        "mot": "Mode of Transport Code",
        "customs": "Customs Proc. Code",
        "cls": "Classification",
        "reporter_iso": "Reporter ISO",
        "partner_iso": "Partner ISO",
    },
}
_REQUIRED = ("year", "reporter", "partner", "cmd", "flow", "value")
_OPTIONAL = (
    "netwgt",
    "qty",
    "qtyunit",
    "partner2",
    "mot",
    "customs",
    "cls",
    "freq",
    "period",
    "reporter_iso",
    "partner_iso",
)

#: Schema of parsed flows (and of the stored partitions, with ``line`` for provenance).
FLOW_SCHEMA = {
    "year": pl.Int16,
    "reporter": pl.Int16,
    "partner": pl.Int16,
    "flow": pl.Utf8,
    "hs": pl.Utf8,
    "cmd": pl.Utf8,
    "v": pl.Float64,
    "q": pl.Float64,
    "qty": pl.Float64,
    "qtyunit": pl.Utf8,
    "line": pl.Int64,
}
KEY = ("year", "reporter", "partner", "flow", "cmd")
REJECT_SCHEMA = {
    "file": pl.Utf8,
    "line": pl.Int64,
    "field": pl.Utf8,
    "value": pl.Utf8,
    "reason": pl.Utf8,
    "row": pl.Utf8,
}


@dataclass
class Parsed:
    """Flows accepted from one file, its rejects, and what was set aside (counted)."""

    shape: str
    flows: pl.DataFrame
    rejects: pl.DataFrame
    duplicates: int = 0
    breakdowns: int = 0
    notes: list[str] = field(default_factory=list)


def read_text(path: Path, limit: int = MAX_BYTES) -> bytes:
    """Read a CSV or gzipped CSV, refusing more than ``limit`` decompressed bytes."""
    try:
        with open(path, "rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        buf = io.BytesIO()
        with opener(path, "rb") as f:
            while block := f.read(1 << 22):
                buf.write(block)
                if buf.tell() > limit:
                    raise DataError(f"more than {limit:,} bytes once decompressed", path=path)
    except (gzip.BadGzipFile, EOFError, zlib.error) as e:
        raise DataError(f"cannot be read (corrupt or truncated gzip?): {e}", path=path) from None
    except OSError as e:
        raise DataError(f"cannot read: {e.strerror or e}", path=path) from None
    data = buf.getvalue()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        raise DataError("empty file: not a Comtrade CSV", path=path, line=1)
    return data


def detect_shape(columns: list[str], path: object) -> str:
    """Tell the shape from the header; raise naming the missing columns otherwise."""
    have = set(columns)
    best, missing = "", list(_REQUIRED)
    for name, cols in _SHAPES.items():
        miss = [cols[c] for c in _REQUIRED if cols[c] not in have]
        if not miss:
            return name
        if len(miss) < len(missing):
            best, missing = name, miss
    hint = f" (closest: the {best} shape)" if best else ""
    raise DataError(
        f"not a UN Comtrade CSV: missing columns {missing}{hint}; found {columns[:12]}",
        path=path,
        line=1,
    )


def read_csv(data: bytes, path: object) -> pl.DataFrame:
    """Read a CSV as text columns; a malformed file is an error naming its first bad line."""
    try:
        return pl.read_csv(io.BytesIO(data), infer_schema=False, null_values=[""])
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as e:
        line, why = _first_bad_line(data)
        msg = why or f"malformed CSV: {str(e).splitlines()[0][:160]}"
        raise DataError(msg, path=path, line=line) from None


def _first_bad_line(data: bytes) -> tuple[int | None, str | None]:
    """Return the first line (1-based) whose field count differs from the header's, and why."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        return data[: e.start].count(b"\n") + 1, "not UTF-8 text"
    reader = csv.reader(io.StringIO(text))
    width = None
    for row in reader:
        if width is None:
            width = len(row)
        elif row and len(row) != width:
            return reader.line_num, f"{len(row)} fields where the header has {width}"
    return None, None


def read_frame(data: bytes, path: object) -> tuple[str, pl.DataFrame]:
    """Read the CSV as text columns renamed to canonical names, with a ``line`` column."""
    raw = read_csv(data, path)
    shape = detect_shape([c.strip() for c in raw.columns], path)
    raw.columns = [c.strip() for c in raw.columns]
    cols = _SHAPES[shape]
    out = raw.select(
        *(pl.col(cols[c]).str.strip_chars().alias(c) for c in _REQUIRED),
        *(
            pl.col(cols[c]).str.strip_chars().alias(c)
            if c in cols and cols[c] in raw.columns
            else pl.lit(None, dtype=pl.Utf8).alias(c)
            for c in _OPTIONAL
        ),
        pl.concat_str([pl.col(c).fill_null("") for c in raw.columns], separator=",").alias("row"),
    ).with_row_index("line", offset=2)
    return shape, out.with_columns(pl.col("line").cast(pl.Int64))


def _num(c: str) -> pl.Expr:
    return pl.col(c).cast(pl.Float64, strict=False)


def _int(c: str) -> pl.Expr:
    return pl.col(c).cast(pl.Int64, strict=False)


def _checks(country_codes: set[int]) -> list[tuple[str, pl.Expr, str]]:
    """Row checks in order: (field, expression true on a bad row, reason)."""
    now = datetime.now(UTC).year
    bad_cls = ~pl.col("hs").is_in(BRIDGED)
    return [
        (
            "year",
            ~_int("year").is_between(FIRST_YEAR, now).fill_null(False),
            f"not a year between {FIRST_YEAR} and {now}",
        ),
        (
            "period",
            pl.col("period").is_not_null() & (pl.col("period") != pl.col("year")),
            "not an annual period (monthly rows are not supported; use annual files)",
        ),
        (
            "freqCode",
            pl.col("freq").is_not_null() & (pl.col("freq").str.to_uppercase() != "A"),
            "not annual data (freqCode must be A)",
        ),
        (
            "classification",
            pl.col("hs").is_null(),
            "unknown classification (expected H0–H6)",
        ),
        (
            "classification",
            bad_cls,
            "HS revision not covered by the concordance (HS02–HS22): cannot be bridged",
        ),
        ("flow", ~pl.col("flow_").is_in(FLOWS).fill_null(False), "flow is not one of M, X, RM, RX"),
        (
            "reporter",
            ~_int("reporter").is_in(sorted(country_codes)).fill_null(False),
            "reporter code is not a country of the country table",
        ),
        (
            "partner",
            ~_int("partner").is_between(0, 999).fill_null(False),
            "partner is not a UN M49 code (0 is World)",
        ),
        (
            "cmd",
            ~pl.col("cmd_").str.contains(r"^\d{6}$").fill_null(False),
            "not an HS6 commodity code (aggregates and national lines are not flows)",
        ),
        (
            "value",
            ~_num("value").is_between(0.0, MAX_USD).fill_null(False),
            f"value is not a number between 0 and {MAX_USD:,.0f} USD",
        ),
        (
            "netwgt",
            pl.col("netwgt").is_not_null() & ~_num("netwgt").is_between(0.0, 1e13).fill_null(False),
            "net weight is not a non-negative number of kg",
        ),
    ]


def _field_value(field_name: str) -> str:
    return {"classification": "cls", "freqCode": "freq"}.get(field_name, field_name)


def _prepare(df: pl.DataFrame, shape: str, hs_default: str | None) -> pl.DataFrame:
    """Normalise codes before validation: flows, leading zeros, classification."""
    flow = pl.col("flow").str.to_uppercase()
    if shape == "legacy":
        flow = pl.col("flow").replace_strict(_LEGACY_FLOWS, default=pl.col("flow"))
    # Codes written as numbers lose their leading zero (``10121`` is 010121): restore one.
    cmd = (
        pl.when(pl.col("cmd").str.contains(r"^\d{5}$"))
        .then(pl.concat_str(pl.lit("0"), pl.col("cmd")))
        .otherwise(pl.col("cmd"))
    )
    said = pl.col("cls").str.to_uppercase()
    fallback = pl.lit(hs_default) if hs_default is not None else _revision_of(_int("year"))
    cls = (
        pl.when(said.is_null() | (said == "HS"))
        .then(fallback)
        .otherwise(said.replace_strict(CLASSIFICATIONS, default=None))
    )
    return df.with_columns(flow.alias("flow_"), cmd.alias("cmd_"), cls.alias("hs"))


def parse(
    data: bytes,
    path: object,
    table: CountryTable,
    *,
    hs: str | None = None,
) -> Parsed:
    """Validate a Comtrade CSV's rows and keep one total per flow.

    Parameters
    ----------
    data
        The file's bytes (decompressed).
    path
        Shown in errors and in the rejects' ``file`` column.
    table
        The country table reporters must belong to (codes it lacks are recoded through the
        file's ISO3 columns where it has them: legacy Italy 381 is 380).
    hs
        HS revision (``HS22``) of rows without a classification (the compact shape, API rows
        classified ``HS``).
    """
    shape, df = read_frame(data, path)
    df = _recode(_prepare(df, shape, hs), table)
    reason = pl.lit(None, dtype=pl.Utf8)
    fld = pl.lit(None, dtype=pl.Utf8)
    val = pl.lit(None, dtype=pl.Utf8)
    for name, bad, why in reversed(_checks(table.codes)):
        reason = pl.when(bad).then(pl.lit(why)).otherwise(reason)
        fld = pl.when(bad).then(pl.lit(name)).otherwise(fld)
        val = pl.when(bad).then(pl.col(_field_value(name))).otherwise(val)
    df = df.with_columns(reason.alias("_reason"), fld.alias("_field"), val.alias("_value"))
    rejects = [_rejects(df.filter(pl.col("_reason").is_not_null()), str(path))]
    ok = df.filter(pl.col("_reason").is_null())
    flows = ok.select(
        _int("year").cast(pl.Int16).alias("year"),
        _int("reporter").cast(pl.Int16).alias("reporter"),
        _int("partner").cast(pl.Int16).alias("partner"),
        pl.col("flow_").alias("flow"),
        pl.col("hs"),
        pl.col("cmd_").alias("cmd"),
        (_num("value") / 1000.0).alias("v"),
        (_num("netwgt") / 1000.0).alias("q"),
        _num("qty").alias("qty"),
        pl.col("qtyunit"),
        pl.col("line"),
        _is_breakdown().alias("_breakdown"),
        pl.col("row"),
        pl.col("mot"),
        pl.col("customs"),
        pl.col("partner2"),
    )
    before = flows.height
    flows = flows.unique(
        subset=[c for c in FLOW_SCHEMA if c != "line"]
        + ["_breakdown", "mot", "customs", "partner2"],
        keep="first",
        maintain_order=True,
    )
    dups = before - flows.height
    if shape == "compact":
        kept, n_break = _largest_is_total(flows)
        conflicts = pl.DataFrame(schema=REJECT_SCHEMA)
        orphans = pl.DataFrame(schema=REJECT_SCHEMA)
    else:
        kept, n_break, orphans = _totals(flows, str(path))
        kept, conflicts = _conflicts(kept, str(path))
    rej = pl.concat([*rejects, orphans, conflicts]).sort("line")
    notes = []
    if shape == "compact":
        notes.append(
            "compact shape: several rows of one flow were read as its total and breakdowns "
            "(the largest kept as the total)"
        )
    if df["cls"].is_null().any():
        said = hs or "the revision in force in their year (HS22 from 2022, HS17 from 2017, …)"
        notes.append(f"rows without a classification were taken as {said}")
    return Parsed(
        shape,
        kept.select(list(FLOW_SCHEMA)).cast(FLOW_SCHEMA),  # type: ignore[arg-type]
        rej,
        duplicates=dups,
        breakdowns=n_break,
        notes=notes,
    )


def _recode(df: pl.DataFrame, table: CountryTable) -> pl.DataFrame:
    """Replace numeric codes the table lacks by the code of the row's ISO3, where it has one."""
    codes = table.codes
    for col in ("reporter", "partner"):
        iso = f"{col}_iso"
        fix: dict[tuple[str, str], str] = {}
        for c, i in df.select(col, iso).unique().drop_nulls().iter_rows():
            if not c.isdigit() or int(c) in codes or int(c) == 0:
                continue
            try:
                fix[(c, i)] = str(table.resolve(i))
            except NotFoundError:
                continue
        if fix:
            m = pl.DataFrame(
                {col: [k[0] for k in fix], iso: [k[1] for k in fix], "_new": list(fix.values())}
            )
            df = (
                df.join(m, on=[col, iso], how="left", maintain_order="left")
                .with_columns(pl.coalesce("_new", col).alias(col))
                .drop("_new")
            )
    return df


def _is_breakdown() -> pl.Expr:
    return (
        (pl.col("mot").is_not_null() & (pl.col("mot") != "0"))
        | (pl.col("customs").is_not_null() & (pl.col("customs").str.to_uppercase() != "C00"))
        | (pl.col("partner2").is_not_null() & (pl.col("partner2") != "0"))
    )


def _rejects(bad: pl.DataFrame, file: str) -> pl.DataFrame:
    return bad.select(
        pl.lit(file).alias("file"),
        pl.col("line"),
        pl.col("_field").alias("field"),
        pl.col("_value").alias("value"),
        pl.col("_reason").alias("reason"),
        pl.col("row"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]


def _largest_is_total(flows: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Keep each flow's largest row (its total); count the others as breakdowns."""
    kept = flows.sort(["v", "line"], descending=[True, False]).unique(
        subset=list(KEY), keep="first", maintain_order=True
    )
    return kept.sort("line"), flows.height - kept.height


def _totals(flows: pl.DataFrame, file: str) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """Keep totals rows; drop breakdowns of a present total, reject breakdowns without one."""
    totals = flows.filter(~pl.col("_breakdown"))
    parts = flows.filter(pl.col("_breakdown"))
    covered = parts.join(totals.select(list(KEY)).unique(), on=list(KEY), how="semi")
    orphans = parts.join(totals.select(list(KEY)).unique(), on=list(KEY), how="anti")
    rej = orphans.select(
        pl.lit(file).alias("file"),
        pl.col("line"),
        pl.lit("motCode/customsCode/partner2Code").alias("field"),
        pl.concat_str(
            [pl.col(c).fill_null("") for c in ("mot", "customs", "partner2")], separator="/"
        ).alias("value"),
        pl.lit(
            "breakdown row without its totals row (motCode 0, customsCode C00, partner2Code 0); "
            "breakdowns are not summed, to avoid double counting"
        ).alias("reason"),
        pl.col("row"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    return totals, covered.height, rej


def _conflicts(flows: pl.DataFrame, file: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reject later rows of a flow already given a different total (the first one wins)."""
    first = pl.col("line").min().over(list(KEY))
    flows = flows.with_columns(first.alias("_first"))
    later = flows.filter(pl.col("line") != pl.col("_first"))
    rej = later.select(
        pl.lit(file).alias("file"),
        pl.col("line"),
        pl.lit("value").alias("field"),
        (pl.col("v") * 1000.0).cast(pl.Utf8).alias("value"),
        pl.concat_str(
            pl.lit("a second, different total of the same flow (first on line "),
            pl.col("_first").cast(pl.Utf8),
            pl.lit("); the first is kept"),
        ).alias("reason"),
        pl.col("row"),
    ).cast(REJECT_SCHEMA)  # type: ignore[arg-type]
    return flows.filter(pl.col("line") == pl.col("_first")).drop("_first"), rej


def _revision_of(year: pl.Expr) -> pl.Expr:
    """Return the HS revision in force in a year (for rows that do not say which they use)."""
    out = pl.lit("HS02")
    for first, hs in ((2007, "HS07"), (2012, "HS12"), (2017, "HS17"), (2022, "HS22")):
        out = pl.when(year >= first).then(pl.lit(hs)).otherwise(out)
    return out
