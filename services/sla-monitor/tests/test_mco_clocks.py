"""A provider issue referred to two MCOs, on the real broker: the first referral makes the MCO clocks that
ran since triage its MCO's, the second MCO gets its own instance of every MCO clock from its own referral,
each MCO's report meets only its instances, a breach starts that MCO's follow-up, and a re-referral
changes nothing. Every clock event names its MCO (None for the case's own clocks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from liaison_shared.payloads import McoContactedV1, McoReportedV1

from .conftest import ACTOR, MONDAY_10, Monitor, assigned

AG, TC = "IA-AG", "IA-TC"


async def test_a_case_referred_to_two_mcos_runs_each_mcos_clocks_apart(monitor: Monitor) -> None:
    case = assigned(track="provider", priority="urgent")
    inquiry_id = case.inquiry_id
    await monitor.publish(case)
    first = {c.clock: c for c in await monitor.events("clock-started.v1", inquiry_id, 3)}
    assert first["mco_contacts_provider"].mco is None  # no MCO told yet
    x_due = datetime(2026, 11, 18, 16, tzinfo=UTC)  # 2 business days from the receipt: Wednesday 10:00 CST
    assert first["mco_contacts_provider"].due_at == x_due

    x_at, y_at = MONDAY_10 + timedelta(hours=1), MONDAY_10 + timedelta(hours=3)
    await monitor.processed(McoContactedV1(inquiry_id=inquiry_id, mco=AG, actor=ACTOR, at=x_at))
    [stamped] = (await monitor.events("clock-started.v1", inquiry_id, 4))[3:]
    assert (stamped.clock, stamped.mco, stamped.started_at, stamped.due_at) == (
        "mco_contacts_provider", AG, MONDAY_10, x_due)
    [superseded] = await monitor.events("clock-stopped.v1", inquiry_id)
    assert (superseded.clock, superseded.mco, superseded.reason) == ("mco_contacts_provider", None, "superseded")
    [acknowledged] = await monitor.events("sla.met.v1", inquiry_id)
    assert (acknowledged.clock, acknowledged.mco) == ("acknowledged", None)  # the referral acknowledged it

    await monitor.processed(McoContactedV1(inquiry_id=inquiry_id, mco=TC, actor=ACTOR, at=y_at))
    [theirs] = (await monitor.events("clock-started.v1", inquiry_id, 5))[4:]
    # IA-TC cannot act before it is told: 2 business days from Monday 13:00 CST, Wednesday 13:00 CST.
    assert (theirs.clock, theirs.mco, theirs.started_at) == ("mco_contacts_provider", TC, y_at)
    assert (theirs.warn_at, theirs.due_at) == (datetime(2026, 11, 17, 19, tzinfo=UTC),
                                               datetime(2026, 11, 18, 19, tzinfo=UTC))
    await monitor.processed(McoContactedV1(inquiry_id=inquiry_id, mco=AG, actor=ACTOR, at=y_at + timedelta(hours=1)))

    reported_at = MONDAY_10 + timedelta(hours=5)
    await monitor.publish(McoReportedV1(inquiry_id=inquiry_id, mco=TC, report="provider_contacted", actor=ACTOR,
                                        at=reported_at))
    met = await monitor.events("sla.met.v1", inquiry_id, 2)
    assert [(m.clock, m.mco, m.met_at) for m in met[1:]] == [("mco_contacts_provider", TC, reported_at)]

    monitor.clock.set(x_due + timedelta(seconds=2))  # IA-AG said nothing
    breaches = {(b.clock, b.mco) for b in await monitor.events("sla.breached.v1", inquiry_id, 2)}
    assert breaches == {("mco_contacts_provider", AG), ("originator_contacted", None)}
    [follow_up] = await monitor.events("follow-up-due.v1", inquiry_id)
    assert (follow_up.clock, follow_up.mco, follow_up.queue) == ("provider_follow_up", AG, "provider_liaison")
    assert follow_up.due_at == datetime(2026, 11, 18, 23, tzinfo=UTC)  # the end of that business day

    # IA-TC's report does not follow up on IA-AG's silence; IA-AG's does.
    await monitor.processed(McoReportedV1(inquiry_id=inquiry_id, mco=TC, report="provider_contacted", actor=ACTOR,
                                          at=x_due + timedelta(hours=1)))
    await monitor.publish(McoReportedV1(inquiry_id=inquiry_id, mco=AG, report="provider_contacted", actor=ACTOR,
                                        at=x_due + timedelta(hours=2)))
    [followed_up] = (await monitor.events("sla.met.v1", inquiry_id, 3))[2:]
    assert (followed_up.clock, followed_up.mco) == ("provider_follow_up", AG)

    async with monitor.runtime.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT name, mco, state FROM clocks WHERE inquiry_id = :i"),
                                   {"i": inquiry_id})).all()
    assert sorted((r.name, r.mco, r.state) for r in rows) == [
        ("acknowledged", "", "met"), ("mco_contacts_provider", AG, "breached"), ("mco_contacts_provider", TC, "met"),
        ("originator_contacted", "", "breached"), ("provider_follow_up", AG, "met")]
    assert len(await monitor.events("clock-started.v1", inquiry_id)) == 6  # the re-referral started nothing
