"""``econsec backtest`` as users run it: the console script in a subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from econsec.cli.main import app

runner = CliRunner()
ECONSEC = Path(sys.executable).parent / "econsec"


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ECONSEC_HOME": str(home)}
    return subprocess.run(
        [str(ECONSEC), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.mark.unit
def test_list_csv_has_the_columns_and_sources(planted_home: Path) -> None:
    r = _run(planted_home, "backtest", "list", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {"event", "date", "imposer", "target", "products", "source"} <= set(rows[0])
    by = {x["event"]: x for x in rows}
    assert by["planted-ban-2021"]["products"] == "HS17: 811292"
    assert "MOFCOM" in by["cn-gallium-germanium-2023"]["source"]
    assert all(x["source"] for x in rows)
    t = runner.invoke(app, ["backtest", "list", "--home", str(planted_home)])
    assert t.exit_code == 0 and "cn-graphite-2023: MOFCOM" in t.stdout
    kor = runner.invoke(
        app, ["backtest", "list", "-c", "KOR", "-f", "json", "--home", str(planted_home)]
    )
    ids = [x["event"] for x in json.loads(kor.stdout)]
    assert "jp-kr-semiconductor-materials-2019" in ids and "cn-gallium-germanium-2023" in ids
    assert "us-cn-section301-2018" not in ids and "cn-jp-rare-earths-2010" not in ids


@pytest.mark.unit
def test_run_json_csv_html_and_table(planted_home: Path, tmp_path: Path) -> None:
    r = _run(planted_home, "backtest", "run", "planted-ban-2021", "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    row = d["rows"][0]
    keys = {"product", "importer", "base_year", "outcome_year", "observed_change"}
    assert keys | {"predicted_change", "observed_replacement", "predicted_replacement"} <= set(row)
    assert (row["observed_change"], row["predicted_change"]) == (-60.0, -100.0)
    assert d["params"]["measures"][0]["base_year"] == 2020
    assert d["outcomes"][0]["sources"] == ["Test fixture: a planted history with a known answer"]
    assert d["scores"] and d["statements"]
    # The other formats in process (the console script above is the contract).
    home = ["--home", str(planted_home)]
    c = runner.invoke(app, ["backtest", "run", "planted-ban-2021", "--format", "csv", *home])
    rows = list(csv.DictReader(io.StringIO(c.stdout)))
    assert [x["outcome_year"] for x in rows] == ["2021", "2022"]
    out = tmp_path / "bt.html"
    h = runner.invoke(
        app, ["backtest", "run", "planted-ban-2021", "-f", "html", "-o", str(out), *home]
    )
    assert h.exit_code == 0, h.output
    page = out.read_text(encoding="utf-8")
    assert "Planted: China stops 811292 to Japan" in page and "plotly" in page
    assert "Where the model is wrong" in page
    t = runner.invoke(app, ["backtest", "run", "planted-ban-2021", "--outcome-year", "2022", *home])
    assert t.exit_code == 0, t.output
    assert "observed and predicted changes" in t.stdout and "12m+" in t.stdout


@pytest.mark.unit
def test_score_command(planted_home: Path) -> None:
    r = runner.invoke(
        app,
        ["backtest", "score", "-e", "planted-ban-2021", "-f", "json", "--home", str(planted_home)],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    best = {x["horizon"]: x["best_redirect"] for x in d["rows"]}
    assert best["3-12m"] == 0.2 and best["12m+"] == 0.5
    assert d["summary"]["scored"] == ["planted-ban-2021"]


@pytest.mark.unit
def test_errors_are_one_line(planted_home: Path) -> None:
    r = _run(planted_home, "backtest", "run", "planted-ban-2012")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "unknown event 'planted-ban-2012'" in r.stderr
    assert "planted-ban-2021" in r.stderr
    (planted_home / "events" / "bad.toml").write_text(
        'id = "bad-one"\ntitle = "Broken"\ndate = 2021-01-01\n', encoding="utf-8"
    )
    b = _run(planted_home, "backtest", "list")
    assert b.returncode == 2 and b.stderr.count("\n") == 1
    assert "bad.toml" in b.stderr and "field 'sources'" in b.stderr
    assert "Traceback" not in b.stderr
