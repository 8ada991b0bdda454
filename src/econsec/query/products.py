"""Products as users give them: HS6 codes, 4/2-digit headings and chapters, basket names.

Codes are checked against the release's own product table: a code the nomenclature lacks is
an error with the codes of the same heading; basket codes the release lacks are listed in the
selection's notes, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from rapidfuzz import process

from econsec import baskets
from econsec.errors import NotFoundError


@dataclass(frozen=True)
class ProductSelection:
    """Resolved products: sorted HS6 ``codes`` (``None``: every product) and ``notes``."""

    codes: list[str] | None
    notes: list[str] = field(default_factory=list)


def _items(x: object) -> list[str | int]:
    if x is None:
        return []
    if isinstance(x, str | int):
        return [x]
    return list(x)  # type: ignore[call-overload]


def resolve_products(
    items: str | int | Sequence[str | int] | None,
    table: pl.DataFrame,
    hs: str,
    home: Path | None = None,
    *,
    extra: Path | None = None,
) -> ProductSelection:
    """HS6 codes for codes (6 digits), chapters/headings (2/4 digits) or basket names.

    A leading zero lost to a numeric conversion (5- or 3-digit input) is restored. User
    baskets are read from ``extra`` (a baskets TOML) when given, else ``home/baskets.toml``.

    Raises
    ------
    NotFoundError
        For a code the release's product table lacks (with codes of the same heading), a
        code of another length, or a text that is neither an HS code nor a basket.
    """
    given = _items(items)
    if items is None:
        return ProductSelection(None)
    if not given:
        raise NotFoundError("product", "", hint="give at least one HS code or basket")
    known = set(table["code"].to_list())
    out: set[str] = set()
    notes: list[str] = []
    for p in given:
        s = str(p).strip()
        if s.isdigit() and len(s) in (1, 3, 5):
            s = "0" + s
        if s.isdigit() and len(s) == 6:
            if s not in known:
                raise NotFoundError(
                    "product", p, _near_codes(s, table), hint=f"not in the {hs} product table"
                )
            out.add(s)
        elif s.isdigit() and len(s) in (2, 4):
            hit = {c for c in known if c.startswith(s)}
            if not hit:
                kind = "chapter" if len(s) == 2 else "heading"
                raise NotFoundError(
                    "product",
                    p,
                    _near_codes(s, table),
                    hint=f"no HS6 code of the {hs} product table is in {kind} {s}",
                )
            out.update(hit)
        elif s.isdigit():
            raise NotFoundError(
                "product",
                p,
                _near_codes(s[:6], table) if len(s) > 6 else [],
                hint="HS codes have 6 digits (4 for a heading, 2 for a chapter); "
                "BACI holds no national 8/10-digit lines",
            )
        else:
            codes, note = _basket(s, hs, known, home, extra)
            out.update(codes)
            notes.extend(note)
    return ProductSelection(sorted(out), notes)


def _basket(
    name: str, hs: str, known: set[str], home: Path | None, extra: Path | None = None
) -> tuple[list[str], list[str]]:
    names = list(baskets.all_baskets(extra=extra, home=home))
    exact = {n.lower(): n for n in names}
    if name.lower() not in exact:
        hits = [h[0] for h in process.extract(name, names, limit=4, score_cutoff=50)]
        raise NotFoundError(
            "product",
            name,
            hits,
            hint="neither an HS code (6 digits, or a 4/2-digit heading/chapter) nor a basket "
            "('econsec baskets list' shows the baskets)",
        )
    name = exact[name.lower()]
    codes = baskets.basket_codes(name, hs, extra=extra, home=home)
    absent = sorted(c for c in codes if c not in known)
    notes = []
    if absent:
        notes.append(
            f"basket {name}: {len(absent)} of {len(codes)} codes are not in the {hs} product "
            f"table and were left out: {', '.join(absent)}"
        )
    return [c for c in codes if c in known], notes


def _near_codes(s: str, table: pl.DataFrame, limit: int = 5) -> list[str]:
    """Codes sharing the longest prefix with ``s`` (same heading, else same chapter)."""
    for n in (4, 2):
        if len(s) < n:
            continue
        hit = table.filter(pl.col("code").str.starts_with(s[:n])).head(limit)
        if hit.height:
            return [f"{c} ({str(d)[:40]})" for c, d in hit.select("code", "description").rows()]
    return []
