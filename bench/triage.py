"""The triage service against raw aiokafka consume -> produce, in one run.

    python -m bench.triage [--events N] [--paced-seconds S]

raw: a consumer forwards N inquiry-sized records to a second topic (idempotent,
acks=all), committing per batch. triage: the service in its own process decides N
InquiryReceivedV1 events, exactly N or the run fails; then a paced phase at half
that rate measures inquiry -> decision latency. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.intake import BOOTSTRAP, VERDICT, percentile
from bench.service_process import Created, check_alive, clean_up, service_env, spawn
from liaison_shared.events import Event, KafkaRecord, decode, encode
from liaison_shared.kafka import ensure_topics, reliable_producer
from liaison_shared.payloads import InquiryReceivedV1, MemberIdentity, PriorityAssignedV1, ProviderIdentity
from liaison_shared.testing.waiting import wait_until

TARGET_RATIO = 0.2  # of raw consume->produce, the throughput issue's target


class Mismatch(Exception):
    """Triage did not decide exactly the N inquiries it was given: the run fails."""


# party, source, category, mco, description, extras: several tracks, several rules fire (and none, for some)
MIX: list[tuple[str, str, str, str | None, str, dict[str, Any]]] = [
    ("member", "plan_member_services", "pharmacy", "IA-TC", "Member ran out of insulin, refill denied.",
     {"requested_priority": "urgent"}),
    ("member", "managed_care_ombudsman", "transportation", "IA-AG", "Ride did not show for dialysis today.", {}),
    ("member", "legislative_liaison", "claims_billing", None, "Constituent billed for a covered visit.", {}),
    ("provider", "provider_association", "claims_billing", "IA-TC", "Claims of 40 members denied by an edit.", {}),
    ("provider", "provider", "prior_authorization", "IA-WM", "Wheelchair authorization pending 30 days.", {}),
    ("member", "ime_call_center_csr", "eligibility_enrollment", None, "Why did coverage end? Callback promised.",
     {"ime_callback_request": True}),
    ("member", "member_services_account_manager", "care_transition", "IA-MH", "Discharged, no follow-up set.", {}),
    ("member", "other_state_agency", "fraud_waste_abuse", "IA-AG", "Provider billing for services not received.",
     {"requested_priority": "escalated"}),
    ("member", "ime_policy_staff", "pcp_assignment", "IA-TC", "Member was assigned a PCP 90 miles away.", {}),
]


def received_record(i: int, prefix: str) -> tuple[uuid.UUID, KafkaRecord]:
    """The i-th inquiry of the mix, encoded as intake's relay would publish it."""
    party, source, category, mco, description, extras = MIX[i % len(MIX)]
    who = ({"member": MemberIdentity(name="Jane Testmember")} if party == "member" else
           {"provider": ProviderIdentity(npi="1234567893", contact_name="Pat Billing")})
    payload = InquiryReceivedV1(inquiry_id=uuid.uuid4(), party=party, source=source, category=category, mco=mco,
                                description=description, caller_name="John Testcaller",
                                callback_phone="+15155550134", received_at=datetime.now(UTC), **who, **extras)
    return payload.inquiry_id, encode(Event(payload, source="/liaison/intake"), prefix)


async def send_all(producer: AIOKafkaProducer, topic: str, records: list[KafkaRecord]) -> None:
    acks = [await producer.send(topic, key=r.key, value=r.value, headers=r.headers) for r in records]
    await asyncio.gather(*acks)


