"""Builders and runners for the warehouse write-safety tests (real processes, small data)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ingest_helpers import COUNTRY_CSV
from typer.testing import CliRunner

CODES = [4, 156, 392, 490, 516, 842]
PRODUCTS = ["850511", "811292", "020110"]
ECONSEC = str(Path(sys.executable).with_name("econsec"))


def year_csv(folder: Path, year: int, rows: int, *, seed: int = 0, name: str | None = None) -> Path:
    """A BACI yearly CSV with ``rows`` valid rows (values depend on ``seed``)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"BACI_HS17_Y{year}_V202601.csv")
    lines = ["t,i,j,k,v,q"]
    # BACI holds one flow per (t, i, j, k): draw distinct keys (products beyond the named
    # ones are numbered, as a lone CSV is checked for the 6-digit form only).
    pairs = [(i, j) for i in CODES for j in CODES if i != j]
    goods = [*PRODUCTS, *(f"{100000 + n}" for n in range(rows // len(pairs) + 1))]
    keys = rng.sample([(i, j, k) for k in goods for i, j in pairs], rows)
    for i, j, k in keys:
        lines.append(f"{year},{i},{j},{k},{rng.randint(1, 10**6) / 100},")
    path.write_text("\n".join(lines) + "\n")
    return path


def countries_csv(folder: Path) -> Path:
    """The helpers' country table as a ``country_codes`` CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "country_codes_V202601.csv"
    p.write_text(COUNTRY_CSV)
    return p


def env_for(home: Path) -> dict[str, str]:
    """Environment of a child process writing into ``home`` (never the network)."""
    env = {k: v for k, v in os.environ.items() if k != "ECONSEC_MIRROR"}
    env["ECONSEC_HOME"] = str(home)
    env["COLUMNS"] = "200"
    return env


def start(args: list[str], home: Path, **kw: object) -> subprocess.Popen[str]:
    """Start ``econsec ARGS`` as a separate process."""
    return subprocess.Popen(
        [ECONSEC, *args],
        env=env_for(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,  # type: ignore[arg-type]
    )


def run(args: list[str], home: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``econsec ARGS`` to completion."""
    return subprocess.run(
        [ECONSEC, *args],
        env=env_for(home),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli(args: list[str], home: Path) -> Any:
    """Run ``econsec ARGS`` in this process (quicker than a child) against ``home``."""
    from econsec.cli.main import app

    return CliRunner().invoke(app, [*args, "--home", str(home)])


def list_json(home: Path) -> list[dict[str, object]]:
    """``econsec data list --format json`` as records."""
    r = cli(["data", "list", "--format", "json"], home)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


_AT_THE_SIGNAL = """
import sys, time
from pathlib import Path
from econsec.warehouse.ingest import ingest_baci
go = Path(sys.argv[1])
while not go.exists():  # imports done: start together with the other writer
    time.sleep(0.005)
ingest_baci(sys.argv[2], "HS17", "V202601", countries=sys.argv[3], wait=60)
"""


def ingest_together(paths: list[Path], countries: Path, home: Path, tmp: Path) -> list[str]:
    """Ingest yearly CSVs from separate processes started at the same instant; their stderr."""
    go = tmp / f"go-{os.getpid()}-{random.random()}"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _AT_THE_SIGNAL, str(go), str(p), str(countries)],
            env=env_for(home),
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in paths
    ]
    time.sleep(2.0)  # let both finish importing
    go.touch()
    errs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), errs
    return errs
