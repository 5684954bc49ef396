"""Route dependencies every service's `api/deps.py` builds on: the objects its
composition root provided, a read session and a unit of work.

`main.py` calls `runtime.provide(service)`; a route then asks for it with an
`Annotated[IntakeService, Depends(provided(IntakeService))]` alias from its
service's deps module, never through a closure over the runtime.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.db import UnitOfWork
from liaison_shared.runtime import Runtime

T = TypeVar("T")


def provided(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency: the `kind` object the service's composition root provided (async, so FastAPI
    calls it on the event loop instead of handing it to a worker thread)."""

    async def lookup(request: Request) -> T:
        found = request.app.state.provided.get(kind)
        if not isinstance(found, kind):  # a wiring error, not a caller's
            raise RuntimeError(f"nothing of type {kind.__name__} was provided to the routes")
        return found

    lookup.__name__ = f"provided_{kind.__name__}"
    return lookup


CurrentRuntime = Annotated[Runtime, Depends(provided(Runtime))]


async def read_session(runtime: CurrentRuntime) -> AsyncIterator[AsyncSession]:
    async with runtime.sessions() as session:
        yield session


async def unit_of_work(runtime: CurrentRuntime) -> AsyncIterator[UnitOfWork]:
    async with runtime.unit_of_work() as uow:
        yield uow


ReadSession = Annotated[AsyncSession, Depends(read_session, scope="function")]
"""A session for reads, closed before the response is sent."""

Work = Annotated[UnitOfWork, Depends(unit_of_work, scope="function")]
"""A transaction, rolled back before the response is sent unless the route called `commit()`."""
