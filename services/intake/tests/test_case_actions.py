"""Case actions move the inquiry through its lifecycle; illegal ones are
refused with 409/404 and change nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from liaison_shared.payloads import InquiryResolvedV1, LetterRequestedV1

from .conftest import Intake, member_inquiry


async def new_inquiry(intake: Intake, headers: dict[str, str], **changes: Any) -> str:
    response = await intake.post("/v1/inquiries/member", member_inquiry(**changes), headers)
    assert response.status_code == 202, response.text
    return str(response.json()["inquiry_id"])


async def act(intake: Intake, headers: dict[str, str], inquiry_id: str, action: str, body: dict[str, Any],
              expect: int = 202) -> dict[str, Any]:
    response = await intake.post(f"/v1/inquiries/{inquiry_id}/{action}", body, headers)
    assert response.status_code == expect, response.text
    return dict(response.json())


async def test_urgent_member_case_walks_from_contact_to_mco_resolution(intake: Intake) -> None:
    headers = await intake.person("maria")
    inquiry_id = await new_inquiry(intake, headers)
    contact = await act(intake, headers, inquiry_id, "contact-attempts",
                        {"channel": "phone", "outcome": "reached"})
    assert contact["status"] == "in_progress"
    assert (await act(intake, headers, inquiry_id, "mco-referrals", {}))["status"] == "referred_to_mco"
    report = await act(intake, headers, inquiry_id, "mco-reports", {"mco": "IA-TC", "report": "member_contacted"})
    assert report["status"] == "mco_engaged"
    done = await act(intake, headers, inquiry_id, "mco-reports",
                     {"mco": "IA-TC", "report": "resolved", "resolution_code": "refill_authorized"})
    assert done["status"] == "resolved" and len(done["event_ids"]) == 2

    log = (await intake.http.get(f"/v1/inquiries/{inquiry_id}/log", headers=headers)).json()["entries"]
    assert [e["event_type"].split(".")[2] for e in log] == [
        "received", "contact-attempted", "mco-contacted", "mco-reported", "mco-reported", "resolved"]
    actor = log[1]["actor"]  # who acted is who signed in, never a body field
    assert (actor["name"], actor["roles"], actor["client"]) == ("Maria Lopez", ["member-liaison"], "liaison-console")
    assert actor["subject"] and log[0]["actor"] is None  # the inquiry itself was received, not acted on
    [resolved] = await intake.events("inquiry.resolved", 1)
    assert isinstance(resolved.payload, InquiryResolvedV1) and resolved.payload.resolved_by == "mco"


async def test_two_failed_calls_request_a_letter_once(intake: Intake) -> None:
    headers = await intake.person("maria")
    inquiry_id = await new_inquiry(intake, headers)
    first = await act(intake, headers, inquiry_id, "contact-attempts", {"channel": "phone", "outcome": "not_reached"})
    second = await act(intake, headers, inquiry_id, "contact-attempts", {"channel": "phone", "outcome": "not_reached"})
    third = await act(intake, headers, inquiry_id, "contact-attempts", {"channel": "phone", "outcome": "not_reached"})
    assert (len(first["event_ids"]), len(second["event_ids"]), len(third["event_ids"])) == (1, 2, 1)
    events = await intake.events("inquiry.contact", 4)
    letters = [e.payload for e in events if isinstance(e.payload, LetterRequestedV1)]
    assert len(letters) == 1 and letters[0].failed_attempts == 2
    letter = await act(intake, headers, inquiry_id, "contact-attempts", {"channel": "letter", "outcome": "reached"})
    assert letter["status"] == "in_progress"
    read = (await intake.http.get(f"/v1/inquiries/{inquiry_id}", headers=headers)).json()
    assert (read["contact_attempts"], read["failed_phone_attempts"]) == (4, 3)


async def test_resolving_twice_is_refused_and_changes_nothing(intake: Intake) -> None:
    headers = await intake.person("maria")
    inquiry_id = await new_inquiry(intake, headers)
    await act(intake, headers, inquiry_id, "resolution", {"resolved_by": "state", "resolution_code": "answered"})
    async with intake.runtime.engine.connect() as conn:
        before = await conn.scalar(text("SELECT count(*) FROM outbox"))
    again = await act(intake, headers, inquiry_id, "resolution",
                      {"resolved_by": "state", "resolution_code": "answered"}, expect=409)
    assert again["code"] == "inquiry-resolved" and again["status_now"] == "resolved"
    for action, body in [("contact-attempts", {"channel": "phone", "outcome": "reached"}),
                         ("mco-referrals", {}), ("updates", {"note": "more"}),
                         ("priority-override", {"priority": "urgent", "reason": "because"})]:
        await act(intake, headers, inquiry_id, action, body, expect=409)
    async with intake.runtime.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM outbox")) == before


async def test_reopen_only_after_resolution_then_work_continues(intake: Intake) -> None:
    headers = await intake.person("maria")
    inquiry_id = await new_inquiry(intake, headers)
    assert (await act(intake, headers, inquiry_id, "reopen", {"reason": "not resolved"}, expect=409))["code"] \
        == "not-resolved"
    await act(intake, headers, inquiry_id, "resolution", {"resolved_by": "state", "resolution_code": "answered"})
    assert (await act(intake, headers, inquiry_id, "reopen", {"reason": "member called back"}))["status"] \
        == "in_progress"
    await act(intake, headers, inquiry_id, "updates", {"note": "called member again"})


async def test_referral_needs_an_mco_and_mco_resolution_needs_a_referral(intake: Intake) -> None:
    headers = await intake.person("maria")
    inquiry_id = await new_inquiry(intake, headers, mco=None)
    assert (await act(intake, headers, inquiry_id, "mco-referrals", {}, expect=409))["code"] == "mco-unknown"
    assert (await act(intake, headers, inquiry_id, "resolution", {"resolved_by": "mco", "resolution_code": "x_y"},
                      expect=409))["code"] == "not-referred"
    assert (await act(intake, headers, inquiry_id, "mco-reports", {"mco": "IA-TC", "report": "update"},
                      expect=409))["code"] == "not-referred"
    await act(intake, headers, inquiry_id, "mco-referrals", {"mco": "IA-AG"})
    assert (await act(intake, headers, inquiry_id, "mco-referrals", {"mco": "IA-AG"}, expect=409))["code"] \
        == "already-referred"
    assert (await act(intake, headers, inquiry_id, "mco-reports", {"mco": "IA-AG", "report": "provider_contacted"},
                      expect=409))["code"] == "wrong-party"


async def test_priority_override_is_published_for_triage(intake: Intake) -> None:
    headers = await intake.person("maria")
    inquiry_id = await new_inquiry(intake, headers)
    await act(intake, headers, inquiry_id, "priority-override", {"priority": "escalated", "reason": "Ombudsman call"})
    [event] = await intake.events("inquiry.priority-override", 1)
    assert str(event.payload.inquiry_id) == inquiry_id  # type: ignore[attr-defined]
    assert event.payload.priority == "escalated"  # type: ignore[attr-defined]


async def test_action_on_unknown_inquiry_is_not_found(intake: Intake) -> None:
    headers = await intake.person("maria")
    missing = "0d7f9a4e-8f0b-4c55-9d2a-3c1b2a0f9e11"
    assert (await act(intake, headers, missing, "updates", {"note": "hello"}, expect=404))["code"] \
        == "inquiry-not-found"
