"""Critical-goods catalogues ("baskets"): cited official lists as HS6 codes, and user baskets.

A basket is a list of entries ``basket, item, category, hs_revision, hs6, source, source_date,
note, broad, broad_note``. ``broad`` marks a code that holds much besides the item (a residual
"n.e.c." subheading, or one shared with other materials: 253090 mineral substances n.e.c. for
rare-earth ores, 811292 for gallium); ``broad_note`` says what else it holds. Trade summed over
a broad code is an upper bound of the item's trade.

The built-in catalogues are versioned CSV files under ``econsec/data/baskets`` (indexed by
``catalogues.csv``), written in HS17. Where an item's codes differ in another nomenclature
the catalogue also holds that item's rows in that nomenclature (HS02 and HS22 here): the
item's code set is then the whole of the item in each nomenclature, so summing trade over it
conserves the item's value across revisions. Items without such rows keep their codes, or are
mapped through :func:`econsec.reference.hs.concordance` where that module is installed.

User baskets are read from TOML (an explicit file, or ``ECONSEC_HOME/baskets.toml``)::

    [baskets.my-yard]
    title = "Magnet supply chain"
    hs_revision = "HS17"          # optional, HS17 by default
    source = "Own selection"       # optional default for the items
    items = [
      { item = "NdFeB magnets", hs6 = ["850511"], note = "all metal magnets" },
      { item = "rare-earth ores", hs6 = ["253090"], broad = true,
        broad_note = "every mineral substance n.e.c. in chapter 25" },
      { item = "rare-earth metals", hs6 = ["280530"], source = "USGS MCS 2024" },
    ]
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
from rapidfuzz import process

from econsec.errors import DataError, NotFoundError
from econsec.reference import hs as _hs
from econsec.settings import get_settings
from econsec.tomlsafe import load_toml
from econsec.warehouse.schema import HS_FIRST_YEAR, check_hs

#: Columns of a basket's entries, in order.
ENTRY_COLUMNS = (
    "basket",
    "item",
    "category",
    "hs_revision",
    "hs6",
    "source",
    "source_date",
    "note",
    "broad",
    "broad_note",
)
#: Columns of the catalogue index ``catalogues.csv``.
INDEX_COLUMNS = ("name", "title", "issuer", "date", "url", "hs_revision", "licence", "notes")
#: Nomenclatures the built-in catalogues hold explicit rows for (no concordance needed).
EXPLICIT_HS = ("HS02", "HS17", "HS22")
#: File name of the user baskets inside ECONSEC_HOME.
USER_FILE = "baskets.toml"

_HS6_RE = re.compile(r"^\d{6}$")
_DATE_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_BASKET_KEYS = {"title", "hs_revision", "source", "source_date", "items", "issuer", "date"}
_ITEM_KEYS = {"item", "hs6", "source", "source_date", "category", "note", "broad", "broad_note"}


@dataclass(frozen=True)
class Basket:
    """One catalogue: its metadata and its entries in every nomenclature it was written for.

    Attributes
    ----------
    name, title, issuer, date
        Identification; ``date`` is the catalogue's publication or designation date.
    hs_revision
        The base nomenclature of the entries (``HS17`` for the built-in catalogues).
    origin
        ``built-in`` or the path of the user TOML file.
    entries
        Frame with :data:`ENTRY_COLUMNS`: base rows plus explicit rows of other revisions.
    """

    name: str
    title: str
    issuer: str
    date: str
    hs_revision: str
    origin: str
    entries: pl.DataFrame


# ---------------------------------------------------------------------------------------------
# validation of one entry (shared by the CSV and TOML readers)


def _check_entry(e: Mapping[str, str], err: Callable[[str, str], DataError]) -> None:
    """Raise ``err(field, message)`` for the first problem of entry ``e``."""
    if not e["item"].strip():
        raise err("item", "item is empty")
    try:
        check_hs(e["hs_revision"])
    except ValueError as x:
        raise err("hs_revision", str(x)) from None
    code = e["hs6"]
    if code == "":
        # A catalogue may list a service (Japan's cloud programs): kept, but it must say why.
        if not e["note"].strip():
            raise err("hs6", "an entry without an HS6 code needs a note saying why")
    elif not _HS6_RE.match(code):
        raise err("hs6", f"{code!r} is not a 6-digit HS code (write codes as quoted strings)")
    if not e["source"].strip():
        raise err("source", "source is empty: every entry must cite where it comes from")
    if e["source_date"] and not _DATE_RE.match(e["source_date"]):
        raise err("source_date", f"{e['source_date']!r} is not a date like 2022-12-23 or 2024-02")
    if e["broad"] not in ("true", "false"):
        raise err("broad", f"{e['broad']!r} is not true or false")
    if e["broad"] == "true" and not e["broad_note"].strip():
        raise err("broad_note", "a broad code needs a note saying what else it contains")


def _entries_frame(rows: list[dict[str, str]]) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = {c: pl.Utf8() for c in ENTRY_COLUMNS}
    schema["broad"] = pl.Boolean()
    data: dict[str, list[Any]] = {c: [r.get(c, "") for r in rows] for c in ENTRY_COLUMNS}
    data["broad"] = [r.get("broad") == "true" for r in rows]
    return pl.DataFrame(data, schema=schema)


def _check_duplicates(rows: list[dict[str, str]], err: Callable[[int, str], DataError]) -> None:
    seen: set[tuple[str, str, str]] = set()
    for n, r in enumerate(rows):
        key = (r["item"], r["hs_revision"], r["hs6"])
        if key in seen:
            raise err(n, f"duplicate entry: item {r['item']!r} lists {r['hs6']!r} twice")
        seen.add(key)


# ---------------------------------------------------------------------------------------------
# built-in catalogues


def _data_file(name: str) -> str:
    return resources.files("econsec").joinpath("data", "baskets", name).read_text("utf-8")


def _read_csv(name: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(_data_file(name)))
    return [(reader.line_num, {k: (v or "").strip() for k, v in row.items()}) for row in reader]


def read_catalogue(name: str, text: str | None = None) -> pl.DataFrame:
    """Read and validate one built-in catalogue file ``<name>.csv``.

    Parameters
    ----------
    name
        Catalogue name; the file is ``econsec/data/baskets/<name>.csv``.
    text
        CSV text to read instead of the packaged file (for checking a draft).

    Returns
    -------
    polars.DataFrame
        The entries, with :data:`ENTRY_COLUMNS`.
    """
    fname = f"{name}.csv"
    where = f"econsec/data/baskets/{fname}"
    reader = csv.DictReader(io.StringIO(text if text is not None else _data_file(fname)))
    missing = [c for c in ENTRY_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"missing columns {missing}", path=where, line=1)
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    for row in reader:
        r = {c: (row.get(c) or "").strip() for c in ENTRY_COLUMNS}
        line = reader.line_num

        def err(field: str, msg: str, line: int = line) -> DataError:
            return DataError(msg, path=where, line=line, field=field)

        if r["basket"] != name:
            raise err("basket", f"basket {r['basket']!r} in the file of {name!r}")
        _check_entry(r, err)
        rows.append(r)
        lines.append(line)
    if not rows:
        raise DataError("catalogue has no entries", path=where)
    _check_duplicates(rows, lambda n, msg: DataError(msg, path=where, line=lines[n], field="hs6"))
    return _entries_frame(rows)


@functools.cache
def _builtin() -> dict[str, Basket]:
    out: dict[str, Basket] = {}
    for line, m in _read_csv("catalogues.csv"):
        if not _NAME_RE.match(m["name"]):
            raise DataError(
                f"bad catalogue name {m['name']!r}", path="catalogues.csv", line=line, field="name"
            )
        out[m["name"]] = Basket(
            name=m["name"],
            title=m["title"],
            issuer=m["issuer"],
            date=m["date"],
            hs_revision=check_hs(m["hs_revision"]),
            origin="built-in",
            entries=read_catalogue(m["name"]),
        )
    return out


def catalogue_index() -> pl.DataFrame:
    """Return the built-in catalogues' index: name, title, issuer, date, url, HS, licence."""
    rows = [m for _, m in _read_csv("catalogues.csv")]
    return pl.DataFrame({c: [r.get(c, "") for r in rows] for c in INDEX_COLUMNS})


