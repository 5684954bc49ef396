"""Helpers for the bus tests: a schema with outbox, inbox and effects, and
processes to kill."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from liaison_shared.events import Event
from liaison_shared.payloads import Actor, InquiryResolvedV1
from liaison_shared.vocabulary import ResolvedBy

ACTOR = Actor(subject="test-user", name="Test User")  # who acted, as a token would say


def resolved_event() -> Event:
    payload = InquiryResolvedV1(inquiry_id=uuid.uuid4(), resolved_by=ResolvedBy.STATE,
                                resolution_code="answered", actor=ACTOR, at=datetime.now(UTC))
    return Event(payload=payload, source="/tests")


async def scalar(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


class BusProcess:
    """A relay or consumer process that a test can kill -9 and start again."""

    def __init__(self, role: str, *, database_url: str, schema: str, bootstrap: str, prefix: str) -> None:
        self.args = [sys.executable, "-m", "liaison_shared.testing.bus_process", role, "--database-url",
                     database_url, "--schema", schema, "--bootstrap", bootstrap, "--prefix", prefix]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextmanager
def running(*processes: BusProcess) -> Iterator[None]:
    for process in processes:
        process.start()
    try:
        yield
    finally:
        for process in processes:
            process.terminate()
