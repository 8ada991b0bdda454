"""Straightforward polars/pure-Python reference computations of the metrics.

Written from the definitions (explicit shares, per-row capacities, loops over years), not
from the Ibis code, so they check it independently. Inputs are polars frames ``t, i, j, k, v``
with one row per ``t, i, j, k``; outputs use the Ibis functions' column names with codes.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable

import polars as pl

IMP = ["t", "j", "k"]
EXP = ["t", "i", "k"]


def supplier_shares(df: pl.DataFrame) -> pl.DataFrame:
    """Per importer × product × year × supplier: value, share, rank (ties: lower code)."""
    s = df.with_columns(total=pl.col("v").sum().over(IMP)).with_columns(
        share=pl.col("v") / pl.col("total")
    )
    s = s.sort(["t", "j", "k", "v", "i"], descending=[False, False, False, True, False])
    s = s.with_columns(rank=pl.int_range(1, pl.len() + 1).over(IMP).cast(pl.Int32))
    return s.select(
        year=pl.col("t"),
        importer=pl.col("j"),
        product=pl.col("k"),
        supplier=pl.col("i"),
        value=pl.col("v"),
        share=pl.col("share"),
        rank=pl.col("rank"),
    )


def autonomy(df: pl.DataFrame, rival: Collection[int] | None = None) -> pl.DataFrame:
    """Import concentration per importer × product × year."""
    s = supplier_shares(df)
    g = s.group_by(["year", "importer", "product"]).agg(
        import_value=pl.col("value").sum(),
        n_suppliers=pl.len().cast(pl.Int64),
        top_supplier=pl.col("supplier").filter(pl.col("rank") == 1).first(),
        top_share=pl.col("share").max(),
        hhi=(pl.col("share") ** 2).sum(),
        **(
            {"rival_value": pl.col("value").filter(pl.col("supplier").is_in(list(rival))).sum()}
            if rival is not None
            else {}
        ),
    )
    x = (
        df.group_by(["t", "i", "k"])
        .agg(export_value=pl.col("v").sum())
        .rename({"t": "year", "i": "importer", "k": "product"})
    )
    g = g.join(x, on=["year", "importer", "product"], how="left").with_columns(
        pl.col("export_value").fill_null(0.0)
    )
    g = g.with_columns(
        import_export_ratio=pl.when(pl.col("export_value") == 0)
        .then(math.inf)
        .otherwise(pl.col("import_value") / pl.col("export_value"))
    )
    if rival is not None:
        g = g.with_columns(rival_share=pl.col("rival_value") / pl.col("import_value"))
    return g.sort(["year", "importer", "product"])


def world(df: pl.DataFrame) -> pl.DataFrame:
    """World export concentration per product × year."""
    e = df.group_by(EXP).agg(S=pl.col("v").sum())
    e = e.with_columns(w=pl.col("S") / pl.col("S").sum().over(["t", "k"]))
    e = e.sort(["t", "k", "S", "i"], descending=[False, False, True, False])
    return (
        e.group_by(["t", "k"], maintain_order=True)
        .agg(
            world_exports=pl.col("S").sum(),
            n_exporters=pl.len().cast(pl.Int64),
            world_hhi=(pl.col("w") ** 2).sum(),
            top_exporter=pl.col("i").first(),
            top_share=pl.col("w").first(),
        )
        .rename({"t": "year", "k": "product"})
        .sort(["year", "product"])
    )


def indispensability(df: pl.DataFrame, theta: float = 0.5, r: float = 0.2) -> pl.DataFrame:
    """Per exporter × product × year, with per-row capacities and the pool bound."""
    d = df.with_columns(
        M=pl.col("v").sum().over(IMP),
        S=pl.col("v").sum().over(EXP),
        W=pl.col("v").sum().over(["t", "k"]),
    )
    d = d.with_columns(
        cap=pl.max_horizontal(r * (pl.col("W") - pl.col("S") - pl.col("M") + pl.col("v")), 0.0),
        dep=pl.col("v") >= theta * pl.col("M"),
    )
    g = d.group_by(EXP).agg(
        export_value=pl.col("v").sum(),
        W=pl.col("W").first(),
        n_dependents=pl.col("dep").sum().cast(pl.Int64),
        dependent_value=pl.col("v").filter(pl.col("dep")).sum(),
        covered=pl.min_horizontal(pl.col("v"), pl.col("cap")).sum(),
    )
    g = g.with_columns(
        world_share=pl.col("export_value") / pl.col("W"),
        world_rank=pl.col("export_value")
        .rank(method="min", descending=True)
        .over(["t", "k"])
        .cast(pl.Int32),
        n_exporters=pl.len().over(["t", "k"]).cast(pl.Int64),
        world_hhi=((pl.col("export_value") / pl.col("W")) ** 2).sum().over(["t", "k"]),
        replaceability=pl.min_horizontal(
            pl.col("covered"), r * (pl.col("W") - pl.col("export_value"))
        )
        / pl.col("export_value"),
    )
    return g.select(
        year="t",
        exporter="i",
        product="k",
        export_value="export_value",
        world_share="world_share",
        world_rank="world_rank",
        n_exporters="n_exporters",
        world_hhi="world_hhi",
        n_dependents="n_dependents",
        dependent_value="dependent_value",
        replaceability="replaceability",
    ).sort(["year", "exporter", "product"])


def collapse(df: pl.DataFrame, members: Collection[int], code: int) -> pl.DataFrame:
    """Merge ``members`` into ``code`` and drop intra-bloc flows (the bloc view)."""
    m = list(members)
    out = df.with_columns(
        i=pl.when(pl.col("i").is_in(m)).then(code).otherwise(pl.col("i")).cast(pl.Int16),
        j=pl.when(pl.col("j").is_in(m)).then(code).otherwise(pl.col("j")).cast(pl.Int16),
    ).filter(pl.col("i") != pl.col("j"))
    return out.group_by(["t", "i", "j", "k"]).agg(pl.col("v").sum())


def geodep(
    df: pl.DataFrame,
    *,
    import_hhi: float = 0.4,
    world_hhi: float = 0.4,
    ratio: float = 1.0,
    window: int = 3,
    min_years: int = 2,
) -> pl.DataFrame:
    """GeoDep C1–C3 per importer × product × year, and C4 by looping over windows."""
    a = autonomy(df)
    w = world(df).select("year", "product", "world_hhi")
    g = a.join(w, on=["year", "product"], how="left").with_columns(
        conditions_met=(pl.col("hhi") > import_hhi)
        & (pl.col("world_hhi") > world_hhi)
        & (pl.col("import_export_ratio") > ratio)
    )
    met = {
        (r["importer"], r["product"], r["year"])
        for r in g.filter(pl.col("conditions_met")).iter_rows(named=True)
    }
    best = []
    for r in g.iter_rows(named=True):
        y, key = r["year"], (r["importer"], r["product"])
        spans = [range(s, s + window) for s in range(y - window + 1, y + 1)]
        best.append(max(sum((*key, yy) in met for yy in sp) for sp in spans))
    return g.with_columns(years_met=pl.Series(best, dtype=pl.Int64)).with_columns(
        persistent=pl.col("years_met") >= min_years
    )


def persistence_flags(
    met: Iterable[tuple[object, int]], years: Iterable[int], window: int = 3, min_years: int = 2
) -> dict[tuple[object, int], int]:
    """``years_met`` for each (key, year): brute force over every span containing the year."""
    s = set(met)
    out = {}
    for key, y in {(k, yy) for k, _ in s for yy in years}:
        spans = [range(a, a + window) for a in range(y - window + 1, y + 1)]
        out[(key, y)] = max(sum((key, z) in s for z in sp) for sp in spans)
    return out


def eu(df: pl.DataFrame, members: Collection[int], code: int = -1) -> pl.DataFrame:
    """EU 2021 criteria for the bloc of ``members``."""
    m = list(members)
    intra = (
        df.filter(pl.col("i").is_in(m) & pl.col("j").is_in(m))
        .group_by(["t", "k"])
        .agg(intra=pl.col("v").sum())
        .rename({"t": "year", "k": "product"})
    )
    a = autonomy(collapse(df, m, code)).filter(pl.col("importer") == code)
    g = a.join(intra, on=["year", "product"], how="left").with_columns(
        pl.col("intra").fill_null(0.0)
    )
    g = g.with_columns(
        extra_share=pl.col("import_value") / (pl.col("import_value") + pl.col("intra"))
    )
    g = g.with_columns(
        flagged=(pl.col("hhi") > 0.4)
        & (pl.col("extra_share") > 0.5)
        & (pl.col("import_export_ratio") > 1.0)
    )
    return g.rename(
        {
            "import_value": "extra_imports",
            "hhi": "extra_hhi",
            "intra": "intra_imports",
            "import_export_ratio": "extra_import_export_ratio",
            "export_value": "extra_exports",
        }
    )


def dependencies(df: pl.DataFrame, a: int, b: int, tau: float, sigma: float) -> pl.DataFrame:
    """Products for which ``a`` depends on ``b`` (share of a's imports, b's world share)."""
    imp = (
        df.filter(pl.col("j") == a)
        .group_by(["t", "k"])
        .agg(M=pl.col("v").sum(), xb=pl.col("v").filter(pl.col("i") == b).sum())
    )
    w = df.group_by(["t", "k"]).agg(
        W=pl.col("v").sum(), Sb=pl.col("v").filter(pl.col("i") == b).sum()
    )
    d = imp.join(w, on=["t", "k"]).with_columns(
        share=pl.col("xb") / pl.col("M"), wshare=pl.col("Sb") / pl.col("W")
    )
    d = d.filter((pl.col("share") >= tau) & (pl.col("wshare") >= sigma))
    return d.select(
        year="t",
        importer=pl.lit(a, pl.Int16),
        supplier=pl.lit(b, pl.Int16),
        product="k",
        import_value="M",
        value_at_stake="xb",
        import_share="share",
        supplier_world_share="wshare",
    )