# ---------------------------------------------------------------------------------------------
# user baskets (TOML)


def read_user_baskets(path: Path | str) -> dict[str, Basket]:
    """Read and validate the user baskets of a TOML file (format in the module docstring).

    Raises
    ------
    DataError
        Naming the file and the key (e.g. ``baskets.mine.items[2].hs6``) of the first problem.
    """
    path = Path(path)
    doc = load_toml(path, what="baskets file")
    tables = doc.get("baskets")
    if not isinstance(tables, dict) or not tables:
        raise DataError("expected one or more [baskets.NAME] tables", path=path, field="baskets")
    out: dict[str, Basket] = {}
    for name, spec in tables.items():
        out[name] = _user_basket(path, name, spec)
    return out


def _user_basket(path: Path, name: str, spec: Any) -> Basket:
    key = f"baskets.{name}"

    def err(field: str, msg: str) -> DataError:
        return DataError(msg, path=path, field=field)

    if not _NAME_RE.match(name):
        raise err(key, "basket names are lower-case letters, digits, '.', '_' or '-'")
    if not isinstance(spec, dict):
        raise err(key, "expected a table")
    unknown = sorted(set(spec) - _BASKET_KEYS)
    if unknown:
        raise err(f"{key}.{unknown[0]}", f"unknown key; allowed: {', '.join(sorted(_BASKET_KEYS))}")
    for k in _BASKET_KEYS - {"items"}:
        if k in spec and not isinstance(spec[k], str):
            raise err(f"{key}.{k}", "expected a string")
    if not spec.get("title", "").strip():
        raise err(f"{key}.title", "title is missing")
    hs = spec.get("hs_revision", "HS17")
    try:
        hs = check_hs(hs)
    except ValueError as x:
        raise err(f"{key}.hs_revision", str(x)) from None
    items = spec.get("items")
    if not isinstance(items, list) or not items:
        raise err(f"{key}.items", "expected a non-empty list of item tables")
    rows: list[dict[str, str]] = []
    fields: list[str] = []
    for n, it in enumerate(items, start=1):
        ikey = f"{key}.items[{n}]"
        if not isinstance(it, dict):
            raise err(ikey, "expected a table like {item = ..., hs6 = [...], source = ...}")
        unknown = sorted(set(it) - _ITEM_KEYS)
        if unknown:
            allowed = ", ".join(sorted(_ITEM_KEYS))
            raise err(f"{ikey}.{unknown[0]}", f"unknown key; allowed: {allowed}")
        for k in _ITEM_KEYS - {"hs6", "broad"}:
            if k in it and not isinstance(it[k], str):
                raise err(f"{ikey}.{k}", "expected a string")
        broad = it.get("broad", False)
        if not isinstance(broad, bool):
            raise err(f"{ikey}.broad", "expected true or false")
        codes = it.get("hs6")
        if not isinstance(codes, list):
            raise err(f"{ikey}.hs6", "expected a list of 6-digit codes as strings")
        base = {
            "basket": name,
            "item": it.get("item", ""),
            "category": it.get("category", ""),
            "hs_revision": hs,
            "source": it.get("source", spec.get("source", "")),
            "source_date": it.get("source_date", spec.get("source_date", "")),
            "note": it.get("note", ""),
            "broad": "true" if broad else "false",
            "broad_note": it.get("broad_note", ""),
        }
        for m, code in enumerate(codes or [""], start=1):
            ckey = f"{ikey}.hs6[{m}]" if codes else f"{ikey}.hs6"
            if not isinstance(code, str):
                raise err(ckey, f"{code!r} is not a string: quote HS codes, leading zeros matter")
            r = {**base, "hs6": code.strip()}

            def item_err(f: str, msg: str, ikey: str = ikey, ckey: str = ckey) -> DataError:
                return err(ckey if f == "hs6" else f"{ikey}.{f}", msg)

            _check_entry(r, item_err)
            rows.append(r)
            fields.append(ckey)
    _check_duplicates(rows, lambda n, msg: err(fields[n], msg))
    return Basket(
        name=name,
        title=spec["title"],
        issuer=spec.get("issuer", "user"),
        date=str(spec.get("date", spec.get("source_date", ""))),
        hs_revision=hs,
        origin=str(path),
        entries=_entries_frame(rows),
    )


