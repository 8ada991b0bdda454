"""A self-contained HTML page for a back-test, and the "last time this happened" paragraph.

:func:`render_backtest` shows an event's observed and predicted changes side by side (plotly
bundled, works offline); :func:`precedents` finds the library's events that match a
scenario's imposer and products, for the scenario page and the review.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from jinja2 import Environment, select_autoescape

from econsec.report.scenario_html import _table

if TYPE_CHECKING:
    from econsec.backtest.events import Event
    from econsec.backtest.results import BacktestResult

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:1300px}
.wide{overflow-x:auto}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
th{background:#f3f3f3} td.l,th.l{text-align:left}
.note{color:#555;font-size:.85rem}
</style></head><body>
<h1>{{ title }}</h1>
<p>{{ date }}. {{ summary }}</p>
<ul>{% for m in measures %}<li>Measure {{ m.index }}: {{ m.kind }} by {{ m.imposer | join("+") }}
on {{ m.target }}{% if m.targets and m.target == "all" %} ({{ m.targets | join(", ") }}){% endif %},
replayed on {{ m.base_year }} ({{ m.hs }}); outcome years held:
{{ m.outcome_years | join(", ") or "none" }}.</li>{% endfor %}</ul>
<p>Values in thousand USD; unit values in USD per kg. Observed: the importer's imports from the
supplier side, outcome year minus base year; predicted: the scenario engine on the base year.</p>
{{ figure | safe }}
{% for t in tables %}<h2>{{ t.title }}</h2><div class="wide">{{ t.html | safe }}</div>{% endfor %}
<h2>Where the model is wrong, and why</h2>
<ul>{% for s in statements %}<li>{{ s }}</li>{% endfor %}</ul>
<h2>What the sources say</h2>
<ul>{% for o in outcomes %}<li>{{ o.text }}
<span class="note">[{{ o.sources | join("; ") }}]</span></li>{% endfor %}</ul>
<h2>Sources</h2>
<ul>{% for s in sources %}<li>{{ s.citation }}</li>{% endfor %}</ul>
{% for n in notes %}<p class="note">{{ n }}</p>{% endfor %}
</body></html>
"""


def _figure(res: BacktestResult) -> str:
    import plotly.graph_objects as go

    df = res.frame.filter(pl.col("outcome_value").is_not_null())
    if df.height == 0:
        return ""
    df = df.sort("outcome_year", "importer", "product").head(60)
    x = [
        f"{i} {k} {y}"
        for i, k, y in zip(df["importer"], df["product"], df["outcome_year"], strict=True)
    ]
    fig = go.Figure(
        [
            go.Bar(name="observed change", x=x, y=df["observed_change"].to_list()),
            go.Bar(name="predicted change", x=x, y=df["predicted_change"].to_list()),
            go.Bar(name="observed replacement", x=x, y=df["observed_replacement"].to_list()),
            go.Bar(name="predicted replacement", x=x, y=df["predicted_replacement"].to_list()),
        ]
    )
    fig.update_layout(
        barmode="group",
        title="imports from the supplier side, and from everyone else: observed and predicted",
        yaxis_title="thousand USD",
        height=460,
    )
    return str(fig.to_html(full_html=False, include_plotlyjs=True))


def _monthly_figure(monthly: pl.DataFrame, top: int = 6) -> str:
    """Return grouped bars per national line: each partner's monthly imports, period by period."""
    import plotly.graph_objects as go

    out = []
    for (product,), g in monthly.group_by("product", maintain_order=True):
        size = (
            g.group_by("partner")
            .agg(pl.col("monthly_imports").max())
            .sort("monthly_imports", descending=True)
        )
        keep = size.head(top)["partner"].to_list()
        bars = [
            go.Bar(
                name=str(period),
                x=keep,
                y=[float(p.filter(pl.col("partner") == k)["monthly_imports"].sum()) for k in keep],
            )
            for (period,), p in g.group_by("period", maintain_order=True)
        ]
        fig = go.Figure(bars)
        fig.update_layout(
            barmode="group",
            title=f"{product}: imports by partner, thousand USD a month",
            height=360,
        )
        out.append(str(fig.to_html(full_html=False, include_plotlyjs=False)))
    return "".join(out)


