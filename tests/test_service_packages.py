"""Each service installs alone, as its image does, and starts.

The one development environment holds every package, which hides a service
whose pyproject forgets a dependency or a data file. Here each service is
installed (not editable) with only `shared/` into a virtualenv of its own,
under the same pinned constraints as its Dockerfile, and started from its
console script against the real Kafka and PostgreSQL until it is ready.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from liaison_shared.kafka import delete_topics
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.system import SERVICES, LiaisonSystem
from liaison_shared.testing.waiting import wait_until

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).parent / "uv"


def install_alone(service: str, target: Path) -> Path:
    """A virtualenv with `shared/` and `services/<service>/` only; its bin directory."""
    subprocess.run([str(UV), "venv", "-q", "--python", sys.executable, str(target)], check=True)
    python = target / "bin" / "python"
    done = subprocess.run([str(UV), "pip", "install", "-q", "--python", str(python),
                           "-c", str(ROOT / "constraints.txt"), str(ROOT / "shared"), str(ROOT / "services" / service)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return target / "bin"


@pytest.mark.timeout(900)
@pytest.mark.parametrize("service", SERVICES)
async def test_service_installed_alone_starts_and_is_ready(service: str, tmp_path: Path, database_url: str,
                                                           kafka_bootstrap: str, mailbox: Any, tokens: Tokens) -> None:
    bin_dir = await asyncio.to_thread(install_alone, service, tmp_path / "venv")
    system = LiaisonSystem(name=f"t{uuid.uuid4().hex[:12]}", database_url=database_url, bootstrap=kafka_bootstrap,
                           workdir=tmp_path, smtp_port=mailbox.port, tokens=tokens)
    log = tmp_path / f"{service}.log"
    with log.open("ab") as out:
        process = subprocess.Popen([str(bin_dir / f"liaison-{service}")], env=system.env(service), stdout=out,
                                   stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        async with httpx.AsyncClient(base_url=system.url(service), timeout=2) as client:
            async def ready() -> bool:
                assert process.poll() is None, log.read_text(errors="replace")[-3000:]
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False
            await wait_until(ready, timeout=90, interval=0.3, what=f"{service}, installed alone, to be ready")
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(process.wait, 30)
        await delete_topics(kafka_bootstrap, system.topic_prefix)
    # uvicorn re-raises SIGTERM once its graceful shutdown is done
    assert process.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in log.read_text(errors="replace")
