"""What an ingest commits: rejects and metadata written in the same transaction as the data."""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess

import pytest
from ingest_helpers import BAD, CLEAN_2024, release_zip
from store_helpers import ECONSEC, countries_csv, env_for, run
from typer.testing import CliRunner

from econsec.cli.main import app
from econsec.errors import DataError, StorageError
from econsec.warehouse import lock as lock_mod
from econsec.warehouse.catalog import read_meta
from econsec.warehouse.doctor import doctor
from econsec.warehouse.ingest import ingest_baci
from econsec.warehouse.schema import release_dir

NAME = "BACI_HS17_Y2024_V202601.csv"


def _csv(folder, text):
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / NAME
    p.write_text(text)
    return p


@pytest.mark.unit
def test_a_failed_strict_ingest_leaves_the_live_rejects_untouched(home, tmp_path):
    ctab = countries_csv(tmp_path)
    ingest_baci(_csv(tmp_path / "a", BAD), "HS17", "V202601", countries=ctab)
    rel = release_dir(home, "HS17", "V202601")
    live = rel / "rejects" / NAME
    before, meta_before = live.read_bytes(), (rel / "meta.json").read_bytes()
    assert read_meta(rel)["years"]["2024"]["rejects"] == 7
    worse = BAD.replace("2024,842,392,850511,8,", "2024,842,392,850511,-8,")
    with pytest.raises(DataError, match="--strict"):
        ingest_baci(_csv(tmp_path / "b", worse), "HS17", "V202601", countries=ctab, strict=True)
    assert live.read_bytes() == before
    assert (rel / "meta.json").read_bytes() == meta_before


@pytest.mark.unit
def test_a_failed_strict_ingest_keeps_only_its_own_rejects_aside(home, tmp_path):
    ctab = countries_csv(tmp_path)
    ingest_baci(_csv(tmp_path / "a", BAD), "HS17", "V202601", countries=ctab)
    other = tmp_path / "b" / "BACI_HS17_Y2024_V202601_fix.csv"
    other.parent.mkdir()
    other.write_text(BAD.replace("-5,1", "-6,1"))  # not the file ingested before
    with pytest.raises(DataError, match="rejects kept in"):
        ingest_baci(other, "HS17", "V202601", countries=ctab, strict=True)
    kept = home / "rejects" / "HS17_V202601"
    assert sorted(p.name for p in kept.iterdir()) == [other.name]
    assert len((kept / other.name).read_text().splitlines()) == 8  # header and 7 rows


@pytest.mark.unit
def test_a_clean_reingest_drops_the_files_old_rejects(home, tmp_path):
    ctab = countries_csv(tmp_path)
    ingest_baci(_csv(tmp_path / "a", BAD), "HS17", "V202601", countries=ctab)
    ingest_baci(_csv(tmp_path / "b", CLEAN_2024), "HS17", "V202601", countries=ctab)
    rel = release_dir(home, "HS17", "V202601")
    meta = read_meta(rel)
    assert meta["years"]["2024"] == {**meta["years"]["2024"], "rows": 5, "rejects": 0}
    assert meta["rejects"] == 0 and meta["rejects_files"] == {}
    assert not (rel / "rejects" / NAME).exists()


@pytest.mark.unit
def test_metadata_describes_exactly_the_committed_files(home, tmp_path):
    z = release_zip(tmp_path, {2023: CLEAN_2024.replace("2024,", "2023,"), 2024: BAD})
    rep = ingest_baci(z)
    rel = release_dir(home, "HS17", "V202601")
    meta = read_meta(rel)
    on_disk = sorted(p.relative_to(rel).as_posix() for p in rel.glob("year=*/*.parquet"))
    assert sorted(meta["files"]) == on_disk
    for y, m in meta["years"].items():
        assert m["rows"] == sum(f["rows"] for k, f in meta["files"].items() if f"year={y}/" in k)
        assert m["rows"] == rep.years[int(y)].rows
    assert meta["rejects_files"] == {"rejects/BACI_HS17_Y2024_V202601.csv": 7}
    assert meta["sources_sha256"][z.name] == rep.sha256
    assert doctor(home).ok


