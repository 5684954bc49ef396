"""Each channel end to end on the real broker: e-mail to a real SMTP server,
signed webhooks with retries, the MCOs' own topics, letters of notices."""

from __future__ import annotations

import uuid
from email.message import Message

from aiokafka import AIOKafkaConsumer
from sqlalchemy import text

from liaison_notifier.rules.ids import letter_id, notification_id
from liaison_shared.events import decode
from liaison_shared.payloads import LetterReadyV1, McoContactedV1, McoInquiryReferredV1, NoticeIssuedV1
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.waiting import wait_until

from .conftest import ACTOR, NOW, Harness, assigned, received


async def delivery_log(harness: Harness, inquiry_id: uuid.UUID, tokens: Tokens) -> list[dict[str, object]]:
    async with harness.http() as http:
        response = await http.get("/v1/deliveries", params={"inquiry_id": str(inquiry_id)},
                                  headers=await tokens.headers(person="maria"))  # a member liaison
    assert response.status_code == 200
    return list(response.json())


async def test_new_urgent_work_is_emailed_to_the_queue_inbox_once(notifier: Harness, tokens: Tokens) -> None:
    [event] = await notifier.publish(assigned())

    async def arrived() -> bool:
        return len(notifier.inbox.messages) >= 1
    await wait_until(arrived, what="the e-mail")
    [message] = notifier.inbox.messages
    assert message["To"] == "member-escalations@ime.test"
    assert message["Subject"].startswith("[Liaison] New urgent inquiry in member_liaison")
    assert message["Message-ID"] == f"<{notification_id(event.id, 'member-escalations', 'email')}@liaison>"
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "***321B" in body and "http://liaison.test/v1/inquiries/" in body

    async def logged() -> list[dict[str, object]] | None:
        log = await delivery_log(notifier, event.payload.inquiry_id, tokens)  # type: ignore[attr-defined]
        return log if log and log[0]["status"] == "sent" else None
    [entry] = await wait_until(logged, what="the delivery logged as sent")
    assert (entry["recipient"], entry["channel"], entry["attempts"]) == ("member-escalations", "email", 1)
    # A new decision on the same inquiry is a new event: a new notification (the same event never is).
    await notifier.publish(assigned(inquiry_id=event.payload.inquiry_id))  # type: ignore[attr-defined]

    async def two_logged() -> bool:
        return len(await delivery_log(notifier, event.payload.inquiry_id, tokens)) == 2  # type: ignore[attr-defined]
    await wait_until(two_logged, what="a second delivery")


async def test_webhook_that_fails_three_times_gets_the_event_exactly_once(
    notifier: Harness, tokens: Tokens
) -> None:
    notifier.receiver.fail_first = 3
    [event] = await notifier.publish(assigned(queue="ccm"))

    async def delivered() -> bool:
        return bool(notifier.receiver.received)
    await wait_until(delivered, timeout=30, what="the webhook delivery")
    [received] = notifier.receiver.received
    assert received["id"] == str(notification_id(event.id, "ccm-hook", "webhook"))
    assert received["type"] == "priority_assigned" and received["queue"] == "ccm"
    assert notifier.receiver.attempts == 4

    async def sent_after_four() -> list[dict[str, object]] | None:
        log = await delivery_log(notifier, event.payload.inquiry_id, tokens)  # type: ignore[attr-defined]
        return log if log and log[0]["status"] == "sent" else None
    [entry] = await wait_until(sent_after_four, what="the delivery logged")
    assert entry["attempts"] == 4


