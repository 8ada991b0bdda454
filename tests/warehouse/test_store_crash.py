"""A crash at any step of a release swap leaves the old or the new release, complete."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import polars as pl
import pytest
from store_helpers import cli, countries_csv, list_json, year_csv

from econsec.engine import Warehouse
from econsec.warehouse import journal
from econsec.warehouse.schema import baci_root, release_dir
from econsec.warehouse.store import swap_into_place, write_release_frames

OLD = {"t": [2020, 2020, 2021], "i": [156, 156, 842], "j": [392, 842, 392], "k": ["850511"] * 3}
NEW = {"t": [2022] * 4, "i": [156, 156, 842, 392], "j": [392, 842, 392, 156], "k": ["811292"] * 4}

# Dies (like a killed process: no cleanup runs) before the STEP-th file operation of the swap:
# 1 journal rename, 2 old release aside, 3 new release in (the commit point), 4 removal of the
# old release, 5 removal of the journal.
_CRASHER = """
import os, pathlib, shutil, sys
import polars as pl
from econsec.warehouse import store
from econsec.warehouse.schema import release_dir
home, step, flows, countries = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
calls = [0]
real = {"replace": os.replace, "rmtree": shutil.rmtree, "unlink": pathlib.Path.unlink}
def counted(name):
    def op(*a, **k):
        calls[0] += 1
        if calls[0] == step:
            os._exit(9)
        return real[name](*a, **k)
    return op
swap = store.swap_into_place
def dying_swap(staged, target):
    os.replace, shutil.rmtree = counted("replace"), counted("rmtree")
    pathlib.Path.unlink = counted("unlink")
    swap(staged, target)
store.swap_into_place = dying_swap
store.write_release_frames(
    pathlib.Path(home), "HS17", "V202601", pl.read_json(flows), pl.read_json(countries)
)
"""


def _frame(d: dict) -> pl.DataFrame:
    return pl.DataFrame({**d, "v": [float(n + 1) for n in range(len(d["t"]))]})


def _state(home) -> dict[int, int]:
    """Years and rows a fresh reader sees, checked against the Parquet files it would query."""
    wh = Warehouse(home)
    (rel,) = wh.releases
    for y, m in rel.years.items():
        n = pl.read_parquet(rel.path / f"year={y}" / "*.parquet").height
        assert n == m["rows"]
    return {y: m["rows"] for y, m in rel.years.items()}


@pytest.mark.slow
@pytest.mark.parametrize("step", [1, 2, 3, 4, 5])
def test_a_crash_at_each_step_of_the_swap_leaves_old_or_new(tmp_path, home, small_countries, step):
    write_release_frames(home, "HS17", "V202601", _frame(OLD), small_countries)
    old = _state(home)
    flows, ctab = tmp_path / "new.json", tmp_path / "countries.json"
    _frame(NEW).write_json(flows)
    small_countries.write_json(ctab)
    p = subprocess.run(
        [sys.executable, "-c", _CRASHER, str(home), str(step), str(flows), str(ctab)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert p.returncode == 9, p.stderr
    new = {2022: 4}
    expected = old if step <= 3 else new  # the third step is the commit point
    assert _state(home) == expected
    assert {r["year"]: r["rows"] for r in list_json(home)} == expected
    # The next writer (here the doctor) repairs the warehouse for good.
    r = cli(["data", "doctor", "--format", "json"], home)
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout)
    assert rep["ok"] and rep["problems"] == []
    assert rep["fixed"], "the doctor should report what it repaired"
    assert _state(home) == expected
    root = baci_root(home)
    assert not journal.journals(root)
    assert not list(root.glob(".staging-*")) and not list(root.glob("hs=*/.old-*"))


@pytest.mark.unit
def test_an_error_during_the_swap_puts_the_old_release_back(home, small_countries, monkeypatch):
    write_release_frames(home, "HS17", "V202601", _frame(OLD), small_countries)
    old = _state(home)
    real = os.replace
    calls = []

    def failing(a, b):
        calls.append(b)
        if str(b).endswith("release=V202601") and str(a).endswith("release"):  # once
            raise OSError(28, "No space left on device")
        return real(a, b)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(Exception, match="No space left"):
        write_release_frames(home, "HS17", "V202601", _frame(NEW), small_countries)
    monkeypatch.undo()
    assert _state(home) == old
    assert not journal.journals(baci_root(home))
    assert not list(baci_root(home).glob("hs=*/.old-*"))


@pytest.mark.unit
def test_a_first_swap_interrupted_before_its_commit_leaves_nothing(tmp_path):
    staged = tmp_path / "stage" / "release"
    staged.mkdir(parents=True)
    target = tmp_path / "baci" / "hs=HS17" / "release=V1"
    target.parent.mkdir(parents=True)
    swap = journal.Swap(journal.journal_path(target), target, staged, target.parent / ".old-x")
    journal.write_journal(swap)  # then the process died
    assert journal.readable(swap) is None
    assert "rolled back" in journal.recover(swap)
    assert not target.exists() and not staged.exists() and not swap.journal.exists()
    swap_into_place(staged.parent, target)  # a later swap works as usual
    assert target.is_dir()


@pytest.mark.unit
def test_leftovers_of_killed_writers_are_removed_by_the_next_writer(tmp_path):
    home = tmp_path / "home"
    ctab = countries_csv(tmp_path)
    dead = baci_root(home) / ".staging-0123" / "release" / "year=2024"
    dead.mkdir(parents=True)
    (dead / "part-0.parquet").write_bytes(b"half")
    aside = baci_root(home) / "hs=HS17" / ".old-release=V202601-abc"
    aside.mkdir(parents=True)
    r = cli(
        [
            "data",
            "ingest",
            "baci",
            str(year_csv(tmp_path, 2024, 20)),
            "--hs",
            "HS17",
            "--release",
            "V202601",
            "--countries",
            str(ctab),
        ],
        home,
    )
    assert r.exit_code == 0, r.output
    assert not dead.parent.parent.exists() and not aside.exists()
    assert release_dir(home, "HS17", "V202601").is_dir()