# ---------------------------------------------------------------------------------------------
# Homes that cannot be written


def _ingest_cli(z, home, *extra):
    return run(["data", "ingest", "baci", str(z), *extra], home)


@pytest.mark.unit
def test_a_home_that_is_a_file_is_a_one_line_error(tmp_path, monkeypatch):
    z = release_zip(tmp_path / "in", {2024: CLEAN_2024})
    home = tmp_path / "home"
    home.write_text("not a folder")
    r = _ingest_cli(z, home)  # the installed command, as a user runs it
    assert r.returncode == 2
    outputs = [r.stderr]
    monkeypatch.setenv("ECONSEC_HOME", str(home))
    for args in (
        ["data", "list"],
        ["data", "doctor"],
        ["data", "fetch", "baci", "--hs", "HS17", "--release", "V202601"],
    ):
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        outputs.append(res.output)
    for out in outputs:
        lines = out.strip().splitlines()
        assert len(lines) == 1 and str(home) in lines[0] and "not a folder" in lines[0], out


@pytest.mark.unit
def test_an_unwritable_home_is_a_one_line_error(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(home / ".lock"))

    monkeypatch.setattr(lock_mod.os, "open", denied)
    with pytest.raises(StorageError, match=f"{home}.*Permission denied"):
        ingest_baci(release_zip(tmp_path / "in", {2024: CLEAN_2024}), home=home)


@pytest.mark.unit
@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_a_read_only_home_is_a_one_line_error(tmp_path):
    z = release_zip(tmp_path / "in", {2024: CLEAN_2024})
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    try:
        r = _ingest_cli(z, home)
    finally:
        home.chmod(0o755)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and str(home) in r.stderr


def _limit_file_size():  # pragma: no cover - runs in the child
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


@pytest.mark.unit
@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file size limits")
def test_a_full_disk_is_a_one_line_error_and_changes_nothing(home, tmp_path):
    small = release_zip(tmp_path / "small", {2024: CLEAN_2024})
    assert _ingest_cli(small, home).returncode == 0
    before = read_meta(release_dir(home, "HS17", "V202601"))
    rows = "".join(f"2023,156,392,850511,{n}.5,1.0\n" for n in range(1, 5000))
    big = release_zip(tmp_path / "big", {2023: "t,i,j,k,v,q\n" + rows, 2024: CLEAN_2024})
    # Files over 20 kB cannot be written: the same errors as a full disk, from every library.
    p = subprocess.run(
        [ECONSEC, "data", "ingest", "baci", str(big)],
        env=env_for(home),
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_file_size,
        check=False,
    )
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert str(home) in lines[0] and "unchanged" in lines[0]
    assert read_meta(release_dir(home, "HS17", "V202601")) == before
    assert doctor(home).ok
    assert not list((home / "baci").glob(".staging-*"))


@pytest.mark.unit
def test_doctor_reports_metadata_that_disagrees_with_the_files(home, tmp_path):
    ingest_baci(release_zip(tmp_path, {2023: CLEAN_2024.replace("2024,", "2023,"), 2024: BAD}))
    rel = release_dir(home, "HS17", "V202601")
    (rel / "rejects" / NAME).unlink()
    stray = rel / "year=2023" / "extra.parquet"
    stray.write_bytes((rel / "year=2023" / "BACI_HS17_Y2023_V202601.parquet").read_bytes())
    r = run(["data", "doctor", "--format", "json"], home)
    assert r.returncode == 1
    problems = json.loads(r.stdout)["problems"]
    assert any("year 2023" in p and "5 rows" in p and "10" in p for p in problems), problems
    assert any(f"rejects/{NAME}" in p for p in problems), problems
    r = run(["data", "doctor"], home)
    assert r.returncode == 1 and "problem:" in r.stderr
