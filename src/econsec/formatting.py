"""Numbers fit for machine output: no binary float noise, no ``NaN`` tokens.

Rules (the same for CSV and JSON, for the CLI and for ``Result.to_dict()``):

* **Value columns** — money in thousand USD, BACI's unit, which it publishes with 3 decimals —
  are rounded to 3 decimals (one US dollar): a float column whose name is in
  :data:`VALUE_COLUMNS` or ends in one of :data:`VALUE_SUFFIXES` (``import_value``,
  ``lost_imports``), :data:`NOT_VALUES` (prices) excepted. ``34758.562999999995`` is written
  ``34758.563``.
* **Every other float** is rounded to 12 significant digits (shares, indices, elasticities):
  well above what the data support, well below where float noise shows.
* **NaN** (an undefined number: a share of nothing) becomes null — an empty CSV cell, JSON
  ``null``.
* **Infinities** (e.g. days of cover without consumption) stay infinite in frames (CSV
  ``inf``) and are written as the strings ``"inf"`` / ``"-inf"`` in JSON, which has no
  number for them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any

import numpy as np
import polars as pl

#: Significant digits kept for floats other than values.
SIGNIFICANT_DIGITS = 12
#: Decimals kept for values in thousand USD (3: one US dollar, BACI's precision).
VALUE_DECIMALS = 3
#: Column names of values in thousand USD.
VALUE_COLUMNS = frozenset(
    {
        "value",
        "v",
        "lost",
        "replaced",
        "shortfall",
        "tariff_revenue",
        "value_at_stake",
        "cost_premium",
        "carrying_cost",
        "residual_exposure",
        "exports_to_partner",
        "imports",
        "exports",
        # back-tests: the model's replacement by other suppliers (thousand USD)
        "predicted_replacement",
        "predicted_replacement_r05",
        "predicted_replacement_r20",
        "predicted_replacement_r50",
    }
)
#: Name endings of value columns (``import_value``, ``lost_imports``, ``world_exports``...).
VALUE_SUFFIXES = ("_value", "_imports", "_exports", "_kusd")
#: Names with a value ending that are not amounts: a unit value is a price (USD per kg).
NOT_VALUES = frozenset({"unit_value"})
#: Below this magnitude (a trillion USD) values are rounded by polars, which scales by 10^3:
#: correct but for near-ties (x · 10^3 within ~1e-4 of a half), where the third decimal may
#: differ by one from Python's correctly rounded result; above it Python rounds.
_FAST_ROUND_BELOW = 1e9
#: Value names too generic to trust outside a frame (a threshold ``value`` in a spec).
_GENERIC = frozenset({"value", "v"})


def is_value_column(name: str) -> bool:
    """Whether a column holds values in thousand USD (see the module docstring)."""
    if name in NOT_VALUES:
        return False
    return name in VALUE_COLUMNS or name.endswith(VALUE_SUFFIXES)


def round_sig(x: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``x`` rounded to ``digits`` significant digits (NaN and infinities unchanged)."""
    if x == 0.0:
        return 0.0  # and never "-0.0"
    if not math.isfinite(x):
        return x
    return float(f"{x:.{digits}g}")


