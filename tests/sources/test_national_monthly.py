"""National customs statistics: monthly series with partner-name quirks, and `econsec monthly`."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
import pytest
from sources_helpers import COUNTRIES, econsec

from econsec.errors import NotFoundError
from econsec.sources import ingest_national, monthly
from econsec.sources.views import monthly_pair
from econsec.warehouse.store import write_release_frames

HEADER = "hs10,partner,year,month,export_usd,export_kg,import_usd,import_kg"
ROWS = [
    "2811111000,Japan,2019,6,0,0,5293100,3026000",  # 2
    "2811111000,Japan,2019,7,0,0,961100,529900",  # 3
    "2811111000,Japan,2019,8,0,0,0,0",  # 4
    "2811111000,Netherland,2019,6,0,0,1000,10",  # 5: NLD
    "2811111000,Netherlands,2019,7,0,0,2000,20",  # 6: NLD too
    "2811111000,Rumania,2019,6,500,5,0,0",  # 7: ROU
    "2811111000,Swiss,2019,6,0,0,300,3",  # 8: CHE
    "2811111000,HongKong,2019,6,700,7,0,0",  # 9: HKG
    "2811111000,,2019,6,0,0,100,1",  # 10: blank partner
    "2811111000,Atlantis,2019,6,0,0,100,1",  # 11: unknown
    "2811111000,Japan,2019,13,0,0,100,1",  # 12: bad month
    "2811111000,Japan,2019,6,0,0,5293100,3026000",  # 13: exact duplicate of 2
    "2811111000,Japan,2019,7,0,0,999,1",  # 14: a different row for the same month
    "3707901010,Japan,2019,6,0,0,-5,1",  # 15: negative value
]


@pytest.fixture
def wh(home: Path) -> Path:
    flows = pl.DataFrame({"t": [2019], "i": [392], "j": [410], "k": ["281111"], "v": [1.0]})
    write_release_frames(home, "HS17", "V202601", flows, COUNTRIES)
    return home


@pytest.fixture
def series(tmp_path: Path) -> Path:
    f = tmp_path / "kor_customs.csv"
    f.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return f


def test_quirky_partner_names_resolve_and_bad_rows_are_kept_with_reasons(
    wh: Path, series: Path
) -> None:
    rep = ingest_national(series, "KOR", home=wh)
    assert (rep.rows, rep.duplicates, rep.rejects) == (8, 1, 5)
    with open(rep.rejects_file or "", newline="") as fh:
        rej = {int(r["line"]): (r["field"], r["reason"]) for r in csv.DictReader(fh)}
    assert rej[10] == ("partner", "blank partner")
    assert rej[11][0] == "partner" and "not in the country table" in rej[11][1]
    assert rej[12][0] == "month"
    assert "first on line 3" in rej[14][1]
    assert rej[15][0] == "import_usd"
    df = monthly("KOR", years=2019, home=wh)
    assert set(df["partner"]) == {"JPN", "NLD", "ROU", "CHE", "HKG"}
    nld = df.filter(pl.col("partner") == "NLD").sort("month")
    assert nld["import_v"].to_list() == [1.0, 2.0]  # thousand USD, both spellings


def test_monthly_pair_shows_the_event_month_by_month(wh: Path, series: Path) -> None:
    ingest_national(series, "KOR", home=wh)
    df = monthly_pair("KOR", "JPN", ["2811111000"], [2019], home=wh)
    assert df["month"].to_list() == [6, 7, 8]
    assert df["value"].to_list() == [5293.1, 961.1, 0.0]
    assert df["quantity"].to_list() == [3026.0, 529.9, 0.0]  # metric tons
    # The exporter's side: Korea's exports to Romania read from Korea's own statistics
    ro = monthly_pair("ROU", "KOR", ["281111"], None, home=wh)
    assert ro["value"].to_list() == [0.5] and ro["source"][0].endswith("(exports)")
    with pytest.raises(NotFoundError, match="national statistics"):
        monthly_pair("JPN", "USA", ["2811111000"], None, home=wh)


def test_cli_monthly_csv_and_json(wh: Path, series: Path) -> None:
    p = econsec("data", "ingest", "national", str(series), "--reporter", "KOR", home=wh)
    assert p.returncode == 0, p.stderr
    assert "5 rejected" in p.stderr  # the summary goes to stderr, data to stdout
    args = ["monthly", "--importer", "KOR", "--exporter", "JPN", "--product", "2811111000"]
    p = econsec(*args, "--years", "2019", "--format", "csv", home=wh)
    assert p.returncode == 0, p.stderr
    got = pl.read_csv(p.stdout.encode())
    assert got["value"].to_list() == [5293.1, 961.1, 0.0]
    p = econsec(*args, "--format", "json", home=wh)
    assert json.loads(p.stdout)[0]["month"] == 6
    p = econsec("monthly", "--importer", "KOR", "--exporter", "Atlantis", "-p", "28", home=wh)
    assert p.returncode == 2 and p.stderr.startswith("error: unknown country 'Atlantis'")


@pytest.mark.realdata
def test_korea_hydrogen_fluoride_from_japan_2019(mirror: Path, home: Path) -> None:
    from econsec.warehouse.ingest import ingest_baci

    ingest_baci(mirror / "baci" / "BACI_HS17_V202601.zip", home=home)
    f = mirror / "national" / "korea_customs_hs10_monthly_2000_2021.csv"
    rep = ingest_national(f, "KOR", home=home)
    assert rep.rejects == 5  # the five rows with a blank partner, kept with their reason
    df = monthly_pair("KOR", "JPN", ["2811111000"], [2019], home=home)
    usd = [round(v * 1000 / 1e6, 2) for v in df["value"].to_list()]
    # Korea Customs Service: 5.13 M … 5.29 M in June, 0.96 M in July, 0 in August and September
    assert usd[:9] == [5.13, 6.65, 6.79, 5.35, 4.52, 5.29, 0.96, 0.0, 0.0]
    partners = set(monthly("KOR", home=home)["partner"])
    assert {"NLD", "ROU", "CHE", "HKG", "GBR", "CZE", "ZAF", "TWN"} <= partners


def test_cli_national_bad_input_is_one_line(wh: Path, tmp_path: Path, series: Path) -> None:
    bad = tmp_path / "wrong.csv"
    bad.write_text("hs,partner,yr\n1,Japan,2019\n", encoding="utf-8")
    p = econsec("data", "ingest", "national", str(bad), "--reporter", "KOR", home=wh)
    assert p.returncode == 2 and len(p.stderr.strip().splitlines()) == 1
    assert "wrong.csv, line 1: not a national monthly series: missing columns" in p.stderr
    p = econsec("data", "ingest", "national", str(series), "--reporter", "Atlantis", home=wh)
    assert p.returncode == 2 and p.stderr.startswith("error: unknown country 'Atlantis'")
    p = econsec("data", "ingest", "national", str(series), "--reporter", "KOR", "--strict", home=wh)
    assert p.returncode == 2 and "line 10, field 'partner'" in p.stderr and "5 rows" in p.stderr
    assert not (wh / "sources" / "national").exists()
