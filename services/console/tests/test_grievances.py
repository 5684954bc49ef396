"""Grievances, appeals and program integrity on the console's projection: each on the queue of the role
that works it, its track and calendar-day clocks in words; a case referred to several MCOs, each MCO
seeing the case with its own clocks and the case's only; and cases linked to the one whose survey
outcome opened them."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from liaison_console.service import Console as Uses
from liaison_console.store import change_channel
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.payloads import (
    Actor,
    AppealDetails,
    CaseOrigin,
    ClockStartedV1,
    InquiryReceivedV1,
    McoContactedV1,
    SlaBreachedV1,
    SlaMetV1,
)
from liaison_shared.principal import Principal

from .conftest import HTML, Console, assigned, clock, received

ACTOR = Actor(subject="s-1", name="Una Lead", roles=("unit-lead",))


def row_ids(page: str) -> list[str]:
    return re.findall(r'<tr data-id="([0-9a-f-]{36})"', page)


def row_of(page: str, inquiry_id: uuid.UUID) -> str:
    found = re.search(rf'<tr data-id="{inquiry_id}".*?</tr>', page, re.S)
    assert found, f"{inquiry_id} is not on the page"
    return found.group(0)


def of_kind(kind: str, **changes: object) -> InquiryReceivedV1:
    return InquiryReceivedV1.model_validate({**dict(received()), "kind": kind, **changes})


def started(case: InquiryReceivedV1, name: str, *, track: str, due_in: timedelta, mco: str | None = None,
            priority: str = "standard") -> ClockStartedV1:
    now = datetime.now(UTC)
    return ClockStartedV1(inquiry_id=case.inquiry_id, clock=name, track=track, priority=priority,
                          warn_at=now + due_in * 0.75, due_at=now + due_in, started_at=case.received_at, mco=mco)


async def test_grievances_and_appeals_are_the_coordinators_work_and_their_clocks_count_calendar_days(
        console: Console) -> None:
    grievance = of_kind("grievance")
    appeal = of_kind("appeal", appeal=AppealDetails(determination="Prior authorization for an MRI denied.",
                                                    expedited_requested=True))
    fraud = of_kind("fwa_referral")
    await console.publish(
        grievance, assigned(grievance, priority="standard", queue="grievances_appeals", track="grievance"),
        started(grievance, "resolution", track="grievance", due_in=timedelta(days=89, hours=5)),
        started(grievance, "acknowledged", track="grievance", due_in=timedelta(days=3)),
        appeal, assigned(appeal, priority="urgent", queue="grievances_appeals", track="appeal"),
        started(appeal, "resolution", track="appeal", due_in=timedelta(hours=71, minutes=30), priority="urgent"),
        fraud, assigned(fraud, priority="standard", queue="program_integrity", track="program_integrity"),
        started(fraud, "referral_reviewed", track="program_integrity", due_in=timedelta(days=2)))
    for case in (grievance, appeal, fraud):
        await console.projected(case.inquiry_id, lambda r: r.next_due_at is not None and r.queue is not None,
                                what="the case and its clock")
    row = await console.projected(grievance.inquiry_id, lambda r: True, what="the grievance")
    assert row.kind == "grievance"
    async with console.signed_in("gail") as (http, _):
        page = (await http.get("/queue", headers=HTML)).text
    assert "My queue: Grievances and appeals" in page
    assert set(row_ids(page)) == {str(grievance.inquiry_id), str(appeal.inquiry_id)}
    assert 'data-label="Track">Grievance<' in row_of(page, grievance.inquiry_id)
    assert 'data-label="Track">Appeal — Expedited<' in row_of(page, appeal.inquiry_id)
    # Calendar days, weekends and nights included: not the business hours of the acknowledgment clock.
    resolution = re.search(r'data-clock="resolution".*?clock-time">([^<]+)<', row_of(page, grievance.inquiry_id),
                           re.S)
    assert resolution and re.fullmatch(r"89 days [45]h left", resolution.group(1)), resolution
    expedited = re.search(r'data-clock="resolution".*?clock-time">([^<]+)<', row_of(page, appeal.inquiry_id), re.S)
    assert expedited and re.fullmatch(r"2 days 23h left|2 days 2[0-3]h left", expedited.group(1)), expedited
    assert "Resolve and notify" in page and "Acknowledge in writing" in page
    async with console.signed_in("ivan") as (http, _):
        page = (await http.get("/queue", headers=HTML)).text
    assert row_ids(page) == [str(fraud.inquiry_id)]
    assert 'data-label="Track">Program integrity<' in page and "Review the referral" in page


async def test_a_case_referred_to_two_mcos_shows_each_its_own_referral_and_clocks(console: Console) -> None:
    case = received()
    first, second = (McoContactedV1(inquiry_id=case.inquiry_id, mco=mco, actor=ACTOR,
                                    at=case.received_at + timedelta(minutes=minutes))
                     for mco, minutes in (("IA-TC", 1), ("IA-AG", 2)))
    theirs = started(case, "mco_contacts_member", track="member_mco", due_in=timedelta(hours=1), mco="IA-AG",
                     priority="urgent")
    ours = started(case, "mco_contacts_member", track="member_mco", due_in=timedelta(hours=3), mco="IA-TC",
                   priority="urgent")
    published = await console.publish(
        case, assigned(case), clock(case, "originator_contacted", due_in=timedelta(hours=2)), first, second,
        first, theirs, ours,  # the first referral again (a replay): it adds nothing
        SlaBreachedV1(inquiry_id=case.inquiry_id, clock="mco_contacts_member", track="member_mco", priority="urgent",
                      due_at=theirs.due_at, breached_at=theirs.due_at, late_by_seconds=0, mco="IA-AG"))
    await console.consumed(published)
    row = await console.projected(case.inquiry_id, lambda r: r.referred_mcos == ["IA-TC", "IA-AG"],
                                  what="both referrals, the first kept")
    assert row.breached
    clocks = await console.sql("SELECT clock, mco, state FROM case_clocks WHERE inquiry_id = :id ORDER BY 1, 2",
                               id=case.inquiry_id)
    assert [tuple(c) for c in clocks] == [("mco_contacts_member", "IA-AG", "breached"),
                                          ("mco_contacts_member", "IA-TC", "open"),
                                          ("originator_contacted", None, "open")]
    async with console.signed_in("tina") as (http, _):  # IA-TC
        page = (await http.get("/queue?queue=all", headers=HTML)).text
        not_breached = (await http.get("/queue?queue=all&breached=no", headers=HTML)).text
    shown = row_of(page, case.inquiry_id)
    assert "IA-AG" not in shown  # nothing of the other MCO's part
    assert 'data-label="MCO">IA-TC<' in shown
    assert shown.count('data-clock="mco_contacts_member"') == 1 and "Breached" not in shown
    assert str(case.inquiry_id) in row_ids(not_breached)  # the other MCO's breach is not hers
    async with console.signed_in("adam") as (http, _):  # IA-AG
        shown = row_of((await http.get("/queue?queue=all&breached=yes", headers=HTML)).text, case.inquiry_id)
    assert "· IA-TC" not in shown and 'data-label="MCO">IA-AG<' in shown and "Breached" in shown
    async with console.signed_in("una") as (http, _):  # the state sees both parts, each MCO's named
        shown = row_of((await http.get("/queue?queue=all", headers=HTML)).text, case.inquiry_id)
    assert "MCO contacts the member · IA-AG" in shown and "MCO contacts the member · IA-TC" in shown
    assert 'data-label="MCO">IA-TC, IA-AG<' in shown
    # One MCO's clock met leaves the other's as it was.
    await console.consumed(await console.publish(SlaMetV1(
        inquiry_id=case.inquiry_id, clock="mco_contacts_member", due_at=ours.due_at, met_at=datetime.now(UTC),
        took_business_seconds=60, mco="IA-TC")))
    states = await console.sql("SELECT mco, state FROM case_clocks WHERE inquiry_id = :id AND clock = "
                               "'mco_contacts_member' ORDER BY mco", id=case.inquiry_id)
    assert [tuple(s) for s in states] == [("IA-AG", "breached"), ("IA-TC", "met")]


async def test_a_case_opened_by_a_survey_outcome_links_back_and_its_origin_lists_it(console: Console) -> None:
    origin = received()
    opened = of_kind("grievance", origin=CaseOrigin(inquiry_id=origin.inquiry_id, survey_response_id=uuid.uuid4(),
                                                    outcome="grievance"))
    await console.consumed(await console.publish(
        origin, assigned(origin), opened,
        assigned(opened, priority="standard", queue="grievances_appeals", track="grievance")))
    row = await console.projected(opened.inquiry_id, lambda r: r.queue is not None, what="the opened case")
    assert (row.kind, row.origin_inquiry_id, row.origin_outcome) == ("grievance", origin.inquiry_id, "grievance")
    uses = Uses(BusinessCalendar(), change_channel(console.runtime.settings.schema_name), 10)
    state = Principal(id="u", name="Una", scopes=frozenset({"inquiry:read"}), roles=frozenset({"unit-lead"}))
    async with console.runtime.sessions() as session:
        from_origin = await uses.case(session, state, origin.inquiry_id)
        from_opened = await uses.case(session, state, opened.inquiry_id)
    assert from_origin is not None and [c.id for c in from_origin.opened] == [opened.inquiry_id]
    assert from_opened is not None and from_opened.origin is not None
    assert from_opened.origin.id == origin.inquiry_id and list(from_opened.opened) == []
    # An MCO's people see neither: neither was referred to their MCO.
    mco = Principal(id="t", name="Tina", scopes=frozenset({"inquiry:read", "mco:IA-TC"}))
    async with console.runtime.sessions() as session:
        assert await uses.case(session, mco, origin.inquiry_id) is None
