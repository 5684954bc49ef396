"""Grievances, appeals and cases referred to several MCOs in the case rules (rules/case.py), and a
grievance's 438.416 record (rules/record.py), without I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from liaison_intake.rules import case as rules
from liaison_intake.rules.case import Case, IllegalAction
from liaison_intake.rules.record import grievance_record
from liaison_shared.catalog import BY_PAYLOAD
from liaison_shared.events import Event
from liaison_shared.lifecycle import Status
from liaison_shared.payloads import (
    Actor,
    DeadlineExtendedV1,
    ExpeditedDeniedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    McoReportedV1,
    NoticeIssuedV1,
    Payload,
    PriorityOverrideRequestedV1,
    ReviewRecordedV1,
)
from liaison_shared.vocabulary import (
    CaseKind,
    ExtensionRequester,
    McoReportKind,
    NoticeKind,
    Party,
    Priority,
    ResolvedBy,
    ReviewLevel,
    Track,
)

ACTOR = Actor(subject="gail-1", name="Gail Coordinator", roles=("grievance-coordinator",))
AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def grievance(**changes: object) -> Case:
    base = Case(id=uuid.uuid4(), party=Party.MEMBER, status=Status.TRIAGED, mco="IA-TC", kind=CaseKind.GRIEVANCE,
                track=Track.GRIEVANCE, priority=Priority.STANDARD)
    return Case(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def appeal(**changes: object) -> Case:
    return grievance(**{"kind": CaseKind.APPEAL, "track": Track.APPEAL, **changes})


def expedited(**changes: object) -> Case:
    return appeal(**{"priority": Priority.URGENT, "expedited_requested": True, **changes})


def fold(start: Case, events: list[Payload]) -> Case:
    for event in events:
        start = rules.evolve(start, event)
    return start


def refused(decide: object, *args: object, **kwargs: object) -> IllegalAction:
    with pytest.raises(IllegalAction) as caught:
        decide(*args, **kwargs)  # type: ignore[operator]
    return caught.value


def test_a_grievance_is_resolved_with_its_notice_and_its_plan_level_review() -> None:
    events = rules.decide_resolution(grievance(), resolved_by=ResolvedBy.STATE, resolution_code="resolved",
                                     summary="We spoke with the clinic; it apologised.", actor=ACTOR, at=AT)
    assert [type(e) for e in events] == [InquiryResolvedV1, ReviewRecordedV1, NoticeIssuedV1]
    review, notice = events[1], events[2]
    assert isinstance(review, ReviewRecordedV1) and isinstance(notice, NoticeIssuedV1)
    assert (review.level, review.resolution) == (ReviewLevel.PLAN, "resolved")
    assert (notice.notice, notice.text) == (NoticeKind.RESOLUTION, "We spoke with the clinic; it apologised.")


def test_a_grievance_without_the_resolution_text_is_refused_naming_the_field() -> None:
    error = refused(rules.decide_resolution, grievance(), resolved_by=ResolvedBy.STATE, resolution_code="resolved",
                    summary=None, actor=ACTOR, at=AT)
    assert (error.code, error.field) == ("summary-required", "summary")


def test_an_appeal_is_resolved_only_as_upheld_overturned_partly_or_withdrawn() -> None:
    error = refused(rules.decide_resolution, appeal(), resolved_by=ResolvedBy.STATE, resolution_code="fixed",
                    summary="Text.", actor=ACTOR, at=AT)
    assert error.field == "resolution_code"
    assert rules.decide_resolution(appeal(), resolved_by=ResolvedBy.STATE, resolution_code="overturned",
                                   summary="Approved.", actor=ACTOR, at=AT)


def test_an_ordinary_inquiry_resolves_without_a_notice() -> None:
    ordinary = grievance(kind=CaseKind.INQUIRY, track=Track.MEMBER_MCO)
    events = rules.decide_resolution(ordinary, resolved_by=ResolvedBy.STATE, resolution_code="x", summary=None,
                                     actor=ACTOR, at=AT)
    assert [type(e) for e in events] == [InquiryResolvedV1]


def test_expedited_denial_moves_the_appeal_to_standard_once() -> None:
    start = expedited()
    events = rules.decide_expedited_denial(start, reason="Does not meet the criteria.", actor=ACTOR, at=AT)
    assert [type(e) for e in events] == [ExpeditedDeniedV1, PriorityOverrideRequestedV1]
    override = events[1]
    assert isinstance(override, PriorityOverrideRequestedV1) and override.priority is Priority.STANDARD
    after = fold(start, events)
    assert after.expedited_denied
    assert refused(rules.decide_expedited_denial, after, reason="again", actor=ACTOR, at=AT).code == "already-denied"


def test_expedited_handling_is_not_denied_after_its_deadline_passed() -> None:
    late = expedited(resolution_due=AT)
    assert refused(rules.decide_expedited_denial, late, reason="r", actor=ACTOR, at=AT).code == "deadline-passed"
    assert rules.decide_expedited_denial(late, reason="r", actor=ACTOR, at=AT - timedelta(minutes=1))


@pytest.mark.parametrize(("start", "code"), [
    (grievance(), "not-appeal"),
    (appeal(), "not-expedited"),  # a standard appeal
    (appeal(priority=Priority.URGENT), "not-expedited"),  # urgent by the rules, never asked to be expedited
])
def test_only_an_expedited_appeal_has_expedited_handling_to_deny(start: Case, code: str) -> None:
    assert refused(rules.decide_expedited_denial, start, reason="r", actor=ACTOR, at=AT).code == code


def test_the_resolution_deadline_is_extended_once_at_most_and_not_after_it_passed() -> None:
    due = AT + timedelta(days=3)
    start = grievance(resolution_due=due)
    [event] = rules.decide_extension(start, days=14, requested_by=ExtensionRequester.PLAN, reason="Records awaited.",
                                     actor=ACTOR, at=AT)
    assert isinstance(event, DeadlineExtendedV1) and (event.clock, event.days) == ("resolution", 14)
    after = fold(start, [event])
    assert after.extension is ExtensionRequester.PLAN
    assert refused(rules.decide_extension, after, days=1, requested_by=ExtensionRequester.ENROLLEE, reason="r",
                   actor=ACTOR, at=AT).code == "already-extended"
    assert refused(rules.decide_extension, start, days=1, requested_by=ExtensionRequester.ENROLLEE, reason="r",
                   actor=ACTOR, at=due).code == "deadline-passed"
    ordinary = grievance(kind=CaseKind.INQUIRY, track=Track.MEMBER_MCO)
    assert refused(rules.decide_extension, ordinary, days=1, requested_by=ExtensionRequester.ENROLLEE, reason="r",
                   actor=ACTOR, at=AT).code == "not-grievance-or-appeal"


def test_notices_follow_what_happened_to_the_case() -> None:
    def notice(case: Case, kind: NoticeKind) -> list[Payload]:
        return rules.decide_notice(case, notice=kind, text="Text.", actor=ACTOR, at=AT)

    assert refused(notice, grievance(), NoticeKind.EXTENSION).code == "not-extended"
    assert refused(notice, grievance(extension=ExtensionRequester.ENROLLEE), NoticeKind.EXTENSION).code \
        == "not-extended"  # the enrollee asked: no notice is owed
    assert notice(grievance(extension=ExtensionRequester.PLAN), NoticeKind.EXTENSION)
    assert refused(notice, expedited(), NoticeKind.EXPEDITED_DENIAL).code == "not-denied"
    assert notice(expedited(expedited_denied=True), NoticeKind.EXPEDITED_DENIAL)
    assert refused(notice, grievance(), NoticeKind.RESOLUTION).field == "notice"
    ordinary = grievance(kind=CaseKind.INQUIRY, track=Track.MEMBER_MCO)
    assert refused(notice, ordinary, NoticeKind.ACKNOWLEDGMENT).code == "not-grievance-or-appeal"
    [answer] = notice(ordinary, NoticeKind.ANSWER)
    assert isinstance(answer, NoticeIssuedV1) and answer.text == "Text."


def test_a_state_fair_hearing_is_recorded_after_the_plan_resolved_the_appeal() -> None:
    resolved = appeal(status=Status.RESOLVED)
    [review] = rules.decide_review(resolved, level=ReviewLevel.STATE_FAIR_HEARING, summary="Hearing held.",
                                   resolution="upheld", actor=ACTOR, at=AT)
    assert isinstance(review, ReviewRecordedV1)
    assert refused(rules.decide_review, resolved, level=ReviewLevel.PLAN, summary="s", resolution=None,
                   actor=ACTOR, at=AT).code == "inquiry-resolved"


def test_a_second_mco_is_added_and_the_case_resolves_when_both_report_resolved() -> None:
    start = grievance(kind=CaseKind.INQUIRY, track=Track.PROVIDER, party=Party.PROVIDER)
    first = rules.decide_referral(start, mco="IA-TC", actor=ACTOR, at=AT)
    both = fold(start, first + rules.decide_referral(fold(start, first), mco="IA-AG", actor=ACTOR, at=AT))
    assert both.referred_mcos == ("IA-TC", "IA-AG")
    assert refused(rules.decide_referral, both, mco="IA-TC", actor=ACTOR, at=AT).code == "already-referred"

    def report(case: Case, mco: str) -> list[Payload]:
        return rules.decide_mco_report(case, mco=mco, report=McoReportKind.RESOLVED, resolution_code=None,
                                       summary=None, actor=ACTOR, at=AT)

    one = report(both, "IA-AG")
    assert [type(e) for e in one] == [McoReportedV1]  # IA-TC's part is still open
    after_one = fold(both, one)
    assert refused(report, after_one, "IA-AG").code == "part-resolved"
    assert refused(report, after_one, "IA-XX").code == "not-referred"
    last = report(after_one, "IA-TC")
    assert [type(e) for e in last] == [McoReportedV1, InquiryResolvedV1]
    reopened = fold(fold(after_one, last), [InquiryReopenedV1(inquiry_id=both.id, reason="r", actor=ACTOR, at=AT)])
    assert not any(r.resolved for r in reopened.referrals)


def test_the_438_416_record_reads_the_log_in_order() -> None:
    case_id, later = uuid.uuid4(), AT + timedelta(days=2)
    payloads: list[Payload] = [
        DeadlineExtendedV1(inquiry_id=case_id, clock="resolution", days=14, requested_by=ExtensionRequester.PLAN,
                           reason="Records awaited.", actor=ACTOR, at=AT),
        NoticeIssuedV1(inquiry_id=case_id, notice=NoticeKind.EXTENSION, text="We need 14 more days.", actor=ACTOR,
                       at=AT),
        *rules.decide_resolution(grievance(id=case_id), resolved_by=ResolvedBy.STATE, resolution_code="resolved",
                                 summary="Resolved.", actor=ACTOR, at=later)]

    class Entry:
        def __init__(self, payload: Payload) -> None:
            event = Event(payload, source="/t")
            self.event_type, self.at = BY_PAYLOAD[type(payload)].type, payload.at  # type: ignore[attr-defined]
            self.details = payload.model_dump(mode="json")
            assert event.type == self.event_type

    record = grievance_record(
        inquiry_id=case_id, kind="grievance", identity={"member": {"name": "Gwen", "medicaid_id": "7654321B"}},
        mco="IA-TC", description="Rude staff.", category="quality_of_care", received_at=AT, appeal=None,
        log=[Entry(p) for p in payloads])
    assert record["enrollee"] == {"name": "Gwen", "medicaid_id": "7654321B"}
    assert record["extension"] == {"days": 14, "requested_by": "plan", "reason": "Records awaited.", "at": AT}
    assert [(n["notice"], n["at"]) for n in record["notices"]] == [("extension", AT), ("resolution", later)]
    assert record["reviews"] == [{"level": "plan", "at": later, "summary": "Resolved.", "resolution": "resolved"}]
    assert record["resolution"] == {"code": "resolved", "summary": "Resolved.", "at": later}