async def measure_raw_consume_produce(bootstrap: str, prefix: str, n: int) -> float:
    """Records/s: first consumed batch until N records are acknowledged on topic B, offsets committed per batch."""
    source, sink = f"{prefix}raw.in", f"{prefix}raw.out"
    await ensure_topics(bootstrap, [source, sink], partitions=2)
    producer = reliable_producer(bootstrap, "bench-raw")
    consumer = AIOKafkaConsumer(source, bootstrap_servers=bootstrap, group_id=f"{prefix}raw", max_poll_records=500,
                                enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        await producer.start()
        await send_all(producer, source, [received_record(i, prefix)[1] for i in range(n)])  # pre-produced
        await consumer.start()
        done, start = 0, 0.0
        async with asyncio.timeout(max(120, n / 50)):
            while done < n:
                batch = [r for records in (await consumer.getmany(timeout_ms=500)).values() for r in records]
                if batch:
                    start = start or time.perf_counter()  # the first consume: the group has joined
                    await send_all(producer, sink, [KafkaRecord(sink, r.key, r.value, list(r.headers)) for r in batch])
                    await consumer.commit()
                    done += len(batch)
        return n / (time.perf_counter() - start)
    finally:
        await consumer.stop()
        await producer.stop()


async def wait_until_ready(port: str, service: subprocess.Popen[bytes], log: Path) -> None:
    """Poll GET /readyz until it answers 200; fail if the process exits or after 90 s."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
        async def ready() -> bool:
            check_alive("triage", service, log)
            try:
                return (await http.get("/readyz")).status_code == 200
            except httpx.TransportError:
                return False
        await wait_until(ready, timeout=90, interval=0.2, what="triage's /readyz")


class Decisions:
    """Reads PriorityAssignedV1 off Kafka in the background: when each inquiry's first decision arrived."""

    def __init__(self, consumer: AIOKafkaConsumer, service: subprocess.Popen[bytes], log: Path) -> None:
        self.consumer, self.service, self.log = consumer, service, log
        self.at: dict[uuid.UUID, float] = {}
        self.rules: Counter[str] = Counter()
        self.duplicates = 0
        self.task = asyncio.create_task(self.read())  # the consumer has started

    async def read(self) -> None:
        while True:
            for records in (await self.consumer.getmany(timeout_ms=100)).values():
                now = time.perf_counter()
                for record in records:
                    decision = decode(record.value, record.headers).payload
                    assert isinstance(decision, PriorityAssignedV1)
                    self.duplicates += decision.inquiry_id in self.at
                    self.at.setdefault(decision.inquiry_id, now)
                    self.rules.update(decision.rules_fired)

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)

    async def wait_for(self, ids: list[uuid.UUID], timeout: float) -> None:
        """Until each of `ids` has a decision; fail if triage or the reader stops, or after `timeout` s."""
        async def all_decided() -> bool:
            check_alive("triage", self.service, self.log)
            if self.task.done():
                self.task.result()  # raises the reader's error
            return all(i in self.at for i in ids)
        await wait_until(all_decided, timeout=timeout, interval=0.02, what=f"decisions of {len(ids)} inquiries")


async def measure_decisions(producer: AIOKafkaProducer, decisions: Decisions, prefix: str, n: int) -> float:
    """Decisions/s: first InquiryReceivedV1 produced until N PriorityAssignedV1 are read; exactly N or fail."""
    events, before = [received_record(i, prefix) for i in range(n)], len(decisions.at)
    start = time.perf_counter()
    await send_all(producer, events[0][1].topic, [record for _, record in events])
    await decisions.wait_for([i for i, _ in events], timeout=max(120, n / 20))
    elapsed = time.perf_counter() - start
    if len(decisions.at) - before != n:  # all N are decided: anything more is an inquiry nobody sent
        raise Mismatch(f"{len(decisions.at) - before} distinct inquiries decided for {n} sent")
    return n / elapsed


async def measure_paced_latency(producer: AIOKafkaProducer, decisions: Decisions, prefix: str, rate: float,
                                seconds: float) -> dict[str, float]:
    """Production of each inquiry -> consumption of its decision, inquiries sent on a fixed schedule."""
    sent: dict[uuid.UUID, float] = {}
    acks = []
    start = time.perf_counter()
    for k in range(max(1, round(rate * seconds))):
        await asyncio.sleep(max(0.0, start + k / rate - time.perf_counter()))
        inquiry_id, r = received_record(k, prefix)
        sent[inquiry_id] = time.perf_counter()
        acks.append(await producer.send(r.topic, key=r.key, value=r.value, headers=r.headers))
    achieved = len(sent) / (time.perf_counter() - start)
    await asyncio.gather(*acks)
    await decisions.wait_for(list(sent), timeout=120)
    latencies = [(decisions.at[i] - t) * 1000 for i, t in sent.items()]
    return {"paced_target_dps": rate, "paced_dps": achieved, "paced_p50_ms": percentile(latencies, 50),
            "paced_p99_ms": percentile(latencies, 99), "paced_max_ms": max(latencies)}


