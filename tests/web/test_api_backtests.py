"""The event library and back-tests over HTTP: the CLI's rows, offline HTML, 4xx problems."""

from __future__ import annotations

import pytest
from test_api import problem


def test_the_library_filters_by_country_and_a_run_compares_observed_and_predicted(client):
    every = client.get("/api/v1/backtests").json()["rows"]
    kor = client.get("/api/v1/backtests?country=KOR").json()["rows"]
    assert len(every) >= 9 and 0 < len(kor) < len(every)
    assert all("KOR" in r["imposer"] + r["target"] or r["target"] == "all" for r in kor)
    assert all(r["source"] for r in every)
    run = client.get("/api/v1/backtests/cn-gallium-germanium-2023?outcome_year=2024").json()
    rows = run["rows"]
    assert rows and {r["product"] for r in rows} == {"811292"}
    assert {r["base_year"] for r in rows} == {2022}
    assert all(r["observed_change"] is not None and r["predicted_change"] is not None for r in rows)
    html = client.get("/api/v1/backtests/cn-gallium-germanium-2023?format=html")
    assert html.headers["content-type"].startswith("text/html") and "<html" in html.text.lower()
    csv = client.get("/api/v1/backtests/cn-gallium-germanium-2023?outcome_year=2024&format=csv")
    head, *lines = csv.text.splitlines()
    assert {"observed_change", "predicted_change"} <= set(head.split(","))
    assert len(lines) == len(rows)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/backtests/no-such-event", 404),
        ("/api/v1/backtests/cn-gallium-germanium-2023?base_year=1990", 404),
        ("/api/v1/backtests/cn-gallium-germanium-2023?outcome_year=3000", 422),
        ("/api/v1/backtests/cn-gallium-germanium-2023?format=pdf", 422),
    ],
)
def test_bad_events_and_years_are_problems(client, url, status):
    problem(client.get(url), status)
