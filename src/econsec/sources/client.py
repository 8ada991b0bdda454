"""A small client of the UN Comtrade data API (``comtradeapi.un.org/data/v1/get``).

Why not ``comtradeapicall`` (UN's own package): it calls the API through ``urllib`` and returns
pandas frames, with no way to pass an HTTP transport (so it cannot be tested offline with a
mock), no retries, no cache and no resume. This client uses ``httpx`` and adds:

- **paging**: a query is split into pages (one reporter × year × up to ``cmds_per_page``
  commodity codes), each small enough for the API's record cap; a page that comes back full
  is an error (it may be truncated) rather than silently short;
- **rate limiting**: at least ``min_interval`` seconds between requests (the free tier allows
  about one call per second);
- **retries with backoff**: HTTP 429 and 5xx and network errors are retried up to ``retries``
  times, waiting ``backoff · 2^n`` seconds or the server's ``Retry-After``;
- **cache and resume**: each page is kept as JSON under the cache folder, named by its
  parameters; an interrupted fetch resumes from the pages it lacks, and a repeated fetch makes
  no request at all.

The subscription key comes from ``COMTRADE_API_KEY`` (free from comtradedeveloper.un.org) and
is sent in the ``Ocp-Apim-Subscription-Key`` header, never written to disk.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from econsec.errors import EconsecError
from econsec.warehouse.store import atomic_write_text

BASE_URL = "https://comtradeapi.un.org/data/v1/get/C/A/HS"
KEY_ENV = "COMTRADE_API_KEY"
#: Records one call may return with a subscription key.
MAX_RECORDS = 250_000
#: Columns written to the combined CSV (the API shape :mod:`econsec.sources.comtrade` reads).
CSV_COLUMNS = (
    "freqCode",
    "refYear",
    "period",
    "reporterCode",
    "reporterISO",
    "flowCode",
    "partnerCode",
    "partnerISO",
    "partner2Code",
    "classificationCode",
    "cmdCode",
    "customsCode",
    "motCode",
    "qtyUnitCode",
    "qty",
    "netWgt",
    "primaryValue",
)
_RETRY_STATUS = {429, 500, 502, 503, 504}


class ComtradeApiError(EconsecError):
    """The Comtrade API refused a request or kept failing."""


@dataclass(frozen=True)
class Query:
    """What to fetch: reporters (M49 codes), years, HS codes; all partners unless given."""

    reporters: tuple[str, ...]
    years: tuple[int, ...]
    cmds: tuple[str, ...]
    partners: tuple[str, ...] = ()
    flows: tuple[str, ...] = ("M", "X")
    breakdowns: bool = False

    def pages(self, cmds_per_page: int = 20) -> list[dict[str, str]]:
        """Request parameters of every page, in a stable order."""
        if not (self.reporters and self.years and self.cmds):
            raise ValueError("a Comtrade query needs at least one reporter, year and --cmd")
        cmds = sorted({c.strip() for c in self.cmds})
        out = []
        for r in sorted({str(x).strip() for x in self.reporters}):
            for y in sorted(set(self.years)):
                for i in range(0, len(cmds), cmds_per_page):
                    p = {
                        "reporterCode": r,
                        "period": str(y),
                        "cmdCode": ",".join(cmds[i : i + cmds_per_page]),
                        "flowCode": ",".join(self.flows),
                    }
                    if self.partners:
                        p["partnerCode"] = ",".join(sorted(self.partners))
                    if not self.breakdowns:  # totals only: the ingest would set the rest aside
                        p |= {"partner2Code": "0", "customsCode": "C00", "motCode": "0"}
                    out.append(p)
        return out

    def name(self) -> str:
        """Return a file name describing the query (with a digest of its full parameters)."""
        digest = hashlib.sha256(json.dumps(self.pages(), sort_keys=True).encode()).hexdigest()
        ys = sorted(set(self.years))
        span = f"{ys[0]}-{ys[-1]}" if len(ys) > 1 else str(ys[0])
        who = "-".join(sorted(self.reporters))[:40]
        return f"comtrade_{who}_{span}_{digest[:10]}.csv"


class ComtradeClient:
    """Fetch Comtrade pages with rate limiting, retries, a cache and resume.

    Parameters
    ----------
    key
        Subscription key.
    cache
        Folder for cached pages and combined CSV files.
    transport
        An ``httpx`` transport (tests pass ``httpx.MockTransport``).
    min_interval, retries, backoff
        Seconds between requests; retries of a failing request; first backoff in seconds.
    sleep, clock
        Injected for tests (``time.sleep``, ``time.monotonic`` by default).
    """

    def __init__(
        self,
        key: str,
        cache: Path,
        *,
        transport: httpx.BaseTransport | None = None,
        base_url: str = BASE_URL,
        min_interval: float = 1.1,
        retries: int = 5,
        backoff: float = 2.0,
        max_records: int = MAX_RECORDS,
        cmds_per_page: int = 20,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not key.strip():
            raise ComtradeApiError(f"empty Comtrade subscription key; set {KEY_ENV}")
        self.cache = Path(cache)
        self.base_url = base_url
        self.min_interval, self.retries, self.backoff = min_interval, retries, backoff
        self.max_records, self.cmds_per_page = max_records, cmds_per_page
        self._sleep, self._clock = sleep, clock
        self._last: float | None = None
        self.requests = 0
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(60.0),
            headers={"Ocp-Apim-Subscription-Key": key.strip()},
        )

    @classmethod
    def from_env(cls, cache: Path, **kw: Any) -> ComtradeClient:
        """Make a client with the key from ``COMTRADE_API_KEY``."""
        key = os.environ.get(KEY_ENV, "")
        if not key.strip():
            raise ComtradeApiError(
                f"no Comtrade subscription key: set {KEY_ENV} (free from "
                "https://comtradedeveloper.un.org)"
            )
        return cls(key, cache, **kw)

    def __enter__(self) -> ComtradeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    # -- pages --------------------------------------------------------------------------------

    def page_path(self, params: dict[str, str]) -> Path:
        """Cache file of one page (named by a digest of its parameters)."""
        d = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
        return self.cache / "pages" / f"{d}.json"

    def page(self, params: dict[str, str]) -> list[dict[str, Any]]:
        """Return the records of one page: from the cache, else from the API (then cached)."""
        f = self.page_path(params)
        if f.exists():
            try:
                return list(json.loads(f.read_text(encoding="utf-8"))["data"])
            except (ValueError, KeyError, TypeError):
                f.unlink()  # a damaged cache entry is fetched again
        data = self._get(params)
        atomic_write_text(f, json.dumps({"params": params, "data": data}))
        return data

    def _get(self, params: dict[str, str]) -> list[dict[str, Any]]:
        query = {**params, "maxRecords": str(self.max_records), "includeDesc": "false"}
        for attempt in range(self.retries + 1):
            self._pace()
            try:
                r = self._http.get(self.base_url, params=query)
            except httpx.TransportError as e:
                if attempt == self.retries:
                    raise ComtradeApiError(f"Comtrade API unreachable: {e}") from None
                self._sleep(self.backoff * 2**attempt)
                continue
            if r.status_code in _RETRY_STATUS and attempt < self.retries:
                self._sleep(_retry_after(r) or self.backoff * 2**attempt)
                continue
            return self._records(r, params)
        raise AssertionError("unreachable")  # pragma: no cover

    def _records(self, r: httpx.Response, params: dict[str, str]) -> list[dict[str, Any]]:
        if r.status_code in (401, 403):
            raise ComtradeApiError(
                f"Comtrade API refused the subscription key (HTTP {r.status_code}); check {KEY_ENV}"
            )
        if r.status_code != 200:
            raise ComtradeApiError(
                f"Comtrade API answered HTTP {r.status_code} for {_show(params)}: "
                f"{r.text[:120].strip()}"
            )
        try:
            body = r.json()
            data = body.get("data") or []
        except (ValueError, AttributeError):
            raise ComtradeApiError(f"Comtrade API answered no JSON for {_show(params)}") from None
        if body.get("error"):
            raise ComtradeApiError(f"Comtrade API error for {_show(params)}: {body['error']}")
        if len(data) >= self.max_records:
            raise ComtradeApiError(
                f"{_show(params)} returned {len(data):,} records, the API's cap: the page may "
                "be truncated; ask for fewer codes or years at a time"
            )
        return list(data)

    def _pace(self) -> None:
        now = self._clock()
        if self._last is not None and now - self._last < self.min_interval:
            self._sleep(self.min_interval - (now - self._last))
        self._last = self._clock()
        self.requests += 1

    # -- whole queries ------------------------------------------------------------------------

    def records(
        self, q: Query, note: Callable[[str], None] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every record of the query, page by page (cached pages are not requested again)."""
        pages = q.pages(self.cmds_per_page)
        cached = sum(self.page_path(p).exists() for p in pages)
        if note is not None and 0 < cached < len(pages):
            note(f"resuming: {cached} of {len(pages)} pages already fetched")
        for p in pages:
            yield from self.page(p)

    def fetch(self, q: Query, note: Callable[[str], None] | None = None) -> Path:
        """Fetch the query and write its records as one API-shaped CSV; return its path."""
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for rec in self.records(q, note):
            w.writerow({c: "" if rec.get(c) is None else rec.get(c) for c in CSV_COLUMNS})
        out = self.cache / q.name()
        atomic_write_text(out, buf.getvalue())
        return out


def _retry_after(r: httpx.Response) -> float | None:
    try:
        return max(0.0, float(r.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _show(params: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items() if k in ("reporterCode", "period"))
