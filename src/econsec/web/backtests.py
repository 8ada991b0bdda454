"""``GET /api/v1/backtests``: the event library, and an event's scenario replayed on history.

The verbs of ``econsec backtest list`` and ``econsec backtest run`` with the CLI's options as
query parameters and its JSON; ``format=html`` on a run is the CLI's offline report.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from econsec.web.api import Fmt, Limit, Offset, respond, run, runner_of
from econsec.web.supply import answer_frame

router = APIRouter(prefix="/api/v1", tags=["backtests"])


class RunFormat(StrEnum):
    """Formats of a back-test's answer."""

    json = "json"
    csv = "csv"
    html = "html"


@router.get("/backtests", summary="Coercion events: date, imposer, target, products, sources")
async def backtests(
    request: Request,
    country: Annotated[
        str | None,
        Query(
            max_length=60,
            description="Only events where this country (ISO3) imposes or is hit.",
        ),
    ] = None,
    format: Fmt = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """List the event library, oldest first (``econsec backtest list``)."""
    from econsec.backtest.api import list_events

    home = runner_of(request).home
    c = country.strip() if country and country.strip() else None
    df = await run(request, "backtests", lambda _: list_events(home, c), country=c)
    params = {"country": c}
    return answer_frame(request, df, "backtests", params, [], format, offset, limit)


@router.get("/backtests/{event}", summary="An event's scenario against what happened")
async def backtest_run(
    request: Request,
    event: Annotated[str, Path(max_length=120, description="Event id (/api/v1/backtests).")],
    base_year: Annotated[
        int | None,
        Query(ge=1900, le=2100, description="Year replayed (default: the last full year before)."),
    ] = None,
    outcome_year: Annotated[
        list[int] | None,
        Query(description="Year compared; repeatable (default: three years from the measure)."),
    ] = None,
    format: Annotated[RunFormat | None, Query(description="json, csv or html.")] = None,
    offset: Offset = 0,
    limit: Limit = None,
) -> Response:
    """Observed and predicted changes per product and target (``econsec backtest run``)."""
    from econsec.backtest.api import backtest
    from econsec.web.problems import Problem

    years = sorted(set(outcome_year or []))
    if any(not 1900 <= y <= 2100 for y in years) or len(years) > 50:
        raise Problem(422, "outcome_year: years between 1900 and 2100", parameter="outcome_year")
    res = await run(
        request,
        "backtest",
        lambda wh: backtest(
            event.strip(), base_year=base_year, outcome_years=years or None, warehouse=wh
        ),
        event=event.strip(),
        base=base_year,
        years=years,
    )
    if format == RunFormat.html:
        from econsec.report.backtest_html import render_backtest

        return HTMLResponse(render_backtest(res))
    from econsec.web.responses import OutFormat

    fmt = None if format is None else OutFormat(format.value)
    return respond(request, res, "backtest", fmt, offset, limit)
