"""What the notifier does with each event: keep what it needs to know of the
inquiry, then turn the event into deliveries for its subscribers, updates on
the own topics of the MCOs the case is referred to, or a letter. All in the
consumer's transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_notifier import store
from liaison_notifier.contract import Kind, SubscriptionsConfig
from liaison_notifier.letters import Case, Recipient, render_letter
from liaison_notifier.rules.ids import letter_id, notification_id
from liaison_notifier.rules.messages import message
from liaison_notifier.rules.routing import Delivery, McoTopic, targets
from liaison_notifier.settings import Settings
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.events import Event
from liaison_shared.outbox import Outbox
from liaison_shared.payloads import (
    InquiryReceivedV1,
    InquiryResolvedV1,
    LetterReadyV1,
    MailingAddress,
    McoContactedV1,
    McoInquiryReferredV1,
    McoInquiryUpdatedV1,
    NoticeIssuedV1,
    Payload,
    PriorityAssignedV1,
)
from liaison_shared.vocabulary import CaseKind, NoticeKind, Party, Priority, Track

log = logging.getLogger(__name__)
SOURCE = "/liaison/notifier"
_FILINGS = frozenset({CaseKind.GRIEVANCE, CaseKind.APPEAL})


def _recipient_name(received: InquiryReceivedV1) -> str | None:
    """Who a letter about the case is addressed to: the member, or the provider's contact."""
    if received.party is Party.MEMBER and received.member is not None:
        return received.member.name
    if received.party is Party.PROVIDER and received.provider is not None:
        return received.provider.contact_name
    return received.caller_name


