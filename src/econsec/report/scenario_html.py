"""A small self-contained HTML page for a scenario result (plotly bundled, works offline)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl
from jinja2 import Environment, select_autoescape

if TYPE_CHECKING:
    from econsec.scenarios.results import ScenarioResult

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
th{background:#f3f3f3} td.l,th.l{text-align:left}
.note{color:#555;font-size:.85rem}
</style></head><body>
<h1>{{ title }}</h1>
<p>Year {{ year }} ({{ hs }} {{ release }}); redirectable fraction {{ redirect }}; values in
thousand USD.</p>
{{ figure | safe }}
{% for t in tables %}<h2>{{ t.title }}</h2>{{ t.html | safe }}{% endfor %}
{% if precedents %}<h2>The last time this happened</h2><ul>
{% for p in precedents %}<li><b>{{ p.title }}</b> ({{ p.date }}): {{ p.outcomes | join(" ") }}
<span class="note">Back-test: <code>{{ p.command }}</code></span></li>{% endfor %}</ul>{% endif %}
{% for n in notes %}<p class="note">{{ n }}</p>{% endfor %}
</body></html>
"""


def _table(df: pl.DataFrame, limit: int = 30) -> str:
    head = "".join(
        f'<th class="{"" if df[c].dtype.is_numeric() else "l"}">{html.escape(c)}</th>'
        for c in df.columns
    )
    rows = []
    for row in df.head(limit).iter_rows():
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append(f"<td>{v:,.4g}</td>" if abs(v) < 1 else f"<td>{v:,.1f}</td>")
            else:
                cells.append(f'<td class="l">{html.escape("" if v is None else str(v))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _figure(res: ScenarioResult) -> str:
    p = res.products()
    if p.height == 0:
        return ""
    p = p.sort("lost_imports", descending=True).head(30)
    x = [f"{i} {k}" for i, k in zip(p["importer"], p["product"], strict=True)]
    fig = go.Figure(
        [
            go.Bar(name="replaced", x=x, y=p["replaced"].to_list()),
            go.Bar(name="shortfall", x=x, y=p["shortfall"].to_list()),
        ]
    )
    fig.update_layout(
        barmode="stack",
        title="lost imports: replaced and shortfall",
        yaxis_title="thousand USD",
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
        tables.append({"title": m.label, "html": _table(m.products)})
        kv = pl.DataFrame({"metric": list(m.totals), "value": [str(v) for v in m.totals.values()]})
        tables.append({"title": "totals and mutual pain", "html": _table(kv)})
        if m.access is not None:
            tables.append({"title": "residual access and leakage", "html": _table(m.access)})
    if res.io is not None:
        tables.append(
            {"title": f"IO losses by region ({res.io.model})", "html": _table(res.io.by_region, 20)}
        )
        tables.append({"title": "most affected sectors", "html": _table(res.io.top_sectors)})
    if res.uncertainty is not None:
        tables.append({"title": "uncertainty (median, 5–95%)", "html": _table(res.uncertainty)})
    env = Environment(autoescape=select_autoescape(default=True))
    return env.from_string(_PAGE).render(
        title=res.name,
        year=res.year,
        hs=res.hs,
        release=res.release,
        redirect=res.redirect,
        figure=_figure(res),
        tables=tables,
        notes=res.notes,
        precedents=_precedents(res),
    )
