"""The case page's pure parts for grievances, appeals and linked cases, without a database or intake:
tracks and clocks in words (calendar time where the policy counts calendar days), who sees what of a
case referred to several MCOs, the forms a grievance or an appeal offers and when, the letter due after
two failed calls, the 438.416 record, and the page as rendered from intake's JSON."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st

from liaison_console.api.deps import TEMPLATES
from liaison_console.api.views import page_context
from liaison_console.rules import case_view, roles
from liaison_console.rules.clocks import CALENDAR_CLOCKS, calendar_duration, clock_view
from liaison_console.sessions import SignedIn
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.principal import Principal

FRIDAY_16 = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)  # 16:00 on a Friday in Iowa
POLICY = Path(__file__).resolve().parents[2] / "sla-monitor" / "liaison_sla_monitor" / "policy.yaml"
STATE = Principal(id="gail-1", name="Gail Coordinator", scopes=frozenset({"inquiry:read", "inquiry:act"}),
                  roles=frozenset({"grievance-coordinator"}))
MCO = Principal(id="tina-1", name="Tina", scopes=frozenset({"inquiry:read", "inquiry:act", "mco:IA-TC"}),
                roles=frozenset({"mco-staff"}))


def entry(event: str, **details: Any) -> dict[str, Any]:
    return {"event_type": f"liaison.inquiry.{event}.v1", "details": details, "at": "2026-11-20T16:00:00+00:00",
            "source": "/intake", "actor": None}


def test_the_calendar_clocks_are_those_the_policy_counts_in_calendar_time() -> None:
    policy = yaml.safe_load(POLICY.read_text())
    calendar = {(row["track"], c["name"]) for row in policy["rows"] for c in row["clocks"]
                if {"calendar_days", "calendar_hours"} & set(c["deadline"])}
    assert calendar == CALENDAR_CLOCKS


def test_a_calendar_day_clock_counts_the_weekend_and_a_business_clock_does_not() -> None:
    calendar, due = BusinessCalendar(), FRIDAY_16 + timedelta(days=3, hours=2)
    counted = {track: clock_view(clock="resolution" if track == "grievance" else "originator_contacted",
                                 state="open", warn_at=due, due_at=due, ended_at=None, now=FRIDAY_16,
                                 calendar=calendar, track=track) for track in ("grievance", "member_mco")}
    assert (counted["grievance"].time_text, counted["grievance"].counts) == ("3 days 2h left", "Calendar time")
    assert counted["grievance"].label == "Resolve and notify"
    assert counted["member_mco"].counts == "Business time" and "day" not in counted["member_mco"].time_text
    late = clock_view(clock="resolution", state="breached", warn_at=FRIDAY_16, due_at=FRIDAY_16, ended_at=None,
                      now=FRIDAY_16 + timedelta(days=1, hours=1), calendar=calendar, track="appeal", mco="IA-AG")
    assert (late.time_text, late.label) == ("1 day 1h late", "Resolve and notify · IA-AG")


@given(st.integers(min_value=0, max_value=400 * 86_400))
def test_calendar_time_is_days_and_hours_from_a_day_on(seconds: int) -> None:
    shown = calendar_duration(timedelta(seconds=seconds))
    days, hours = divmod(seconds // 3600, 24)
    if days:
        assert shown == f"{days} day{'' if days == 1 else 's'} {hours}h"
    else:
        assert "day" not in shown


def test_tracks_in_words_and_an_urgent_appeal_is_expedited() -> None:
    assert case_view.track_words("grievance", "urgent") == "Grievance"
    assert case_view.track_words("appeal", "urgent") == "Appeal — Expedited"
    assert case_view.track_words("appeal", "standard") == "Appeal"
    assert case_view.track_words("program_integrity", "standard") == "Program integrity"
    assert case_view.origin_words("fwa_referral") == "by the escalation survey: FWA referral"


def test_the_coordinators_work_their_queues_and_an_mco_sees_a_case_it_was_referred_among_others() -> None:
    assert roles.role_queues(STATE) == frozenset({"grievances_appeals"})
    integrity = Principal(id="i", name="Ivan", scopes=frozenset({"inquiry:read"}),
                          roles=frozenset({"program-integrity"}))
    assert roles.role_queues(integrity) == frozenset({"program_integrity"})
    assert roles.sees_case(MCO, "member", ["IA-AG", "IA-TC"]) and not roles.sees_case(MCO, "member", ["IA-AG"])
    assert not roles.sees_case(MCO, "member", []) and roles.sees_case(STATE, "member", [])
    assert not roles.sees_case(STATE, None, [])  # not received yet


def test_an_mco_sees_its_own_referral_only() -> None:
    both = {"referrals": [{"mco": "IA-TC", "referred_at": "2026-11-20T16:00:00+00:00"},
                          {"mco": "IA-AG", "referred_at": "2026-11-20T17:00:00+00:00"}]}
    assert [r["mco"] for r in case_view.referrals_seen(both, [], "IA-TC")] == ["IA-TC"]
    assert [r["mco"] for r in case_view.referrals_seen(both, [], None)] == ["IA-TC", "IA-AG"]
    assert case_view.referrals_seen({}, ["IA-TC", "IA-AG"], None) == [
        {"mco": "IA-TC", "referred_at": None}, {"mco": "IA-AG", "referred_at": None}]


def test_a_letter_is_due_after_two_failed_calls_until_the_answer_is_written() -> None:
    calls = [entry("contact-attempted"), entry("contact-attempted"), entry("letter-requested", failed_attempts=2)]
    assert not case_view.letter_due(calls[:2]) and case_view.letter_due(calls)
    assert case_view.letter_due([*calls, entry("notice-issued", notice="acknowledgment")])
    assert not case_view.letter_due([*calls, entry("notice-issued", notice="answer")])
    again = [*calls, entry("notice-issued", notice="answer"), entry("letter-requested", failed_attempts=4)]
    assert case_view.letter_due(again)


def test_the_forms_of_a_grievance_and_of_an_appeal() -> None:
    assert case_view.subpart_f_forms("inquiry", "urgent", {}, []) is None
    grievance = case_view.subpart_f_forms("grievance", "standard", {}, [])
    assert grievance is not None and grievance.resolution_codes is None and not grievance.may_deny_expedited
    assert grievance.notices == ("acknowledgment", "extension", "answer") and grievance.may_extend
    extended = case_view.subpart_f_forms("grievance", "standard", {}, [entry("deadline-extended", days=14)])
    assert extended is not None and not extended.may_extend  # once
    expedited = case_view.subpart_f_forms("appeal", "urgent", {"appeal": {"expedited_requested": True}}, [])
    assert expedited is not None and expedited.may_deny_expedited and "expedited_denial" in expedited.notices
    assert expedited.resolution_codes == ("upheld", "overturned", "partially_overturned", "withdrawn")
    denied = case_view.subpart_f_forms("appeal", "urgent", {"appeal": {}, "expedited_denied": True}, [])
    assert denied is not None and not denied.may_deny_expedited and "expedited_denial" in denied.notices
    assert not case_view.subpart_f_forms("grievance", "standard", {"extension": "plan"}, []).may_extend  # type: ignore[union-attr]
    standard = case_view.subpart_f_forms("appeal", "standard", {"appeal": {"expedited_requested": False}}, [])
    assert standard is not None and "expedited_denial" not in standard.notices


RECORD = {
    "inquiry_id": str(uuid.uuid4()), "kind": "appeal", "enrollee": {"name": "Jane Example", "medicaid_id": "1234567A"},
    "mco": "IA-TC", "reason": "MRI denied.", "received_at": "2026-11-02T15:00:00+00:00",
    "category": "prior_authorization",
    "appeal": {"determination": "Prior authorization denied", "determination_date": "2026-10-30",
               "expedited_requested": True},
    "expedited_denial": {"reason": "No risk to life or health", "at": "2026-11-02T18:00:00+00:00"},
    "reviews": [{"level": "plan", "at": "2026-11-20T16:00:00+00:00", "summary": "Records reviewed.",
                 "resolution": "overturned"},
                {"level": "state_fair_hearing", "at": "2026-11-21T16:00:00+00:00", "summary": "Hearing set.",
                 "resolution": None}],
    "resolution": {"code": "overturned", "summary": "We approve the MRI.", "at": "2026-11-20T16:00:00+00:00"},
    "extension": {"days": 14, "requested_by": "enrollee", "reason": "More records", "at": "2026-11-03T16:00:00+00:00"},
    "notices": [{"notice": "acknowledgment", "at": "2026-11-02T16:00:00+00:00", "text": "We received it."},
                {"notice": "resolution", "at": "2026-11-20T16:00:00+00:00", "text": "We approve the MRI."}],
}


def test_the_record_reads_as_438_416_asks() -> None:
    view = case_view.record_view(RECORD, lambda at: f"<{at}>")
    facts = dict(view.facts)
    assert facts["Enrollee"] == "Jane Example" and facts["Reason"] == "MRI denied."
    assert facts["Received"] == "<2026-11-02T15:00:00+00:00>"
    assert facts["Expedited handling denied"].endswith("No risk to life or health")
    assert facts["Extension"].startswith("14 calendar days, asked by the enrollee")
    assert facts["Resolution"].startswith("Overturned") and facts["Resolution letter"] == "We approve the MRI."
    assert view.reviews[0] == ("Plan", "<2026-11-20T16:00:00+00:00>", "Records reviewed.", "Overturned")
    assert view.reviews[1][0] == "State fair hearing" and view.reviews[1][3] == "not decided"
    assert [(n, text) for n, _, text in view.notices] == [("Acknowledgment", "We received it."),
                                                          ("Resolution", "We approve the MRI.")]
    empty = dict(case_view.record_view({"kind": "grievance"}, str).facts)
    assert (empty["Resolution"], empty["Extension"]) == ("not resolved yet", "none")


def render(principal: Principal, *, kind: str, priority: str = "standard", entries: list[dict[str, Any]] | None = None,
           inquiry: dict[str, Any] | None = None, origin: Any = None, opened: tuple[Any, ...] = (),
           record: Any = None) -> str:
    """The case page as the route renders it, from intake's JSON (here: written out) and the projection."""
    calendar = BusinessCalendar()
    row = SimpleNamespace(id=uuid.uuid4(), subject="[STANDARD] Grievance · IA-TC", status="received",
                          priority=priority, track=kind if kind != "inquiry" else "member_mco",
                          queue="grievances_appeals", mco="IA-TC", referred_mcos=["IA-TC", "IA-AG"], kind=kind,
                          origin_inquiry_id=origin.id if origin else None, origin_outcome="grievance",
                          rules_fired=[], assignee_subject=None, assignee_name=None, held=False)
    inquiry = {"identity": {"member": {"name": "Jane Example", "medicaid_id": "1234567A"}}, "source": "member",
               "category": "pharmacy", "received_at": "2026-11-20T16:00:00+00:00", "description": "Rude staff.",
               "kind": kind, **(inquiry or {})}
    inquiry["identity"]["mailing_address"] = {"line1": "1 Main St", "city": "Des Moines", "state": "IA",
                                              "zip": "50309"}
    entries = entries or []
    person = SignedIn(principal=principal, access_token="t", csrf="c", id_hash=b"h")
    context = page_context(person, calendar, case=row, clocks=[], inquiry=inquiry, entries=entries, letter_id=None,
                           staff=[], as_of_change=1, kind=kind, origin=origin, opened=opened,
                           letter_due=case_view.letter_due(entries),
                           subpart_f=case_view.subpart_f_forms(kind, priority, inquiry, entries),
                           referrals=case_view.referrals_seen(inquiry, row.referred_mcos, principal.mco))
    if record is not None:
        context["record"] = case_view.record_view(record, context["local"])
    return TEMPLATES.env.get_template("case.html").render(**context)


