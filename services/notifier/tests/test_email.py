"""Notification e-mail: send_email against a real SMTP server (aiosmtpd) on 127.0.0.1, and the
texts it carries (templates.render, whose allow-lists keep PHI out)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from liaison_notifier.email import build_message, send_email
from liaison_notifier.templates import ALLOWED_KEYS, KINDS, allowed_context, render
from liaison_notifier.webhooks import DeliveryFailed

SENDER = "liaison-notifier@example.org"
QUEUE = "member-liaison-queue@example.org"


class Collector:
    """An aiosmtpd handler that keeps every accepted message and refuses scripted recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.refuse: dict[str, str] = {}
        self.data_delay = 0.0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Collector, int]]:
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port(), server_hostname="smtp.test")
    controller.start()
    yield collector, controller.port
    controller.stop()


async def send(port: int, *, to: list[str] | None = None, message_id: str = "notif-0001", subject: str = "Subject",
               body: str = "Body\n", timeout: float = 5) -> None:
    await send_email(host="127.0.0.1", port=port, sender=SENDER, to=to or [QUEUE], subject=subject, body=body,
                     message_id=message_id, timeout=timeout)


async def test_the_message_arrives_with_subject_message_id_and_body(smtp: tuple[Collector, int]) -> None:
    collector, port = smtp
    body = "A new inquiry is waiting in the member_liaison queue.\nNiño's café: UTF-8 survives.\n"
    await send(port, message_id="3f2c9a1e-notif", subject="[Liaison] New urgent inquiry — pharmacy", body=body)
    [(mail_from, rcpt_tos, message)] = collector.messages
    assert (mail_from, rcpt_tos) == (SENDER, [QUEUE])
    assert message["Subject"] == "[Liaison] New urgent inquiry — pharmacy"
    assert message["Message-ID"] == "<3f2c9a1e-notif@liaison>"
    assert message["From"] == SENDER and message["To"] == QUEUE
    assert message["Date"]
    content = message.get_content()
    assert isinstance(content, str)
    assert content.replace("\r\n", "\n") == body


async def test_a_repeat_carries_the_same_message_id(smtp: tuple[Collector, int]) -> None:
    collector, port = smtp
    await send(port, message_id="notif-42")
    await send(port, message_id="notif-42")
    assert [m["Message-ID"] for _, _, m in collector.messages] == ["<notif-42@liaison>"] * 2


async def test_a_permanently_refused_recipient_is_not_retryable(smtp: tuple[Collector, int]) -> None:
    collector, port = smtp
    collector.refuse["gone@example.org"] = "550 5.1.1 <gone@example.org>: mailbox unavailable"
    with pytest.raises(DeliveryFailed) as info:
        await send(port, to=["gone@example.org"])
    assert (info.value.reason, info.value.retryable) == ("smtp 550 recipient refused", False)
    assert "gone@example.org" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert collector.messages == []


async def test_a_temporarily_refused_recipient_is_retryable(smtp: tuple[Collector, int]) -> None:
    collector, port = smtp
    collector.refuse[QUEUE] = "451 4.3.0 try again later"
    with pytest.raises(DeliveryFailed) as info:
        await send(port)
    assert (info.value.reason, info.value.retryable) == ("smtp 451 recipient refused", True)


async def test_a_partial_refusal_reports_the_count_only(smtp: tuple[Collector, int]) -> None:
    collector, port = smtp
    collector.refuse["gone@example.org"] = "550 5.1.1 mailbox unavailable"
    with pytest.raises(DeliveryFailed) as info:
        await send(port, to=[QUEUE, "gone@example.org"])
    assert (info.value.reason, info.value.retryable) == ("smtp 550 1 of 2 recipients refused", False)
    assert [rcpt for _, rcpt, _ in collector.messages] == [[QUEUE]]


async def test_nobody_listening_is_retryable() -> None:
    with pytest.raises(DeliveryFailed) as info:
        await send(free_port(), timeout=2)
    assert info.value.retryable
    assert info.value.reason.startswith("connection error")


