"""The Comtrade API client, against an httpx.MockTransport (never the network)."""

from __future__ import annotations

from pathlib import Path

import httpx
import polars as pl
import pytest

from econsec.sources import ingest_comtrade, read_flows
from econsec.sources.client import ComtradeApiError, ComtradeClient, Query
from econsec.warehouse.store import write_release_frames

KEY = "test-key-123"


def _record(reporter: int, partner: int, cmd: str, flow: str, value: float) -> dict[str, object]:
    return {
        "freqCode": "A",
        "refYear": 2022,
        "period": "2022",
        "reporterCode": reporter,
        "reporterISO": None,
        "flowCode": flow,
        "partnerCode": partner,
        "partnerISO": None,
        "partner2Code": 0,
        "classificationCode": "H6",
        "cmdCode": cmd,
        "customsCode": "C00",
        "motCode": 0,
        "qtyUnitCode": 8,
        "qty": 10.0,
        "netWgt": 10.0,
        "primaryValue": value,
        "isReported": True,
    }


class FakeApi:
    """A scripted Comtrade API: answers per request, records what it was asked."""

    def __init__(self, script: list[httpx.Response] | None = None) -> None:
        self.script = list(script or [])
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if self.script:
            return self.script.pop(0)
        p = request.url.params
        cmds = p["cmdCode"].split(",")
        data = [
            _record(int(p["reporterCode"]), 392, c, "M", 1000.0 * (n + 1))
            for n, c in enumerate(cmds)
        ]
        return httpx.Response(200, json={"count": len(data), "data": data, "error": ""})


class Clock:
    """A fake clock; ``sleep`` advances it and records the waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, s: float) -> None:
        self.waits.append(s)
        self.now += s

    def __call__(self) -> float:
        return self.now


def _client(tmp_path: Path, api: FakeApi, clock: Clock, **kw: object) -> ComtradeClient:
    return ComtradeClient(
        KEY,
        tmp_path / "cache",
        transport=httpx.MockTransport(api),
        sleep=clock.sleep,
        clock=clock,
        **kw,  # type: ignore[arg-type]
    )


def test_pages_are_rate_limited_and_carry_the_key_and_totals_filters(tmp_path: Path) -> None:
    api, clock = FakeApi(), Clock()
    q = Query(reporters=("410", "156"), years=(2022,), cmds=("281111", "370790", "392099"))
    with _client(tmp_path, api, clock, min_interval=1.0, cmds_per_page=2) as c:
        path = c.fetch(q)
    assert len(api.seen) == 4  # 2 reporters × 2 pages of commodity codes
    assert all(r.headers["Ocp-Apim-Subscription-Key"] == KEY for r in api.seen)
    first = api.seen[0].url.params
    assert (first["motCode"], first["customsCode"], first["partner2Code"]) == ("0", "C00", "0")
    assert sum(clock.waits) == pytest.approx(3.0)  # one second between four requests
    assert KEY not in path.read_text() and all(
        KEY not in p.read_text() for p in path.parent.rglob("*.json")
    )
    df = pl.read_csv(path, infer_schema=False)
    assert df.height == 6 and set(df["reporterCode"]) == {"410", "156"}


def test_retries_back_off_and_honour_retry_after(tmp_path: Path) -> None:
    script = [
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(503),
        httpx.Response(502),
    ]
    api, clock = FakeApi(script), Clock()
    q = Query(reporters=("410",), years=(2022,), cmds=("281111",))
    with _client(tmp_path, api, clock, min_interval=0.0, backoff=0.5) as c:
        recs = list(c.records(q))
    assert len(recs) == 1 and len(api.seen) == 4
    assert clock.waits == [7.0, 1.0, 2.0]  # Retry-After, then 0.5 · 2^1, 0.5 · 2^2


def test_persistent_failure_and_refused_key_are_one_clear_error(tmp_path: Path) -> None:
    q = Query(reporters=("410",), years=(2022,), cmds=("281111",))
    api = FakeApi([httpx.Response(503)] * 3)
    with (
        _client(tmp_path / "a", api, Clock(), retries=2) as c,
        pytest.raises(ComtradeApiError, match="HTTP 503"),
    ):
        c.fetch(q)
    with (
        _client(tmp_path / "b", FakeApi([httpx.Response(401)]), Clock()) as c,
        pytest.raises(ComtradeApiError, match="refused the subscription key"),
    ):
        c.fetch(q)


def test_a_full_page_is_refused_not_silently_truncated(tmp_path: Path) -> None:
    q = Query(reporters=("410",), years=(2022,), cmds=("281111", "281112"))
    with (
        _client(tmp_path, FakeApi(), Clock(), max_records=2) as c,
        pytest.raises(ComtradeApiError, match="cap"),
    ):
        c.fetch(q)


def test_an_interrupted_fetch_resumes_and_a_repeat_makes_no_request(tmp_path: Path) -> None:
    q = Query(reporters=("410", "156", "392"), years=(2021, 2022), cmds=("281111",))

    def network_down_after(n: int):
        calls = {"n": 0}
        base = FakeApi()

        def handler(request: httpx.Request) -> httpx.Response:
            calls["n"] += 1
            if calls["n"] > n:
                raise httpx.ConnectError("network down")
            return base(request)

        return handler

    with (
        _client(tmp_path, FakeApi(), Clock(), retries=0) as c,
        pytest.raises(ComtradeApiError, match="unreachable"),
    ):
        c._http = httpx.Client(transport=httpx.MockTransport(network_down_after(4)))
        c.fetch(q)
    api, notes = FakeApi(), []
    with _client(tmp_path, api, Clock()) as c:
        path = c.fetch(q, note=notes.append)
    assert len(api.seen) == 2  # only the 2 pages the first run lacked
    assert notes == ["resuming: 4 of 6 pages already fetched"]
    assert pl.read_csv(path).height == 6
    again = FakeApi()
    with _client(tmp_path, again, Clock()) as c:
        assert c.fetch(q) == path
    assert again.seen == []


def test_fetched_file_ingests_as_the_api_shape(tmp_path: Path, home: Path) -> None:
    countries = pl.DataFrame(
        {
            "code": [410, 392],
            "name": ["Rep. of Korea", "Japan"],
            "iso2": ["KR", "JP"],
            "iso3": ["KOR", "JPN"],
        }
    )
    flows = pl.DataFrame({"t": [2022], "i": [392], "j": [410], "k": ["281111"], "v": [1.0]})
    write_release_frames(home, "HS17", "V202601", flows, countries)
    q = Query(reporters=("410",), years=(2022,), cmds=("281111", "370790"))
    with _client(tmp_path, FakeApi(), Clock()) as c:
        path = c.fetch(q)
    rep = ingest_comtrade(path, home=home)
    assert (rep.shape, rep.rows, rep.rejects) == ("api", 2, 0)
    got = read_flows(home=home, hs=None).sort("k")
    assert got["v"].to_list() == [1.0, 2.0] and got["partner"].to_list() == ["JPN", "JPN"]


def test_no_key_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMTRADE_API_KEY", raising=False)
    with pytest.raises(ComtradeApiError, match="COMTRADE_API_KEY"):
        ComtradeClient.from_env(tmp_path)


def test_cli_fetch_without_a_key_is_one_line(tmp_path: Path) -> None:
    from sources_helpers import econsec

    p = econsec(
        "data", "fetch", "comtrade", "--reporter", "410", "--year", "2022", "--cmd", "281111",
        home=tmp_path / "home", COMTRADE_API_KEY="",
    )  # fmt: skip
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert p.stderr.startswith("error: ") and "COMTRADE_API_KEY" in p.stderr
