"""User baskets from TOML, lookups by name, and mapping through a concordance."""

from __future__ import annotations

import types
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econsec import baskets as bk
from econsec.errors import DataError, NotFoundError

GOOD = """
[baskets.magnets]
title = "Magnet chain"
source = "Own selection"

[[baskets.magnets.items]]
item = "NdFeB magnets"
hs6 = ["850511"]
note = "all metal magnets"

[[baskets.magnets.items]]
item = "rare-earth metals"
hs6 = ["280530", "284690"]
source = "USGS MCS 2024"
source_date = "2024-01-31"
"""


def write(tmp_path: Path, text: str, name: str = "b.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.unit
def test_user_basket_from_explicit_file(tmp_path: Path) -> None:
    p = write(tmp_path, GOOD)
    df = bk.load_basket("magnets", extra=p)
    assert df["hs6"].to_list() == ["850511", "280530", "284690"]
    assert df["source"].to_list() == ["Own selection", "USGS MCS 2024", "USGS MCS 2024"]
    assert bk.basket_codes("magnets", extra=p) == ["280530", "284690", "850511"]
    lst = bk.list_baskets(extra=p)
    row = lst.filter(pl.col("name") == "magnets").row(0, named=True)
    assert row["items"] == 2 and row["codes"] == 3 and row["origin"] == str(p)


@pytest.mark.unit
def test_user_basket_from_home(home: Path) -> None:
    write(home, GOOD, "baskets.toml")
    assert "magnets" in bk.list_baskets()["name"].to_list()
    assert bk.basket_codes("MAGNETS") == ["280530", "284690", "850511"]


@pytest.mark.unit
def test_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        bk.list_baskets(extra=tmp_path / "nope.toml")


BAD = [
    ('[baskets.x]\nitems = [{item="a", hs6=["850511"], source="s"}]\n', r"baskets\.x\.title"),
    (
        '[baskets.x]\ntitle="t"\nitems = [{item="a", hs6=[10121], source="s"}]\n',
        r"baskets\.x\.items\[1\]\.hs6\[1\].*quote",
    ),
    (
        '[baskets.x]\ntitle="t"\nitems = [{item="a", hs6=["81129"], source="s"}]\n',
        r"items\[1\]\.hs6\[1\].*6-digit",
    ),
    ('[baskets.x]\ntitle="t"\nitems = [{item="a", hs6=["850511"]}]\n', r"items\[1\]\.source"),
    (
        '[baskets.x]\ntitle="t"\nitems = [{item="a", hs6=["850511"], source="s", sorce="s"}]\n',
        r"items\[1\]\.sorce.*unknown key",
    ),
    ('[baskets.x]\ntitle="t"\nitems = []\n', r"baskets\.x\.items"),
    (
        '[baskets.x]\ntitle="t"\nhs_revision="HS18"\n'
        'items=[{item="a", hs6=["850511"], source="s"}]\n',
        r"hs_revision",
    ),
    (
        '[baskets.x]\ntitle="t"\nitems = [{item="a", hs6=["850511", "850511"], source="s"}]\n',
        r"hs6\[2\].*duplicate",
    ),
    (
        '[baskets.X]\ntitle="t"\nitems = [{item="a", hs6=["850511"], source="s"}]\n',
        r"baskets\.X.*lower-case",
    ),
    (
        '[baskets.eu-crma]\ntitle="t"\nitems = [{item="a", hs6=["850511"], source="s"}]\n',
        r"built-in",
    ),
    ("[other]\nx = 1\n", r"\[baskets\.NAME\]"),
    ('[baskets.x]\ntitle = "t\n', r"line 2.*invalid TOML"),
]


@pytest.mark.unit
@pytest.mark.parametrize(("text", "pattern"), BAD)
def test_user_basket_errors_name_file_and_key(tmp_path: Path, text: str, pattern: str) -> None:
    p = write(tmp_path, text)
    with pytest.raises(DataError, match=pattern) as ei:
        bk.list_baskets(extra=p)
    assert str(p) in str(ei.value)


@pytest.mark.unit
def test_service_item_needs_a_note(tmp_path: Path) -> None:
    ok = '[baskets.x]\ntitle="t"\nitems=[{item="cloud", hs6=[], source="s", note="a service"}]\n'
    df = bk.load_basket("x", extra=write(tmp_path, ok))
    assert df["hs6"].to_list() == [""]
    bad = '[baskets.x]\ntitle="t"\nitems=[{item="cloud", hs6=[], source="s"}]\n'
    with pytest.raises(DataError, match=r"items\[1\]\.hs6.*note"):
        bk.load_basket("x", extra=write(tmp_path, bad, "c.toml"))


@pytest.mark.unit
def test_unknown_name_suggests_close_matches(home: Path) -> None:
    with pytest.raises(NotFoundError, match=r"eu-crma") as ei:
        bk.load_basket("eu-crm")
    assert ei.value.suggestions[0] == "eu-crma"


def fake_concordance(table: dict[tuple[str, str], list[tuple[str, str, float]]]):
    mod = types.ModuleType("econsec.reference.hs")

    def concordance(from_hs: str, to_hs: str) -> pl.DataFrame:
        rows = table.get((from_hs, to_hs), [])
        return pl.DataFrame(rows, schema=["from_code", "to_code", "weight"], orient="row")

    mod.concordance = concordance  # type: ignore[attr-defined]
    return mod


@pytest.mark.unit
def test_user_basket_in_other_revision_uses_concordance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (
        '[baskets.h]\ntitle="t"\nhs_revision="HS22"\n'
        'items=[{item="hafnium", hs6=["811231"], source="s"}]\n'
    )
    p = write(tmp_path, text)
    mod = fake_concordance({("HS22", "HS17"): [("811231", "811292", 1.0)]})
    monkeypatch.setattr(bk, "_hs", mod)
    assert bk.basket_codes("h", "HS17", extra=p) == ["811292"]
    assert bk.basket_codes("h", "HS22", extra=p) == ["811231"]


@pytest.mark.unit
def test_explicit_rows_win_over_concordance(monkeypatch: pytest.MonkeyPatch) -> None:
    # A concordance mapping 811292 to all its HS22 successors must not widen gallium.
    mod = fake_concordance(
        {
            ("HS17", "HS22"): [
                ("811292", "811292", 0.5),
                ("811292", "811231", 0.3),
                ("811292", "811241", 0.2),
            ]
        }
    )
    monkeypatch.setattr(bk, "_hs", mod)
    df = bk.load_basket("usgs-2022", hs="HS22")
    assert df.filter(pl.col("item") == "hafnium")["hs6"].to_list() == ["811231"]
    gal = df.filter(pl.col("item") == "gallium")["hs6"].to_list()
    assert gal == ["811292"]  # the explicit HS22 row wins over the wider mapping


codes6 = st.text("0123456789", min_size=6, max_size=6)


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(
    items=st.dictionaries(
        st.text("abcdef", min_size=1, max_size=4),
        st.lists(codes6, min_size=1, max_size=3, unique=True),
        min_size=1,
        max_size=5,
    ),
    conc=st.dictionaries(codes6, st.lists(codes6, min_size=1, max_size=3, unique=True), max_size=6),
)
def test_mapping_keeps_every_item_property(items, conc) -> None:
    rows = [
        {
            "basket": "p",
            "item": i,
            "category": "",
            "hs_revision": "HS17",
            "hs6": c,
            "source": "s",
            "source_date": "",
            "note": "",
        }
        for i, cs in items.items()
        for c in cs
    ]
    b = bk.Basket("p", "t", "u", "", "HS17", "user", bk._entries_frame(rows))
    mod = fake_concordance(
        {("HS17", "HS02"): [(f, t, 1.0 / len(ts)) for f, ts in conc.items() for t in ts]}
    )
    saved = bk._hs
    bk._hs = mod
    try:
        out = bk.entries_in(b, "HS02")
    finally:
        bk._hs = saved
    assert set(out["item"]) == set(items)
    for i, cs in items.items():
        want = {t for c in cs for t in conc.get(c, [c])}
        assert set(out.filter(pl.col("item") == i)["hs6"]) == want


@pytest.mark.unit
def test_user_basket_marks_broad_codes(tmp_path: Path) -> None:
    text = GOOD + (
        '\n[[baskets.magnets.items]]\nitem = "rare-earth ores"\nhs6 = ["253090"]\n'
        'broad = true\nbroad_note = "every mineral substance n.e.c. in chapter 25"\n'
    )
    df = bk.load_basket("magnets", extra=write(tmp_path, text))
    assert df["broad"].to_list() == [False, False, False, True]
    assert df["broad_note"][3].startswith("every mineral")
    bad = GOOD.replace('note = "all metal magnets"', 'note = "x"\nbroad = "yes"')
    with pytest.raises(DataError, match=r"items\[1\]\.broad.*true or false"):
        bk.load_basket("magnets", extra=write(tmp_path, bad, "bad.toml"))
    silent = GOOD.replace('note = "all metal magnets"', "broad = true")
    with pytest.raises(DataError, match=r"broad_note"):
        bk.load_basket("magnets", extra=write(tmp_path, silent, "silent.toml"))
