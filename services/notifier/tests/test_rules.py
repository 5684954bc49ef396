"""The notifier's rules on plain data, no database: ids, who is owed what, what a
notification says per channel, and when a failed delivery is given up."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison_notifier.contract import EmailRecipient, Kind, SubscriptionsConfig, WebhookRecipient, load_subscriptions
from liaison_notifier.rules.attempts import LEASE_MARGIN_SECONDS, is_final, lease
from liaison_notifier.rules.ids import letter_id, notification_id
from liaison_notifier.rules.messages import message
from liaison_notifier.rules.routing import Delivery, McoTopic, recipient, targets
from liaison_notifier.templates import render

EVENT = uuid.UUID("00000000-0000-4000-8000-000000000001")

CONFIG = SubscriptionsConfig.model_validate({
    "version": "test",
    "base_url": "http://liaison.test",
    "recipients": {
        "member-escalations": {"channel": "email", "to": ["member-escalations@ime.test"]},
        "ccm-hook": {"channel": "webhook", "url": "http://hooks.test/ccm", "secret_env": "CCM_SECRET"},
    },
    "mco_contacts": {"IA-TC": {"channel": "email", "to": ["escalations@iatc.test"]}},
    "subscriptions": [
        {"name": "member-work", "kinds": ["priority_assigned"], "when": {"queue_in": ["member_liaison"]},
         "notify": ["member-escalations"]},
        {"name": "ccm-work", "kinds": ["priority_assigned"], "when": {"queue_in": ["ccm"]}, "notify": ["ccm-hook"]},
        {"name": "referrals", "kinds": ["mco_referral"], "notify": ["mco-contact", "mco-topic"]},
        {"name": "tc-breaches", "kinds": ["sla_breached"], "when": {"mco_in": ["IA-TC"]},
         "notify": ["member-escalations", "ccm-hook"]},
        {"name": "follow-ups", "kinds": ["follow_up_due"], "notify": ["mco-topic", "member-escalations"]},
        {"name": "tc-warnings", "kinds": ["sla_warning"], "when": {"mco_in": ["IA-TC"]},
         "notify": ["mco-topic", "mco-contact"]},
    ],
})


def owed(kind: Kind, **inquiry: Any) -> list[Delivery | McoTopic]:
    facts: dict[str, Any] = {"queue": None, "priority": None, "track": None, "mco": None, "referred": (),
                             **inquiry}
    return targets(CONFIG, kind, **facts)


# -- ids --------------------------------------------------------------------------------------------


def test_ids_already_stored_are_derived_the_same_way_still() -> None:
    assert notification_id(EVENT, "member-escalations", "email") == uuid.UUID("cdd62ace-0592-53db-9f15-5092d13285c5")
    assert letter_id(EVENT) == uuid.UUID("8a939d07-b956-5780-a94c-641cc840aacf")  # now of the notice's event


@given(st.uuids(), st.text(min_size=1), st.sampled_from(["email", "webhook"]))
def test_a_repeat_of_the_same_cause_is_the_same_notification_and_another_recipient_is_not(
        cause: uuid.UUID, name: str, channel: str) -> None:
    assert notification_id(cause, name, channel) == notification_id(cause, name, channel)
    assert notification_id(cause, name, channel) != notification_id(cause, name + "x", channel)
    assert notification_id(cause, name, "email") != notification_id(cause, name, "webhook")


# -- routing ----------------------------------------------------------------------------------------


def test_new_work_goes_to_the_recipients_of_its_queue_over_their_channel() -> None:
    assert owed("priority_assigned", queue="member_liaison") == [Delivery("member-escalations", "email")]
    assert owed("priority_assigned", queue="ccm") == [Delivery("ccm-hook", "webhook")]
    assert owed("priority_assigned", queue="provider_liaison") == []


def test_a_kind_no_subscription_lists_is_owed_to_no_one() -> None:
    assert owed("breach_withdrawn", queue="member_liaison", mco="IA-TC") == []


def test_a_referral_goes_to_the_mco_contact_and_the_mco_topic() -> None:
    assert owed("mco_referral", mco="IA-AG", referred=("IA-TC",)) == [Delivery("mco:IA-TC", "email"),
                                                                        McoTopic("IA-TC")]


def test_an_mco_without_a_contact_still_gets_its_topic_record() -> None:
    assert owed("mco_referral", referred=("IA-AG",)) == [McoTopic("IA-AG")]


def test_an_inquiry_not_referred_is_owed_nothing_on_the_built_in_recipients() -> None:
    assert owed("mco_referral", mco="IA-TC") == []


def test_conditions_on_the_mco_see_the_referred_mco_first() -> None:
    both = [Delivery("member-escalations", "email"), Delivery("ccm-hook", "webhook")]
    assert owed("sla_breached", mco="IA-TC") == both
    assert owed("sla_breached", mco="IA-AG", referred=("IA-TC",)) == both
    assert owed("sla_breached", mco="IA-TC", referred=("IA-AG",)) == []


def test_what_concerns_several_mcos_goes_to_each_one_s_topic_and_once_to_a_named_recipient() -> None:
    assert owed("follow_up_due", mco="IA-TC", referred=("IA-TC", "IA-AG")) == [
        McoTopic("IA-TC"), McoTopic("IA-AG"), Delivery("member-escalations", "email")]
    assert owed("follow_up_due", referred=("IA-AG",)) == [McoTopic("IA-AG"), Delivery("member-escalations", "email")]


def test_a_condition_on_the_mco_holds_if_it_holds_for_any_referred_mco_and_reaches_only_those() -> None:
    both = [Delivery("member-escalations", "email"), Delivery("ccm-hook", "webhook")]
    assert owed("sla_breached", mco="IA-AG", referred=("IA-AG", "IA-TC")) == both
    assert owed("sla_warning", referred=("IA-AG", "IA-TC")) == [McoTopic("IA-TC"), Delivery("mco:IA-TC", "email")]
    assert owed("sla_warning", mco="IA-TC", referred=("IA-AG",)) == []


# -- the program's own subscriptions ----------------------------------------------------------------

PROGRAM = load_subscriptions()


def program_owed(kind: Kind, **inquiry: Any) -> list[Delivery | McoTopic]:
    facts: dict[str, Any] = {"queue": None, "priority": None, "track": None, "mco": None, "referred": (),
                             **inquiry}
    return targets(PROGRAM, kind, **facts)


@pytest.mark.parametrize(("queue", "track", "mailbox"), [
    ("program_integrity", "program_integrity", "program-integrity"),
    ("grievances_appeals", "grievance", "grievance-coordinators"),
    ("grievances_appeals", "appeal", "grievance-coordinators")])
def test_the_program_s_fwa_and_grievance_cases_e_mail_their_units(queue: str, track: str, mailbox: str) -> None:
    assert program_owed("priority_assigned", queue=queue, track=track, priority="standard") == [
        Delivery(mailbox, "email")]
    assert PROGRAM.recipients[mailbox].channel == "email"
    for kind in ("sla_warning", "sla_breached", "follow_up_due", "letter_due"):
        assert Delivery(mailbox, "email") in program_owed(kind, queue=queue, track=track), kind


@pytest.mark.parametrize("queue", ["member_liaison", "provider_liaison", "msa_esr", "unit_lead", "special_outreach",
                                   "ccm", "grievances_appeals", "program_integrity"])
def test_the_program_tells_every_queue_of_a_letter_due_on_its_cases(queue: str) -> None:
    [delivery] = program_owed("letter_due", queue=queue)
    assert isinstance(delivery, Delivery) and delivery.channel == "email"
    assert delivery == program_owed("priority_assigned", queue=queue)[0], "the queue's own inbox"


def test_a_delivery_reaches_its_named_recipient_or_the_mco_contact() -> None:
    assert recipient(CONFIG, "mco:IA-TC") == EmailRecipient(channel="email", to=("escalations@iatc.test",))
    assert recipient(CONFIG, "member-escalations") == EmailRecipient(channel="email",
                                                                    to=("member-escalations@ime.test",))
    assert isinstance(recipient(CONFIG, "ccm-hook"), WebhookRecipient)


# -- messages ---------------------------------------------------------------------------------------

CONTEXT = {"inquiry_id": "a1", "subject": "[URGENT] Member · Pharmacy", "track": "member_mco", "priority": "urgent",
           "queue": "member_liaison", "received_local": "Mon 2026-11-16 10:00 CST", "category": "pharmacy",
           "mco": "IA-TC", "base_url": "http://liaison.test", "caller_name": "Jane Doe"}


def test_an_email_says_what_the_kind_s_template_says() -> None:
    assert message("priority_assigned", "email", EVENT, CONTEXT) == render("priority_assigned", CONTEXT)


def test_a_webhook_carries_the_kind_the_cause_and_only_the_fields_its_email_may_show() -> None:
    subject, body = message("priority_assigned", "webhook", EVENT, CONTEXT)
    assert subject == render("priority_assigned", CONTEXT)[0]
    assert json.loads(body) == {
        "type": "priority_assigned", "cause_event_id": str(EVENT), "inquiry_id": "a1",
        "subject": "[URGENT] Member · Pharmacy", "track": "member_mco", "priority": "urgent",
        "queue": "member_liaison", "received_local": "Mon 2026-11-16 10:00 CST",
        "link": "http://liaison.test/v1/inquiries/a1"}
    assert body == json.dumps(json.loads(body), sort_keys=True)


# -- attempts ---------------------------------------------------------------------------------------


def test_a_claim_outlasts_the_longest_send() -> None:
    assert lease(10, 5) == timedelta(seconds=10 + LEASE_MARGIN_SECONDS)
    assert lease(2, 7.5) == timedelta(seconds=7.5 + LEASE_MARGIN_SECONDS)
    assert lease(10, 5, sends=2) == timedelta(seconds=2 * 10 + LEASE_MARGIN_SECONDS)  # a wait for a slot, a send


@pytest.mark.parametrize(("retryable", "attempts", "final"), [
    (True, 1, False), (True, 7, False), (True, 8, True), (True, 9, True), (False, 1, True)])
def test_a_failure_ends_the_delivery_when_permanent_or_on_the_last_attempt(
        retryable: bool, attempts: int, final: bool) -> None:
    assert is_final(retryable=retryable, attempts=attempts, max_attempts=8) is final


@given(st.booleans(), st.integers(1, 50), st.integers(1, 50))
def test_once_given_up_a_delivery_stays_given_up(retryable: bool, attempts: int, max_attempts: int) -> None:
    if is_final(retryable=retryable, attempts=attempts, max_attempts=max_attempts):
        assert is_final(retryable=retryable, attempts=attempts + 1, max_attempts=max_attempts)
