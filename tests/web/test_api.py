"""The API's contract: reference data, paging, limits, jobs and RFC 9457 problems."""

from __future__ import annotations

import time

import pytest

PROBLEM = "application/problem+json"
BAN = {"kind": "export_ban", "suppliers": ["CHN"], "targets": ["JPN"], "products": ["850511"]}


def problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    doc = r.json()
    assert doc["status"] == status and doc["type"].startswith("/api/v1/problems/")
    assert doc["title"] and doc["detail"] and "Traceback" not in doc["detail"]
    return doc


def test_health_and_reference_data(client):
    h = client.get("/api/v1/health").json()
    assert h["status"] == "ok" and h["years"] == [2022, 2023, 2024]
    assert client.get("/api/v1/years").json() == {"years": [2022, 2023, 2024]}
    rel = client.get("/api/v1/releases").json()["rows"]
    assert [(r["hs"], r["release"], r["years"]) for r in rel] == [
        ("HS17", "V202601", [2022, 2023, 2024])
    ]
    countries = {r["iso3"]: r for r in client.get("/api/v1/countries").json()["rows"]}
    # Taiwan as people write it, not CEPII's "Other Asia, nes"
    assert countries["TWN"]["display_name"] == "Taiwan"
    assert countries["KOR"]["display_name"] == "South Korea"
    prods = client.get("/api/v1/products?q=magnet").json()["rows"]
    assert [p["code"] for p in prods] == ["850511"]
    groups = {g["group"] for g in client.get("/api/v1/groups").json()["rows"]}
    assert {"G7", "EU"} <= groups
    g7 = client.get("/api/v1/groups/G7?on=2024").json()["rows"]
    assert {m["iso3"] for m in g7} >= {"JPN", "USA", "DEU"}
    baskets = client.get("/api/v1/baskets").json()["rows"]
    assert baskets and client.get(f"/api/v1/baskets/{baskets[0]['name']}").status_code == 200


def test_rows_are_paged_with_a_link_to_the_next_page(client):
    full = client.get("/api/v1/autonomy?year=2024&limit=10000").json()
    n = full["page"]["total"]
    assert n == len(full["rows"]) > 10
    first = client.get("/api/v1/autonomy?year=2024&limit=4")
    page = first.json()["page"]
    assert page == {"offset": 0, "limit": 4, "total": n, "next": page["next"]}
    assert 'rel="next"' in first.headers["link"]
    second = client.get(page["next"]).json()
    assert first.json()["rows"] + second["rows"] == full["rows"][:8]
    last = client.get(f"/api/v1/autonomy?year=2024&offset={n - 1}&limit=4").json()
    assert last["rows"] == full["rows"][-1:] and "next" not in last["page"]
    csv = client.get("/api/v1/autonomy?year=2024&limit=3&format=csv").text
    assert csv.count("\n") == 4  # header and three rows


@pytest.mark.parametrize(
    ("url", "status", "parameter"),
    [
        ("/api/v1/autonomy?year=twenty", 422, "year"),
        ("/api/v1/autonomy?year=1850", 422, "year"),
        ("/api/v1/indispensability?threshold=nan", 422, "threshold"),
        ("/api/v1/indispensability?threshold=1.5", 422, "threshold"),
        ("/api/v1/leverage?a=JPN", 422, "b"),
        ("/api/v1/autonomy?limit=100000", 422, "limit"),
        ("/api/v1/autonomy?format=xml", 422, "format"),
        ("/api/v1/yard?importer=JPN&method=fastest", 422, "method"),
        ("/api/v1/scenarios/ban?from=CHN&to=JPN&product=850511&draws=5", 422, "draws"),
        ("/api/v1/autonomy?product=12345", 404, "product"),
    ],
)
def test_bad_parameters_are_4xx_problems_naming_the_parameter(client, url, status, parameter):
    doc = problem(client.get(url), status)
    if parameter is not None:
        assert doc["parameter"] == parameter


def test_unknown_names_answer_the_cli_message_and_suggestions(client):
    doc = problem(client.get("/api/v1/autonomy?importer=JPX"), 404)
    assert doc["detail"].startswith("unknown country or group 'JPX'; did you mean: JPN")
    assert any(s.startswith("JPN") for s in doc["suggestions"])
    assert doc["parameter"] == "importer"
    doc = problem(client.get("/api/v1/leverage?a=JPN&b=Chnia&year=2024"), 404)
    assert doc["parameter"] == "b"
    doc = problem(client.get("/api/v1/groups/G77"), 404)
    assert "G77" in doc["detail"]
    problem(client.get("/api/v1/autonomy?year=2019"), 404)
    problem(client.get("/api/v1/nowhere"), 404)
    problem(client.delete("/api/v1/autonomy"), 405)


