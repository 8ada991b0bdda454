"""Placeholder replaced on merge."""

from __future__ import annotations

import math
from typing import Any

import polars as pl


def tidy_frame(df: pl.DataFrame) -> pl.DataFrame:
    """Return ``df`` with NaN as null."""
    return df.with_columns(pl.col(pl.Float64).fill_nan(None))


def to_jsonable(obj: Any) -> Any:
    """Plain JSON values (NaN as null)."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    return obj
