"""Triage's background loop: deciding the inquiries whose wait for enrollment is over."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from liaison_shared.db import UnitOfWork
from liaison_shared.retry import wait_or_stop
from liaison_triage.service import Triage


async def release_overdue_waits(triage: Triage, sessions: async_sessionmaker[AsyncSession], sweep_seconds: float,
                                stop: asyncio.Event) -> None:
    """Every `sweep_seconds` until `stop`, decide the overdue waits, each sweep in one transaction."""
    while not await wait_or_stop(stop, sweep_seconds):
        async with UnitOfWork(sessions) as uow:
            if await triage.release_overdue(uow.session):
                await uow.commit()