def test_too_many_products_is_refused(client):
    many = "&".join(f"product={i:06d}" for i in range(201))
    doc = problem(client.get(f"/api/v1/autonomy?{many}"), 422)
    assert doc["parameter"] == "product" and "at most 200" in doc["detail"]


def test_scenario_spec_mistakes_name_the_field_as_the_cli_does(client):
    doc = problem(client.post("/api/v1/scenarios", json={"measures": [{"kind": "embargo"}]}), 422)
    assert doc["parameter"] == "measures[0].kind"
    assert doc["detail"].endswith(
        "unknown measure kind 'embargo'; allowed: export_ban, tariff, coalition_control, quota"
    )
    doc = problem(client.post("/api/v1/scenarios", json={"measures": [BAN], "colour": 1}), 422)
    assert doc["parameter"] == "colour" and doc["detail"] == "colour: unknown field"
    bad = client.post(
        "/api/v1/scenarios", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert problem(bad, 422)["parameter"] == "body"
    io = {"measures": [BAN], "io": {"table": "../../etc/passwd"}}
    assert problem(client.post("/api/v1/scenarios", json=io), 422)["parameter"].startswith("io")
    plan = client.post("/api/v1/plans", json={"importer": "JPN", "cap": 2})
    assert problem(plan, 422)["parameter"] == "cap"


def test_many_draws_run_as_a_job_with_a_status_url(client):
    body = {"measures": [BAN], "montecarlo": {"draws": 600, "seed": 1}}
    r = client.post("/api/v1/scenarios", json=body)
    assert r.status_code == 202
    url = r.headers["location"]
    assert url == r.json()["url"] and "/api/v1/jobs/" in url
    for _ in range(300):
        job = client.get(url).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "done", job
    unc = job["result"]["uncertainty"]
    assert unc and {"median", "p05", "p95"} <= set(unc[0])
    assert "600 draws" in " ".join(job["result"]["notes"])
    problem(client.get("/api/v1/jobs/0123"), 404)
    over = {"measures": [BAN], "montecarlo": {"draws": 200_000}}
    assert problem(client.post("/api/v1/scenarios", json=over), 422)["parameter"] == (
        "montecarlo.draws"
    )


def test_a_failed_job_reports_its_problem(client):
    bad = {"measures": [{**BAN, "suppliers": ["XXX"]}]}
    r = client.post("/api/v1/scenarios?job=true", json=bad)
    assert r.status_code == 202
    for _ in range(300):
        job = client.get(r.json()["url"]).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "failed" and job["problem"]["status"] == 404


def test_figures_are_plotly_json_from_the_presentation_layer(client):
    f = client.get("/api/v1/figures/dependence?importer=JPN&rival=CHN").json()["figures"]
    assert set(f) == {"suppliers", "map", "trend"}
    bars = f["suppliers"]["data"]
    colours = [t["marker"]["color"] for t in bars]
    assert len(set(colours)) == len(colours)  # one colour per supplier shown
    assert "China (CHN)" in {t["name"] for t in bars}
    assert f["map"]["data"][0]["locationmode"] == "ISO-3"
    assert f["trend"]["layout"]["yaxis"]["title"]["text"] == "share of import value"
    c = client.get("/api/v1/figures/chokepoints?focus=850511").json()
    assert c["product"] == "850511" and set(c["figures"]) == {"world", "map"}
    lev = client.get("/api/v1/figures/leverage?a=JPN&b=CHN").json()["figures"]["balance"]
    assert lev["layout"]["yaxis"]["title"]["text"] == "million USD"


def test_the_dashboard_and_docs_need_no_internet(client):
    page = client.get("/").text
    docs = client.get("/docs").text
    for html in (page, docs):
        assert "http://" not in html.replace("http://www.w3.org", "")
        assert "https://" not in html
    assert client.get("/vendor/plotly.min.js").status_code == 200
    assert client.get("/vendor/swagger/swagger-ui-bundle.js").status_code == 200
    topo = client.get("/static/topojson/world_110m.json").json()
    assert topo["type"] == "Topology" and "countries" in topo["objects"]
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/api/v1/autonomy" in spec["paths"]


def test_the_review_report_is_served_not_written(client, web_home):
    before = sorted(p.name for p in web_home.rglob("*"))
    r = client.get("/api/v1/review?country=JPN&rival=CHN&format=html")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert (
        "Headline findings" in r.text
        and "econsec_review_JPN_2024.html" in (r.headers["content-disposition"])
    )
    assert sorted(p.name for p in web_home.rglob("*")) == before  # read only
    problem(client.get("/api/v1/review?country=JPX"), 404)
