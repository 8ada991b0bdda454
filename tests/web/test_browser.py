"""The dashboard in a real browser: Debian's headless Chromium driven by Playwright.

One server (a thread of this process, on the small warehouse) and one browser serve the
module. Each view is loaded from a URL; the tests change inputs, compare the numbers shown
with the API's, and check that the console has no errors and that no request leaves the
machine (any request to another host is refused and recorded). Screenshots are kept under
``out/browser/`` (not in git).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("ECONSEC_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "out" / "browser"


def _missing() -> str | None:
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "playwright absent: pip install -e '.[dev]'"
    if not Path(CHROMIUM).exists():
        return "chromium absent: apt-get install -y chromium (never `playwright install`)"
    return None


@pytest.fixture(scope="module")
def server(web_home: Path, web_io: Path, web_usgs: Path) -> Iterator[str]:
    """The app on a free loopback port, served by uvicorn in a thread."""
    why = _missing()
    if why is not None:
        if os.environ.get("CI"):  # CI must run the browser tests
            pytest.fail(f"CI is set but {why}")
        pytest.skip(why)
    import uvicorn

    from econsec.web import ServerConfig, create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        create_app(ServerConfig(home=web_home, io_dir=web_io, usgs_dir=web_usgs)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    srv = uvicorn.Server(config)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(10)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


class Page:
    """A page that records console errors and refuses requests to other hosts."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page = browser.new_page(viewport={"width": 1300, "height": 900}, accept_downloads=True)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.base) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def open(self, path: str) -> Any:
        self.page.goto(self.base + path)
        return self.ready()

    def ready(self) -> Any:
        self.page.wait_for_function(
            "['ready', 'error'].includes(document.body.dataset.state)", timeout=60_000
        )
        assert self.page.evaluate("document.body.dataset.state") == "ready", self.page.inner_text(
            "#problem"
        )
        return self.page

    def params(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlparse(self.page.url).query).items()}

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.outside == [], self.outside


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Page]:
    p = Page(browser, server)
    yield p
    p.page.close()


