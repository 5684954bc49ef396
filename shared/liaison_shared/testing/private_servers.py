"""Servers of a test's own, so the test can stop and restart them without
disturbing the ones every other test shares. They are started by the same
scripts as the real ones (deploy/local/), on other ports."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Self

SCRIPTS = Path(__file__).resolve().parents[3] / "deploy" / "local"


class PrivateServer:
    def __init__(self, script: str, port_variable: str, port: int) -> None:
        self._script = SCRIPTS / script
        self._env = {**os.environ, port_variable: str(port)}
        self._env.pop("PG_EXTERNAL_URL", None)
        self.port = port

    def _run(self, action: str) -> None:
        subprocess.run(["bash", str(self._script), action], env=self._env, check=True, capture_output=True,
                       timeout=180)

    def start(self) -> None:
        self._run("start")

    def stop(self) -> None:
        self._run("stop")

    def __enter__(self) -> Self:
        """Started for a `with` block (a test module's fixture), stopped after it."""
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


class PrivateKafka(PrivateServer):
    def __init__(self, port: int) -> None:
        super().__init__("kafka.sh", "KAFKA_PORT", port)
        self.bootstrap = f"127.0.0.1:{port}"


class PrivatePostgres(PrivateServer):
    def __init__(self, port: int) -> None:
        super().__init__("postgres.sh", "PG_PORT", port)
        self.database_url = f"postgresql+asyncpg://liaison@127.0.0.1:{port}/liaison"
