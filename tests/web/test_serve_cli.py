"""``econsec serve`` as a user starts it: the console script in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ECONSEC = str(Path(sys.executable).with_name("econsec"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_loopback_and_stops_cleanly(web_home):
    port = _free_port()
    env = {**os.environ, "ECONSEC_HOME": str(web_home)}
    proc = subprocess.Popen(
        [ECONSEC, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                r = httpx.get(base + "/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.1)
        assert r.status_code == 200 and r.json()["years"] == [2022, 2023, 2024]
        aut = httpx.get(base + "/api/v1/autonomy?importer=JPN&rival=CHN", timeout=60).json()
        assert aut["params"]["importer"] == ["JPN"] and aut["rows"]
        assert httpx.get(base + "/", timeout=10).text.startswith("<!doctype html>")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in err
    assert "Traceback" not in err


def test_serve_refuses_an_empty_warehouse_in_one_line(tmp_path):
    p = subprocess.run(
        [ECONSEC, "serve", "--home", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "no usable release" in lines[0] and str(tmp_path) in lines[0]
