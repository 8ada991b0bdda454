"""A small self-contained HTML page for a scenario result (plotly bundled, works offline)."""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl
from jinja2 import Environment, select_autoescape

if TYPE_CHECKING:
    from econsec.scenarios.results import ScenarioResult

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body{font:15px/1.5 Inter,"Segoe UI",Helvetica,Arial,sans-serif;color:#1d2a36;background:#f4f6f8;
margin:0;padding:2rem}
main{max-width:1100px;margin:auto}
section{background:#fff;border:1px solid #d9dee2;border-radius:8px;padding:1rem 1.4rem;
margin:1rem 0}
h1{font-size:1.6rem;margin:.2rem 0} h2{font-size:1.1rem;margin:.2rem 0 .6rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem;font-variant-numeric:tabular-nums}
td,th{border-bottom:1px solid #e3e7ea;padding:.3rem .6rem;text-align:right;white-space:nowrap}
th{background:#f3f5f7;font-weight:600} td.l,th.l{text-align:left}
.muted,.note{color:#5b6770;font-size:.85rem}
</style></head><body><main>
<h1>{{ title }}</h1>
<p class="muted">Year {{ year }} ({{ hs }} {{ release }}); other suppliers can redirect
{{ redirect }} of their sales; trade values in thousand USD{% if io_unit %}, input-output
values in {{ io_unit }}{% endif %}.</p>
{% if figure %}<section>{{ figure | safe }}</section>{% endif %}
{% for t in tables %}<section><h2>{{ t.title }}</h2>{{ t.html | safe }}
{% if t.more %}<p class="muted">{{ t.more }}</p>{% endif %}</section>{% endfor %}
{% if precedents %}<section><h2>The last time this happened</h2><ul>
{% for p in precedents %}<li><b>{{ p.title }}</b> ({{ p.date }}): {{ p.outcomes | join(" ") }}
<span class="muted">Back-test: <code>{{ p.command }}</code></span></li>{% endfor %}</ul>
</section>{% endif %}
{% if notes %}<section>{% for n in notes %}<p class="note">Note: {{ n }}</p>{% endfor %}
</section>{% endif %}
</main></body></html>
"""

#: Column and metric names as a reader says them (others: underscores become spaces).
LABELS = {
    "importer": "importer",
    "baseline_imports": "imports before",
    "lost_imports": "imports lost",
    "replaced": "replaced",
    "shortfall": "shortfall",
    "shortfall_share": "shortfall, share of imports",
    "from_target": "from the target",
    "sigma": "elasticity σ",
    "output_loss": "output loss",
    "value_added_loss": "value added loss",
    "gdp_loss": "GDP loss",
    "sector_name": "sector",
    "p05": "5th percentile",
    "p95": "95th percentile",
}


def label(name: str) -> str:
    """Return a column or metric name as a reader says it (``lost_imports``: imports lost)."""
    return LABELS.get(name, name.replace("_", " "))


def cell(name: str, v: object) -> str:
    """Format a value for a reader: shares in per cent, separators, no float noise."""
    if isinstance(v, bool) or v is None:
        return "" if v is None else ("yes" if v else "no")
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        if math.isinf(v):
            return "∞" if v > 0 else "-∞"
        if "share" in name or name in ("inoperability", "coverage"):
            return f"{v:.1%}"
        if abs(v) >= 100:
            return f"{v:,.0f}"
        return f"{v:,.3g}"
    return str(v)


def _table(df: pl.DataFrame, limit: int = 30) -> str:
    head = "".join(
        f'<th class="{"" if df[c].dtype.is_numeric() else "l"}">{html.escape(label(c))}</th>'
        for c in df.columns
    )
    rows = []
    for row in df.head(limit).iter_rows():
        cells = []
        for c, v in zip(df.columns, row, strict=True):
            klass = "" if isinstance(v, int | float) and not isinstance(v, bool) else ' class="l"'
            cells.append(f"<td{klass}>{html.escape(cell(c, v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _more(df: pl.DataFrame, limit: int = 30) -> str:
    return (
        f"The first {limit} of {df.height:,} rows; the JSON and CSV outputs hold all."
        if (df.height > limit)
        else ""
    )


def _kv(d: dict[str, object]) -> pl.DataFrame:
    rows = [(label(k), cell(k, v)) for k, v in d.items() if not isinstance(v, dict | list)]
    return pl.DataFrame({"metric": [k for k, _ in rows], "value": [v for _, v in rows]})


def _figure(res: ScenarioResult) -> str:
    p = res.products()
    if p.height == 0:
        return ""
    p = p.sort("lost_imports", descending=True).head(30)
    x = [f"{i} {k}" for i, k in zip(p["importer"], p["product"], strict=True)]
    fig = go.Figure(
        [
            go.Bar(
                name="replaced by other suppliers",
                x=x,
                y=p["replaced"].to_list(),
                marker_color="#2c3e50",
            ),
            go.Bar(
                name="shortfall (not replaced)",
                x=x,
                y=p["shortfall"].to_list(),
                marker_color="#c0392b",
            ),
        ]
    )
    fig.update_layout(
        barmode="stack",
        title="Imports lost: replaced and shortfall",
        yaxis={"title": "thousand USD", "tickformat": ",.0f"},
        template="plotly_white",
        height=420,
    )
    return str(fig.to_html(full_html=False, include_plotlyjs=True))


def _precedents(res: ScenarioResult) -> list[dict[str, object]]:
    """Events of the back-test library with the same imposer and products."""
    from econsec.report.backtest_html import precedents

    out: dict[str, dict[str, object]] = {}
    for m in res.measures:
        who = {str(x) for k in ("suppliers", "members", "imposer") for x in m.params.get(k) or []}
        if m.kind != "tariff" and m.pain.height and "exporter" in m.pain.columns:
            who.update(str(x) for x in m.pain["exporter"].to_list())
        on = {str(x) for k in ("targets", "target") for x in m.params.get(k) or []}
        on.update(str(x) for x in m.products["importer"].to_list() if m.kind != "tariff")
        goods = [str(c) for c in m.params.get("hs6") or []]
        if who and goods:
            found = precedents(who, goods, on, tariff=m.kind == "tariff")
            out.update((str(p["event"]), p) for p in found)
    return list(out.values())


def render_html(res: ScenarioResult) -> str:
    """Return the page: a stacked bar chart of lost imports, the result tables and precedents."""
    tables = []
    for m in res.measures:
        tables.append(
            {
                "title": f"{m.label} (thousand USD)",
                "html": _table(m.products),
                "more": _more(m.products),
            }
        )
        tables.append({"title": "Totals and mutual pain", "html": _table(_kv(dict(m.totals)))})
        if m.access is not None:
            tables.append({"title": "Residual access and leakage", "html": _table(m.access)})
    io_unit = ""
    if res.io is not None:
        io_unit = str(res.io.totals.get("unit") or "million USD")
        tables.append(
            {
                "title": f"Input-output losses by region ({res.io.model}; {io_unit})",
                "html": _table(res.io.by_region, 20),
                "more": _more(res.io.by_region, 20),
            }
        )
        tables.append(
            {
                "title": f"Most affected sectors ({io_unit})",
                "html": _table(res.io.top_sectors),
            }
        )
    if res.uncertainty is not None:
        tables.append(
            {
                "title": "Uncertainty: median and 5–95% band (thousand USD)",
                "html": _table(res.uncertainty),
            }
        )
    env = Environment(autoescape=select_autoescape(default=True))
    return env.from_string(_PAGE).render(
        title=res.name,
        year=res.year,
        hs=res.hs,
        release=res.release,
        redirect=f"{res.redirect:.0%}",
        figure=_figure(res),
        tables=tables,
        notes=res.notes,
        io_unit=io_unit,
        precedents=_precedents(res),
    )
