"""A Liaison service in its own process for a benchmark: its settings (this
run's schema and topic prefix, 2 partitions, a free port), spawning it,
noticing when it died, stopping it, and removing what the run created."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from liaison_shared.kafka import delete_topics
from liaison_shared.testing.system import LOAD_RATE_LIMITS, free_port

BIN = Path(sys.executable).parent
DATABASE_URL = "postgresql+asyncpg://liaison@127.0.0.1:54329/liaison"
DSN = "postgresql://liaison@127.0.0.1:54329/liaison"


@dataclass
class Created:
    """What this run created and must remove, even when it fails."""

    schemas: list[str] = field(default_factory=list)
    prefix: str = ""
    service: subprocess.Popen[bytes] | None = None


def service_env(service: str, schema: str, prefix: str, bootstrap: str, **extra: str) -> dict[str, str]:
    """The environment of `liaison-<service>` for one run; `extra` adds settings (without the prefix)."""
    settings = {"DATABASE_URL": DATABASE_URL, "DB_SCHEMA": schema, "TOPIC_PREFIX": prefix, "TOPIC_PARTITIONS": "2",
                "KAFKA_BOOTSTRAP": bootstrap, "HTTP_PORT": str(free_port()), "LOG_LEVEL": "WARNING",
                **LOAD_RATE_LIMITS, **extra}
    env_prefix = "LIAISON_" + service.upper().replace("-", "_") + "_"
    env = {**os.environ, **{env_prefix + name: value for name, value in settings.items()}}
    # As deployed (an image holds compiled bytecode): else every start and restart recompiles every
    # import, `holidays` above all, and spends ~10 s of a loaded machine on it before doing anything.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


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


def stop(created: Created, timeout: float = 30) -> None:
    """SIGTERM and wait (the runtime finishes in-flight work and leaves its group); kill only if it hangs."""
    service, created.service = created.service, None
    if service is not None and service.poll() is None:
        service.send_signal(signal.SIGTERM)
        try:
            service.wait(timeout)
        except subprocess.TimeoutExpired:
            program = service.args[0] if isinstance(service.args, list) else service.args
            print(f"cleanup: {Path(str(program)).name} ignored SIGTERM for {timeout:.0f} s; killed",
                  file=sys.stderr)
            service.kill()
            service.wait()


async def clean_up(bootstrap: str, created: Created) -> None:
    """Stop the service, drop the schemas, delete the topics; report failures, never raise."""
    await asyncio.to_thread(stop, created)
    await drop_run(bootstrap, created.schemas, created.prefix)


async def drop_run(bootstrap: str, schemas: list[str], prefix: str) -> None:
    """Drop a run's schemas and delete its topics (the broker's file limit is real); report, never raise."""
    try:
        conn = await asyncpg.connect(DSN)
        try:
            for schema in schemas:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()
    except Exception as exc:
        print(f"cleanup: schemas {schemas} not dropped: {exc!r}", file=sys.stderr)
    try:
        if prefix:
            await delete_topics(bootstrap, prefix)
    except Exception as exc:
        print(f"cleanup: topics {prefix}* not deleted: {exc!r}", file=sys.stderr)
