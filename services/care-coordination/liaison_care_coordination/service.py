"""Care coordination's use cases: the combined high-risk list, conferences and their decisions, next steps,
the tracking list, the summary, transitions of care and the measures. Its SQL is in `store`; its decisions
(the list's order, the agenda, the measures) in `rules`.

Every change happens in the caller's transaction and publishes its events through the outbox. Events are
minimum necessary (`liaison_shared.care_payloads`): ids, plan, practice and instants, never a name or a
Medicaid ID.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_care_coordination import store
from liaison_care_coordination.api.schemas import DecisionRequest, OutreachRequest, SeriesRequest
from liaison_care_coordination.rules.agenda import Decided, next_agenda, pre_work
from liaison_care_coordination.rules.encounters import EncounterNotice
from liaison_care_coordination.rules.high_risk_list import Patient, Reject, Side, checked, consolidated
from liaison_care_coordination.rules.measures import CoordinatedPatient, EdVisit, measures
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.care_payloads import (
    CallbackRequestedV1,
    ConferenceHeldV1,
    EncounterNotifiedV1,
    FollowUpRecordedV1,
    NextStepAgreedV1,
    NextStepReportedV1,
    SummarySentV1,
    TrackingStartedV1,
    TrackingUpdatedV1,
)
from liaison_shared.events import Event
from liaison_shared.outbox import Outbox
from liaison_shared.payloads import Payload
from liaison_shared.problems import Conflict, NotFound
from liaison_shared.vocabulary import EncounterKind

SOURCE = "/liaison/care-coordination"
DEFAULT_AGENDA_SIZE = 10
log = logging.getLogger(__name__)


def not_found(what: str) -> NotFound:
    """No such item, or not one the caller may see (the two are not told apart)."""
    return NotFound("not-found", "Not found", f"No such {what}.")


def conflict(field: str, reason: str) -> Conflict:
    """The request contradicts what is recorded: which field, and why (never a value)."""
    return Conflict("conflict", "Conflict", reason, errors=[{"field": field, "reason": reason}])


class CareCoordination:
    """The coordination of plans' and practices' high-risk patients, changed in the caller's transaction."""

    def __init__(self, outbox: Outbox, now: Callable[[], datetime], calendar: BusinessCalendar,
                 follow_up_days: int = 7) -> None:
        self._outbox = outbox
        self.now = now
        self.calendar = calendar
        self.follow_up_days = follow_up_days

    async def _publish(self, session: AsyncSession, *payloads: Payload) -> None:
        await self._outbox.add(session, *[Event(p, source=SOURCE) for p in payloads])

    # -- attribution's events ----------------------------------------------------------------------

    async def members_changed(self, session: AsyncSession, rows: Sequence[dict[str, Any]],
                              fields: Sequence[str]) -> None:
        """Attribution told something of members (enrollment, its end, a PCP): remember it, and tell about the
        hospitals' notices that waited for these patients' plan and practice."""
        await store.save_members(session, rows, fields)
        for waiting in await store.waiting_notices(session, sorted({row["member_id"] for row in rows})):
            await self._release(session, waiting.notice_id, waiting.kind, waiting.patient_id, waiting.patient_plan,
                                waiting.patient_practice, waiting.occurred_at, waiting.received_at, waiting.emergency)

    # -- the combined high-risk list -----------------------------------------------------------------

    async def upload_list(self, session: AsyncSession, plan: str, practice_npi: str, side: Side,
                          rows: Sequence[Mapping[str, Any]], by_subject: str) -> tuple[UUID, int, list[Reject]]:
        """One side's list, replacing its earlier one: the rows accepted and the reject report."""
        accepted, rejects = checked(rows, side)
        upload_id = uuid.uuid4()
        await store.replace_list(session, upload_id, plan, practice_npi, side, accepted, rejects, self.now(),
                                 by_subject)
        return upload_id, len(accepted), rejects

    async def combined_list(self, session: AsyncSession, plan: str, practice_npi: str) -> list[Patient]:
        entries = await store.entries(session, plan, practice_npi)
        enrolled = await store.enrollments(session, sorted({e.medicaid_id for e in entries}))
        return consolidated(entries, enrolled, plan, practice_npi)

    # -- conferences -----------------------------------------------------------------------------------

    async def save_series(self, session: AsyncSession, plan: str, practice_npi: str, request: SeriesRequest) -> UUID:
        return await store.save_series(session, plan, practice_npi, series_id=uuid.uuid4(), created_at=self.now(),
                                       **request.model_dump())

    async def agenda(self, session: AsyncSession, plan: str, practice_npi: str) -> list[dict[str, Any]]:
        """The next call's patients with their pre-work."""
        found = await store.series_of(session, plan, practice_npi)
        size = found.agenda_size if found else DEFAULT_AGENDA_SIZE
        discussed = await store.discussed_at(session, found.series_id) if found else {}
        patients = next_agenda(await self.combined_list(session, plan, practice_npi), discussed, size)
        decided = {c.medicaid_id: Decided(c.lead, c.goal, c.engaged, c.decided_at)
                   for c in await store.coordinations_of(session, plan, practice_npi)}
        return [{"patient": p, "pre_work": pre_work(p, decided.get(p.medicaid_id))} for p in patients]

    async def hold_conference(self, session: AsyncSession, plan: str, practice_npi: str,
                              held_at: datetime) -> UUID:
        """The conference took place: its agenda is the series' next patients; the summary is due."""
        found = await store.series_of(session, plan, practice_npi)
        if found is None:
            raise conflict("series", "this plan and practice have no conference series yet")
        agenda = [item["patient"].medicaid_id for item in await self.agenda(session, plan, practice_npi)]
        if not agenda:
            raise conflict("agenda", "no covered patient on the combined list")
        conference_id = uuid.uuid4()
        await store.add_conference(session, conference_id, found.series_id, held_at, agenda)
        await self._publish(session, ConferenceHeldV1(conference_id=conference_id, series_id=found.series_id,
                                                      plan=plan, practice_npi=practice_npi, held_at=held_at,
                                                      patients=len(agenda)))
        return conference_id

    async def conference(self, session: AsyncSession, conference_id: UUID) -> Any:
        found = await store.conference(session, conference_id)
        if found is None:
            raise not_found("conference")
        return found

    async def decide(self, session: AsyncSession, conference_id: UUID, decision: DecisionRequest) -> UUID:
        """Record what the call decided for a patient of its agenda; each next step's report-back is a clock."""
        held = await self.conference(session, conference_id)
        if decision.medicaid_id not in held.agenda:
            raise conflict("medicaid_id", "this patient is not on the conference's agenda")
        coordination_id = await store.save_coordination(session, {
            "coordination_id": uuid.uuid4(), "plan": held.plan, "practice_npi": held.practice_npi,
            "medicaid_id": decision.medicaid_id, "conference_id": conference_id, "lead": decision.lead.value,
            "plan_monitor_status": decision.plan_monitor_status, "goal": decision.goal,
            "goal_state": decision.goal_state, "engaged": decision.engaged,
            "care_managers": [m.model_dump() for m in decision.care_managers], "decided_at": self.now()})
        steps = [{"step_id": uuid.uuid4(), "coordination_id": coordination_id, "conference_id": conference_id,
                  "action": s.action, "responsible": s.responsible.value, "report_back_on": s.report_back_on}
                 for s in decision.next_steps]
        await store.add_steps(session, steps)
        await self._publish(session, *[NextStepAgreedV1(
            step_id=s["step_id"], conference_id=conference_id, plan=held.plan, practice_npi=held.practice_npi,
            responsible=s["responsible"], report_back_on=s["report_back_on"], agreed_at=held.held_at) for s in steps])
        return coordination_id

    async def report_back(self, session: AsyncSession, step_id: UUID, reported_at: datetime, report: str,
                          may_see: Callable[[str, str], bool]) -> None:
        found = await store.step(session, step_id)
        if found is None or not may_see(found.plan, found.practice_npi):
            raise not_found("next step")
        if not await store.report_step(session, step_id, reported_at, report):
            raise conflict("step", "this next step's report-back is recorded already")
        await self._publish(session, NextStepReportedV1(step_id=step_id, reported_at=reported_at))

    async def summary(self, session: AsyncSession, conference_id: UUID) -> dict[str, Any]:
        """The summary of a call: its decisions and next steps, and the next call's agenda."""
        held = await self.conference(session, conference_id)
        decided = [c for c in await store.coordinations_of(session, held.plan, held.practice_npi)
                   if c.conference_id == conference_id]
        steps = await store.steps_of(session, [c.coordination_id for c in decided])
        return {
            "conference_id": str(conference_id), "plan": held.plan, "practice_npi": held.practice_npi,
            "held_at": held.held_at.isoformat(),
            "decisions": [{"coordination_id": str(c.coordination_id), "medicaid_id": c.medicaid_id, "lead": c.lead,
                           "plan_monitor_status": c.plan_monitor_status, "goal": c.goal, "goal_state": c.goal_state,
                           "engaged": c.engaged, "care_managers": c.care_managers,
                           "next_steps": [_step(s) for s in steps if s.coordination_id == c.coordination_id]}
                          for c in decided],
            "undecided": [m for m in held.agenda if m not in {c.medicaid_id for c in decided}],
            "next_agenda": [item["patient"].medicaid_id
                            for item in await self.agenda(session, held.plan, held.practice_npi)],
        }

    async def send_summary(self, session: AsyncSession, conference_id: UUID, sent_at: datetime) -> dict[str, Any]:
        held = await self.conference(session, conference_id)
        if held.summary_sent_at is not None:
            raise conflict("conference", "this conference's summary was sent already")
        if sent_at < held.held_at:
            raise conflict("sent_at", "the summary cannot be sent before the call")
        summary = await self.summary(session, conference_id)
        await store.mark_summary_sent(session, conference_id, sent_at, summary)
        await self._publish(session, SummarySentV1(conference_id=conference_id, plan=held.plan,
                                                   practice_npi=held.practice_npi, sent_at=sent_at,
                                                   recipient_email=held.practice_contact_email))
        return summary

    # -- unengaged patients: one more outreach, then the tracking list ------------------------------------

    async def coordination(self, session: AsyncSession, coordination_id: UUID,
                           may_see: Callable[[str, str], bool]) -> Any:
        found = await store.coordination(session, coordination_id)
        if found is None or not may_see(found.plan, found.practice_npi):
            raise not_found("coordination")
        return found

    async def outreach(self, session: AsyncSession, coordination_id: UUID, request: OutreachRequest,
                       may_see: Callable[[str, str], bool]) -> UUID | None:
        """Record an outreach attempt or a trade of who makes them. An unengaged patient not reached by one
        more attempt goes on the tracking list (its id returned): the plan's update is due in six months."""
        found = await self.coordination(session, coordination_id, may_see)
        await store.add_outreach(session, id=uuid.uuid4(), coordination_id=coordination_id, kind=request.kind,
                                 by=request.by, reached=request.reached, note=request.note, at=request.at)
        if request.kind == "trade":
            await store.update_coordination(session, coordination_id, outreach_by=request.by)
            return None
        if request.reached:
            await store.update_coordination(session, coordination_id, engaged=True)
            return None
        if found.engaged:
            return None  # an engaged patient's missed call is just that
        tracking_id = uuid.uuid4()
        if await store.start_tracking(session, tracking_id, coordination_id, request.at):
            member = await store.member_by_medicaid_id(session, found.medicaid_id)
            assert member is not None  # only covered patients reach an agenda, so a decision
            await self._publish(session, TrackingStartedV1(
                tracking_id=tracking_id, member_id=member.member_id, plan=found.plan,
                practice_npi=found.practice_npi, started_at=request.at))
            return tracking_id
        return None

    async def update_tracking(self, session: AsyncSession, tracking_id: UUID, updated_at: datetime,
                              claims_activity: str, may_see: Callable[[str, str], bool]) -> None:
        found = await store.tracking_entry(session, tracking_id)
        if found is None or not may_see(found.plan, found.practice_npi):
            raise not_found("tracked patient")
        await store.update_tracking(session, tracking_id, updated_at, claims_activity)
        await self._publish(session, TrackingUpdatedV1(tracking_id=tracking_id, updated_at=updated_at))

    # -- transitions of care -----------------------------------------------------------------------------

    async def receive_notice(self, session: AsyncSession, notice: EncounterNotice) -> UUID | None:
        """Store a hospital's notice (once per sender and message) and tell about it; a notice of a patient
        attribution has not told about yet waits for it. None: the message was received before."""
        notice_id = await store.add_notice(
            session, notice_id=uuid.uuid4(), kind=notice.kind, sender=notice.sender, message_id=notice.message_id,
            medicaid_id=notice.medicaid_id, facility=notice.facility, occurred_at=notice.event_at,
            received_at=self.now(), emergency=notice.patient_class == "emergency")
        if notice_id is None:
            return None
        member = await store.member_by_medicaid_id(session, notice.medicaid_id)
        if member is not None and member.plan and member.practice_npi:
            await self._release(session, notice_id, notice.kind, member.member_id, member.plan, member.practice_npi,
                                notice.event_at, self.now(), notice.patient_class == "emergency")
        else:
            log.info("notice %s waits for attribution to tell its patient's plan and practice", notice_id)
        return notice_id

    async def callback_requested(self, session: AsyncSession, medicaid_id: str, request_id: str,
                                 requested_at: datetime, sender: str) -> UUID | None:
        notice_id = await store.add_notice(
            session, notice_id=uuid.uuid4(), kind="callback", sender=sender, message_id=request_id,
            medicaid_id=medicaid_id, occurred_at=requested_at, received_at=self.now())
        if notice_id is None:
            return None
        member = await store.member_by_medicaid_id(session, medicaid_id)
        if member is not None and member.plan and member.practice_npi:
            await self._release(session, notice_id, "callback", member.member_id, member.plan, member.practice_npi,
                                requested_at, self.now(), False)
        return notice_id

    async def _release(self, session: AsyncSession, notice_id: UUID, kind: str, member_id: UUID, plan: str,
                       practice: str, occurred_at: datetime, received_at: datetime, emergency: bool) -> None:
        await store.publish_notice(session, notice_id, member_id=member_id, plan=plan, practice_npi=practice)
        if kind == "callback":
            await self._publish(session, CallbackRequestedV1(request_id=notice_id, member_id=member_id,
                                                             plan=plan, practice_npi=practice,
                                                             requested_at=occurred_at))
            return
        await self._publish(session, EncounterNotifiedV1(
            notice_id=notice_id, kind=EncounterKind(kind), member_id=member_id, plan=plan, practice_npi=practice,
            occurred_at=occurred_at, received_at=received_at, emergency=emergency))

    async def follow_up(self, session: AsyncSession, notice_id: UUID, reached_at: datetime, by: str,
                        may_see: Callable[[str, str], bool]) -> None:
        found = await store.notice(session, notice_id)
        if found is None or not found.published or not may_see(found.plan, found.practice_npi):
            raise not_found("notice")
        if reached_at < found.occurred_at:
            raise conflict("reached_at", "the follow-up cannot come before what it follows")
        if not await store.record_reached(session, notice_id, reached_at, by):
            raise conflict("notice", "a follow-up is recorded already")
        await self._publish(session, FollowUpRecordedV1(item_id=notice_id, reached_at=reached_at, by=by))

    # -- measures ------------------------------------------------------------------------------------------

    async def measures(self, session: AsyncSession, plan: str, practice_npi: str, start: datetime,
                       end: datetime) -> dict[str, Any]:
        listed = [p for p in await self.combined_list(session, plan, practice_npi) if p.coverage == "confirmed"]
        decided = {c.medicaid_id: c for c in await store.coordinations_of(session, plan, practice_npi)}
        tracked = {t.medicaid_id for t in await store.tracked(session, plan, practice_npi)}
        patients = [CoordinatedPatient(
            medicaid_id=p.medicaid_id, lead=decided[p.medicaid_id].lead if p.medicaid_id in decided else None,
            engaged=decided[p.medicaid_id].engaged if p.medicaid_id in decided else False,
            tracked=p.medicaid_id in tracked, goal=decided[p.medicaid_id].goal if p.medicaid_id in decided else None,
            goal_state=decided[p.medicaid_id].goal_state if p.medicaid_id in decided else "in_progress")
            for p in listed]
        visits = [EdVisit(v.medicaid_id, v.occurred_at, v.reached_at) for v in await store.ed_visits(
            session, plan, practice_npi)]
        return measures(patients, visits, self.follow_up_days, start, end)

    # -- the SLA monitor's word on the items' clocks ------------------------------------------------------

    async def clock(self, session: AsyncSession, item_id: UUID, clock: str, state: str, due_at: datetime) -> None:
        await store.save_clock(session, item_id, clock, state, due_at)

    async def clock_ending(self, session: AsyncSession, item_id: UUID, clock: str, state: str,
                           due_at: datetime) -> None:
        """A clock warned, breached, met or stopped: kept if it is one of this service's items (met and stopped
        events do not say their track)."""
        if await store.is_item(session, item_id):
            await store.save_clock(session, item_id, clock, state, due_at)


def _step(row: Any) -> dict[str, Any]:
    return {"step_id": str(row.step_id), "action": row.action, "responsible": row.responsible,
            "report_back_on": row.report_back_on.isoformat(),
            "reported_at": row.reported_at.isoformat() if row.reported_at else None,
            "clock": row.clock_state, "due_at": row.due_at.isoformat() if row.due_at else None}
