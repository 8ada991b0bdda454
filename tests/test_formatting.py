"""Output numbers: value columns at 3 decimals, other floats at 12 significant digits, no NaN."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from econsec.formatting import (
    is_value_column,
    round_sig,
    round_sig_array,
    tidy_frame,
    to_jsonable,
)

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)


@pytest.mark.golden
def test_baci_values_lose_their_binary_noise() -> None:
    df = pl.DataFrame(
        {
            "import_value": [26547.708 + 8210.855, 0.1 + 0.2, float("nan"), float("inf"), None],
            "share": [1 / 3, 0.1 + 0.2, float("nan"), -1e-30, None],
            "product": ["850511", "811292", "x", "y", "z"],
            "n": [1, 2, 3, 4, 5],
        }
    )
    assert 26547.708 + 8210.855 != 34758.563  # the noise is real
    out = tidy_frame(df)
    assert out["import_value"].to_list() == [34758.563, 0.3, None, math.inf, None]
    assert out["share"].to_list() == [0.333333333333, 0.3, None, -1e-30, None]
    assert out["product"].to_list() == df["product"].to_list()
    assert out["n"].to_list() == df["n"].to_list()
    assert out.write_csv().splitlines()[1:3] == [
        "34758.563,0.333333333333,850511,1",
        "0.3,0.3,811292,2",
    ]


@pytest.mark.unit
def test_value_column_rule() -> None:
    for name in (
        "value",
        "import_value",
        "rival_value",
        "lost_imports",
        "world_exports",
        "shortfall",
        "replaced",
        "residual_exposure",
    ):
        assert is_value_column(name), name
    for name in ("share", "hhi", "shortfall_share", "fence_cost", "value_share", "unit_value"):
        assert not is_value_column(name), name


@pytest.mark.property
@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=20))
@example([34758.562999999995, -0.0004, 5e-324, 1e15, 123456.0005, 72057594037929.0])
@example([743956454349.1475, 0.1])  # above the fast path's range: Python rounds
@example([-0.0, -0.0004, 1.5])  # the fast path never writes "-0.0"
def test_tidy_frame_rounds_exactly(xs: list[float]) -> None:
    out = tidy_frame(pl.DataFrame({"import_value": xs, "ratio": xs}))
    for x, v, r in zip(xs, out["import_value"], out["ratio"], strict=True):
        # At most one unit of the third decimal from the correctly rounded value (near-ties).
        assert abs(v - round(x, 3)) <= 1.0000001e-3 * max(1.0, abs(x) * 1e-12)
        assert "e" in repr(v) or len(repr(v).split(".")[1]) <= 3
        assert r == round_sig(x)
        assert abs(r - x) <= 5e-12 * abs(x)
        assert repr(v) != "-0.0" and repr(r) != "-0.0"


@pytest.mark.property
@settings(max_examples=200, deadline=None)
@given(finite)
def test_round_sig_keeps_12_digits(x: float) -> None:
    r = round_sig(x)
    digits = repr(abs(r)).split("e")[0].replace(".", "").strip("0")
    assert len(digits) <= 12
    assert r == pytest.approx(x, rel=5e-12, abs=0.0)


class Colour(enum.Enum):
    red = "red"


@dataclasses.dataclass
class Point:
    x: float
    when: dt.date


@pytest.mark.unit
def test_to_jsonable_makes_plain_json() -> None:
    obj = {
        "nan": float("nan"),
        "inf": float("inf"),
        "minf": -math.inf,
        "noise": 0.1 + 0.2,
        "shortfall": 1234.56789,
        "value": 0.00012,  # a bare "value" in a mapping may be a threshold: not rounded to 3
        "np": np.float64(1 / 3),
        "npint": np.int64(7),
        "arr": np.array([1.5, np.nan]),
        "date": dt.date(2024, 7, 1),
        "path": Path("/tmp/x.csv"),
        "enum": Colour.red,
        "set": {"b", "a"},
        "tuple": (1, 2.5),
        "frame": pl.DataFrame({"import_value": [26547.708 + 8210.855], "share": [float("nan")]}),
        "series": pl.Series("s", [0.1 + 0.2]),
        "point": Point(0.1 + 0.2, dt.date(2024, 1, 2)),
        "flag": True,
        7: None,
    }
    out = to_jsonable(obj)
    text = json.dumps(out, allow_nan=False)
    assert json.loads(text) == {
        "nan": None,
        "inf": "inf",
        "minf": "-inf",
        "noise": 0.3,
        "shortfall": 1234.568,
        "value": 0.00012,
        "np": 0.333333333333,
        "npint": 7,
        "arr": [1.5, None],
        "date": "2024-07-01",
        "path": "/tmp/x.csv",
        "enum": "red",
        "set": ["a", "b"],
        "tuple": [1, 2.5],
        "frame": [{"import_value": 34758.563, "share": None}],
        "series": [0.3],
        "point": {"x": 0.3, "when": "2024-01-02"},
        "flag": True,
        "7": None,
    }


def test_round_sig_array_is_round_sig_bit_for_bit() -> None:
    # Shares, values over many magnitudes, near-ties at the 12th digit, extremes.
    rng = np.random.default_rng(7)
    xs = np.concatenate(
        [
            rng.lognormal(0.0, 8.0, 60_000) * rng.choice([-1.0, 1.0], 60_000),
            rng.random(40_000),
            np.round(rng.random(20_000), 12) + 5e-13,  # halves at the 12th digit
            10.0 ** rng.integers(-40, 40, 2_000).astype(float),
            [5e-324, -5e-324, 1e308, -1.7e308, 0.5, 1.5e-12, 123456789012.5, 1e22, 1e23],
            [0.0, -0.0, np.inf, -np.inf],
        ]
    )
    got = round_sig_array(xs)
    want = np.array([round_sig(float(x)) for x in xs])
    assert np.array_equal(got, want)
    assert not np.signbit(got[xs == 0.0]).any()  # never "-0.0"
