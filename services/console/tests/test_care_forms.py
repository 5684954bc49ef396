"""The care-coordination forms' fields turned into care coordination's bodies, and its refusals back into the
forms' field names: pure, no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from liaison_console.rules.care_forms import FormRefused, decision_body, form_errors, instant

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)


def test_a_local_time_is_read_in_the_program_zone_and_empty_is_now() -> None:
    assert instant({"held_at": "2026-12-02T09:00"}, "held_at", CHICAGO, NOW) == "2026-12-02T09:00:00-06:00"
    assert instant({}, "held_at", CHICAGO, NOW) == NOW.isoformat()
    with pytest.raises(FormRefused) as refused:
        instant({"held_at": "yesterday"}, "held_at", CHICAGO, NOW)
    assert refused.value.field == "held_at" and "yesterday" not in refused.value.reason


def test_a_decision_keeps_the_monitor_status_only_when_the_practice_leads_and_drops_empty_rows() -> None:
    fields = {"medicaid_id": "1234567A", "lead": "plan", "plan_monitor_status": "monitoring", "goal": " Walk ",
              "engaged": "no", "step1_action": "Call", "step1_responsible": "", "step1_report_back_on": "2026-12-09",
              "step2_action": "", "step2_report_back_on": "", "plan_cm_name": "Carl", "plan_cm_phone": "",
              "practice_cm_name": ""}
    body = decision_body(fields)
    assert "plan_monitor_status" not in body and body["goal"] == "Walk" and body["engaged"] is False
    assert body["next_steps"] == [{"action": "Call", "responsible": "plan", "report_back_on": "2026-12-09"}]
    assert body["care_managers"] == [{"organisation": "plan", "name": "Carl"}]
    practice = decision_body({**fields, "lead": "practice", "plan_monitor_status": ""})
    assert practice["plan_monitor_status"] is None  # care coordination names the field when it refuses


def test_refusals_are_named_as_the_form_names_its_fields() -> None:
    errors = form_errors([
        {"field": "body", "reason": "Value error, plan_monitor_status: give the plan's monitor status"},
        {"field": "next_steps.0.report_back_on", "reason": "Input should be a valid date"},
        {"field": "care_managers.0.email", "reason": "is not an email address"},
        {"field": "medicaid_id", "reason": "not on this conference's agenda"}],
        {"step1_action": "", "step2_action": "Call", "plan_cm_name": "", "practice_cm_name": "Priya"})
    # The first filled rows: step 2 (step 1 left empty) and the practice's care manager (the plan's left empty).
    assert [e["field"] for e in errors] == ["plan_monitor_status", "step2_report_back_on", "practice_cm_email",
                                            "medicaid_id"]
    assert errors[0]["reason"] == "give the plan's monitor status"
