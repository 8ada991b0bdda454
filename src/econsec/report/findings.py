"""Headline findings in plain sentences, from the review's tidy frames (pure functions)."""

from __future__ import annotations

import polars as pl


def money(thousand_usd: float) -> str:
    """Format a value in thousand USD for prose: ``$1.2 bn``, ``$350 m``, ``$42 k``."""
    usd = float(thousand_usd) * 1e3
    for div, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(usd) >= div:
            return f"${usd / div:,.1f} {unit}"
    return f"${usd / 1e3:,.0f} k"


def pct(x: float | None) -> str:
    """Format a share as a percentage (``n/a`` when undefined)."""
    return "n/a" if x is None else f"{100 * float(x):.0f}%"


def count(n: int, noun: str = "product") -> str:
    """Return ``n`` with its noun, singular for one: ``1 product``, ``3 products``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def short_label(description: str) -> str:
    """Return the head of an HS description: ``Tungsten (wolfram)`` of ``Tungsten (wolfram): …``."""
    return description.split(":")[0].strip() or description


def scope_sentence(aut: pl.DataFrame, country: str, year: int) -> str:
    """Say what was imported, in how many products."""
    if aut.height == 0:
        return f"In {year}, {country} recorded no imports of the products reviewed."
    total = float(aut["import_value"].sum())
    return f"In {year}, {country} imported {money(total)} of the {count(aut.height)} reviewed."


def concentration_sentence(aut: pl.DataFrame, hhi: float = 0.4) -> str | None:
    """Say how many products are highly concentrated and how much value they carry."""
    if aut.height == 0:
        return None  # the scope sentence already says there were no imports
    total = float(aut["import_value"].sum())
    conc = aut.filter(pl.col("hhi") > hhi)
    single = aut.filter(pl.col("top_share") > 0.5).height
    share = float(conc["import_value"].sum()) / total if total else 0.0
    return (
        f"{conc.height} of them ({pct(share)} of the value) are highly concentrated "
        f"(supplier HHI above {hhi}); in {single} a single supplier provides more than half."
    )


def rival_sentence(
    aut: pl.DataFrame, rival: str, describe: dict[str, str], label: str | None = None
) -> str | None:
    """Say the rival's share of the value and the products it leads (``label``: its name)."""
    if "rival_value" not in aut.columns or aut.height == 0:
        return None
    total = float(aut["import_value"].sum())
    share = float(aut["rival_value"].sum()) / total if total else 0.0
    led = aut.filter(pl.col("top_supplier") == rival).sort("import_value", descending=True)
    names = "; ".join(short_label(describe.get(p, p)) for p in led["product"].head(3).to_list())
    # The value-weighted share is dominated by the largest products; the median tells
    # how exposed a typical product is.
    m = aut["rival_share"].median() if "rival_share" in aut.columns else None
    median = float(m) if isinstance(m, int | float) else None
    s = (
        f"{label or rival} supplies {pct(share)} of this import value"
        + (f" ({pct(median)} in the median product)" if median is not None else "")
        + f" and is the top supplier of {count(led.height)}"
    )
    return s + (f", led by {names}." if names else ".")


def trend_sentence(trend: pl.DataFrame, rival: str) -> str | None:  # rival: a display name
    """Say the rival's aggregate share at the start, peak and end of the years held."""
    if trend.height < 2 or "rival_share" not in trend.columns:
        return None
    t = trend.sort("year")
    first, last = t.row(0, named=True), t.row(-1, named=True)
    peak = t.sort("rival_share", descending=True).row(0, named=True)
    s = (
        f"{rival}'s share of these imports was {pct(first['rival_share'])} in {first['year']}"
        f" and {pct(last['rival_share'])} in {last['year']}"
    )
    if peak["year"] not in (first["year"], last["year"]):
        s += f", peaking at {pct(peak['rival_share'])} in {peak['year']}"
    return s + "."


def top_dependency_sentence(aut: pl.DataFrame, describe: dict[str, str]) -> str | None:
    """Name the most concentrated dependency (the largest import value among ties)."""
    conc = aut.filter(pl.col("hhi") > 0.4)
    if conc.height == 0:
        return None
    r = conc.sort(["hhi", "import_value"], descending=True).row(0, named=True)
    return (
        f"The most concentrated dependency is "
        f"{short_label(describe.get(r['product'], r['product']))} "
        f"({r['product']}): {pct(r['top_share'])} from {r['top_supplier']}, HHI "
        f"{r['hhi']:.2f}, {money(r['import_value'])} of imports."
    )


def world_sentence(world: pl.DataFrame, rival: str | None, label: str | None = None) -> str | None:
    """Say how often the rival (or anyone) is the world's leading exporter with more than half."""
    if world.height == 0:
        return None
    if rival:
        led = world.filter(pl.col("exporter") == rival)
        over = led.filter(pl.col("world_share") > 0.5).height
        return (
            f"{label or rival} is the world's largest exporter of {led.height} of these products, "
            f"with more than half of world exports in {over}."
        )
    over = world.filter(pl.col("world_share") > 0.5).height
    return f"In {over} of these products one country provides more than half of world exports."


def leverage_sentence(summary: dict, country: str, rival: str) -> str | None:
    """Say who depends on whom, the values at stake and the export exposure."""
    if not summary:
        return None
    a, b = summary["a_depends_on_b"], summary["b_depends_on_a"]
    if a["products"] == 0 and b["products"] == 0:
        s = (
            f"Neither {country} nor {rival} depends on the other for any of these products "
            "at these thresholds."
        )
    else:
        s = (
            f"{country} depends on {rival} for {count(a['products'])} "
            f"({money(a['value_at_stake'])} at stake); {rival} depends on {country} for "
            f"{b['products']} ({money(b['value_at_stake'])})."
        )
    ex = summary.get("a_export_share_to_b")
    if ex is not None:
        s += f" {pct(ex)} of {country}'s exports of these products go to {rival}."
    return s


def geodep_sentence(flagged: int, year: int) -> str:
    """Give the GeoDep count (Lefebvre & Wibaux 2024 criteria)."""
    return (
        f"{count(flagged)} {'meets' if flagged == 1 else 'meet'} CEPII's GeoDep criteria of "
        f"strategic dependence in {year} "
        "(import HHI, world export HHI and imports/exports all above their thresholds, "
        "persistently)."
    )


def miner_refiner_sentence(side: pl.DataFrame) -> str | None:
    """Say for how many minerals the leading refiner or exporter is not the leading miner."""
    if side.height == 0 or "differs" not in side.columns:
        return None
    known = side.filter(pl.col("differs").is_not_null())
    diff = known.filter(pl.col("differs"))
    if known.height == 0:
        return None
    if diff.height == 0:
        return (
            f"For all {known.height} minerals behind these products, one country leads "
            "mining, refining and exports."
        )
    s = (
        f"For {diff.height} of the {known.height} minerals behind these products, the leading "
        "refiner or exporter is not the leading miner"
    )
    r = diff.sort("export_share", descending=True, nulls_last=True).row(0, named=True)
    parts = [f"mined most in {r['miner']} ({pct(r['mine_share'])})"]
    if r["refiner"]:
        parts.append(f"refined most in {r['refiner']} ({pct(r['refine_share'])})")
    if r["exporter"]:
        parts.append(f"exported most by {r['exporter']} ({pct(r['export_share'])})")
    return s + f", e.g. {r['commodity'].lower()} for {r['product']}: " + ", ".join(parts) + "."
