"""The one way services register their event handlers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.catalog import spec_for
from liaison_shared.events import Event
from liaison_shared.handlers import EventHandlers
from liaison_shared.payloads import InquiryReopenedV1, InquiryResolvedV1


def test_bound_handlers_get_the_use_cases_they_were_bound_to() -> None:
    handlers = EventHandlers[list[Any]]()

    @handlers.on(InquiryResolvedV1, InquiryReopenedV1)
    async def seen(uses: list[Any], session: AsyncSession, event: Event) -> None:
        uses.append(event.payload)

    calls: list[Any] = []
    bound = handlers.bind(calls)
    payload = InquiryResolvedV1.model_validate(
        {"inquiry_id": str(uuid4()), "resolved_by": "mco", "resolution_code": "done",
         "actor": {"subject": "s", "name": "a"},
         "at": datetime(2026, 12, 1, tzinfo=UTC).isoformat()})
    asyncio.run(bound[spec_for(InquiryResolvedV1).type](None, [Event(payload, source="/t")]))  # type: ignore[arg-type]
    assert calls == [payload]
    assert handlers.event_types == {spec_for(InquiryResolvedV1).type, spec_for(InquiryReopenedV1).type}


def test_an_event_type_has_one_handler() -> None:
    handlers = EventHandlers[None]()

    @handlers.on(InquiryResolvedV1)
    async def first(uses: None, session: AsyncSession, event: Event) -> None: ...

    with pytest.raises(ValueError, match="has a handler already"):
        @handlers.on(InquiryResolvedV1)
        async def second(uses: None, session: AsyncSession, event: Event) -> None: ...
