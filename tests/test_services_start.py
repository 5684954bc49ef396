"""Each of the seven services starts as its own process from its console
script, answers /healthz, /readyz and /metrics on the real infrastructure
(ready once it holds the OpenID provider's keys), and shuts down cleanly on
SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from liaison_shared.testing.plugin import OIDC_ISSUER, TEST_PARTITIONS
from liaison_shared.testing.system import SERVICES, free_port
from liaison_shared.testing.waiting import wait_until


@pytest.mark.parametrize("service", SERVICES)
async def test_service_process_serves_probes_and_stops_on_sigterm(
    service: str, database_url: str, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = "LIAISON_" + service.upper().replace("-", "_") + "_"
    port = free_port()
    env = {**os.environ, prefix + "DATABASE_URL": database_url, prefix + "KAFKA_BOOTSTRAP": kafka_bootstrap,
           prefix + "HTTP_PORT": str(port), prefix + "DB_SCHEMA": f"{unique_name}_svc",
           prefix + "TOPIC_PREFIX": f"{unique_name}.", prefix + "TOPIC_PARTITIONS": str(TEST_PARTITIONS),
           prefix + "OIDC_ISSUER": OIDC_ISSUER}
    script = Path(sys.executable).parent / f"liaison-{service}"
    assert script.exists(), f"console script liaison-{service} is not installed"
    process = subprocess.Popen([str(script)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            async def ready() -> bool:
                if process.poll() is not None:
                    raise AssertionError(f"{service} exited early with {process.returncode}")
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_until(ready, timeout=60, what=f"{service} to be ready")
            assert (await client.get("/healthz")).json() == {"status": "ok", "service": service}
            assert (await client.get("/readyz")).json() == {
                "ready": True, "checks": {"database": True, "kafka": True, "identity_keys": True}, "degraded": []}
            metrics = (await client.get("/metrics")).text
            assert f'liaison_http_requests_total{{method="GET",route="/readyz",service="{service}"' in metrics
            assert "liaison_outbox_backlog" in metrics
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(process.wait, 30)
        stderr = process.stderr.read().decode() if process.stderr else ""
    # uvicorn re-raises SIGTERM once its graceful shutdown is over.
    assert code in (0, -signal.SIGTERM), stderr[-2000:]
    assert "Application shutdown complete" in stderr
    assert "Traceback" not in stderr
