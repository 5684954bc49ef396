"""The whole system on this machine: the eight services, each its own process
started from its console script as deployed, on real Kafka and PostgreSQL.

End-to-end tests, fault drills and the system load benchmark all run it. One
`LiaisonSystem` has its own schemas (`<name>_<service>`), topic prefix
(`<name>.`) and ports, so several can share the infrastructure; its topics are
the caller's to delete (`liaison_shared.kafka.delete_topics`). Its services
accept the access tokens of one OpenID provider (the test Keycloak unless told
otherwise), and callers get theirs from `tokens`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.waiting import wait_until

SERVICES = ("intake", "triage", "sla-monitor", "notifier", "attribution", "console", "reporting", "care-coordination")
BIN = Path(sys.executable).parent
READY_TIMEOUT = 180.0  # eight processes importing at once on two busy cores
LOAD_RATE_LIMITS = {"RATE_PER_ADDRESS": "1000000", "RATE_BURST_PER_ADDRESS": "1000000",
                    "RATE_PER_CLIENT": "1000000", "RATE_BURST_PER_CLIENT": "1000000",
                    "RATE_FAILED_AUTH_PER_ADDRESS": "1000000", "RATE_BURST_FAILED_AUTH_PER_ADDRESS": "1000000"}
"""Settings that lift the request pipeline's rate limits: these harnesses drive load from one address and
client on purpose (the limits are tested on their own, in shared/tests/test_request_pipeline.py)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_prefix(service: str) -> str:
    return "LIAISON_" + service.upper().replace("-", "_") + "_"


@dataclass
class LiaisonSystem:
    """Eight service processes sharing one database, one broker, one prefix and one business clock."""

    name: str
    database_url: str
    bootstrap: str
    workdir: Path
    smtp_port: int
    clock_offset_seconds: float = 0.0
    partitions: int = 2
    settings: dict[str, dict[str, str]] = field(default_factory=dict)
    """Extra settings per service, without the LIAISON_<SERVICE>_ prefix."""
    tokens: Tokens = field(default_factory=Tokens)
    """Where callers get access tokens: the services accept those of its issuer."""
    ready_probe_timeout: float = 2.0
    """Seconds one /readyz probe may take. A service answers it behind the requests it is already serving, so
    a harness that keeps load on a service while it (re)starts gives the probe longer than a quiet test does."""
    ports: dict[str, int] = field(default_factory=lambda: {service: free_port() for service in SERVICES})
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def topic_prefix(self) -> str:
        return f"{self.name}."

    def schema(self, service: str) -> str:
        return f"{self.name}_{service.replace('-', '_')}"

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def log(self, service: str) -> Path:
        return self.workdir / f"{service}.log"

    def env(self, service: str) -> dict[str, str]:
        values = {"DATABASE_URL": self.database_url, "DB_SCHEMA": self.schema(service),
                  "KAFKA_BOOTSTRAP": self.bootstrap, "TOPIC_PREFIX": self.topic_prefix,
                  "TOPIC_PARTITIONS": str(self.partitions), "HTTP_PORT": str(self.ports[service]),
                  "OIDC_ISSUER": self.tokens.issuer, "RELAY_SWEEP_SECONDS": "0.5", "LOG_LEVEL": "INFO",
                  **LOAD_RATE_LIMITS}
        if service == "notifier":
            values.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(self.smtp_port))
        if service == "console":
            values.update(INTAKE_URL=self.url("intake"), NOTIFIER_URL=self.url("notifier"),
                          REPORTING_URL=self.url("reporting"), CARE_COORDINATION_URL=self.url("care-coordination"))
        values.update(self.settings.get(service, {}))
        prefix = env_prefix(service)
        return {**os.environ, "LIAISON_CLOCK_OFFSET_SECONDS": str(self.clock_offset_seconds),
                **{prefix + key: value for key, value in values.items()}}

    def spawn(self, service: str) -> None:
        """Start `liaison-<service>`; its output is appended to its log in the work directory."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log(service).open("ab") as out:
            self.processes[service] = subprocess.Popen(
                [str(BIN / f"liaison-{service}")], env=self.env(service), stdout=out, stderr=subprocess.STDOUT)

    async def start(self, *services: str) -> None:
        """Start the services (default: all eight) and wait until each answers /readyz."""
        chosen = services or SERVICES
        for service in chosen:
            self.spawn(service)
        await asyncio.gather(*(self.wait_ready(service) for service in chosen))

    async def wait_ready(self, service: str, timeout: float = READY_TIMEOUT) -> None:
        """Poll `service`'s /readyz (each probe given `ready_probe_timeout` s) until it answers 200; fail after
        `timeout` s or as soon as the process exits."""
        async with httpx.AsyncClient(base_url=self.url(service), timeout=self.ready_probe_timeout) as client:
            async def ready() -> bool:
                self.check_alive(service)
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            try:
                await wait_until(ready, timeout=timeout, interval=0.2, what=f"{service} to be ready")
            except TimeoutError:
                raise TimeoutError(f"{service} not ready after {timeout:.0f} s:\n{self.tail(service)}") from None

    def check_alive(self, service: str) -> None:
        process = self.processes.get(service)
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{service} exited with {process.returncode}:\n{self.tail(service)}")

    def tail(self, service: str) -> str:
        path = self.log(service)
        return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"

    def kill(self, service: str) -> None:
        """kill -9: no shutdown, no flush, no goodbye."""
        process = self.processes.pop(service)
        process.kill()
        process.wait(30)

    async def restart(self, service: str) -> None:
        self.spawn(service)
        await self.wait_ready(service)

    async def stop(self) -> None:
        """SIGTERM every service and wait for each to finish its shutdown."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for service, process in list(self.processes.items()):
            try:
                await asyncio.to_thread(process.wait, 30)
            except subprocess.TimeoutExpired:
                process.kill()
                await asyncio.to_thread(process.wait, 30)
            del self.processes[service]
