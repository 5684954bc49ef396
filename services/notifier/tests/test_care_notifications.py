"""Care coordination reaches the practice (and CCM) through the notifier: by e-mail or signed webhook, with
a link to the console and no patient data; once per event; nobody when no practice is attributed."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from email.message import Message

from liaison_notifier.contract import load_subscriptions
from liaison_notifier.rules.routing import Delivery, practice_deliveries
from liaison_notifier.templates import CASE_KINDS, render
from liaison_shared.care_payloads import EncounterNotifiedV1, SummarySentV1
from liaison_shared.payloads import SlaWarningV1
from liaison_shared.testing.waiting import wait_until

from .conftest import NOW, Harness

EMAIL_PRACTICE, WEBHOOK_PRACTICE = "1245319599", "1003000126"
MEMBER_ID = uuid.UUID("5b7e6a3c-9d41-4f0e-8a2b-1c3d4e5f6a7b")  # the patient: must appear nowhere


def _text(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return f"{message['Subject']}\n{payload.decode()}"


def _mails_to(notifier: Harness, address: str) -> list[Message]:
    return [m for m in notifier.inbox.messages if address in str(m["To"])]


async def _deliveries(notifier: Harness, event_id: uuid.UUID) -> list[tuple[str, str, str]]:
    rows = await notifier.query("SELECT recipient, channel, status FROM deliveries WHERE cause_event_id = :e "
                                "ORDER BY recipient", e=event_id)
    return [(r.recipient, r.channel, r.status) for r in rows]


def encounter(kind: str, practice: str | None = WEBHOOK_PRACTICE) -> EncounterNotifiedV1:
    return EncounterNotifiedV1(notice_id=uuid.uuid4(), kind=kind, member_id=MEMBER_ID, plan="IA-TC",
                               practice_npi=practice, occurred_at=NOW - timedelta(hours=3), received_at=NOW)


async def test_a_sent_summary_e_mails_the_care_manager_its_console_link_and_no_patient_data(
        notifier: Harness) -> None:
    summary = SummarySentV1(conference_id=uuid.uuid4(), plan="IA-TC", practice_npi=EMAIL_PRACTICE, sent_at=NOW,
                            recipient_email="pat.manager@practice.test")
    [event] = await notifier.publish(summary)
    [mail] = await wait_until(lambda: _async(_mails_to(notifier, "pat.manager@practice.test")), what="the e-mail")
    text = _text(mail)
    assert f"http://console.test/care/conferences/{summary.conference_id}" in text
    assert "IA-TC" in text and EMAIL_PRACTICE in text
    assert str(MEMBER_ID) not in text
    assert _mails_to(notifier, "care-team@practice.test") == [], "the named care manager instead of the mailbox"
    await wait_until(lambda: _sent(notifier, event.id), what="the delivery recorded as sent")
    assert await _deliveries(notifier, event.id) == [
        (f"practice:{EMAIL_PRACTICE}:pat.manager@practice.test", "email", "sent")]


async def test_a_summary_with_no_named_care_manager_goes_to_the_practice_s_contact(notifier: Harness) -> None:
    summary = SummarySentV1(conference_id=uuid.uuid4(), plan="IA-TC", practice_npi=EMAIL_PRACTICE, sent_at=NOW)
    await notifier.publish(summary)
    [mail] = await wait_until(lambda: _async(_mails_to(notifier, "care-team@practice.test")), what="the e-mail")
    assert f"http://console.test/care/conferences/{summary.conference_id}" in _text(mail)


async def test_an_admission_reaches_the_practice_s_webhook_signed_with_its_link_and_no_patient_data(
        notifier: Harness) -> None:
    admission = encounter("admission")
    await notifier.publish(admission)
    [hook] = await wait_until(lambda: _async(list(notifier.receiver.received)), what="the webhook")
    assert hook["path"] == "/care-hook"  # the receiver verified its signature before keeping it
    assert hook["type"] == "admission_notified" and hook["encounter_kind"] == "admission"
    assert hook["link"] == f"http://console.test/care/transitions/{admission.notice_id}"
    assert hook["practice_npi"] == WEBHOOK_PRACTICE and hook["plan"] == "IA-TC"
    raw = json.dumps(hook)
    assert str(MEMBER_ID) not in raw and "member_id" not in raw
    assert admission.occurred_at.isoformat()[:10] not in raw, "no date of the encounter"


async def test_a_discharge_is_sent_with_its_kind_and_once_however_often_it_is_redelivered(
        notifier: Harness) -> None:
    discharge = encounter("discharge", practice=EMAIL_PRACTICE)
    [event] = await notifier.publish(discharge)
    await notifier.redeliver(event)
    await notifier.redeliver(event)
    [mail] = await wait_until(lambda: _async(_mails_to(notifier, "care-team@practice.test")), what="the e-mail")
    text = _text(mail)
    assert "discharged" in text and "48 hours" in text
    assert f"http://console.test/care/transitions/{discharge.notice_id}" in text
    assert str(MEMBER_ID) not in text
    # A later event, processed after the repeats (same key, same partition), proves they are behind us.
    later = encounter("admission", practice=EMAIL_PRACTICE).model_copy(update={"notice_id": discharge.notice_id})
    [after] = await notifier.publish(later)
    await wait_until(lambda: _sent(notifier, after.id), what="the later notice sent")
    assert len(_mails_to(notifier, "care-team@practice.test")) == 2, "the discharge once, then the admission"
    assert await _deliveries(notifier, event.id) == [(f"practice:{EMAIL_PRACTICE}", "email", "sent")]


async def test_an_encounter_of_no_attributed_practice_notifies_nobody(notifier: Harness) -> None:
    [unattributed] = await notifier.publish(encounter("admission", practice=None))
    await wait_until(lambda: notifier.processed(unattributed), what="the notice processed")
    assert await _deliveries(notifier, unattributed.id) == []
    assert notifier.inbox.messages == [] and notifier.receiver.received == []


async def test_a_care_item_s_clock_warns_ccm_though_no_inquiry_of_it_exists(notifier: Harness) -> None:
    item = uuid.uuid4()
    warning = SlaWarningV1(inquiry_id=item, clock="call_summary", track="care_coordination", priority="standard",
                           due_at=NOW + timedelta(hours=4), warned_at=NOW)
    await notifier.publish(warning)
    [mail] = await wait_until(lambda: _async(_mails_to(notifier, "ccm@ime.test")), what="the warning")
    text = _text(mail)
    assert "call_summary" in text and str(item) in text
    assert "/v1/inquiries/" not in text, "no link to an inquiry that does not exist"


def test_the_program_s_practices_are_reached_as_configured() -> None:
    program = load_subscriptions()
    assert practice_deliveries(program, EMAIL_PRACTICE, None) == [Delivery(f"practice:{EMAIL_PRACTICE}", "email")]
    assert practice_deliveries(program, WEBHOOK_PRACTICE, "cm@clinic.test") == [
        Delivery(f"practice:{WEBHOOK_PRACTICE}:cm@clinic.test", "email"),
        Delivery(f"practice:{WEBHOOK_PRACTICE}", "webhook")]
    assert practice_deliveries(program, "1999999999", None) == []
    assert practice_deliveries(program, None, "cm@clinic.test") == []


def test_a_case_s_clock_texts_use_their_allowed_keys_only_and_fill_every_placeholder() -> None:
    context = {"clock": "call_summary", "track": "care_coordination", "queue": "ccm", "due_local": "Mon 09:00",
               "time_left": "4 h", "late_by": "5 min", "met_local": "Mon 08:00", "case_id": "item-1",
               "member_id": str(MEMBER_ID), "base_url": "http://liaison.test"}
    for kind, spec in CASE_KINDS.items():
        assert set(spec.subject.get_identifiers()) | set(spec.body.get_identifiers()) <= spec.keys, kind
        subject, body = render(kind, context, of_case=True)
        assert "$" not in subject + body and "item-1" in body and "call_summary" in subject + body, kind
        assert str(MEMBER_ID) not in subject + body and "http" not in body, kind


async def _async(value: list[object]) -> list[object]:
    return value


async def _sent(notifier: Harness, event_id: uuid.UUID) -> bool:
    return bool(await notifier.query("SELECT 1 FROM deliveries WHERE cause_event_id = :e AND status = 'sent'",
                                     e=event_id))
