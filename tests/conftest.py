"""Fixtures for the whole-system tests: a mail catcher and a way to start the
five services as processes at a chosen business instant."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from liaison_shared.kafka import delete_topics
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.system import LiaisonSystem, free_port


class MailCatcher:
    """Stands in for the program's SMTP relay and keeps what it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture(scope="session")
def mailbox() -> Any:
    catcher = MailCatcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=free_port())
    controller.start()
    catcher.port = controller.port  # type: ignore[attr-defined]
    yield catcher
    controller.stop()


SystemFactory = Callable[..., Awaitable[LiaisonSystem]]


@pytest.fixture(scope="module")
async def start_system(database_url: str, kafka_bootstrap: str, mailbox: Any, tokens: Tokens,
                       tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[SystemFactory]:
    """Start a whole system on the test OpenID provider (its processes stop, and its topics go, with the module).

    `at` is the business instant the system's clock starts from (a drill offset
    for every process); `settings` adds per-service settings."""
    systems: list[LiaisonSystem] = []

    async def start(at: datetime | None = None, settings: dict[str, dict[str, str]] | None = None) -> LiaisonSystem:
        name = f"t{uuid.uuid4().hex[:12]}"
        offset = (at - datetime.now(UTC)).total_seconds() if at else 0.0
        system = LiaisonSystem(name=name, database_url=database_url, bootstrap=kafka_bootstrap,
                               workdir=Path(tmp_path_factory.mktemp(name)), smtp_port=mailbox.port,
                               clock_offset_seconds=offset, settings=settings or {}, tokens=tokens)
        systems.append(system)
        await system.start()
        return system

    yield start
    for system in systems:
        await system.stop()
        await delete_topics(kafka_bootstrap, system.topic_prefix)