def _case_kind(inquiry: Row[Any] | None) -> str:
    if inquiry is None:
        return CaseKind.INQUIRY
    if inquiry.kind:
        return str(inquiry.kind)
    return str(inquiry.track) if inquiry.track in _FILINGS else CaseKind.INQUIRY


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

    def _letter_date(self, instant: datetime) -> str:
        return self._calendar.local(instant).strftime("%B %d, %Y")

    async def remember_received(self, session: AsyncSession, received: InquiryReceivedV1) -> None:
        address = received.mailing_address.model_dump(mode="json") if received.mailing_address else None
        values = {"kind": received.kind, "party": received.party, "category": received.category,
                  "mco": received.mco, "received_at": received.received_at,
                  "recipient_name": _recipient_name(received), "mailing_address": address}
        await store.save_inquiry(session, received.inquiry_id, **values)

    async def remember_assignment(self, session: AsyncSession, assigned: PriorityAssignedV1) -> Row[Any]:
        values = {"track": assigned.track, "priority": assigned.priority, "queue": assigned.queue,
                  "subject": assigned.subject, "mco": assigned.mco, "received_at": assigned.received_at}
        return await store.save_inquiry(session, assigned.inquiry_id, **values)

    async def remember_subject(self, session: AsyncSession, inquiry_id: uuid.UUID, subject: str) -> None:
        await store.rename(session, inquiry_id, subject)

    async def inquiry(self, session: AsyncSession, inquiry_id: uuid.UUID) -> Row[Any] | None:
        return await store.inquiry(session, inquiry_id)

    async def refer(self, session: AsyncSession, event: Event, referral: McoContactedV1) -> None:
        """A referral to one more MCO goes to that MCO (and whoever subscribes); a re-referral to an
        MCO the case is referred to already sends nothing new."""
        inquiry = await store.save_inquiry(session, referral.inquiry_id)
        if await store.add_referral(session, referral.inquiry_id, referral.mco, referral.at):
            await self.notify(session, event, "mco_referral", inquiry, referral.at, mcos=(referral.mco,))

    async def notify(self, session: AsyncSession, event: Event, kind: Kind, inquiry: Row[Any] | None,
                     at: datetime, extra: dict[str, str] | None = None, *,
                     mcos: Sequence[str] | None = None) -> None:
        """Deliveries (and MCO-topic records) for every subscription `event` matches; `mcos` are the
        MCOs it concerns (None: every MCO the case is referred to)."""
        if inquiry is None:
            return
        if mcos is None:
            mcos = await store.referred_mcos(session, inquiry.inquiry_id)
        context = self._context(inquiry, mcos, extra or {})
        for owed in targets(self.config, kind, queue=inquiry.queue, priority=inquiry.priority, track=inquiry.track,
                            mco=inquiry.mco, referred=mcos):
            if isinstance(owed, Delivery):
                await self._owe(session, event, kind, owed, context)
            else:
                await self._to_mco_topic(session, kind, owed, inquiry, at, event)

    async def notify_clock(self, session: AsyncSession, event: Event, kind: Kind, inquiry_id: uuid.UUID,
                           at: datetime, extra: dict[str, str], *, mco: str | None, track: str | None = None,
                           priority: str | None = None, queue: str | None = None) -> None:
        """A clock's event, routed on its inquiry as the notifier knows it. A case the notifier has no
        inquiry of (a care-coordination item is the SLA monitor's case of its own, keyed by the item's id)
        is routed on what the event says (`track`, `priority`, `queue`) and worded as a case's clock; no
        MCO's topic hears of it (they hear of the cases referred to them)."""
        inquiry = await store.inquiry(session, inquiry_id)
        if inquiry is not None:
            await self.notify(session, event, kind, inquiry, at, extra, mcos=None if mco is None else (mco,))
            return
        context = {"case_id": str(inquiry_id), "track": track or "", "queue": queue or "", **extra}
        for owed in targets(self.config, kind, queue=queue, priority=priority, track=track, mco=mco, referred=()):
            if isinstance(owed, Delivery):
                await self._owe(session, event, kind, owed, context, of_case=True)

    async def notify_practice(self, session: AsyncSession, event: Event, kind: Kind, *, plan: str | None,
                              practice: str, email: str | None = None, extra: dict[str, str] | None = None) -> None:
        """Deliveries of a care-coordination event about a practice (its NPI) for every subscription it
        matches (on the care-coordination track, the plan as its MCO); `email` is the care manager's
        address the event gives. No patient data: the caller gives ids and plan-level facts only."""
        context = {"plan": plan or "", "practice_npi": practice, "console_base_url": self.config.console_base_url,
                   **(extra or {})}
        owed_any = False
        for owed in targets(self.config, kind, queue=None, priority=None, track=Track.CARE_COORDINATION, mco=plan,
                            referred=(), practice=practice, practice_email=email):
            if isinstance(owed, Delivery):
                await self._owe(session, event, kind, owed, context)
                owed_any = True
        if not owed_any:
            log.info("care event notifies nobody", extra={"event_id": str(event.id), "kind": kind,
                                                          "practice_npi": practice})

    async def mco_update(self, session: AsyncSession, inquiry_id: uuid.UUID, change: str, at: datetime,
                         **fields: Any) -> None:
        """Tell every MCO the inquiry is referred to that it changed, each on its own topic."""
        for mco in await store.referred_mcos(session, inquiry_id):
            await self._publish(session, McoInquiryUpdatedV1(inquiry_id=inquiry_id, mco=mco, change=change, at=at,
                                                             **fields))

    async def remember_resolution(self, session: AsyncSession, resolved: InquiryResolvedV1) -> None:
        """Keep the case's resolution; write the letters of the resolution notices that waited for it."""
        inquiry = await store.save_inquiry(session, resolved.inquiry_id, resolution_code=resolved.resolution_code,
                                           resolved_at=resolved.at)
        for waiting in await store.take_waiting_notices(session, resolved.inquiry_id, resolved.at):
            await self._write_letter(session, letter_id(waiting.event_id), inquiry, resolved.inquiry_id,
                                     NoticeKind(waiting.notice), waiting.text, waiting.at)

    async def issue_notice(self, session: AsyncSession, event: Event, notice: NoticeIssuedV1) -> None:
        """The letter of a notice the liaison wrote (once per notice event); announce it.

        An appeal's resolution letter says whether the enrollee may ask for a State fair hearing,
        so it waits for the resolution issued at the same instant if that has not come yet."""
        letter = letter_id(event.id)
        if await store.has_letter(session, letter):
            return
        inquiry = await store.inquiry(session, notice.inquiry_id)
        if notice.notice is NoticeKind.RESOLUTION and _case_kind(inquiry) == CaseKind.APPEAL and (
                inquiry is None or inquiry.resolved_at != notice.at):
            await store.wait_notice(session, event.id, notice.inquiry_id, notice.notice, notice.text, notice.at)
            return
        await self._write_letter(session, letter, inquiry, notice.inquiry_id, notice.notice, notice.text, notice.at)

    async def _write_letter(self, session: AsyncSession, letter: uuid.UUID, inquiry: Row[Any] | None,
                            inquiry_id: uuid.UUID, notice: NoticeKind, text: str, at: datetime) -> None:
        recipient, case = self._addressed(inquiry, inquiry_id)
        html = render_letter(notice=notice, text=text, recipient=recipient, case=case,
                             program_name=self._settings.program_name, program_phone=self._settings.program_phone,
                             date_local=self._letter_date(at))
        if await store.save_letter(session, letter, inquiry_id, notice, html):
            await self._publish(session, LetterReadyV1(letter_id=letter, inquiry_id=inquiry_id, notice=notice, at=at))

    def _addressed(self, inquiry: Row[Any] | None, inquiry_id: uuid.UUID) -> tuple[Recipient, Case]:
        """Who a letter about the case goes to, and what it says of the case (defaults for a case not heard of)."""
        if inquiry is None:
            return Recipient("Member"), Case(reference=str(inquiry_id))
        kind, party = _case_kind(inquiry), inquiry.party or Party.MEMBER
        address = MailingAddress.model_validate(inquiry.mailing_address) if inquiry.mailing_address else None
        lines = () if address is None else tuple(line for line in (
            address.line1, address.line2, f"{address.city}, {address.state} {address.zip}") if line)
        return Recipient(inquiry.recipient_name or str(party).capitalize(), lines), Case(
            reference=str(inquiry_id), kind=kind, party=party, category=inquiry.category or "other",
            received=self._letter_date(inquiry.received_at) if inquiry.received_at else "",
            expedited=kind == CaseKind.APPEAL and inquiry.priority == Priority.URGENT,
            resolution=inquiry.resolution_code)

    def _context(self, inquiry: Row[Any], mcos: Sequence[str], extra: dict[str, str]) -> dict[str, str]:
        received = self.calendar_local(inquiry.received_at) if inquiry.received_at else ""
        return {"inquiry_id": str(inquiry.inquiry_id), "subject": inquiry.subject or "", "track": inquiry.track or "",
                "priority": inquiry.priority or "", "queue": inquiry.queue or "", "category": inquiry.category or "",
                "mco": ", ".join(mcos) or inquiry.mco or "", "received_local": received,
                "base_url": self.config.base_url, **extra}

    async def _owe(self, session: AsyncSession, event: Event, kind: Kind, owed: Delivery,
                   context: dict[str, str], *, of_case: bool = False) -> None:
        subject, body = message(kind, owed.channel, event.id, context, of_case=of_case)
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