def _user_path(extra: Path | str | None, home: Path | str | None) -> Path | None:
    if extra is not None:
        p = Path(extra)
        if not p.is_file():
            raise FileNotFoundError(f"basket file not found: {p}")
        return p
    p = get_settings(home).home / USER_FILE
    return p if p.is_file() else None


def all_baskets(
    *, extra: Path | str | None = None, home: Path | str | None = None
) -> dict[str, Basket]:
    """Built-in catalogues and user baskets, by name.

    Parameters
    ----------
    extra
        A user baskets TOML file; ``ECONSEC_HOME/baskets.toml`` (if present) when omitted.
    home
        Warehouse folder overriding ``ECONSEC_HOME`` when looking for ``baskets.toml``.
    """
    out = dict(_builtin())
    path = _user_path(extra, home)
    if path is not None:
        for name, b in read_user_baskets(path).items():
            if name in out:
                raise DataError(
                    f"basket name {name!r} is a built-in catalogue; choose another name",
                    path=path,
                    field=f"baskets.{name}",
                )
            out[name] = b
    return out


def get_basket(
    name: str, *, extra: Path | str | None = None, home: Path | str | None = None
) -> Basket:
    """Return one basket by name; :class:`NotFoundError` with close matches otherwise."""
    baskets = all_baskets(extra=extra, home=home)
    key = name.strip().lower()
    if key in baskets:
        return baskets[key]
    close = [m[0] for m in process.extract(key, list(baskets), limit=3, score_cutoff=50)]
    raise NotFoundError("basket", name, close, hint="`econsec baskets list` shows every basket")


