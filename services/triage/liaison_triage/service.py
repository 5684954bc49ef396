"""Triage's use cases: decide an inquiry, re-decide it, rename it after a
referral, release inquiries that waited for enrollment. Decisions are
published through the outbox in the caller's transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared import clock
from liaison_shared.events import Event
from liaison_shared.outbox import Outbox
from liaison_shared.payloads import InquiryReceivedV1, McoContactedV1, PriorityAssignedV1, SubjectChangedV1
from liaison_shared.program import program_calendar
from liaison_shared.vocabulary import Priority
from liaison_triage import store
from liaison_triage.rules.assignment import assign
from liaison_triage.rules.priority import Ruleset
from liaison_triage.rules.subject import inquiry_subject
from liaison_triage.rules.tracks import choose_track
from liaison_triage.store import covering

SOURCE = "/liaison/triage"
log = logging.getLogger(__name__)


class Triage:
    """Triage's use cases, each in the caller's transaction."""

    def __init__(self, ruleset: Ruleset, outbox: Outbox, *, enrollment_wait: timedelta,
                 clock: Callable[[], datetime] = clock.now) -> None:
        self.ruleset = ruleset
        self._outbox = outbox
        self._enrollment_wait = enrollment_wait
        self._clock = clock

    async def decide(self, session: AsyncSession, received: InquiryReceivedV1, *, stop_waiting: bool = False
                     ) -> bool:
        """Decide and publish; False when the inquiry now waits for its member's enrollment."""
        return await self.decide_all(session, [received], stop_waiting=stop_waiting) == 1

    async def decide_all(self, session: AsyncSession, inquiries: Sequence[InquiryReceivedV1], *,
                         stop_waiting: bool = False) -> int:
        """Decide and publish these inquiries with a few set-based statements; how many were decided
        (the others now wait for their member's enrollment). The last of two for one inquiry wins."""
        latest = list({received.inquiry_id: received for received in inquiries}.values())
        calendar = program_calendar()
        members = await store.enrollments_of(
            session, {r.member.medicaid_id for r in latest if r.member and r.member.medicaid_id})
        ids = [received.inquiry_id for received in latest]
        overrides, referred = await store.overrides_for(session, ids), await store.referred_mcos(session, ids)
        now = self._clock()
        decided: list[tuple[InquiryReceivedV1, PriorityAssignedV1]] = []
        waiting: list[tuple[InquiryReceivedV1, str]] = []
        for received in latest:
            medicaid_id = received.member.medicaid_id if received.member else None
            received_on = calendar.local(received.received_at).date()  # the program's day, not UTC's
            enrollment = covering(members.get(medicaid_id, []), received_on) if medicaid_id else None
            choice = choose_track(received, enrollment, stop_waiting=stop_waiting)
            if choice is None:
                assert medicaid_id is not None
                waiting.append((received, medicaid_id))
                continue
            decided.append((received, assign(received, choice, enrollment, self.ruleset,
                                             overrides.get(received.inquiry_id), now=now,
                                             referred_mco=referred.get(received.inquiry_id))))
        await store.await_enrollments(session, waiting, now + self._enrollment_wait)
        await store.save_decisions(session, decided)
        await self._outbox.add(session, *(Event(assigned, source=SOURCE, subject=str(received.inquiry_id))
                                          for received, assigned in decided))
        for received, assigned in decided:
            log.info("inquiry triaged", extra={"inquiry_id": str(received.inquiry_id), "track": assigned.track,
                                               "priority": assigned.priority, "rules": list(assigned.rules_fired)})
        return len(decided)

    async def release_for_members(self, session: AsyncSession, medicaid_ids: Sequence[str]) -> int:
        """Decide the inquiries that waited for these members' enrollment."""
        waiting = await store.take_awaiting(session, medicaid_ids=medicaid_ids, limit=100 * len(medicaid_ids))
        await self.decide_all(session, waiting, stop_waiting=True)
        return len(waiting)

    async def referred(self, session: AsyncSession, referral: McoContactedV1) -> None:
        """A case referred to another MCO than the one it was decided with is renamed after it; one
        referred before triage decides it is named after that MCO when it is decided."""
        named = await store.referred_mco(session, referral.inquiry_id)
        await store.save_referral(session, referral)
        decision = await store.decision_of(session, referral.inquiry_id)
        if decision is None or referral.mco == (named or decision.mco):
            return  # not decided yet (its decision will name it) or nothing changes
        if await store.referred_mco(session, referral.inquiry_id) != referral.mco:
            return  # a later referral was recorded already
        received = InquiryReceivedV1.model_validate(decision.received)
        subject = inquiry_subject(received, Priority(decision.priority), referral.mco)
        await self._outbox.add(session, Event(SubjectChangedV1(
            inquiry_id=referral.inquiry_id, subject=subject, mco=referral.mco, changed_at=self._clock()),
            source=SOURCE, subject=str(referral.inquiry_id)))

    async def release_overdue(self, session: AsyncSession) -> int:
        """Decide inquiries whose wait for enrollment is over, as 'enrollment unknown'."""
        overdue = await store.take_awaiting(session, due_by=self._clock())
        await self.decide_all(session, overdue, stop_waiting=True)
        return len(overdue)
