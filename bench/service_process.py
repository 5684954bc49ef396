"""A Liaison service in its own process for a benchmark: its settings (this
run's schema and topic prefix, 2 partitions, a free port), spawning it, and
noticing when it died."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from liaison_shared.testing.system import free_port

BIN = Path(sys.executable).parent
DATABASE_URL = "postgresql+asyncpg://liaison@127.0.0.1:54329/liaison"


def service_env(service: str, schema: str, prefix: str, bootstrap: str, **extra: str) -> dict[str, str]:
    """The environment of `liaison-<service>` for one run; `extra` adds settings (without the prefix)."""
    settings = {"DATABASE_URL": DATABASE_URL, "DB_SCHEMA": schema, "TOPIC_PREFIX": prefix, "TOPIC_PARTITIONS": "2",
                "KAFKA_BOOTSTRAP": bootstrap, "HTTP_PORT": str(free_port()), "LOG_LEVEL": "WARNING", **extra}
    env_prefix = "LIAISON_" + service.upper().replace("-", "_") + "_"
    return {**os.environ, **{env_prefix + name: value for name, value in settings.items()}}


def spawn(service: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`liaison-<service>` as deployed, its output appended to `log` (sync on purpose: ASYNC220)."""
    with log.open("ab") as out:
        return subprocess.Popen([str(BIN / f"liaison-{service}")], env=env, stdout=out, stderr=subprocess.STDOUT)


def tail(log: Path) -> str:
    """The service's last words, for error messages."""
    return log.read_text(errors="replace")[-2000:]


def check_alive(service: str, process: subprocess.Popen[bytes] | None, log: Path) -> None:
    if process is not None and process.poll() is not None:
        raise RuntimeError(f"{service} exited with {process.returncode}:\n{tail(log)}")