# ---------------------------------------------------------------------------------------------
# nomenclatures


def _concordance(from_hs: str, to_hs: str) -> dict[str, list[str]]:
    """Codes of ``to_hs`` each ``from_hs`` code maps to (positive weights only)."""
    df = _hs.concordance(from_hs, to_hs).filter(pl.col("weight") > 0)
    out: dict[str, list[str]] = {}
    for f, t in df.select("from_code", "to_code").iter_rows():
        out.setdefault(str(f), []).append(str(t))
    return out


def entries_in(basket: Basket, hs: str = "HS17") -> pl.DataFrame:
    """Return a basket's entries in nomenclature ``hs``.

    An item with explicit rows in ``hs`` uses them; the other items' base codes are mapped by
    the HS concordance where installed, else kept (the built-in catalogues hold explicit rows
    for every code that differs in :data:`EXPLICIT_HS`).
    """
    hs = check_hs(hs)
    e = basket.entries.with_row_index("_row")
    base = e.filter(pl.col("hs_revision") == basket.hs_revision)
    if hs == basket.hs_revision:
        return base.drop("_row")
    explicit = e.filter(pl.col("hs_revision") == hs)
    rest = base.filter(~pl.col("item").is_in(explicit["item"].unique().to_list()))
    conc = _concordance(basket.hs_revision, hs) if rest.height else {}
    mapped = (
        rest.with_columns(
            pl.col("hs6").map_elements(
                lambda c: conc.get(c, [c]) if c else [c], return_dtype=pl.List(pl.Utf8)
            ),
            hs_revision=pl.lit(hs),
        )
        .explode("hs6")
        .unique(subset=["item", "hs6"], keep="first", maintain_order=True)
    )
    # Keep the catalogue's item order: each item where its first base row stood.
    first = base.group_by("item").agg(pl.col("_row").min().alias("_first"))
    return (
        pl.concat([explicit, mapped])
        .join(first, on="item", how="left")
        .sort(["_first", "_row"], nulls_last=True)
        .drop("_row", "_first")
    )


# ---------------------------------------------------------------------------------------------
# public API