def render_backtest(res: BacktestResult) -> str:
    """Return the page: a grouped bar chart, the rows, the scores, readings and sources."""
    p = res.params
    tables = []
    if res.frame.height:
        cols = [
            "source",
            "product",
            "importer",
            "outcome_year",
            "horizon",
            "observed_change",
            "predicted_change",
            "observed_replacement",
            "predicted_replacement",
            "base_share",
            "outcome_share",
            "predicted_share",
        ]
        main = res.frame.select(cols)
        main = main.select(c for c in main.columns if main[c].null_count() < main.height)
        tables.append(
            {"title": "Observed and predicted, per product and importer", "html": _table(main, 100)}
        )
        why = res.frame.select("product", "importer", "outcome_year", "reading")
        tables.append({"title": "Where each row misses", "html": _table(why, 100)})
    if res.monthly.height:
        tables.append(
            {
                "title": "Who replaced the imposer, and how fast (national customs, thousand "
                "USD a month)",
                "html": _monthly_figure(res.monthly) + _table(res.monthly, 80),
            }
        )
    if res.scores.height:
        cols = [
            "scope",
            "horizon",
            "rows",
            "change_error",
            "share_error",
            "direction_right",
            "replacement_error",
            "error_r05",
            "error_r20",
            "error_r50",
            "best_redirect",
        ]
        tables.append({"title": "Scores", "html": _table(res.scores.select(cols))})
    env = Environment(autoescape=select_autoescape(default=True))
    return env.from_string(_PAGE).render(
        title=p["title"],
        date=p["date"],
        summary=p.get("summary", ""),
        measures=p["measures"],
        figure=_figure(res),
        tables=tables,
        statements=res.statements,
        outcomes=res.outcomes,
        sources=p["sources"],
        notes=res.notes,
    )


# ---------------------------------------------------------------------------------- precedents


def matching_events(
    imposer: Iterable[str],
    products: Iterable[str],
    library: Iterable[Event],
    target: Iterable[str] | None = None,
    tariff: bool | None = None,
) -> list[Event]:
    """Return the events with a measure by one of ``imposer`` on one of ``products``.

    Countries are compared as written in the event files (ISO3); products as HS6 codes of any
    revision. With ``target``, only measures on one of them (or on every destination); with
    ``tariff``, only tariffs (``True``) or only stops (``False``).
    """
    who = {str(x).strip().upper() for x in imposer}
    goods = {str(x).strip() for x in products}
    on = None if target is None else {str(x).strip().upper() for x in target}
    out = []
    for e in library:
        for m in e.measures:
            codes = {c for h in m.products.revisions() for c in m.products.codes(h) or []}
            hits_target = on is None or m.target == "all" or bool(on & set(m.target))
            hits_goods = m.products.all or bool(codes & goods)
            hits_kind = tariff is None or tariff == (m.kind == "tariff")
            if who & {x.upper() for x in m.imposer} and hits_goods and hits_target and hits_kind:
                out.append(e)
                break
    return out


def precedents(
    imposer: Iterable[str],
    products: Iterable[str],
    target: Iterable[str] | None = None,
    tariff: bool | None = None,
    home: Path | None = None,
) -> list[dict[str, Any]]:
    """Return the "last time this happened" lines: matching events, newest first.

    Each is ``event, date, title, outcomes`` (texts with their citations) and the command that
    back-tests it; the user's events are read from ``home`` (``ECONSEC_HOME`` when ``None``).
    Library errors leave the list empty (a page must render without them).
    """
    from econsec.backtest.events import load_events
    from econsec.errors import DataError

    try:
        library = load_events(home=home)
    except DataError:
        return []
    found = matching_events(imposer, products, library, target, tariff)
    return [
        {
            "event": e.id,
            "date": e.date.isoformat(),
            "title": e.title,
            "outcomes": [
                f"{o.text} [{'; '.join(e.source(k).citation for k in o.sources)}]"
                for o in e.outcomes
            ],
            "command": f"econsec backtest run {e.id}",
        }
        for e in sorted(found, key=lambda e: e.date, reverse=True)
    ]


def precedent_lines(
    imposer: Iterable[str],
    products: Iterable[str],
    target: Iterable[str] | None = None,
    tariff: bool | None = None,
    home: Path | None = None,
) -> list[str]:
    """Return one "the last time this happened" sentence per matching event."""
    return [
        f"The last time this happened: {p['title']} ({p['date']}). "
        + " ".join(p["outcomes"])
        + f" Back-test it: {p['command']}."
        for p in precedents(imposer, products, target, tariff, home)
    ]