async def measure_triage(env: dict[str, str], created: Created, n: int, seconds: float) -> dict[str, float]:
    """Start triage, warm it up with one inquiry, then the throughput and the paced phases."""
    prefix, bootstrap = env["LIAISON_TRIAGE_TOPIC_PREFIX"], env["LIAISON_TRIAGE_KAFKA_BOOTSTRAP"]
    with tempfile.TemporaryDirectory(prefix="bench-triage-") as tmp:
        log = Path(tmp) / "triage.log"
        created.service = service = spawn("triage", env, log)
        await wait_until_ready(env["LIAISON_TRIAGE_HTTP_PORT"], service, log)
        producer = reliable_producer(bootstrap, "bench-intake")
        consumer = AIOKafkaConsumer(f"{prefix}inquiry.priority-assigned", bootstrap_servers=bootstrap,
                                    auto_offset_reset="earliest")
        async with contextlib.AsyncExitStack() as stack:
            for client in (producer, consumer):
                stack.push_async_callback(client.stop)
                await client.start()
            decisions = Decisions(consumer, service, log)
            stack.push_async_callback(decisions.stop)
            warm_id, warm = received_record(0, prefix)  # triage's group has joined, the relay is connected
            await send_all(producer, warm.topic, [warm])
            await decisions.wait_for([warm_id], timeout=90)
            decision_rate = await measure_decisions(producer, decisions, prefix, n)
            paced = await measure_paced_latency(producer, decisions, prefix, decision_rate / 2, seconds)
    return {"triage_dps": decision_rate, **paced, "duplicates": decisions.duplicates,
            "rules_distinct": len(decisions.rules)}


def report(f: dict[str, float]) -> None:
    print(f"\n  {f['events']:.0f} events of ~{f['record_bytes']:.0f} bytes (key+value+headers), 2 partitions")
    print(f"  raw aiokafka consume->produce     {f['raw_rps']:>7,.0f} records/s")
    print(f"  triage consume->decide->publish   {f['triage_dps']:>7,.0f} decisions/s   {f['ratio']:.3f}x raw"
          f"   target >= {TARGET_RATIO}x raw: {VERDICT[f['ratio'] >= TARGET_RATIO]}"
          f"   ({f['rules_distinct']:.0f} distinct rules_fired, {f['duplicates']:.0f} duplicates)")
    print(f"  latency inquiry->decision at {f['paced_dps']:.0f}/s   p50 {f['paced_p50_ms']:.0f} ms, "
          f"p99 {f['paced_p99_ms']:.0f} ms, max {f['paced_max_ms']:.0f} ms")
    print(json.dumps({k: round(v, 3) for k, v in f.items()}))


async def run(args: argparse.Namespace) -> None:
    run_id = f"bench_{uuid.uuid4().hex[:10]}"
    created = Created(schemas=[run_id], prefix=f"{run_id}.")
    try:
        raw = await measure_raw_consume_produce(args.bootstrap, created.prefix, args.events)
        env = service_env("triage", run_id, created.prefix, args.bootstrap)
        figures = await measure_triage(env, created, args.events, args.paced_seconds)
        mix = [received_record(i, created.prefix)[1] for i in range(len(MIX))]
        size = sum(len(r.key) + len(r.value) + sum(len(k) + len(v) for k, v in r.headers) for r in mix) / len(mix)
        report({"events": args.events, "record_bytes": size, "raw_rps": raw, **figures,
                "ratio": figures["triage_dps"] / raw})
    finally:
        await clean_up(args.bootstrap, created)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000, help="events in each throughput phase")
    parser.add_argument("--paced-seconds", type=float, default=5.0, help="length of the paced latency phase")
    parser.add_argument("--bootstrap", default=BOOTSTRAP)
    try:
        asyncio.run(run(parser.parse_args()))
    except (Mismatch, TimeoutError) as exc:
        sys.exit(f"FAILED: {exc}")


if __name__ == "__main__":
    main()
