"""The `peerloop` command line: help, unknown commands, and `serve` answering for real."""

import os
from pathlib import Path
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

BIN = Path(sys.executable).parent


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "peerloop"), *args], capture_output=True, text=True, env=env, timeout=120)


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("serve", "worker", "migrate", "demo", "import-people", "backup", "restore"):
        assert f"  {command}" in result.stdout


def test_unknown_command_is_refused_with_usage():
    result = run("frobnicate")
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr
    assert "usage: peerloop" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_serve_answers_over_http(tmp_path):
    env = {**os.environ, "PEERLOOP_DATA_DIR": str(tmp_path), "PEERLOOP_PROFILE": "dev", "PEERLOOP_DEBUG": "false"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    assert run("migrate", "-v", "0", env=env).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "peerloop"), "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body, status = "", 0
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as response:
                    status, body = response.status, response.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert status == 200
        assert "Peerloop" in body
    finally:
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        server.terminate()
        server.wait(timeout=20)
    # SIGTERM stops the whole tree: neither the web server nor the consumer is left behind.
    assert len(children) == 2
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
