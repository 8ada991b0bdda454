"""Bad input ends in one line naming the option or file (exit 2), never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from econsec.cli.common import handle_errors
from econsec.scenarios.montecarlo import MAX_DRAWS
from econsec.warehouse.store import write_release_frames

ECONSEC = str(Path(sys.executable).with_name("econsec"))

BAN = """
year = 2024
[[measures]]
kind = "export_ban"
suppliers = {suppliers}
targets = ["JPN"]
products = ["850511"]
share = {share}
"""


def econsec(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if k != "ECONSEC_DEBUG"}
    e.update(ECONSEC_HOME=str(home), COLUMNS="200", **env)
    return subprocess.run([ECONSEC, *args], capture_output=True, text=True, env=e, timeout=120)


def one_line_error(p: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr and p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert all(line.startswith("error: ") for line in lines), p.stderr
    for n in needles:
        assert n in p.stderr, (n, p.stderr)
    return p.stderr


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    h = tmp_path_factory.mktemp("errors") / "home"
    flows = pl.DataFrame(
        {"t": [2024, 2024], "i": [156, 410], "j": [392, 392], "k": ["850511"] * 2, "v": [6.0, 4.0]}
    )
    countries = pl.DataFrame(
        {
            "code": [156, 392, 410],
            "name": ["China", "Japan", "Rep. of Korea"],
            "iso2": ["CN", "JP", "KR"],
            "iso3": ["CHN", "JPN", "KOR"],
        }
    )
    write_release_frames(h, "HS17", "V202601", flows, countries)
    return h


@pytest.mark.slow
def test_spec_with_wrong_types_gives_one_line_per_field(home: Path, tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text(BAN.format(suppliers="5", share='"half"'), encoding="utf-8")
    err = one_line_error(econsec("scenario", "run", str(spec), home=home))
    lines = err.strip().splitlines()
    assert lines == [
        f"error: {spec}, field 'measures[0].suppliers': expected a list of country names, "
        'e.g. ["CHN"]',
        f"error: {spec}, field 'measures[0].share': Input should be a valid number, unable to "
        "parse string as a number",
    ]


@pytest.mark.slow
def test_draws_cap_is_the_same_on_the_command_line_and_in_files(home: Path, tmp_path: Path) -> None:
    ban = ["scenario", "ban", "--from", "CHN", "--to", "JPN", "-p", "850511", "--year", "2024"]
    one_line_error(econsec(*ban, "--draws", "1000000000", home=home), "--draws", f"{MAX_DRAWS:,}")
    spec = tmp_path / "mc.toml"
    spec.write_text(
        BAN.format(suppliers='["CHN"]', share="1.0") + "[montecarlo]\ndraws = 1000000000\n",
        encoding="utf-8",
    )
    one_line_error(econsec("scenario", "run", str(spec), home=home), "montecarlo.draws")
    ok = econsec(*ban, "--draws", "20", "--seed", "1", "-f", "json", home=home)
    assert ok.returncode == 0, ok.stderr


@pytest.mark.slow
def test_out_path_is_checked_before_the_run(home: Path, tmp_path: Path) -> None:
    ban = ["scenario", "ban", "--from", "CHN", "--to", "JPN", "-p", "850511", "--year", "2024"]
    one_line_error(econsec(*ban, "-o", str(tmp_path), home=home), "--out", "is a folder")
    afile = tmp_path / "a.txt"
    afile.write_text("x")
    one_line_error(
        econsec(*ban, "-o", str(afile / "out.json"), home=home), "--out", "is not a folder"
    )
    out = tmp_path / "new" / "ban.csv"
    p = econsec(*ban, "-f", "csv", "-o", str(out), home=home)
    assert p.returncode == 0 and p.stdout == "" and f"wrote {out}" in p.stderr
    assert out.read_text().startswith("measure,kind,importer,product")
    assert not [f for f in out.parent.iterdir() if f.name.endswith(".tmp")]


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_out_folder(home: Path, tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    ban = ["scenario", "ban", "--from", "CHN", "--to", "JPN", "-p", "850511", "--year", "2024"]
    one_line_error(econsec(*ban, "-o", str(ro / "x.json"), home=home), "--out", "cannot write")


@pytest.mark.slow
def test_unreadable_scenario_files_name_the_file(home: Path, tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("year = 2024\nx = " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    one_line_error(econsec("scenario", "run", str(deep), home=home), str(deep), "nests deeper")
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"year = 2024\n\xff\xfe\x00")
    one_line_error(econsec("scenario", "run", str(binary), home=home), str(binary), "UTF-8")
    bad = tmp_path / "bad.toml"
    bad.write_text("year = = 2024\n", encoding="utf-8")
    one_line_error(econsec("scenario", "run", str(bad), home=home), str(bad), "line 1")
    missing = tmp_path / "missing.toml"
    one_line_error(econsec("scenario", "run", str(missing), home=home), str(missing))


@pytest.mark.slow
def test_debug_shows_the_traceback(home: Path, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.toml")
    p = econsec("--debug", "scenario", "run", missing, home=home)
    assert p.returncode != 0 and "Traceback" in p.stderr and "DataError" in p.stderr
    p = econsec("scenario", "run", missing, home=home, ECONSEC_DEBUG="1")
    assert "Traceback" in p.stderr


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @handle_errors
    def boom(kind: str) -> None:
        """Fail in the given way."""
        if kind == "bug":
            raise KeyError("no_such_column")
        if kind == "os":
            raise IsADirectoryError(21, "Is a directory", "/tmp")
        raise typer.Exit(3)

    return app


@pytest.mark.unit
def test_unexpected_errors_are_one_line_internal_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECONSEC_DEBUG", raising=False)
    r = CliRunner().invoke(_app(), ["bug"])
    assert r.exit_code == 1
    assert r.stderr.strip() == (
        "internal error: KeyError: 'no_such_column' (run with --debug for the traceback)"
    )
    r = CliRunner().invoke(_app(), ["os"])
    assert r.exit_code == 2 and r.stderr.strip() == "error: /tmp: Is a directory"
    assert CliRunner().invoke(_app(), ["exit"]).exit_code == 3  # typer's own exits pass
    monkeypatch.setenv("ECONSEC_DEBUG", "1")
    r = CliRunner().invoke(_app(), ["bug"])
    assert isinstance(r.exception, KeyError)
