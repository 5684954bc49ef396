"""A Kafka broker of a test's own, so the test can stop it without
disturbing the broker every other test shares. Started with the same
script as the real one (deploy/local/kafka.sh), on another port."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[3] / "deploy" / "local" / "kafka.sh"


class PrivateKafka:
    def __init__(self, port: int) -> None:
        self.port = port
        self.bootstrap = f"127.0.0.1:{port}"

    def _script(self, action: str) -> None:
        env = {**os.environ, "KAFKA_PORT": str(self.port)}
        subprocess.run(["bash", str(SCRIPT), action], env=env, check=True, capture_output=True, timeout=180)

    def start(self) -> None:
        self._script("start")

    def stop(self) -> None:
        self._script("stop")