async def test_each_mco_topic_carries_only_its_own_referrals_and_no_phi(notifier: Harness) -> None:
    tc, ag = assigned(mco="IA-TC"), assigned(mco="IA-AG")
    await notifier.publish(tc, ag)
    await notifier.publish(McoContactedV1(inquiry_id=tc.inquiry_id, mco="IA-TC", actor=ACTOR, at=NOW),
                           McoContactedV1(inquiry_id=ag.inquiry_id, mco="IA-AG", actor=ACTOR, at=NOW))
    prefix = notifier.runtime.settings.topic_prefix
    for mco, mine in (("IA-TC", tc), ("IA-AG", ag)):
        consumer = AIOKafkaConsumer(f"{prefix}mco.{mco}.inquiries",
                                    bootstrap_servers=notifier.runtime.settings.kafka_bootstrap,
                                    auto_offset_reset="earliest")
        await consumer.start()
        try:
            record = await consumer.getone()
        finally:
            await consumer.stop()
        referred = decode(record.value, record.headers).payload
        assert isinstance(referred, McoInquiryReferredV1)
        assert (referred.inquiry_id, referred.mco) == (mine.inquiry_id, mco)
        assert not {"member", "caller_name", "callback_phone", "description"} & set(referred.model_dump())

    async def contacts_emailed() -> bool:
        return {m["To"] for m in notifier.inbox.messages} >= {"escalations@iatc.test", "escalations@iaag.test"}
    await wait_until(contacts_emailed, what="both MCO contacts e-mailed")


async def test_a_case_triaged_to_program_integrity_emails_the_unit(notifier: Harness) -> None:
    # An FWA referral (a survey outcome) opens a case triage puts in the program-integrity queue.
    await notifier.publish(assigned(queue="program_integrity", track="program_integrity", priority="standard",
                                    subject="FWA referral · PCP attribution · ID ***321B"))

    async def arrived() -> list[Message]:
        return [m for m in notifier.inbox.messages if m["To"] == "program-integrity@ime.test"]
    [message] = await wait_until(arrived, what="the program integrity unit's e-mail")
    assert message["Subject"].startswith("[Liaison] New standard inquiry in program_integrity")
    assert "member-escalations@ime.test" not in {m["To"] for m in notifier.inbox.messages}


async def test_a_notice_s_letter_is_stored_announced_and_printed(notifier: Harness, tokens: Tokens) -> None:
    case = received()
    known = await notifier.publish(case, assigned(inquiry_id=case.inquiry_id))
    await wait_until(lambda: notifier.processed(*known), what="the case known to the notifier")
    inquiry_id = case.inquiry_id
    [issued] = await notifier.publish(NoticeIssuedV1(inquiry_id=inquiry_id, notice="answer", at=NOW, actor=ACTOR,
                                                     text="Your plan approved the refill on November 13."))

    async def letters() -> int:
        async with notifier.runtime.engine.connect() as conn:
            return int(await conn.scalar(text("SELECT count(*) FROM letters WHERE inquiry_id = :i"),
                                         {"i": inquiry_id}) or 0)
    await wait_until(letters, what="the letter")
    consumer = AIOKafkaConsumer(notifier.runtime.settings.topic_prefix + "notification.letters",
                                bootstrap_servers=notifier.runtime.settings.kafka_bootstrap,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()
    ready = decode(record.value, record.headers).payload
    assert isinstance(ready, LetterReadyV1) and ready.inquiry_id == inquiry_id
    assert (ready.letter_id, ready.notice) == (letter_id(issued.id), "answer")
    assert await letters() == 1
    async with notifier.runtime.engine.connect() as conn:
        html = await conn.scalar(text("SELECT html FROM letters WHERE inquiry_id = :i"), {"i": inquiry_id})
    assert "November 16, 2026" in html and "reference number" in html
    assert "Your plan approved the refill on November 13." in html and "Dear Jane Q. Doe," in html
    assert "12 Elm Street" in html

    liaison = await tokens.headers(person="maria")
    async with notifier.http() as http:
        printed = await http.get(f"/v1/letters/{ready.letter_id}", headers=liaison)
        assert (printed.status_code, printed.headers["content-type"].split(";")[0]) == (200, "text/html")
        assert printed.text == html
        assert (await http.get(f"/v1/letters/{ready.letter_id}")).status_code == 401
        missing = await http.get(f"/v1/letters/{uuid.uuid4()}", headers=liaison)
        assert (missing.status_code, missing.json()["code"]) == (404, "letter-not-found")