def labelled(page: str, form: str) -> list[str]:
    """The names of the fields of a form, each of which has a label and an error slot."""
    found = re.search(rf'<form class="action" data-action="{form}" id="form-{form}".*?</form>', page, re.S)
    assert found, f"no {form} form"
    names = []
    for field_id, name in re.findall(r'<(?:input|select|textarea) id="([^"]+)" name="([^"]+)"', found.group(0)):
        assert f'<label for="{field_id}">' in found.group(0) and f'id="{field_id}-error"' in found.group(0)
        names.append(name)
    return names


def test_an_expedited_appeal_page_has_its_forms_and_its_record() -> None:
    page = render(STATE, kind="appeal", priority="urgent", record=RECORD,
                  inquiry={"appeal": {"determination": "Prior authorization denied", "expedited_requested": True}})
    assert labelled(page, "notice") == ["notice", "text"]
    assert labelled(page, "extension") == ["days", "requested_by", "reason"]
    assert 'type="number"' in page and 'min="1" max="14"' in page
    assert labelled(page, "expedited-denial") == ["reason"]
    assert labelled(page, "review") == ["level", "summary", "resolution"]
    assert labelled(page, "resolution") == ["resolved_by", "resolution_code", "summary"]
    resolution = re.search(r'id="form-resolution".*?</form>', page, re.S)
    assert resolution and '<option value="partially_overturned">Partially overturned</option>' in resolution.group(0)
    assert re.search(r'<textarea id="resolution-summary"[^>]*required', page)
    assert "The 42 CFR 438.416 record" in page and "We approve the MRI." in page
    assert "Appeal — Expedited" in page and "Determination appealed" in page and "1 Main St" in page


