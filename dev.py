#!/usr/bin/env python3
"""Peerloop's two set-up commands, for a fresh machine with Python 3.11 and pip.

    python3 dev.py demo    # install, migrate SQLite, seed the demo organization, serve :8000
    python3 dev.py test    # install test tools, run lint, types, boundaries and the test suite

Both create ./.venv on first use and install exactly the pinned versions of
requirements/*.txt (reinstalling only when a lock file changes).
"""

import hashlib
import os
from pathlib import Path
import subprocess
import sys
import venv

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"


def run(*cmd: str | os.PathLike, env: dict | None = None) -> int:
    print("$ " + " ".join(str(c) for c in cmd), flush=True)
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, env=env)


def ensure_env(lock: str) -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Peerloop needs Python 3.11; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print(f"Creating a virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    lock_path = ROOT / "requirements" / lock
    digest = hashlib.sha256(lock_path.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / f".installed-{lock}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    pip = [BIN / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    if run(*pip, "-r", lock_path) or run(*pip, "--no-deps", "-e", "."):
        sys.exit("Installing Peerloop's dependencies failed (see above).")
    stamp.write_text(digest)


def demo(args: list[str]) -> int:
    ensure_env("lock.txt")
    env = {**os.environ, "PEERLOOP_PROFILE": os.environ.get("PEERLOOP_PROFILE", "dev")}
    peerloop = BIN / "peerloop"
    if run(peerloop, "migrate", "--no-input", "-v", "0", env=env):
        return 1
    if run(peerloop, "demo", "--if-empty", env=env):
        return 1
    # Become the server, so Ctrl+C and SIGTERM reach it (and it stops its children).
    print(f"$ {peerloop} serve {' '.join(args)}", flush=True)
    os.execve(peerloop, [str(peerloop), "serve", *args], env)


STEPS = [
    ("lint", ["ruff", "check", "src", "tests", "bench", "dev.py"]),
    ("format", ["ruff", "format", "--check", "src", "tests", "bench", "dev.py"]),
    ("types", ["mypy"]),
    ("boundaries", ["lint-imports"]),
    ("migrations", ["peerloop", "manage", "makemigrations", "--check", "--dry-run"]),
]


def test(args: list[str]) -> int:
    ensure_env("dev-lock.txt")
    env = {**os.environ, "PEERLOOP_PROFILE": "test", "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    failed = []
    if not args:
        for name, cmd in STEPS:
            if run(BIN / cmd[0], *cmd[1:], env=env):
                failed.append(name)
    pytest_args = args or []
    if run(BIN / "python", "-m", "pytest", *pytest_args, env=env):
        failed.append("tests")
    if failed:
        print(f"FAILED: {', '.join(failed)}", flush=True)
        return 1
    print("All checks passed.", flush=True)
    return 0


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test"):
        print(__doc__)
        return 2
    command, args = sys.argv[1], sys.argv[2:]
    return demo(args) if command == "demo" else test(args)


if __name__ == "__main__":
    raise SystemExit(main())