async def test_a_server_slower_than_the_timeout_is_retryable(smtp: tuple[Collector, int]) -> None:
    collector, port = smtp
    collector.data_delay = 3.0
    started = time.monotonic()
    with pytest.raises(DeliveryFailed) as info:
        await send(port, timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert info.value.retryable
    assert info.value.reason.startswith("timeout")


@pytest.mark.parametrize(("subject", "message_id", "to"), [
    ("Jane Doe\r\nBcc: everyone@example.org", "notif-1", [QUEUE]),
    ("Subject", "<bad id>", [QUEUE]),
    ("Subject", "notif-1", []),
])
async def test_an_unbuildable_message_is_not_retryable_and_not_echoed(
    smtp: tuple[Collector, int], subject: str, message_id: str, to: list[str]
) -> None:
    collector, port = smtp
    with pytest.raises(DeliveryFailed) as info:
        await send_email(host="127.0.0.1", port=port, sender=SENDER, to=to, subject=subject, body="b",
                         message_id=message_id, timeout=5)
    assert not info.value.retryable
    assert "Jane" not in str(info.value) and "bad id" not in str(info.value)
    assert collector.messages == []


def test_build_message_headers() -> None:
    message = build_message(sender=SENDER, to=[QUEUE, "lead@example.org"], subject="S", body="B",
                            message_id="abc.123_x-y")
    assert message["Message-ID"] == "<abc.123_x-y@liaison>"
    assert message["To"] == f"{QUEUE}, lead@example.org"


# --- the texts --------------------------------------------------------------------------------------------

INQUIRY_ID = "0b6f2c4e-8d1a-4f5e-9c3b-2a7d6e5f4c3b"
PHI = {"member_name": "Jane Q. Doe", "medicaid_id": "123456789A", "callback_phone": "515-555-0100",
       "description": "Denied insulin refill at the pharmacy"}
CONTEXT = {
    "subject": "Pharmacy denial for member [ID]", "track": "member_mco", "priority": "urgent",
    "queue": "member_liaison", "received_local": "2025-03-04 09:15 CST", "clock": "first_response",
    "due_local": "2025-03-05 17:00 CST", "time_left": "2 h 10 min", "late_by": "3 h 5 min",
    "met_local": "2025-03-05 16:40 CST",
    "category": "pharmacy", "inquiry_id": INQUIRY_ID, "base_url": "https://liaison.example.org/",
    "conference_id": "c0nf", "notice_id": "n0t1ce", "plan": "IA-TC", "practice_npi": "1245319599",
    "sent_local": "2025-03-05 11:00 CST", "encounter_kind": "admission", "console_base_url": "https://console.test",
}
LINK = f"https://liaison.example.org/v1/inquiries/{INQUIRY_ID}"
TRANSITION = "https://console.test/care/transitions/n0t1ce"
EXPECTED = {
    "priority_assigned": ["urgent", "member_liaison", "Pharmacy denial for member [ID]", "member_mco",
                          "2025-03-04 09:15 CST", LINK],
    "sla_warning": ["first_response", "2025-03-05 17:00 CST", "2 h 10 min", "member_liaison", LINK],
    "sla_breached": ["first_response", "2025-03-05 17:00 CST", "3 h 5 min", "member_liaison", LINK],
    "breach_withdrawn": ["first_response", "2025-03-05 17:00 CST", "2025-03-05 16:40 CST", "member_liaison", LINK],
    "follow_up_due": ["first_response", "2025-03-05 17:00 CST", "member_liaison", LINK],
    "mco_referral": [INQUIRY_ID, "pharmacy", "2025-03-04 09:15 CST", LINK],
    "letter_due": ["Letter due", "member_liaison", "Pharmacy denial for member [ID]", "notice of kind answer", LINK],
    "summary_sent": ["IA-TC", "c0nf", "1245319599", "2025-03-05 11:00 CST", "https://console.test/care/conferences/c0nf"],
    "admission_notified": ["admitted", "IA-TC", "1245319599", "n0t1ce", TRANSITION],
    "discharge_notified": ["discharged", "48-hour", "IA-TC", "1245319599", "n0t1ce", TRANSITION],
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_renders_its_fields_and_drops_phi(kind: str) -> None:
    subject, body = render(kind, {**CONTEXT, **PHI})
    text = subject + "\n" + body
    assert "\n" not in subject and subject.startswith("[Liaison] ")
    for value in EXPECTED[kind]:
        assert value in text, value
    for value in PHI.values():
        assert value not in text
    assert "$" not in text, "every placeholder was filled"


def test_every_template_uses_allowed_keys_only() -> None:
    assert set(EXPECTED) == set(KINDS)
    for kind, spec in KINDS.items():
        used = set(spec.subject.get_identifiers()) | set(spec.body.get_identifiers())
        assert used <= ALLOWED_KEYS[kind] | {"link"}, kind
        assert not any(key in ALLOWED_KEYS[kind] for key in PHI), kind


def test_the_mco_sees_no_ticket_subject_track_or_queue() -> None:
    assert allowed_context("mco_referral", {**CONTEXT, **PHI}).keys() == {
        "category", "received_local", "inquiry_id", "base_url", "link"}
    subject, body = render("mco_referral", CONTEXT)
    for value in ("Pharmacy denial", "member_mco", "member_liaison", "urgent"):
        assert value not in subject + body


def test_values_are_substituted_once_and_not_expanded() -> None:
    subject, body = render("priority_assigned", {**CONTEXT, **PHI, "subject": "see ${member_name} $medicaid_id"})
    assert "see ${member_name} $medicaid_id" in subject
    assert "Jane" not in subject + body and "123456789A" not in subject + body


def test_the_subject_is_one_line_and_the_link_is_quoted() -> None:
    subject, body = render("priority_assigned", {**CONTEXT, "subject": "two\r\nlines", "inquiry_id": "a/b c"})
    assert "two lines" in subject
    assert "https://liaison.example.org/v1/inquiries/a%2Fb%20c" in body


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        render("member_letter", CONTEXT)


async def test_a_rendered_referral_arrives_without_phi(smtp: tuple[Collector, int]) -> None:
    collector, port = smtp
    subject, body = render("mco_referral", {**CONTEXT, **PHI})
    await send(port, subject=subject, body=body, message_id="notif-referral")
    [(_, _, message)] = collector.messages
    received = f"{message['Subject']}\n{message.get_content()}"
    assert LINK in received and INQUIRY_ID in message["Subject"]
    for value in PHI.values():
        assert value not in received and value not in message.as_string()
