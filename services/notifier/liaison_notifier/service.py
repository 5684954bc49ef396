"""What the notifier does with each event: keep what it needs to know of the
inquiry, then turn the event into deliveries for its subscribers, updates on
the MCO's own topic, or a letter. All in the consumer's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_notifier import store
from liaison_notifier.contract import Kind, SubscriptionsConfig
from liaison_notifier.letters import render_letter
from liaison_notifier.rules.ids import letter_id, notification_id
from liaison_notifier.rules.messages import message
from liaison_notifier.rules.routing import Delivery, McoTopic, targets
from liaison_notifier.settings import Settings
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.events import Event
from liaison_shared.outbox import Outbox
from liaison_shared.payloads import (
    InquiryReceivedV1,
    LetterReadyV1,
    McoInquiryReferredV1,
    McoInquiryUpdatedV1,
    Payload,
    PriorityAssignedV1,
)

SOURCE = "/liaison/notifier"


class Notifier:
    """The notifier's use cases, each in the caller's transaction."""

    def __init__(self, config: SubscriptionsConfig, outbox: Outbox, settings: Settings,
                 calendar: BusinessCalendar, now: Callable[[], datetime],
                 on_owed: Callable[[], None] = lambda: None) -> None:
        self.config, self._outbox, self._settings, self._calendar, self._now = \
            config, outbox, settings, calendar, now
        self._owed_committed: Callable[[Any], None] = lambda _session: on_owed()

    def calendar_local(self, instant: datetime) -> str:
        """An instant as the program's people read it."""
        return self._calendar.local(instant).strftime("%a %Y-%m-%d %H:%M %Z")

    async def remember_received(self, session: AsyncSession, received: InquiryReceivedV1) -> None:
        values = {"party": received.party, "category": received.category, "mco": received.mco,
                  "received_at": received.received_at, "caller_name": received.caller_name}
        await store.save_inquiry(session, received.inquiry_id, **values)

    async def remember_assignment(self, session: AsyncSession, assigned: PriorityAssignedV1) -> Row[Any]:
        values = {"track": assigned.track, "priority": assigned.priority, "queue": assigned.queue,
                  "subject": assigned.subject, "mco": assigned.mco, "received_at": assigned.received_at}
        return await store.save_inquiry(session, assigned.inquiry_id, **values)

    async def remember_subject(self, session: AsyncSession, inquiry_id: uuid.UUID, subject: str) -> None:
        await store.rename(session, inquiry_id, subject)

    async def remember_referral(self, session: AsyncSession, inquiry_id: uuid.UUID, mco: str) -> Row[Any]:
        return await store.save_inquiry(session, inquiry_id, referred_mco=mco)

    async def inquiry(self, session: AsyncSession, inquiry_id: uuid.UUID) -> Row[Any] | None:
        return await store.inquiry(session, inquiry_id)

    async def notify(self, session: AsyncSession, event: Event, kind: Kind, inquiry: Row[Any] | None,
                     at: datetime, extra: dict[str, str] | None = None) -> None:
        """Deliveries (and MCO-topic records) for every subscription `event` matches."""
        if inquiry is None:
            return
        context = self._context(inquiry, extra or {})
        for owed in targets(self.config, kind, queue=inquiry.queue, priority=inquiry.priority, track=inquiry.track,
                            mco=inquiry.mco, referred_mco=inquiry.referred_mco):
            if isinstance(owed, Delivery):
                await self._owe(session, event, kind, owed, context)
            else:
                await self._to_mco_topic(session, kind, owed, inquiry, at, event)

    async def mco_update(self, session: AsyncSession, inquiry_id: uuid.UUID, change: str, at: datetime,
                         **fields: Any) -> None:
        """Tell the MCO an inquiry referred to it changed, on its own topic."""
        await self.tell_mco(session, await self.inquiry(session, inquiry_id), change, at, **fields)

    async def tell_mco(self, session: AsyncSession, inquiry: Row[Any] | None, change: str, at: datetime,
                       **fields: Any) -> None:
        """`mco_update` of an inquiry the caller has read already."""
        if inquiry is not None and inquiry.referred_mco:
            await self._publish(session, McoInquiryUpdatedV1(inquiry_id=inquiry.inquiry_id, mco=inquiry.referred_mco,
                                                             change=change, at=at, **fields))

    async def letter(self, session: AsyncSession, inquiry_id: uuid.UUID, at: datetime) -> None:
        """Render and store the letter for an originator two calls did not reach; announce it."""
        inquiry = await self.inquiry(session, inquiry_id)
        html = render_letter(
            recipient_name=(inquiry.caller_name if inquiry is not None else None) or "Member",
            party=(inquiry.party if inquiry is not None else None) or "member", inquiry_id=str(inquiry_id),
            category=(inquiry.category if inquiry is not None else None) or "other",
            answer="To finish answering your question we need a few details from you. Please call us "
                   "and give the reference number at the top of this letter.",
            program_name=self._settings.program_name, program_phone=self._settings.program_phone,
            date_local=self._calendar.local(at).strftime("%B %d, %Y"))
        letter = letter_id(inquiry_id)
        if await store.save_letter(session, letter, inquiry_id, html):
            await self._publish(session, LetterReadyV1(letter_id=letter, inquiry_id=inquiry_id, at=at))

    def _context(self, inquiry: Row[Any], extra: dict[str, str]) -> dict[str, str]:
        received = self.calendar_local(inquiry.received_at) if inquiry.received_at else ""
        return {"inquiry_id": str(inquiry.inquiry_id), "subject": inquiry.subject or "", "track": inquiry.track or "",
                "priority": inquiry.priority or "", "queue": inquiry.queue or "", "category": inquiry.category or "",
                "mco": inquiry.referred_mco or inquiry.mco or "", "received_local": received,
                "base_url": self.config.base_url, **extra}

    async def _owe(self, session: AsyncSession, event: Event, kind: Kind, owed: Delivery,
                   context: dict[str, str]) -> None:
        subject, body = message(kind, owed.channel, event.id, context)
        await store.owe(
            session, notification_id=notification_id(event.id, owed.recipient, owed.channel), cause_event_id=event.id,
            inquiry_id=getattr(event.payload, "inquiry_id", None), recipient=owed.recipient, channel=owed.channel,
            subject=subject, body=body, next_attempt_at=self._now())
        # Once committed, the deliverer looks at once instead of at its next poll.
        if not sa_event.contains(session.sync_session, "after_commit", self._owed_committed):
            sa_event.listen(session.sync_session, "after_commit", self._owed_committed)

    async def _to_mco_topic(self, session: AsyncSession, kind: Kind, topic: McoTopic, inquiry: Row[Any],
                            at: datetime, event: Event) -> None:
        if kind == "mco_referral":
            await self._publish(session, McoInquiryReferredV1(
                inquiry_id=inquiry.inquiry_id, mco=topic.mco, party=inquiry.party or "member",
                category=inquiry.category or "other", track=inquiry.track, priority=inquiry.priority,
                subject=inquiry.subject, received_at=inquiry.received_at, referred_at=at))
        elif kind == "follow_up_due":
            await self._publish(session, McoInquiryUpdatedV1(
                inquiry_id=inquiry.inquiry_id, mco=topic.mco, change="follow-up-due",
                due_at=getattr(event.payload, "due_at", None), at=at))

    async def _publish(self, session: AsyncSession, payload: Payload) -> None:
        await self._outbox.add(session, Event(payload, source=SOURCE, subject=str(getattr(payload, "inquiry_id", ""))))
