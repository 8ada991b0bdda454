import json
import shutil

import httpx
import pytest
from ingest_helpers import BAD, CLEAN_2024, release_zip
from typer.testing import CliRunner

from econsec.cli.main import app
from econsec.download import fetch
from econsec.engine import Warehouse
from econsec.errors import NotFoundError, SyntheticDataError
from econsec.warehouse.synth import CodeTables, write_synthetic_release

runner = CliRunner()


@pytest.mark.unit
def test_fetch_resolves_through_a_mirror_folder_and_lists_json(home, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    release_zip(mirror / "baci", {2023: CLEAN_2024.replace("2024,", "2023,"), 2024: CLEAN_2024})
    monkeypatch.setenv("ECONSEC_MIRROR", str(mirror))
    r = runner.invoke(app, ["data", "fetch", "baci", "--hs", "HS17", "--release", "V202601"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["data", "list", "--format", "json"])
    recs = json.loads(r.stdout)
    assert [(x["hs"], x["release"], x["year"], x["rows"]) for x in recs] == [
        ("HS17", "V202601", 2023, 5),
        ("HS17", "V202601", 2024, 5),
    ]
    assert {"products", "countries", "bytes"} <= set(recs[0])


@pytest.mark.unit
def test_ingest_strict_exits_non_zero(home, tmp_path):
    z = release_zip(tmp_path, {2024: BAD})
    r = runner.invoke(app, ["data", "ingest", "baci", str(z), "--strict"])
    assert r.exit_code == 2
    assert "rejected" in r.output
    r = runner.invoke(app, ["data", "ingest", "baci", str(z), "--format", "json"])
    assert r.exit_code == 0
    assert json.loads(r.stdout)["rejects"] == 7


@pytest.mark.unit
def test_unknown_hs_is_a_clear_error(home):
    r = runner.invoke(app, ["data", "fetch", "baci", "--hs", "HS99", "--release", "V202601"])
    assert r.exit_code == 2 and "HS17" in r.output


@pytest.mark.unit
def test_synthetic_release_is_marked_and_refused_by_default(home, tmp_path, small_countries):
    import polars as pl

    codes = CodeTables(
        small_countries,
        pl.DataFrame({"code": [f"{n:06d}" for n in range(10101, 10161)], "description": [""] * 60}),
    )
    z = write_synthetic_release(tmp_path / "syn", codes, [2020, 2021], 500, seed=3)
    r = runner.invoke(app, ["data", "ingest", "baci", str(z), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["synthetic"] and out["rows"] == 1000 and out["rejects"] == 0
    wh = Warehouse(home)
    with pytest.raises(SyntheticDataError):
        wh.release_for(2020)
    assert Warehouse(home, allow_synthetic=True).trade(2020).count().execute() == 500


@pytest.mark.unit
def test_synth_cli_writes_a_zip(home, tmp_path):
    z = release_zip(tmp_path / "codes", {2024: CLEAN_2024})
    r = runner.invoke(
        app,
        [
            "data",
            "synth",
            "--year",
            "2019-2020",
            "--rows",
            "40",
            "--out",
            str(tmp_path / "o"),
            "--codes-from",
            str(z),
        ],
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o" / "BACI_HS17_V202601-synth.zip").exists()


@pytest.mark.unit
def test_missing_year_lists_years_held(home, make_warehouse):
    make_warehouse(
        {"t": [2020, 2021], "i": [156, 156], "j": [392, 392], "k": ["850511"] * 2, "v": [1.0, 2.0]}
    )
    with pytest.raises(NotFoundError, match="2020–2021"):
        Warehouse(home).release_for(1999)


@pytest.mark.unit
def test_download_resumes_a_partial_file(tmp_path):
    payload = release_zip(tmp_path / "src", {2024: CLEAN_2024}).read_bytes()
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        rng = request.headers.get("range")
        seen.append(rng)
        if rng:
            start = int(rng.split("=")[1].rstrip("-"))
            crange = f"bytes {start}-{len(payload) - 1}/{len(payload)}"
            return httpx.Response(206, content=payload[start:], headers={"content-range": crange})
        return httpx.Response(200, content=payload)

    dest = tmp_path / "dl"
    dest.mkdir()
    (dest / "BACI_HS17_V202601.zip.part").write_bytes(payload[:500])
    client = httpx.Client(transport=httpx.MockTransport(handler))
    got = fetch("baci/BACI_HS17_V202601.zip", dest, mirror="https://mirror.example", client=client)
    assert got.read_bytes() == payload
    assert seen == ["bytes=500-"]
    assert not (dest / "BACI_HS17_V202601.zip.part").exists()


@pytest.mark.unit
def test_mirror_folder_missing_file_reports_every_location(tmp_path):
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    with pytest.raises(Exception, match="not found"):
        fetch("baci/BACI_HS17_V209901.zip", tmp_path, mirror=str(tmp_path), client=client)
    shutil.rmtree(tmp_path, ignore_errors=True)
