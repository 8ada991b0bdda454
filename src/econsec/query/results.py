"""The result protocol every verb returns: a tidy frame, what was asked, what to know.

``frame`` (polars), ``params`` (the call, resolved: year, nomenclature, products, parties and
their meaning), ``notes`` (what a reader must know: products without flows, members a release
lacks, approximations), ``summary()`` (headline figures), ``to_polars()``, ``to_pandas()`` and
``to_dict()`` (JSON-ready). Countries appear as ISO3 (``TWN`` for Taiwan; blocs by their
name), products as 6-character HS codes, values in thousand current USD.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    import pandas as pd


def _freeze(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Result:
    """Base result: ``frame``, ``params`` and ``notes``."""

    frame: pl.DataFrame
    params: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _freeze(self.params))
        object.__setattr__(self, "notes", tuple(dict.fromkeys(self.notes)))

    def to_polars(self) -> pl.DataFrame:
        """Return the result as a polars frame (a copy; the result itself does not change)."""
        return self.frame.clone()

    def to_pandas(self) -> pd.DataFrame:
        """Return the result as a pandas frame."""
        return self.frame.to_pandas()

    def __len__(self) -> int:
        return self.frame.height

    def summary(self) -> dict[str, Any]:
        """Headline figures and the parameters, as plain Python values."""
        return {"rows": self.frame.height, "params": dict(self.params)}

    def to_dict(self, *, limit: int | None = None) -> dict[str, Any]:
        """``params``, ``notes``, ``summary`` and ``rows`` (at most ``limit``), JSON-ready."""
        from econsec.formatting import tidy_frame, to_jsonable

        df = self.frame if limit is None else self.frame.head(limit)
        summary = {k: v for k, v in self.summary().items() if k != "params"}
        return to_jsonable(
            {
                "params": dict(self.params),
                "notes": list(self.notes),
                "summary": summary,
                "rows": tidy_frame(df).to_dicts(),
            }
        )

    def with_notes(self, *notes: str) -> Result:
        """Return a copy with ``notes`` added."""
        from dataclasses import replace

        return replace(self, notes=(*self.notes, *notes))
