"""A case referred to several MCOs, on the real broker: each MCO gets its own referral on its own
topic (a re-referral sends nothing new), case-wide updates go to every referred MCO, and a clock
of one MCO's obligation concerns that MCO only."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from aiokafka import AIOKafkaConsumer

from liaison_shared.events import decode
from liaison_shared.payloads import (
    FollowUpDueV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    McoContactedV1,
    McoInquiryReferredV1,
    McoInquiryUpdatedV1,
    Payload,
)
from liaison_shared.testing.waiting import wait_until

from .conftest import ACTOR, NOW, Harness, assigned

MCOS = ("IA-TC", "IA-AG")


def summary(payloads: list[Payload], inquiry_id: uuid.UUID) -> list[tuple[str, str]]:
    """What an MCO's topic said about one case: (mco, "referred" or the change), in order."""
    return [(p.mco, "referred" if isinstance(p, McoInquiryReferredV1) else p.change) for p in payloads
            if isinstance(p, McoInquiryReferredV1 | McoInquiryUpdatedV1) and p.inquiry_id == inquiry_id]


async def on_topic(harness: Harness, mco: str, inquiry_id: uuid.UUID, count: int) -> list[tuple[str, str]]:
    """The first `count` records about the case on the MCO's own Kafka topic, as the MCO reads them."""
    consumer = AIOKafkaConsumer(f"{harness.runtime.settings.topic_prefix}mco.{mco}.inquiries",
                                bootstrap_servers=harness.runtime.settings.kafka_bootstrap,
                                auto_offset_reset="earliest")
    await consumer.start()
    seen: list[Payload] = []
    try:
        async with asyncio.timeout(30):
            while len(summary(seen, inquiry_id)) < count:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    seen.extend(decode(r.value, r.headers).payload for r in records)
    finally:
        await consumer.stop()
    return summary(seen, inquiry_id)


async def referred_to_both(harness: Harness) -> uuid.UUID:
    case = assigned(mco="IA-TC")
    # Triage decided before anyone referred the case: on two topics, nothing else keeps that order, and a
    # decision handled after a referral is news for the MCO ("priority-changed").
    decided = await harness.publish(case)
    await wait_until(lambda: harness.processed(*decided), what="the decision processed")
    events = await harness.publish(*[McoContactedV1(inquiry_id=case.inquiry_id, mco=mco, actor=ACTOR, at=NOW)
                                     for mco in MCOS])
    await wait_until(lambda: harness.processed(*events), what="both referrals processed")
    return case.inquiry_id


async def test_each_mco_gets_its_own_referral_and_the_case_wide_updates_on_its_own_topic(notifier: Harness) -> None:
    case = await referred_to_both(notifier)
    # A re-referral to an MCO the case went to already sends nothing new (the events after it on the
    # same partition are handled after it).
    again = await notifier.publish(McoContactedV1(inquiry_id=case, mco="IA-TC", actor=ACTOR,
                                                  at=NOW + timedelta(hours=1)))
    await wait_until(lambda: notifier.processed(*again), what="the re-referral processed")
    updates = await notifier.publish(
        assigned(inquiry_id=case, priority="escalated", decided_at=NOW + timedelta(hours=2)),
        InquiryResolvedV1(inquiry_id=case, resolved_by="mco", resolution_code="resolved_by_mco", actor=ACTOR,
                          at=NOW + timedelta(days=1)))
    await wait_until(lambda: notifier.processed(*updates), what="the updates processed")
    await notifier.publish(InquiryReopenedV1(inquiry_id=case, reason="member called back", actor=ACTOR,
                                             at=NOW + timedelta(days=2)))
    for mco in MCOS:
        said = await on_topic(notifier, mco, case, 4)
        assert said[0] == (mco, "referred")
        assert sorted(said[1:3]) == [(mco, "priority-changed"), (mco, "resolved")]  # two topics: either order
        assert said[3] == (mco, "reopened")
    for mco in MCOS:
        assert summary(await notifier.published(f"mco.{mco}.inquiries"), case).count((mco, "referred")) == 1

    # Each MCO's contact is owed an e-mail of its own referral, once (written with the referral).
    owed = await notifier.query("SELECT recipient FROM deliveries WHERE inquiry_id = :i AND recipient LIKE 'mco:%'",
                                i=case)
    assert sorted(r.recipient for r in owed) == ["mco:IA-AG", "mco:IA-TC"]


async def test_a_follow_up_of_one_mco_s_clock_goes_to_that_mco_only(notifier: Harness) -> None:
    case = await referred_to_both(notifier)
    due = NOW + timedelta(days=3)
    [only_ag] = await notifier.publish(FollowUpDueV1(inquiry_id=case, clock="mco_first_contact", queue="member_liaison",
                                                     reason="IA-AG silent", due_at=due, mco="IA-AG"))
    await wait_until(lambda: notifier.processed(only_ag), what="IA-AG's follow-up processed")
    assert summary(await notifier.published("mco.IA-TC.inquiries"), case) == [("IA-TC", "referred")]
    assert summary(await notifier.published("mco.IA-AG.inquiries"), case) == [("IA-AG", "referred"),
                                                                              ("IA-AG", "follow-up-due")]
    [everyone] = await notifier.publish(FollowUpDueV1(inquiry_id=case, clock="resolution", queue="member_liaison",
                                                      reason="case silent", due_at=due))
    await wait_until(lambda: notifier.processed(everyone), what="the case's follow-up processed")
    for mco in MCOS:
        said = summary(await notifier.published(f"mco.{mco}.inquiries"), case)
        assert said[-1] == (mco, "follow-up-due")
    assert await on_topic(notifier, "IA-AG", case, 3) == [("IA-AG", "referred"), ("IA-AG", "follow-up-due"),
                                                          ("IA-AG", "follow-up-due")]
