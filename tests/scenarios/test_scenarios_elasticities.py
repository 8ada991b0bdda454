"""ProTEE elasticities: reading, fallback rule, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from econsec.errors import DataError
from econsec.scenarios.elasticities import DEFAULT_SIGMA, load_elasticities, read_protee


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "protee.csv"
    p.write_text("HS6,zero,positive,sigma\n" + body)
    return p


@pytest.mark.golden
def test_fallback_hs6_then_hs4_then_hs2_then_default(tmp_path: Path) -> None:
    p = _write(tmp_path, "850511,0,0,-6\n850519,1,0,-8\n851000,0,0,-2\n10110,1,0,\n")
    el = read_protee(p)
    got = el.lookup(["850511", "850520", "854231", "999999", "010110"])
    assert got["sigma"].to_list() == pytest.approx(
        [6.0, 7.0, 16.0 / 3.0, DEFAULT_SIGMA, DEFAULT_SIGMA]
    )
    assert got["sigma_source"].to_list() == ["protee", "hs4_mean", "hs2_mean", "default", "default"]


@pytest.mark.unit
def test_bad_rows_name_line_and_field(tmp_path: Path) -> None:
    with pytest.raises(DataError) as e:
        read_protee(_write(tmp_path, "850511,0,0,-6\n8505,0,0,-1\n"))
    assert e.value.line == 3 and e.value.field == "HS6"
    with pytest.raises(DataError) as e:
        read_protee(_write(tmp_path, "850511,0,0,abc\n"))
    assert e.value.line == 2 and e.value.field == "sigma"
    with pytest.raises(DataError, match="negative"):
        read_protee(_write(tmp_path, "850511,0,1,3.2\n"))


@pytest.mark.unit
def test_no_file_means_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ECONSEC_MIRROR", raising=False)
    el = load_elasticities(mirror=tmp_path)
    assert el.source == "default"
    assert el.lookup(["850511"])["sigma"].to_list() == [DEFAULT_SIGMA]


@pytest.mark.realdata
def test_real_protee_file(mirror: Path) -> None:
    el = load_elasticities(mirror=mirror)
    assert el.table.height > 4000
    got = el.lookup(["850511", "811292"]).row(0, named=True)
    # ProTEE 0.1 lists 850511 at -6.2538 (an HS4 average: flagged zero = 1).
    assert got["sigma"] == pytest.approx(6.253846, rel=1e-6)