def test_a_grievance_page_after_the_extension_and_without_the_record() -> None:
    page = render(STATE, kind="grievance", entries=[entry("deadline-extended", days=5)])
    assert 'id="form-extension"' not in page and 'id="form-expedited-denial"' not in page
    assert 'id="resolution-resolution_code" name="resolution_code"' in page  # a grievance's code: free text
    assert "Intake did not give the record just now" in page


def test_an_inquiry_page_with_a_letter_due_and_its_links() -> None:
    origin = SimpleNamespace(id=uuid.uuid4(), subject="[URGENT] Member · Pharmacy", party="member")
    opened = (SimpleNamespace(id=uuid.uuid4(), subject="[STANDARD] Grievance", kind="grievance",
                              origin_outcome="grievance", status="received"),)
    calls = [entry("contact-attempted"), entry("contact-attempted"), entry("letter-requested", failed_attempts=2)]
    page = render(STATE, kind="inquiry", entries=calls, origin=origin, opened=opened)
    assert "Letter due" in page and labelled(page, "answer-letter") == ["text"]
    assert '<input type="hidden" name="notice" value="answer">' in page
    assert 'id="form-notice"' not in page and "438.416" not in page
    assert re.search(rf'Opened from case <a href="/cases/{origin.id}">\[URGENT\] Member · Pharmacy</a> '
                     r"by the escalation survey: grievance\.", page)
    assert f'<a href="/cases/{opened[0].id}">[STANDARD] Grievance</a> · Grievance by the escalation survey' in page


def test_an_mco_sees_its_own_referral_on_the_page() -> None:
    page = render(MCO, kind="grievance", inquiry={"referrals": [{"mco": "IA-TC", "referred_at": None}]})
    referred = re.search(r'<dd id="referrals">.*?</dd>', page, re.S)
    assert referred and "IA-TC" in referred.group(0) and "IA-AG" not in referred.group(0)
    assert 'id="form-notice"' not in page  # the state's actions, not an MCO's
