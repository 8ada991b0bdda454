"""Synthetic BACI-shaped releases for scale tests and benchmarks.

The zip has CEPII's layout (yearly ``BACI_<HS>_Y<year>_<release>.csv``, country and product code
files, ``Readme.txt``) plus ``econsec_synthetic.json``; ingest marks the release synthetic and
analyses refuse it unless synthetic data is allowed. Codes are real (from a real release's code
files); flows are drawn with heavy-tailed country and product sizes, so a few exporters and
importers carry most trade and most country pairs do not trade most products.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from econsec.errors import DataError
from econsec.warehouse.schema import Q_MAX, SYNTH_MARKER, V_MAX, check_year


@dataclass(frozen=True)
class CodeTables:
    """Real country and product code tables to draw synthetic flows from."""

    countries: pl.DataFrame  # code, name, iso2, iso3
    products: pl.DataFrame  # code, description


def draw_flows(
    year: int, rows: int, country_codes: np.ndarray, product_codes: np.ndarray, seed: int = 0
) -> pa.Table:
    """Draw ``rows`` distinct bilateral flows ``t, i, j, k, v, q`` sorted like BACI (i, j, k).

    Country and product sizes follow Pareto laws; values are log-normal around the product of
    exporter, importer and product sizes, so totals are dominated by a few large flows.
    """
    rng = np.random.default_rng(seed)
    nc, nk = len(country_codes), len(product_codes)
    cap = nc * (nc - 1) * nk
    if rows > cap // 2:
        raise ValueError(f"{rows} rows is too dense for {nc} countries × {nk} products")
    size_c = rng.pareto(1.1, nc) + 0.05
    size_k = rng.pareto(1.5, nk) + 0.05
    p_c = size_c / size_c.sum()
    p_k = size_k / size_k.sum()
    # Draw positions with flattened weights (so distinct flows are found fast), while values
    # below scale with the full sizes (so value stays concentrated in few flows).
    w_i, w_j, w_k = p_c**0.6, p_c**0.4, p_k**0.5
    w_i, w_j, w_k = w_i / w_i.sum(), w_j / w_j.sum(), w_k / w_k.sum()
    keys = np.empty(0, dtype=np.int64)
    need = rows
    while need > 0:
        m = int(need * 1.5) + 1000
        ii = rng.choice(nc, m, p=w_i)
        jj = rng.choice(nc, m, p=w_j)
        kk = rng.choice(nk, m, p=w_k)
        ok = ii != jj
        new = (ii[ok].astype(np.int64) * nc + jj[ok]) * nk + kk[ok]
        keys = _unique(np.concatenate([keys, new]))
        need = rows - len(keys)
    if len(keys) > rows:
        keys = np.sort(rng.choice(keys, rows, replace=False))
    kk = keys % nk
    ij = keys // nk
    jj = ij % nc
    ii = ij // nc
    scale = size_c[ii] * np.sqrt(size_c[jj]) * size_k[kk]
    # Heavy tails must stay within what ingest accepts as plausible for one flow.
    v = np.minimum(np.round(rng.lognormal(0.0, 2.0, rows) * scale * 50.0 + 0.001, 3), V_MAX)
    unit_value = rng.lognormal(1.0, 1.5, nk)[kk]  # thousand USD per tonne, by product
    q = np.minimum(np.round(v / unit_value, 3), Q_MAX)
    q_obj = pa.array(q, mask=rng.random(rows) < 0.05)  # BACI leaves some quantities blank
    return pa.table(
        {
            "t": pa.array(np.full(rows, year, dtype=np.int16)),
            "i": pa.array(country_codes[ii].astype(np.int16)),
            "j": pa.array(country_codes[jj].astype(np.int16)),
            "k": pa.array(product_codes, pa.string()).take(pa.array(kk)),
            "v": pa.array(v),
            "q": q_obj,
        }
    )


def _unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based: much faster than hashing for large int arrays)."""
    a = np.sort(a)
    if len(a) == 0:
        return a
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def write_synthetic_release(
    out_dir: Path,
    codes: CodeTables,
    years: list[int],
    rows: int,
    *,
    hs: str = "HS17",
    release: str = "V202601-synth",
    seed: int = 0,
) -> Path:
    """Write a synthetic release zip laid out like CEPII's; return its path.

    Flows are distinct, years within the nomenclature's range and codes from ``codes``, so the
    zip passes every ingest check.
    """
    for y in years:
        check_year(hs, y)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"BACI_{hs}_{release}.zip"
    tmp = path.with_suffix(".zip.part")
    try:
        _write_zip(tmp, codes, years, rows, hs, release, seed)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)
    return path


def _write_zip(
    tmp: Path, codes: CodeTables, years: list[int], rows: int, hs: str, release: str, seed: int
) -> None:
    ccodes = codes.countries["code"].to_numpy().astype(np.int64)
    pcodes = np.asarray(codes.products["code"].to_list())
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for n, y in enumerate(years):
            tbl = draw_flows(y, rows, ccodes, pcodes, seed=seed + n)
            with z.open(f"BACI_{hs}_Y{y}_{release}.csv", "w", force_zip64=True) as f:
                pacsv.write_csv(tbl, f, write_options=pacsv.WriteOptions(quoting_style="none"))
        cc = codes.countries.rename(
            {
                "code": "country_code",
                "name": "country_name",
                "iso2": "country_iso2",
                "iso3": "country_iso3",
            }
        )
        z.writestr(f"country_codes_{release}.csv", cc.write_csv())
        z.writestr(f"product_codes_{hs}_{release}.csv", codes.products.write_csv())
        z.writestr(
            "Readme.txt",
            f"SYNTHETIC data shaped like CEPII BACI ({hs}, {len(years)} years x {rows} rows).\n"
            "Not real trade: for scale tests and benchmarks only.\n",
        )
        z.writestr(
            SYNTH_MARKER,
            json.dumps(
                {
                    "synthetic": True,
                    "hs": hs,
                    "release": release,
                    "years": years,
                    "rows_per_year": rows,
                    "seed": seed,
                }
            ),
        )


def code_tables_from_zip(path: Path) -> CodeTables:
    """Read the country and product code files of a BACI release zip."""
    from econsec.warehouse.zipfiles import open_release_zip

    rz = open_release_zip(path)
    products = rz.read_products()
    if products is None:
        raise DataError("no product_codes file inside", path=path)
    return CodeTables(rz.read_countries(), products)
