"""Builders of small BACI-format files for ingest tests."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pyarrow as pa

from econsec.warehouse.csvscan import FlowKeys, Rules, iter_byte_chunks, read_header, scan_chunk

COUNTRY_CSV = (
    "country_code,country_name,country_iso2,country_iso3\n"
    "4,Afghanistan,AF,AFG\n156,China,CN,CHN\n392,Japan,JP,JPN\n"
    '490,"Other Asia, nes",,S19\n516,Namibia,NA,NAM\n842,USA,US,USA\n'
)
PRODUCT_CSV = 'code,description\n850511,"Magnets: permanent"\n811292,Gallium etc\n020110,Beef\n'


def release_zip(
    folder: Path,
    years: dict[int, str],
    *,
    hs: str = "HS17",
    release: str = "V202601",
    countries: str = COUNTRY_CSV,
    products: str = PRODUCT_CSV,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """Write ``BACI_<hs>_<release>.zip`` with one CSV text per year."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"BACI_{hs}_{release}.zip"
    with zipfile.ZipFile(path, "w", compression) as z:
        for y, text in years.items():
            z.writestr(f"BACI_{hs}_Y{y}_{release}.csv", text)
        z.writestr(f"country_codes_{release}.csv", countries)
        z.writestr(f"product_codes_{hs}_{release}.csv", products)
        z.writestr("Readme.txt", "test release\n")
    return path


CLEAN_2024 = (
    "t,i,j,k,v,q\n"
    "2024,156,392,850511,100.5,2.0\n"
    "2024,842,392,850511,50.0,\n"
    "2024,490,392,811292,10.25,0.1\n"
    "2024,156,842,020110,1.0,0.5\n"
    "2024,516,156,850511,3.0,1.0\n"
)


BAD = (
    "t,i,j,k,v,q\n"  # line 1
    "2024,156,392,850511,100.5,2.0\n"  # 2 ok
    "2024,156,392\n"  # 3 wrong column count
    "2024,156,392,850511,abc,1\n"  # 4 non-numeric value
    "2024,156,392,850511,-5,1\n"  # 5 negative value
    "2024,999,392,850511,5,1\n"  # 6 unknown exporter
    "2024,156,392,85X511,5,1\n"  # 7 invalid product
    "\n"  # 8 blank line
    "2024,156,392,811292,7,x\n"  # 9 non-numeric quantity
    "2024,842,392,850511,8,\n"  # 10 ok
)


def exact_scan(path: Path, rules: Rules) -> tuple[pa.Table, int]:
    """The exact scanner's kept rows and reject count for a CSV (the fast paths' reference)."""
    keys = FlowKeys()
    parts, n_rej = [], 0
    with open(path, "rb") as f:
        read_header(f, path.name)
        for first, data, overlong in iter_byte_chunks(f, 1 << 20):
            assert not overlong
            ch = scan_chunk(first, data, path.name, rules)
            keep = keys.keep_first(ch.table)
            n_rej += len(ch.rejects) + int((~keep).sum())
            parts.append(ch.table.filter(pa.array(keep)))
    return pa.concat_tables(parts), n_rej
