"""Downloads are kept only when verified; bad cached copies and unverifiable resumes start over."""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path

import httpx
import pytest
from ingest_helpers import CLEAN_2024, release_zip
from typer.testing import CliRunner

from econsec.cli.main import app
from econsec.download import SUMS_FILE, check_zip, fetch, read_sums
from econsec.errors import EconsecError

REL = "baci/BACI_HS17_V202601.zip"
NAME = "BACI_HS17_V202601.zip"
PORTAL = b"<!DOCTYPE html><html><body>Please log in to the hotel Wi-Fi</body></html>"


def _zip_bytes(tmp_path: Path, seed: int = 0) -> bytes:
    rows = "".join(f"2024,156,392,850511,{n}.{seed}5,1.0\n" for n in range(1, 400))
    folder = tmp_path / f"src{seed}"
    # Stored (uncompressed) members keep the archive big enough to cut and splice.
    with zipfile.ZipFile(release_zip(folder, {2024: CLEAN_2024})) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["BACI_HS17_Y2024_V202601.csv"] += rows.encode()
    out = folder / "stored.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for n, data in members.items():
            z.writestr(n, data)
    return out.read_bytes()


class Server:
    """A mock HTTP server: answers from ``handler`` and records the Range asked for."""

    def __init__(self, handler):
        self.handler = handler
        self.ranges: list[str | None] = []

    def client(self) -> httpx.Client:
        def respond(request: httpx.Request) -> httpx.Response:
            self.ranges.append(request.headers.get("range"))
            return self.handler(request)

        return httpx.Client(transport=httpx.MockTransport(respond))


def serve(payload: bytes, *, etag: str = '"v1"'):
    """A well-behaved server: honours Range with a correct Content-Range."""

    def handler(request: httpx.Request) -> httpx.Response:
        rng = request.headers.get("range")
        headers = {"content-type": "application/zip", "etag": etag}
        if rng:
            start = int(rng.split("=")[1].rstrip("-"))
            if start >= len(payload):
                return httpx.Response(416)
            headers["content-range"] = f"bytes {start}-{len(payload) - 1}/{len(payload)}"
            return httpx.Response(206, content=payload[start:], headers=headers)
        return httpx.Response(200, content=payload, headers=headers)

    return handler


def _fetch(dest: Path, server: Server) -> Path:
    return fetch(REL, dest, mirror="https://mirror.example", client=server.client())


def _sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


@pytest.mark.unit
def test_a_captive_portal_page_is_never_kept_and_a_fixed_server_is_used(tmp_path):
    for ctype in ("text/html; charset=utf-8", "application/octet-stream"):
        portal = Server(
            lambda r, c=ctype: httpx.Response(200, content=PORTAL, headers={"content-type": c})
        )
        with pytest.raises(EconsecError, match=r"HTML page|not a zip"):
            _fetch(tmp_path, portal)
        assert not (tmp_path / NAME).exists()
        assert not (tmp_path / f"{NAME}.part").exists()
    payload = _zip_bytes(tmp_path)
    got = _fetch(tmp_path, Server(serve(payload)))
    assert got.read_bytes() == payload
    assert read_sums(tmp_path) == {NAME: _sha(payload)}


@pytest.mark.unit
def test_a_416_on_a_stale_part_starts_over(tmp_path):
    payload = _zip_bytes(tmp_path)
    (tmp_path / f"{NAME}.part").write_bytes(b"x" * (len(payload) + 10))  # longer than the file
    srv = Server(serve(payload))
    assert _fetch(tmp_path, srv).read_bytes() == payload
    assert srv.ranges == [f"bytes={len(payload) + 10}-", None]


@pytest.mark.unit
def test_a_server_ignoring_range_gives_the_whole_file(tmp_path):
    payload = _zip_bytes(tmp_path)
    (tmp_path / f"{NAME}.part").write_bytes(payload[:100])
    srv = Server(lambda r: httpx.Response(200, content=payload))
    assert _fetch(tmp_path, srv).read_bytes() == payload
    assert srv.ranges == ["bytes=100-"]


@pytest.mark.unit
@pytest.mark.parametrize("bad_range", ["bytes 0-{end}/{total}", "bytes {start}-{end}/999999999"])
def test_a_content_range_that_does_not_continue_the_part_starts_over(tmp_path, bad_range):
    payload = _zip_bytes(tmp_path)
    have = len(payload) // 2
    (tmp_path / f"{NAME}.part").write_bytes(payload[:have])
    (tmp_path / f"{NAME}.part.json").write_text(json.dumps({"total": len(payload)}))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("range"):
            cr = bad_range.format(start=have, end=len(payload) - 1, total=len(payload))
            return httpx.Response(206, content=payload[have:], headers={"content-range": cr})
        return httpx.Response(200, content=payload)

    srv = Server(handler)
    assert _fetch(tmp_path, srv).read_bytes() == payload
    assert srv.ranges == [f"bytes={have}-", None]


