"""PostgreSQL access: one async engine per service, bound to the service's schema.

Repositories and service functions never commit; `UnitOfWork` does, so a
caller composes one transaction out of several changes (and the outbox rows
they publish).
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import Self

import asyncpg
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def checked_schema(name: str) -> str:
    """The schema name, if it is a plain identifier (it is interpolated into DDL)."""
    if not _SCHEMA_NAME.match(name):
        raise ValueError(f"invalid schema name {name!r}")
    return name


def create_engine(database_url: str, schema: str, *, pool_size: int = 20) -> AsyncEngine:
    """An engine whose connections see `schema` first on their search path."""
    return create_async_engine(
        database_url,
        # A steady pool, no overflow: overflow connections are closed when returned, so under load
        # each would be a new backend (a fork) and a new set of prepared statements.
        pool_size=pool_size,
        max_overflow=0,
        # No pre-ping (a round trip per checkout): a dead connection fails one
        # operation, which consumers retry and HTTP answers with 503.
        pool_pre_ping=False,
        connect_args={"server_settings": {"search_path": checked_schema(schema)}},
    )


async def ensure_schema(engine: AsyncEngine, schema: str) -> None:
    """Create the service's schema if it does not exist yet."""
    async with engine.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{checked_schema(schema)}"'))


async def ping(engine: AsyncEngine) -> None:
    """Raise unless the database answers."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


class UnitOfWork:
    """One database transaction; rolled back unless `commit()` was called."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside 'async with'")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._sessions()
        await self._session.begin()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session, self._session = self.session, None
        try:
            await session.rollback()
        finally:
            await session.close()

    async def commit(self) -> None:
        await self.session.commit()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def is_outage(exc: BaseException) -> bool:
    """True when `exc` means the database (or network) is away, not that the event is bad."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, sa_exc.DBAPIError) and seen.connection_invalidated:
            return True
        if isinstance(seen, (OSError, TimeoutError, asyncpg.PostgresConnectionError,
                             asyncpg.exceptions.ConnectionDoesNotExistError, asyncpg.CannotConnectNowError,
                             asyncpg.exceptions.OperatorInterventionError)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