def _api(server: str, path: str) -> Any:
    import httpx

    r = httpx.get(server + path, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def _shot(p: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    p.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _values(pg: Any, table: str, col: str) -> dict[str, float | None]:
    """The raw numbers of a table's column by product (``None`` where the cell is blank)."""
    rows = pg.locator(f"[data-testid={table}] tbody tr")
    out: dict[str, float | None] = {}
    for i in range(rows.count()):
        r = rows.nth(i)
        key = r.locator("td[data-col=product]").inner_text()
        raw = r.locator(f"td[data-col={col}]").get_attribute("data-value")
        out[key] = None if raw is None else float(raw)
    return out


def test_dependence_view_from_a_shared_link(page, server):
    pg = page.open("/?country=JPN&year=2024&rival=CHN")
    assert pg.locator("#views a.active").inner_text() == "Dependence"
    assert page.params()["view"] == "dependence"
    for chart in ("suppliers", "map", "trend"):
        assert pg.locator(f"[data-testid=chart-{chart}] .main-svg").count() >= 1, chart
    assert pg.locator("[data-testid=chart-map] .choroplethlocation").count() > 0
    api = _api(server, "/api/v1/autonomy?importer=JPN&year=2024&rival=CHN&limit=10000")
    want = {r["product"]: r["import_value"] for r in api["rows"]}
    assert _values(pg, "dependence-table", "import_value") == want
    shares = _values(pg, "dependence-table", "rival_share")
    assert shares == {r["product"]: r["rival_share"] for r in api["rows"]}
    assert "Magnets: permanent magnets" in pg.inner_text("[data-testid=dependence-table]")
    assert f"of {len(want)} products" in pg.inner_text("#headline")
    review = pg.locator("[data-testid=review-link]").get_attribute("href")
    assert review.startswith("/api/v1/review?country=JPN&year=2024&rival=CHN")
    _shot(page, "dependence")
    page.clean()


@pytest.mark.parametrize(
    ("path", "charts", "table"),
    [
        ("/?view=chokepoints&year=2024", ("world", "map"), "chokepoints-table"),
        ("/?view=leverage&a=JPN&b=CHN", ("balance",), "exposure-table"),
        ("/?view=yard&country=JPN&coverage=0.7", ("yard",), "yard-table"),
        ("/?view=scenario&kind=ban&from=CHN&to=JPN&product=850511", ("outcome",), None),
        (
            "/?view=scenario&kind=coalition&members=USA,JPN&target=CHN&product=854231"
            "&threshold=0.2&draws=100",
            ("outcome",),
            "uncertainty-table",
        ),
        ("/?view=plan&country=JPN&product=850511&rival=CHN&cap=0.3", ("mix", "frontier"), None),
        (
            "/?view=scenario&kind=ban&from=CHN&to=JPN&product=850511&io=tiny&draws=100",
            ("outcome",),
            "io-table",
        ),
    ],
    ids=["chokepoints", "leverage", "yard", "ban", "coalition", "plan", "ban-io"],
)
def test_every_view_renders_from_its_url(page, path, charts, table):
    pg = page.open(path)
    for chart in charts:
        assert pg.locator(f"[data-testid=chart-{chart}] .main-svg").count() >= 1, chart
    if table:
        assert pg.locator(f"[data-testid={table}] tbody tr").count() >= 1
    assert pg.inner_text("#headline").strip()
    _shot(page, page.params()["view"] + "-" + page.params().get("kind", ""))
    page.clean()


def test_chokepoints_show_who_mines_who_refines_who_exports(page, server):
    pg = page.open("/?view=chokepoints&year=2024")
    panel = pg.locator("[data-testid=minerals-table]")
    cells = {
        r.locator("td[data-col=product]").inner_text(): r for r in panel.locator("tbody tr").all()
    }
    assert set(cells) == {"280530", "850511", "811292"}  # mapped and held; bauxite not held
    mcs = _api(server, "/api/v1/minerals?commodity=raree&commodity=galli&top=3")["rows"]
    ind = _api(server, "/api/v1/indispensability?year=2024&limit=10000")["rows"]

    def lead(rows: list[dict[str, Any]], who: str, share: str) -> str:
        best = min(rows, key=lambda r: r["world_rank" if who == "exporter" else "rank"])
        return f"{best[who]} {100 * best[share]:.1f}%"

    mine = lead([r for r in mcs if r["commodity_code"] == "raree"], "iso3", "share")
    refine = lead([r for r in mcs if r["commodity_code"] == "galli"], "iso3", "share")
    rare = cells["280530"]
    assert rare.locator("td[data-col=mines]").inner_text().startswith(mine)
    assert rare.locator("td[data-col=refines]").inner_text() == "–"  # MCS: mine output only
    exp = lead([r for r in ind if r["product"] == "280530"], "exporter", "world_share")
    assert rare.locator("td[data-col=exports]").inner_text().startswith(exp)
    gallium = cells["811292"]
    assert gallium.locator("td[data-col=refines]").inner_text().startswith(refine)
    assert gallium.locator("td[data-col=usgs_year]").inner_text() == "2023"
    # a product clicked in the table keeps its own panel only
    pg.locator("[data-testid=chokepoints-table] td[data-col=product]", has_text="811292").click()
    pg.wait_for_function("location.search.includes('focus=811292')")
    page.ready()
    shown = pg.locator("[data-testid=minerals-table] td[data-col=product]").all_inner_texts()
    assert shown == ["811292"]
    _shot(page, "chokepoints-minerals")
    page.clean()


def test_dependence_view_shows_the_country_s_events_on_a_timeline(page, server):
    pg = page.open("/?country=KOR&year=2024")
    assert pg.locator("[data-testid=chart-events] .main-svg").count() >= 1
    shown = pg.locator("[data-testid=events-table] td[data-col=event]").all_inner_texts()
    api = _api(server, "/api/v1/backtests?country=KOR")["rows"]
    assert shown == [r["event"] for r in api] and "jp-kr-semiconductor-materials-2019" in shown
    assert pg.locator("[data-testid=chart-events] .point").count() == len(api)
    _shot(page, "dependence-events")
    page.clean()


def test_a_scenario_says_the_last_time_this_happened(page, server):
    pg = page.open("/?view=scenario&kind=ban&from=CHN&to=JPN&product=811292")
    line = pg.locator("[data-testid=last-time]")
    events = {r["event"]: r for r in _api(server, "/api/v1/backtests?country=CHN")["rows"]}
    ev = events["cn-gallium-germanium-2023"]
    assert ev["title"] in line.inner_text() and ev["date"] in line.inner_text()
    href = line.locator("a").get_attribute("href")
    assert href == "/api/v1/backtests/cn-gallium-germanium-2023?format=html"
    # no event of the library had Japan ban anything to Australia
    pg = page.open("/?view=scenario&kind=ban&from=JPN&to=AUS&product=811292")
    assert pg.locator("[data-testid=last-time]").count() == 0
    page.clean()


def test_a_slider_changes_the_plan_the_url_and_a_reload_keeps_it(page, server):
    pg = page.open("/?view=plan&country=JPN&product=811292&rival=CHN&cap=0.3")
    before = _values(pg, "plan-table", "cost_premium")
    pg.locator("input[name=cap]").fill("0.1")
    pg.wait_for_function("location.search.includes('cap=0.1')")
    page.ready()
    api = _api(server, "/api/v1/plan?importer=JPN&product=811292&rival=CHN&cap=0.1")
    shown = _values(pg, "plan-table", "rival_share")
    assert shown == {r["product"]: r["rival_share"] for r in api["plans"]}
    assert shown["811292"] == pytest.approx(0.1)
    assert _values(pg, "plan-table", "cost_premium")["811292"] > before["811292"]
    pg.reload()
    page.ready()
    assert page.params()["cap"] == "0.1"
    assert pg.locator("input[name=cap]").input_value() == "0.1"
    assert _values(pg, "plan-table", "rival_share") == shown
    page.clean()


def test_tables_download_as_csv_and_charts_as_svg(page, server):
    pg = page.open("/?view=leverage&a=JPN&b=CHN")
    href = pg.locator("[data-testid=leverage-table] a", has_text="CSV").get_attribute("href")
    import httpx

    csv = httpx.get(server + href, timeout=60)
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("year,importer,supplier,product")
    with pg.expect_download() as made_here:
        pg.locator("[data-testid=exposure-table] a", has_text="CSV").click()
    rows = Path(made_here.value.path()).read_text().splitlines()
    api = _api(server, "/api/v1/leverage?a=JPN&b=CHN")["exposure"]
    assert rows[0] == "exporter,partner,exports_to_partner,total_exports,share"
    assert len(rows) == len(api) + 1 and rows[1].split(",")[0] == api[0]["exporter"]
    with pg.expect_download() as dl:
        pg.locator("[data-testid=chart-balance] button", has_text="SVG").click()
    assert dl.value.suggested_filename.endswith(".svg")
    assert "<svg" in Path(dl.value.path()).read_text()
    page.clean()


def test_the_api_docs_render_offline(page):
    page.page.goto(page.base + "/docs")
    page.page.wait_for_selector(".swagger-ui .opblock", timeout=60_000)
    assert page.page.locator(".swagger-ui .opblock").count() >= 20
    assert "econsec API" in page.page.inner_text(".swagger-ui .title")
    page.clean()


def test_a_bad_link_shows_the_problem_not_a_blank_page(page):
    page.page.goto(page.base + "/?country=JPX")
    page.page.wait_for_function("document.body.dataset.state === 'error'", timeout=60_000)
    assert "unknown country or group 'JPX'" in page.page.inner_text("#problem")
    # the browser reports the failed request on its console; nothing else may be there
    assert all("404" in e for e in page.errors), page.errors
    assert page.outside == []
