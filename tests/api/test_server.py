"""The real server: uvicorn in a subprocess, stopped by SIGTERM or SIGINT."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from kgservice.settings import load_settings
from kgservice.stores.opening import open_stores


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    log = data_dir.parent / "server.log"
    with log.open("w") as sink:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kgservice",
                "serve",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )


def wait_healthy(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 180  # a fresh data dir migrates and builds the model first
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not become healthy")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_and_stops_cleanly(tmp_path: Path, stop_signal: signal.Signals) -> None:
    data_dir, port = tmp_path / "data", free_port()
    server = start(data_dir, port)
    try:
        wait_healthy(port, server)
        answer = httpx.post(
            f"http://127.0.0.1:{port}/graphql", json={"query": "{ version { schema } }"}, timeout=10
        )
        assert answer.json()["data"]["version"]["schema"] >= 2

        second = subprocess.run(
            [sys.executable, "-m", "kgservice", "status", "--data-dir", str(data_dir)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 1
        assert f"another kgservice holds {data_dir}" in second.stderr

        server.send_signal(stop_signal)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    with open_stores(load_settings(data_dir=data_dir, buffer_pool_mb=64)) as stores:
        assert stores.graph.run("core/ping") == [{"ok": 1}]  # the lock was released