def round_sig_array(a: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """:func:`round_sig` of every element, vectorised; the same floats, bit for bit.

    ``x`` is scaled by an exact power of ten to a ``digits``-digit integer *m*, rounded, and
    scaled back by one correctly rounded division (or product): the float nearest to the
    decimal, as Python's formatting gives. Elements where the scaled value lies near a half
    (where the scaling's own rounding could flip *m*), outside the exact powers of ten, or
    where the digit count came out wrong go through :func:`round_sig` (well under 1%).
    """
    x = np.asarray(a, dtype=np.float64)
    out = x.copy()
    out[x == 0.0] = 0.0  # never "-0.0"
    idx = np.flatnonzero(np.isfinite(x) & (x != 0.0))
    v = x[idx]
    with np.errstate(all="ignore"):
        k = digits - 1 - np.floor(np.log10(np.abs(v))).astype(np.int64)
        p = 10.0 ** np.minimum(np.abs(k), 22)  # 10^22 is the largest exact power of ten
        scaled = np.where(k >= 0, v * p, v / p)
        m = np.round(scaled)
        y = np.where(k >= 0, m / p, m * p)
    frac = np.abs(scaled - np.trunc(scaled))
    good = (
        (np.abs(k) <= 22)
        & (np.abs(frac - 0.5) > 1e-3)
        & (np.abs(m) >= 10.0 ** (digits - 1))
        & (np.abs(m) < 10.0**digits)
    )
    out[idx[good]] = y[good]
    for i in idx[~good]:
        out[i] = round_sig(float(x[i]), digits)
    return out


def _round_value(x: float) -> float:
    if not math.isfinite(x):
        return x
    return round(x, VALUE_DECIMALS) + 0.0  # + 0.0: never "-0.0"


def _tidy_column(s: pl.Series) -> pl.Series:
    s = s.cast(pl.Float64).fill_nan(None)
    if is_value_column(s.name):
        big = s.abs().max()
        if big is None or float(big) < _FAST_ROUND_BELOW:  # type: ignore[arg-type]
            r = s.round(VALUE_DECIMALS)
            return r.set(r == 0.0, 0.0).alias(s.name)  # never "-0.0"
        out = [None if v is None else _round_value(v) for v in s.to_list()]
        return pl.Series(s.name, out, dtype=pl.Float64)
    # polars' round_sig_figs leaves noise in ~1% of values (0.8791081100000001); this gives
    # Python's exact result at numpy speed (nulls travel as NaN, which no value is here).
    rounded = round_sig_array(s.to_numpy())
    return pl.Series(s.name, rounded, dtype=pl.Float64).fill_nan(None)


def tidy_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Round a frame's float columns for output and turn NaN into null.

    Value columns (:func:`is_value_column`) get :data:`VALUE_DECIMALS` decimals, other float
    columns :data:`SIGNIFICANT_DIGITS` significant digits; other columns are unchanged.
    """
    cols = [_tidy_column(df[c]) for c, dtype in df.schema.items() if dtype.is_float()]
    return df.with_columns(cols) if cols else df


def _float(x: float) -> float | str | None:
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return round_sig(x)


def _entry(key: str, v: Any) -> Any:
    # A value under a value name (``import_value``, ``shortfall``) gets the value rounding.
    if (
        isinstance(v, float | np.floating)
        and math.isfinite(v)
        and is_value_column(key)
        and key not in _GENERIC
    ):
        return _round_value(float(v))
    return to_jsonable(v)


def to_jsonable(obj: Any) -> Any:
    """Return a copy of ``obj`` made of JSON types only, numbers rounded as the module says.

    Recursively: mappings (keys as text), lists, tuples and sets; NaN → ``None``; infinities →
    ``"inf"``/``"-inf"``; floats to 12 significant digits, and to 3 decimals under a value
    name (:func:`is_value_column`; not a bare ``value``, which in a mapping may be anything);
    numpy and polars scalars, arrays and series → Python values and lists; frames → lists of
    records (via :func:`tidy_frame`); dates → ISO text; paths → text; enums → their value;
    dataclasses → mappings; anything else → its text.
    """
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return _float(obj)
    if isinstance(obj, Mapping):
        return {str(k): _entry(str(k), v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, set | frozenset):
        return [to_jsonable(v) for v in sorted(obj, key=str)]
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, pl.DataFrame):
        return to_jsonable(tidy_frame(obj).to_dicts())
    if isinstance(obj, pl.Series):
        return to_jsonable(tidy_frame(obj.to_frame()).to_series().to_list())
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, PurePath):
        return str(obj)
    if isinstance(obj, Enum):
        return to_jsonable(obj.value)
    if isinstance(obj, Decimal):
        return _float(float(obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)})
    return str(obj)


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 product``, ``2 products`` (``many`` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
