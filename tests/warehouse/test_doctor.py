"""``econsec data doctor``: what it repairs, what it reports, and its exit status."""

from __future__ import annotations

import json
import threading

import pytest
from ingest_helpers import CLEAN_2024, release_zip
from store_helpers import cli

from econsec.download import SUMS_FILE, fetch, read_sums
from econsec.warehouse.catalog import read_meta
from econsec.warehouse.ingest import ingest_baci
from econsec.warehouse.lock import writer_lock
from econsec.warehouse.schema import baci_root, release_dir


@pytest.mark.unit
def test_doctor_on_a_healthy_warehouse_is_quiet_and_exits_zero(home, tmp_path):
    ingest_baci(
        release_zip(tmp_path, {2023: CLEAN_2024.replace("2024,", "2023,"), 2024: CLEAN_2024})
    )
    r = cli(["data", "doctor", "--format", "json"], home)
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep == {**rep, "ok": True, "releases": 1, "files": 2, "fixed": [], "problems": []}
    r = cli(["data", "doctor"], home)
    assert r.exit_code == 0 and "ok: 1 release, 2 Parquet files" in r.output


@pytest.mark.unit
def test_doctor_removes_leftovers_and_bad_downloads(home, tmp_path):
    mirror = tmp_path / "mirror"
    release_zip(mirror / "baci", {2024: CLEAN_2024})
    got = fetch("baci/BACI_HS17_V202601.zip", home / "downloads", mirror=str(mirror))
    assert read_sums(got.parent)
    got.write_bytes(got.read_bytes()[:-10])  # damaged on disk since
    stage = baci_root(home) / ".staging-dead"
    (stage / "release").mkdir(parents=True)
    half_copy = home / "downloads" / ".BACI_HS17_V202601.zip.123.copy"
    half_copy.write_bytes(b"PK")
    r = cli(["data", "doctor", "--format", "json"], home)
    assert r.exit_code == 0, r.output
    fixed = json.loads(r.stdout)["fixed"]
    assert any(".staging-dead" in f for f in fixed)
    assert any("BACI_HS17_V202601.zip" in f for f in fixed)
    assert not stage.exists() and not got.exists() and not half_copy.exists()
    assert "BACI_HS17_V202601.zip" not in (got.parent / SUMS_FILE).read_text()


@pytest.mark.unit
def test_doctor_reports_a_release_without_metadata_and_exits_one(home, tmp_path):
    ingest_baci(release_zip(tmp_path, {2024: CLEAN_2024}))
    rel = release_dir(home, "HS17", "V202601")
    assert read_meta(rel)
    (rel / "meta.json").write_text("{not json")
    r = cli(["data", "doctor", "--format", "json"], home)
    assert r.exit_code == 1
    (problem,) = json.loads(r.stdout)["problems"]
    assert "meta.json" in problem and "HS17 V202601" in problem
    # Readers name the file in one line too.
    r = cli(["data", "list"], home)
    assert r.exit_code == 2 and "meta.json" in r.output and "doctor" in r.output


@pytest.mark.unit
def test_doctor_waits_for_a_writer_then_says_who_holds_the_warehouse(home):
    held, done = threading.Event(), threading.Event()

    def hold():  # another thread holds it like another process would
        with writer_lock(home, what="ingest big.zip"):
            held.set()
            done.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    try:
        assert held.wait(30)
        r = cli(["data", "doctor", "--wait", "0.2"], home)
    finally:
        done.set()
        t.join()
    assert r.exit_code == 2
    assert "ingest big.zip" in r.output and len(r.output.strip().splitlines()) == 1


@pytest.mark.unit
def test_doctor_removes_flow_summaries_no_query_reads_again(home, tmp_path):
    import os

    from econsec import analysis
    from econsec.engine import Warehouse
    from econsec.query.summary_files import STAGING_MAX_AGE_S, cache_root

    ingest_baci(
        release_zip(tmp_path, {2023: CLEAN_2024.replace("2024,", "2023,"), 2024: CLEAN_2024})
    )
    wh = Warehouse(home)
    for y in (2023, 2024):
        analysis.autonomy(year=y, warehouse=wh)
    wh.summaries.flush()
    rel = cache_root(home) / "hs=HS17" / "release=V202601"
    assert {d.name for d in rel.iterdir()} == {"year=2023", "year=2024"}
    # Summaries still in use are kept; a year's data rewritten since makes its summary stale.
    r = cli(["data", "doctor", "--format", "json"], home)
    assert json.loads(r.stdout)["fixed"] == []
    data = next((release_dir(home, "HS17", "V202601") / "year=2023").glob("*.parquet"))
    os.utime(data, ns=(data.stat().st_atime_ns, data.stat().st_mtime_ns + 10**9))
    # A summary of a release no longer held, and staging folders: a dead one, a fresh one.
    gone = cache_root(home) / "hs=HS17" / "release=V201901" / "year=2018"
    gone.mkdir(parents=True)
    dead, fresh = rel / ".year=2024.dead", rel / ".year=2024.busy"
    dead.mkdir()
    fresh.mkdir()
    old = dead.stat().st_mtime - STAGING_MAX_AGE_S - 60
    os.utime(dead, (old, old))
    r = cli(["data", "doctor", "--format", "json"], home)
    assert r.exit_code == 0, r.output
    fixed = json.loads(r.stdout)["fixed"]
    assert len(fixed) == 3, fixed
    assert any("V202601 year=2023" in f and "changed" in f for f in fixed)
    assert any("V201901" in f and "release is no longer held" in f for f in fixed)
    assert any("did not finish" in f for f in fixed)
    assert {d.name for d in rel.iterdir()} == {"year=2024", ".year=2024.busy"}
    assert not (cache_root(home) / "hs=HS17" / "release=V201901").exists()
    # The pruned year is summarised again by the next query, with the same answer.
    again = analysis.autonomy(year=2023, warehouse=Warehouse(home)).to_polars()
    assert again.equals(analysis.autonomy(year=2023, warehouse=wh).to_polars())
