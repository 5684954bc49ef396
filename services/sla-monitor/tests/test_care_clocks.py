"""Care coordination's items run clocks like any case: a next step's report-back date, a conference's
summary, a tracked patient's six-month update, a discharge's follow-up from the discharge itself and a
call-back request, on the real broker with the monitor's clock moved by hand."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from liaison_shared.care_payloads import (
    CallbackRequestedV1,
    ConferenceHeldV1,
    EncounterNotifiedV1,
    FollowUpRecordedV1,
    NextStepAgreedV1,
    NextStepReportedV1,
    SummarySentV1,
    TrackingStartedV1,
)

from .conftest import MONDAY_10, Monitor

Z = UTC
PLAN, PRACTICE = "IA-WM", "1234567893"


def step(report_back_on: date, agreed_at: datetime = MONDAY_10) -> NextStepAgreedV1:
    return NextStepAgreedV1(step_id=uuid.uuid4(), conference_id=uuid.uuid4(), plan=PLAN, practice_npi=PRACTICE,
                            responsible="practice", report_back_on=report_back_on, agreed_at=agreed_at)


async def test_report_back_is_due_at_the_close_of_business_on_its_date_met_or_breached(monitor: Monitor) -> None:
    met, late = step(date(2026, 11, 20)), step(date(2026, 11, 18))
    weekend = step(date(2026, 11, 21))  # a Saturday: due at the close of the next business day
    await monitor.publish(met, late, weekend)
    [met_clock] = await monitor.events("clock-started.v1", met.step_id)
    [late_clock] = await monitor.events("clock-started.v1", late.step_id)
    [weekend_clock] = await monitor.events("clock-started.v1", weekend.step_id)
    friday_close = datetime(2026, 11, 20, 23, 0, tzinfo=Z)  # 17:00 CST
    assert (met_clock.clock, met_clock.track, met_clock.due_at) == ("report_back", "care_coordination", friday_close)
    assert late_clock.due_at == datetime(2026, 11, 18, 23, 0, tzinfo=Z)
    assert weekend_clock.due_at == datetime(2026, 11, 23, 23, 0, tzinfo=Z)  # Monday 17:00 CST

    await monitor.publish(NextStepReportedV1(step_id=met.step_id, reported_at=friday_close - timedelta(hours=1)))
    [reported] = await monitor.events("sla.met.v1", met.step_id)
    assert reported.clock == "report_back"
    monitor.clock.set(datetime(2026, 11, 18, 23, 0, 5, tzinfo=Z))
    [breach] = await monitor.events("sla.breached.v1", late.step_id)
    assert breach.clock == "report_back" and breach.track == "care_coordination"


async def test_summary_is_due_one_business_day_after_the_call(monitor: Monitor) -> None:
    held = ConferenceHeldV1(conference_id=uuid.uuid4(), series_id=uuid.uuid4(), plan=PLAN, practice_npi=PRACTICE,
                            held_at=MONDAY_10, patients=10)
    await monitor.publish(held)
    [clock] = await monitor.events("clock-started.v1", held.conference_id)
    assert (clock.clock, clock.due_at) == ("call_summary", MONDAY_10 + timedelta(days=1))
    await monitor.publish(SummarySentV1(conference_id=held.conference_id, plan=PLAN, practice_npi=PRACTICE,
                                        sent_at=MONDAY_10 + timedelta(hours=3)))
    [met] = await monitor.events("sla.met.v1", held.conference_id)
    assert met.clock == "call_summary"


async def test_tracked_patient_update_is_due_in_six_months(monitor: Monitor) -> None:
    tracked = TrackingStartedV1(tracking_id=uuid.uuid4(), member_id=uuid.uuid4(), plan=PLAN, practice_npi=PRACTICE,
                                started_at=MONDAY_10)
    await monitor.publish(tracked)
    [clock] = await monitor.events("clock-started.v1", tracked.tracking_id)
    # 183 calendar days after Monday 16 November: the end of Tuesday 18 May 2027, local midnight (CDT).
    assert (clock.clock, clock.due_at) == ("tracking_update", datetime(2027, 5, 19, 5, 0, tzinfo=Z))


async def test_friday_night_discharge_is_due_sunday_at_the_same_time_and_then_the_call_window(
        monitor: Monitor) -> None:
    friday_2310 = datetime(2026, 12, 5, 5, 10, tzinfo=Z)  # Friday 4 December 23:10 CST
    notice = EncounterNotifiedV1(notice_id=uuid.uuid4(), kind="discharge", member_id=uuid.uuid4(), plan=PLAN,
                                 practice_npi=PRACTICE, occurred_at=friday_2310,
                                 received_at=friday_2310 + timedelta(hours=9))  # told the next morning
    admission = EncounterNotifiedV1(notice_id=uuid.uuid4(), kind="admission", member_id=notice.member_id,
                                    occurred_at=friday_2310 - timedelta(days=3), received_at=friday_2310)
    await monitor.publish(admission, notice)
    [clock] = await monitor.events("clock-started.v1", notice.notice_id)
    sunday_2310 = datetime(2026, 12, 7, 5, 10, tzinfo=Z)
    assert (clock.clock, clock.started_at, clock.due_at) == ("discharge_follow_up", friday_2310, sunday_2310)

    monitor.clock.set(sunday_2310 + timedelta(seconds=2))
    [breach] = await monitor.events("sla.breached.v1", notice.notice_id)
    assert breach.clock == "discharge_follow_up"
    window = [c for c in await monitor.events("clock-started.v1", notice.notice_id, 2)
              if c.clock == "discharge_call_window"]
    assert window[0].due_at == sunday_2310 + timedelta(hours=24)  # 72 hours after the discharge
    await monitor.publish(FollowUpRecordedV1(item_id=notice.notice_id, reached_at=sunday_2310 + timedelta(hours=5),
                                             by="practice"))
    [met] = await monitor.events("sla.met.v1", notice.notice_id)
    assert met.clock == "discharge_call_window"


async def test_callback_request_is_returned_within_24_hours(monitor: Monitor) -> None:
    request = CallbackRequestedV1(request_id=uuid.uuid4(), member_id=uuid.uuid4(), plan=PLAN, practice_npi=PRACTICE,
                                  requested_at=MONDAY_10)
    await monitor.publish(request)
    [clock] = await monitor.events("clock-started.v1", request.request_id)
    assert (clock.clock, clock.due_at) == ("member_callback", MONDAY_10 + timedelta(hours=24))
