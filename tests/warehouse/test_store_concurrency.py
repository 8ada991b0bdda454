"""Two writers at once never lose each other's work; a busy warehouse is a clear error."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from store_helpers import cli, countries_csv, ingest_together, list_json, run, year_csv

from econsec.errors import WarehouseBusyError
from econsec.warehouse.lock import holder, writer_lock
from econsec.warehouse.schema import release_dir

ROWS = 40_000  # enough for two ingests to overlap, small enough to stay quick


def _ingest_args(csv_path: Path, countries: Path) -> list[str]:
    return [
        "data",
        "ingest",
        "baci",
        str(csv_path),
        "--hs",
        "HS17",
        "--release",
        "V202601",
        "--countries",
        str(countries),
        "--wait",
        "60",
    ]


def _rows_of(path: Path) -> list[tuple[int, int, str, float]]:
    with open(path) as f:
        return sorted((int(r["i"]), int(r["j"]), r["k"], float(r["v"])) for r in csv.DictReader(f))


def _year_in_warehouse(home: Path, year: int) -> list[tuple[int, int, str, float]]:
    df = pl.read_parquet(release_dir(home, "HS17", "V202601") / f"year={year}" / "*.parquet")
    return sorted(zip(df["i"], df["j"], df["k"], df["v"], strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("trial", [0])
def test_concurrent_ingests_of_different_years_keep_both(tmp_path, trial):
    home = tmp_path / "home"
    ctab = countries_csv(tmp_path)
    a = year_csv(tmp_path / "in", 2023, ROWS, seed=trial)
    b = year_csv(tmp_path / "in", 2024, ROWS, seed=trial + 10)
    ingest_together([a, b], ctab, home, tmp_path)
    held = {(r["year"], r["rows"]) for r in list_json(home)}
    assert held == {(2023, ROWS), (2024, ROWS)}
    assert _year_in_warehouse(home, 2023) == _rows_of(a)
    assert _year_in_warehouse(home, 2024) == _rows_of(b)
    doc = cli(["data", "doctor"], home)
    assert doc.exit_code == 0, doc.output


@pytest.mark.slow
def test_concurrent_ingests_of_the_same_year_leave_exactly_one_of_them(tmp_path):
    home = tmp_path / "home"
    ctab = countries_csv(tmp_path)
    a = year_csv(tmp_path / "a", 2024, ROWS, seed=1)
    b = year_csv(tmp_path / "b", 2024, ROWS // 2, seed=2)
    ingest_together([a, b], ctab, home, tmp_path)
    got = _year_in_warehouse(home, 2024)
    assert got in (_rows_of(a), _rows_of(b))
    assert [r["rows"] for r in list_json(home)] == [len(got)]


@pytest.mark.unit
def test_a_busy_warehouse_is_a_one_line_error_naming_the_holder(tmp_path):
    home = tmp_path / "home"
    ctab = countries_csv(tmp_path)
    a = year_csv(tmp_path / "in", 2024, 10)
    with writer_lock(home, what="ingest something.zip"):
        t0 = time.monotonic()
        args = _ingest_args(a, ctab)
        args[-1] = "0.5"
        r = run(args, home)
        waited = time.monotonic() - t0
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert f"pid {os.getpid()}" in lines[0] and "ingest something.zip" in lines[0]
    assert "since" in lines[0] and "--wait" in lines[0]
    assert waited >= 0.5
    assert not release_dir(home, "HS17", "V202601").exists()
    # Once the holder is done the same command succeeds.
    assert cli(_ingest_args(a, ctab), home).exit_code == 0


@pytest.mark.unit
def test_a_waiting_writer_proceeds_when_the_holder_finishes(tmp_path):
    home = tmp_path / "home"
    code = (
        "import sys; from pathlib import Path; from econsec.warehouse.lock import writer_lock\n"
        "with writer_lock(Path(sys.argv[1]), wait=30): print('got it')"
    )
    with writer_lock(home, what="first"):
        assert holder(home)["pid"] == os.getpid()
        p = subprocess.Popen(
            [sys.executable, "-c", code, str(home)], stdout=subprocess.PIPE, text=True
        )
        time.sleep(0.5)
        assert p.poll() is None  # still waiting
    out, _ = p.communicate(timeout=30)
    assert p.returncode == 0 and out.strip() == "got it"
    assert holder(home) == {}


@pytest.mark.unit
def test_a_killed_holder_releases_the_lock(tmp_path):
    home = tmp_path / "home"
    code = (
        "import sys, time; from pathlib import Path; from econsec.warehouse.lock import "
        "writer_lock\nwith writer_lock(Path(sys.argv[1]), what='sleeper'):\n"
        "    print('held', flush=True); time.sleep(60)"
    )
    p = subprocess.Popen([sys.executable, "-c", code, str(home)], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout is not None and p.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusyError, match="sleeper"), writer_lock(home, wait=0.2):
            pass
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
        with writer_lock(home, wait=5):
            pass
    finally:
        p.kill()
        p.wait()


@pytest.mark.unit
def test_threads_of_one_process_also_take_turns(tmp_path):
    import threading

    home = tmp_path / "home"
    inside, overlaps = [], []

    def write(n):
        with writer_lock(home, wait=30, what=f"thread {n}"):
            if inside:
                overlaps.append(n)
            inside.append(n)
            with writer_lock(home):  # re-entering in the same thread does not wait
                time.sleep(0.05)
            inside.remove(n)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert overlaps == [] and inside == []