def list_baskets(
    *, extra: Path | str | None = None, home: Path | str | None = None
) -> pl.DataFrame:
    """Every basket: name, title, issuer, date, hs_revision, items, codes, origin."""
    rows = []
    for b in all_baskets(extra=extra, home=home).values():
        base = b.entries.filter(pl.col("hs_revision") == b.hs_revision)
        rows.append(
            {
                "name": b.name,
                "title": b.title,
                "issuer": b.issuer,
                "date": b.date,
                "hs_revision": b.hs_revision,
                "items": base["item"].n_unique(),
                "codes": base.filter(pl.col("hs6") != "")["hs6"].n_unique(),
                "origin": b.origin,
            }
        )
    return pl.DataFrame(rows)


def load_basket(
    name: str,
    *,
    hs: str = "HS17",
    extra: Path | str | None = None,
    home: Path | str | None = None,
) -> pl.DataFrame:
    """Return a basket's entries in nomenclature ``hs``.

    Parameters
    ----------
    name
        A built-in catalogue (``econsec baskets list``) or a user basket.
    hs
        Nomenclature of the codes returned.
    extra, home
        Where user baskets are read from (see :func:`all_baskets`).

    Returns
    -------
    polars.DataFrame
        Columns ``basket, item, category, hs_revision, hs6, source, source_date, note, broad,
        broad_note``; an item with no goods code (a service) has an empty ``hs6``; ``broad``
        (boolean) marks codes holding much besides the item, ``broad_note`` says what.
    """
    return entries_in(get_basket(name, extra=extra, home=home), hs)


def basket_codes(
    name: str,
    hs: str = "HS17",
    *,
    extra: Path | str | None = None,
    home: Path | str | None = None,
) -> list[str]:
    """Return the sorted distinct HS6 codes of a basket in nomenclature ``hs``."""
    df = load_basket(name, hs=hs, extra=extra, home=home)
    return sorted(set(df.filter(pl.col("hs6") != "")["hs6"].to_list()))


def catalogue_weight(listed: Iterable[Iterable[str]]) -> dict[str, float]:
    """Criticality weight of each code: the share of catalogues listing it.

    ``w_k = (1/|C|) * sum_{c in C} 1[k in c]`` for catalogues ``C``; ``w_k`` lies in (0, 1]
    for listed codes, and codes listed nowhere have weight 0.
    """
    sets = [set(c) for c in listed]
    if not sets:
        return {}
    counts: dict[str, int] = {}
    for s in sets:
        for k in s:
            counts[k] = counts.get(k, 0) + 1
    return {k: n / len(sets) for k, n in counts.items()}


def criticality_weights(
    hs: str = "HS17",
    *,
    baskets: Sequence[str] | None = None,
    extra: Path | str | None = None,
    home: Path | str | None = None,
) -> pl.DataFrame:
    """Criticality weight of each product listed by the catalogues, for the yard score.

    Parameters
    ----------
    hs
        Nomenclature of the products.
    baskets
        Catalogues to count; every built-in catalogue when omitted.
    extra, home
        Where user baskets are read from (see :func:`all_baskets`).

    Returns
    -------
    polars.DataFrame
        ``product`` (HS6), ``weight`` (share of the catalogues listing it, see
        :func:`catalogue_weight`; products absent from the frame have weight 0) and
        ``baskets`` (list of the catalogue names listing it), heaviest first.
    """
    names = list(baskets) if baskets is not None else list(_builtin())
    if not names:
        raise ValueError("criticality_weights needs at least one basket")
    codes = {n: basket_codes(n, hs, extra=extra, home=home) for n in names}
    w = catalogue_weight(codes.values())
    rows = [
        {"product": k, "weight": wk, "baskets": [n for n in names if k in codes[n]]}
        for k, wk in w.items()
    ]
    schema: dict[str, pl.DataType] = {
        "product": pl.Utf8(),
        "weight": pl.Float64(),
        "baskets": pl.List(pl.Utf8),
    }
    return pl.DataFrame(rows, schema=schema).sort(["weight", "product"], descending=[True, False])


def hs_revisions() -> list[str]:
    """HS nomenclatures a basket can be asked in."""
    return list(HS_FIRST_YEAR)
