"""Scenario specifications: TOML format, validation errors, shipped examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from econsec.errors import DataError
from econsec.scenarios import ExportBan, Quota, Tariff, load_scenario, parse_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


def _ban(**kw: object) -> dict[str, object]:
    m = {"kind": "export_ban", "suppliers": ["CHN"], "targets": ["JPN"], "products": ["850511"]}
    m.update(kw)
    return {"year": 2024, "measures": [m]}


@pytest.mark.unit
def test_toml_round_trip(tmp_path: Path) -> None:
    p = tmp_path / "s.toml"
    p.write_text(
        'name = "x"\nyear = 2010\nhorizon = "0-3m"\n'
        '[[measures]]\nkind = "export_ban"\nsuppliers = "CHN"\ntargets = ["JPN"]\n'
        'products = ["850511"]\nshare = 0.5\n'
        '[[measures]]\nkind = "tariff"\nimposer = ["USA"]\ntarget = ["IND"]\nrate = 0.5\n'
        '[io]\ntable = "tables/wiod"\n'
    )
    s = load_scenario(p)
    assert s.year == 2010 and s.redirect_fraction == pytest.approx(0.05)
    assert isinstance(s.measures[0], ExportBan) and s.measures[0].suppliers == ["CHN"]
    assert isinstance(s.measures[1], Tariff) and s.measures[1].products == []
    assert s.io is not None and s.io.table == tmp_path / "tables" / "wiod"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (
            {"year": 2024, "measures": [{"kind": "embargo"}]},
            "measures[0].kind",
            "allowed: export_ban, tariff, coalition_control, quota",
        ),
        ({"year": 2024, "measures": [{"suppliers": ["CHN"]}]}, "measures[0].kind", "allowed"),
        ({**_ban(), "horizon": "2y"}, "horizon", "'0-3m', '3-12m' or '12m+'"),
        (_ban(share=1.5), "measures[0].share", "less than or equal to 1"),
        (_ban(products=["85051"]), "measures[0].products", "2, 4 or 6 digits"),
        (_ban(products=[]), "measures[0]", "products or baskets"),
        (_ban(colour="red"), "measures[0].colour", "unknown field"),
        ({"year": 2024, "measures": []}, "measures", "at least 1"),
    ],
)
def test_invalid_specs_name_field_and_allowed_values(
    data: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(DataError) as e:
        parse_scenario(data, source="spec.toml")
    assert e.value.field == field
    assert words in str(e.value)
    assert "spec.toml" in str(e.value)


@pytest.mark.unit
def test_bad_toml_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text('year = 2024\nname = "unterminated\n')
    with pytest.raises(DataError) as e:
        load_scenario(p)
    assert e.value.line == 2


@pytest.mark.unit
def test_quota_cut_share() -> None:
    q = Quota(suppliers=["CHN"], targets=["JPN"], products=["811292"], allowed=0.6, delay_months=3)
    assert q.cut_share == pytest.approx(1 - 0.6 * 0.75)


@pytest.mark.unit
def test_shipped_examples_are_valid() -> None:
    files = sorted(EXAMPLES.glob("*.toml"))
    assert len(files) >= 4
    kinds = {m.kind for f in files for m in load_scenario(f).measures}
    assert kinds == {"export_ban", "tariff", "coalition_control"}


@pytest.mark.unit
def test_wrong_shapes_are_field_errors_not_crashes() -> None:
    from econsec.errors import DataError
    from econsec.scenarios.spec import parse_scenario

    base = {"year": 2024, "measures": [{"kind": "export_ban", "targets": ["JPN"]}]}
    for bad, field in (
        ({"suppliers": 5, "products": ["850511"]}, "measures[0].suppliers"),
        ({"suppliers": [True], "products": ["850511"]}, "measures[0].suppliers"),
        ({"suppliers": {"a": 1}, "products": ["850511"]}, "measures[0].suppliers"),
        ({"suppliers": ["CHN"], "products": 8505.11}, "measures[0].products"),
    ):
        data = {**base, "measures": [{**base["measures"][0], **bad}]}
        with pytest.raises(DataError, match=rf"field '{re.escape(field)}': expected a list"):
            parse_scenario(data, source="s.toml")
    # CEPII numeric codes in a list are names; a lone code is a list of one.
    ok = {**base, "measures": [{**base["measures"][0], "suppliers": [156], "products": "850511"}]}
    assert parse_scenario(ok).measures[0].suppliers == ["156"]  # type: ignore[union-attr]


@pytest.mark.unit
def test_every_problem_gets_its_own_line() -> None:
    from econsec.errors import DataError
    from econsec.scenarios.spec import parse_scenario

    data = {
        "year": 1900,
        "measures": [{"kind": "tariff", "imposer": 5.5, "target": ["CHN"], "rate": -1}],
    }
    with pytest.raises(DataError) as e:
        parse_scenario(data, source="s.toml")
    lines = str(e.value).splitlines()
    assert len(lines) == 3
    assert all(line.startswith("s.toml, field '") for line in lines)
    assert {line.split("'")[1] for line in lines} == {
        "year",
        "measures[0].imposer",
        "measures[0].rate",
    }