@pytest.mark.unit
def test_a_resume_spliced_onto_another_version_is_detected_and_started_over(tmp_path):
    old, new = _zip_bytes(tmp_path, seed=0), _zip_bytes(tmp_path, seed=5)
    assert len(old) == len(new) and old != new
    have = len(old) // 2
    (tmp_path / f"{NAME}.part").write_bytes(old[:have])  # begun before the file was replaced
    srv = Server(serve(new))  # ignores If-Range, like many servers
    assert _fetch(tmp_path, srv).read_bytes() == new
    assert srv.ranges == [f"bytes={have}-", None]
    assert read_sums(tmp_path)[NAME] == _sha(new)


@pytest.mark.unit
def test_a_cut_download_is_not_kept_and_resumes_next_time(tmp_path):
    payload = _zip_bytes(tmp_path)

    def cut(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=payload[:1000], headers={"content-length": str(len(payload))}
        )

    with pytest.raises(EconsecError):
        _fetch(tmp_path, Server(cut))
    assert not (tmp_path / NAME).exists()
    srv = Server(serve(payload))
    assert _fetch(tmp_path, srv).read_bytes() == payload
    assert srv.ranges[0] is not None and srv.ranges[0].startswith("bytes=")


@pytest.mark.unit
def test_a_bad_cached_copy_is_fetched_again(tmp_path):
    payload = _zip_bytes(tmp_path)
    srv = Server(serve(payload))
    cached = _fetch(tmp_path, srv)
    # A bit flip inside a member keeps the zip structure: only the recorded SHA-256 sees it.
    data = bytearray(payload)
    data[len(data) // 3] ^= 1
    cached.write_bytes(bytes(data))
    assert check_zip(cached) is None
    notes: list[str] = []
    got = fetch(
        REL, tmp_path, mirror="https://mirror.example", client=srv.client(), note=notes.append
    )
    assert got.read_bytes() == payload and "SHA-256" in notes[0]
    # A cached HTML page from an older version (no record) is dropped as well.
    cached.write_bytes(PORTAL)
    (tmp_path / SUMS_FILE).unlink()
    assert _fetch(tmp_path, srv).read_bytes() == payload
    # A good cached copy is reused without asking the server.
    before = len(srv.ranges)
    _fetch(tmp_path, srv)
    assert len(srv.ranges) == before


@pytest.mark.unit
def test_a_mirror_folder_is_copied_and_verified(tmp_path):
    mirror, dest = tmp_path / "mirror", tmp_path / "dl"
    src = mirror / "baci" / NAME
    src.parent.mkdir(parents=True)
    src.write_bytes(PORTAL)
    with pytest.raises(EconsecError, match="HTML page"):
        fetch(REL, dest, mirror=str(mirror), client=Server(lambda r: httpx.Response(404)).client())
    assert not (dest / NAME).exists()
    payload = _zip_bytes(tmp_path)
    src.write_bytes(payload)
    got = fetch(REL, dest, mirror=str(mirror))
    assert got == dest / NAME and got.read_bytes() == payload and got != src
    assert read_sums(dest)[NAME] == _sha(payload)
    newer = _zip_bytes(tmp_path, seed=7)
    src.write_bytes(newer)
    os.utime(src, (1, 1))
    assert fetch(REL, dest, mirror=str(mirror)).read_bytes() == newer


@pytest.mark.unit
def test_fetch_cli_refuses_a_bad_mirror_file_in_one_line(home, tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "baci").mkdir(parents=True)
    (mirror / "baci" / NAME).write_bytes(_zip_bytes(tmp_path)[:-200])  # truncated
    monkeypatch.setenv("ECONSEC_MIRROR", str(mirror))
    monkeypatch.setattr("econsec.download.OFFICIAL", {"baci": str(tmp_path / "nowhere" / "{name}")})
    r = CliRunner().invoke(app, ["data", "fetch", "baci", "--hs", "HS17", "--release", "V202601"])
    assert r.exit_code == 2
    last = r.output.strip().splitlines()[-1]  # after the copy's progress bar
    assert last.startswith("error:") and NAME in last and "nothing was kept" in last
    assert not (home / "downloads" / NAME).exists()
