"""How every service registers what it does with the events it consumes.

A service's `handlers.py` holds one module-level function per consumed event
type, each registered on the module's `EventHandlers` with `@handlers.on(...)`.
A handler gets the service's use cases (what `bind` is given), the consumer's
session and the event:

    handlers = EventHandlers[SlaMonitor]()

    @handlers.on(PriorityAssignedV1)
    async def priority_assigned(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None: ...

and `main.py` hands `handlers.bind(monitor)` to the runtime's consumer.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.catalog import spec_for
from liaison_shared.consumer import Handler
from liaison_shared.events import Event
from liaison_shared.payloads import Payload

Uses = TypeVar("Uses")
HandlerOf = Callable[[Uses, AsyncSession, Event], Awaitable[None]]


class EventHandlers(Generic[Uses]):
    """Event type → handler, filled by decorating module-level functions."""

    def __init__(self) -> None:
        self._by_type: dict[str, HandlerOf[Uses]] = {}

    def on(self, *models: type[Payload]) -> Callable[[HandlerOf[Uses]], HandlerOf[Uses]]:
        """Register the decorated function for events of these payload models (one handler per type)."""

        def register(handler: HandlerOf[Uses]) -> HandlerOf[Uses]:
            for model in models:
                event_type = str(spec_for(model).type)
                if event_type in self._by_type:
                    raise ValueError(f"{event_type} has a handler already")
                self._by_type[event_type] = handler
            return handler

        return register

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._by_type)

    def bind(self, uses: Uses) -> Mapping[str, Handler]:
        """What the consumer runs: each handler with the service's use cases given."""
        return {event_type: functools.partial(handler, uses) for event_type, handler in self._by_type.items()}
