"""How every service registers what it does with the events it consumes.

A service's `handlers.py` holds one module-level function per consumed event
type, each registered on the module's `EventHandlers` with `@handlers.on(...)`.
A handler gets the service's use cases (what `bind` is given), the consumer's
session and the event:

    handlers = EventHandlers[SlaMonitor]()

    @handlers.on(PriorityAssignedV1)
    async def priority_assigned(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None: ...

A handler that writes its effects with set-based statements takes the
whole run of consecutive events of its type instead (`@handlers.on_batch(...)`,
`async def f(uses, session, events: Sequence[Event])`).

`main.py` hands `handlers.bind(monitor)` to the runtime's consumer.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.catalog import spec_for
from liaison_shared.consumer import Handler, each
from liaison_shared.events import Event
from liaison_shared.payloads import Payload

Uses = TypeVar("Uses")
HandlerOf = Callable[[Uses, AsyncSession, Event], Awaitable[None]]
BatchHandlerOf = Callable[[Uses, AsyncSession, Sequence[Event]], Awaitable[None]]


class EventHandlers(Generic[Uses]):
    """Event type → handler, filled by decorating module-level functions."""

    def __init__(self) -> None:
        self._by_type: dict[str, Callable[[Uses], Handler]] = {}

    def on(self, *models: type[Payload]) -> Callable[[HandlerOf[Uses]], HandlerOf[Uses]]:
        """Register the decorated function for events of these payload models (one handler per type)."""

        def register(handler: HandlerOf[Uses]) -> HandlerOf[Uses]:
            self._register(models, lambda uses: each(functools.partial(handler, uses)))
            return handler

        return register

    def on_batch(self, *models: type[Payload]) -> Callable[[BatchHandlerOf[Uses]], BatchHandlerOf[Uses]]:
        """Register the decorated function for runs of events of these payload models."""

        def register(handler: BatchHandlerOf[Uses]) -> BatchHandlerOf[Uses]:
            self._register(models, lambda uses: functools.partial(handler, uses))
            return handler

        return register

    def _register(self, models: tuple[type[Payload], ...], bound: Callable[[Uses], Handler]) -> None:
        for model in models:
            event_type = str(spec_for(model).type)
            if event_type in self._by_type:
                raise ValueError(f"{event_type} has a handler already")
            self._by_type[event_type] = bound

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self._by_type)

    def bind(self, uses: Uses) -> Mapping[str, Handler]:
        """What the consumer runs: each handler with the service's use cases given."""
        return {event_type: bound(uses) for event_type, bound in self._by_type.items()}
