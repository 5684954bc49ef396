"""Queues from the console's projection: what each person sees, in which order, with which clocks;
filters and sort from the URL; pages of a long queue; and every invalid filter named."""

from __future__ import annotations

import re
from datetime import timedelta

from liaison_shared.payloads import Actor, InquiryReopenedV1, InquiryResolvedV1, McoContactedV1, SlaBreachedV1, SlaMetV1

from .conftest import HTML, Console, assigned, clock, received

ACTOR = Actor(subject="s-1", name="Una Lead", roles=("unit-lead",))


def row_ids(page: str) -> list[str]:
    return re.findall(r'<tr data-id="([0-9a-f-]{36})"', page)


async def test_a_triaged_case_is_on_its_queue_with_each_clock_and_the_time_left(console: Console) -> None:
    case = received()
    await console.publish(case, assigned(case), clock(case, "originator_contacted"),
                          clock(case, "mco_referral", warn_in=timedelta(minutes=-1), due_in=timedelta(hours=1)))
    await console.projected(case.inquiry_id, lambda r: r.next_due_at is not None and r.queue, what="the case")
    async with console.signed_in("maria") as (http, _):
        page = (await http.get("/queue", headers=HTML)).text
    assert row_ids(page) == [str(case.inquiry_id)]
    assert "[URGENT] Member · Pharmacy" in page
    # Each clock on its own, in words as well as colour; one past its warning time is "due soon".
    assert re.search(r'class="clock clock-warning" data-clock="mco_referral".*?Due soon', page, re.S)
    assert re.search(r'class="clock clock-open" data-clock="originator_contacted".*?On time', page, re.S)
    assert "Jane Example" not in page and "1234567A" not in page  # no PHI on a queue


async def test_queues_follow_the_role_and_confinement(console: Console) -> None:
    member, provider, referred = received(), received(party="provider"), received()
    await console.publish(member, assigned(member), provider, assigned(provider, queue="provider_liaison",
                                                                        track="provider"),
                          referred, assigned(referred),
                          McoContactedV1(inquiry_id=referred.inquiry_id, mco="IA-TC", actor=ACTOR,
                                         at=referred.received_at + timedelta(minutes=1)))
    await console.projected(referred.inquiry_id, lambda r: r.referred_mcos == ["IA-TC"], what="the referral")
    await console.projected(provider.inquiry_id, lambda r: r.queue is not None, what="the provider case")
    views = {}
    for who in ("maria", "paul", "una", "tina"):
        async with console.signed_in(who) as (http, _):
            views[who] = set(row_ids((await http.get("/queue?queue=all", headers=HTML)).text))
    assert views["maria"] == {str(member.inquiry_id), str(referred.inquiry_id)}  # member cases only
    assert views["paul"] == {str(provider.inquiry_id)}
    assert views["una"] == {str(c.inquiry_id) for c in (member, provider, referred)}
    assert views["tina"] == {str(referred.inquiry_id)}  # only what was referred to IA-TC


async def test_sorted_by_any_column_filtered_from_the_url_and_paged(console: Console) -> None:
    cases = [received() for _ in range(23)]
    for index, case in enumerate(cases):
        priority = ("standard", "escalated", "urgent")[index % 3]
        await console.publish(case, assigned(case, priority=priority),
                              clock(case, due_in=timedelta(hours=1 + index), warn_in=timedelta(minutes=30 + index)))
    for case in cases:
        await console.projected(case.inquiry_id, lambda r: r.next_due_at is not None, what="every case")
    async with console.signed_in("una") as (http, _):
        first = (await http.get("/queue?queue=all", headers=HTML)).text
        assert row_ids(first) == [str(c.inquiry_id) for c in cases[:10]]  # soonest deadline first, 10 a page
        assert "23 cases · page 1 of 3" in first
        last = (await http.get("/queue?queue=all&page=3", headers=HTML)).text
        assert row_ids(last) == [str(c.inquiry_id) for c in cases[20:]]
        latest_first = (await http.get("/queue?queue=all&sort=next_due&dir=desc", headers=HTML)).text
        assert row_ids(latest_first)[0] == str(cases[-1].inquiry_id)
        urgent = (await http.get("/queue?queue=all&priority=urgent", headers=HTML)).text
        assert row_ids(urgent) == [str(c.inquiry_id) for c in cases[2::3]]
        by_priority = (await http.get("/queue/rows?queue=all&sort=priority&dir=desc", headers=HTML)).text
        assert set(row_ids(by_priority)[:7]) == {str(c.inquiry_id) for c in cases[2::3]}
        assert 'aria-sort="descending"' in by_priority


async def test_breached_met_resolved_and_reopened_out_of_order(console: Console) -> None:
    case = received()
    due = clock(case, due_in=timedelta(minutes=-1), warn_in=timedelta(minutes=-30))
    late = case.received_at + timedelta(hours=5)
    # Topics are not ordered among themselves: the reopening arrives before the resolution it undoes.
    published = await console.publish(
        due, case, assigned(case),
        SlaBreachedV1(inquiry_id=case.inquiry_id, clock=due.clock, track="member_mco", priority="urgent",
                      due_at=due.due_at, breached_at=due.due_at, late_by_seconds=0),
        InquiryReopenedV1(inquiry_id=case.inquiry_id, reason="Caller rang again", actor=ACTOR, at=late),
        InquiryResolvedV1(inquiry_id=case.inquiry_id, resolved_by="state", resolution_code="refilled", actor=ACTOR,
                          at=late - timedelta(hours=1)))
    await console.consumed(published)
    row = await console.projected(case.inquiry_id, lambda r: True, what="the case")
    assert (row.status, row.status_at, row.resolved_at, row.breached) == ("in_progress", late, None, True)
    async with console.signed_in("maria") as (http, _):
        breached = (await http.get("/queue?queue=all&breached=yes", headers=HTML)).text
        assert row_ids(breached) == [str(case.inquiry_id)] and "Breached" in breached
        assert row_ids((await http.get("/queue?queue=all&breached=no", headers=HTML)).text) == []
    await console.consumed(await console.publish(SlaMetV1(inquiry_id=case.inquiry_id, clock="mco_referral",
                                                          due_at=due.due_at, met_at=late, took_business_seconds=60)))
    row = await console.projected(case.inquiry_id, lambda r: True, what="the case")
    assert row.breached  # another clock was met: the breached one still is


async def test_every_invalid_filter_is_named(console: Console) -> None:
    async with console.signed_in("maria") as (http, _):
        rows = await http.get("/queue/rows?priority=panic&page=0&mco=tc&colour=red", headers=HTML)
        assert rows.status_code == 422
        assert {e["field"] for e in rows.json()["errors"]} == {"priority", "page", "mco", "colour"}
        page = await http.get("/queue?track=nowhere", headers=HTML)
        assert page.status_code == 422 and "<strong>track</strong>" in page.text
