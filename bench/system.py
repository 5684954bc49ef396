"""The whole system under open-loop HTTP load, against raw asyncpg and raw aiokafka, in one run.

    python -m bench.system [--duration S] [--rates 10,20,40,...] [--drain S] [--members M]

The five services run as processes from their console scripts (`LiaisonSystem`). A load
generator in its own process posts member inquiries of enrolled members to intake at fixed
rates, one step per rate, with the call center's access token (client credentials). A Kafka
reader in this process times, for every 202, the inquiry's priority-assigned and its first
notification.sent. Per step: achieved rates, latencies from
the 202, and whether the system kept up; the highest rate it kept up with is the sustained
rate. Then the CPU of each process per inquiry at that rate. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import math
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer
from aiosmtpd.controller import Controller

from bench.intake import BOOTSTRAP, VERDICT, measure_raw_inserts, percentile
from bench.service_process import DATABASE_URL, DSN, Created, drop_run
from liaison_shared.events import decode
from liaison_shared.kafka import ensure_topics, reliable_producer
from liaison_shared.payloads import NotificationFailedV1, NotificationSentV1, PriorityAssignedV1
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.system import SERVICES, LiaisonSystem, free_port
from liaison_shared.testing.system_client import BearerAuth
from liaison_shared.testing.waiting import wait_until

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RATES = "5,10,20,30,40,50,60,80,100,150,200"
TARGET_RPS = 200.0  # sustained, the throughput issue's target
MCO = "IA-TC"
LOAD_CLIENT = "call-center"  # the load generator's system client (intake:write)
SYSTEM_PARTS = (*SERVICES, "kafka", "postgresql")  # what counts as the system's CPU
OUTSIDE_PARTS = ("load generator", "harness")  # this benchmark's own processes
GROWTH_MS = 250.0  # a step did not keep up if its last third's p50 is this much above its first third's


class Failed(Exception):
    """The run cannot measure (a service died, the warm-up never finished...): exit non-zero."""


# --- the load generator (its own process) --------------------------------------------------


def member_inquiry(medicaid_id: str, received_at: str) -> dict[str, str]:
    """A member inquiry of an enrolled member (synthetic identity; never printed)."""
    return {"source": "managed_care_ombudsman", "category": "pharmacy", "member_name": "Bench Member",
            "medicaid_id": medicaid_id, "caller_name": "Bench Caller", "callback_phone": "515-555-0134",
            "description": "Member cannot get insulin refill approved.", "mco": MCO,
            "requested_priority": "urgent", "received_at": received_at}


async def open_loop(http: httpx.AsyncClient, medicaid_ids: list[str], rate: float,
                    seconds: float) -> dict[str, Any]:
    """Request k is sent at start + k/rate, whatever became of the earlier ones (open loop).
    Each answer: [inquiry_id or None, due, answered, status, sent]; times are CLOCK_MONOTONIC
    (time.monotonic), which is the same clock in every process of the machine."""
    n = max(1, round(rate * seconds))
    received_at = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    answers: list[list[Any]] = [[None, 0.0, 0.0, 0, 0.0]] * n
    start = time.monotonic() + 0.1

    async def post(k: int, due: float) -> None:
        body = json.dumps(member_inquiry(medicaid_ids[k % len(medicaid_ids)], received_at)).encode()
        inquiry_id, status, sent = None, 0, time.monotonic()
        try:
            response = await http.post("/v1/inquiries/member", content=body,
                                       headers={"Idempotency-Key": uuid.uuid4().hex})
            answered, status = time.monotonic(), response.status_code
            if status == 202:
                inquiry_id = response.json()["inquiry_id"]
        except httpx.HTTPError:
            answered = time.monotonic()
        answers[k] = [inquiry_id, due, answered, status, sent]

    tasks = []
    for k in range(n):
        due = start + k / rate
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        tasks.append(asyncio.create_task(post(k, due)))
    await asyncio.gather(*tasks)
    return {"start": start, "answers": answers}


async def load_generator() -> None:
    """`python -m bench.system --load-generator`: a config line on stdin, then one line per step
    ({"rate", "seconds"}, answered with one JSON line on stdout) until {"stop": true} or EOF."""
    config = json.loads(await asyncio.to_thread(sys.stdin.readline))
    limits = httpx.Limits(max_connections=config["connections"], max_keepalive_connections=config["connections"])
    auth = BearerAuth(Tokens(config["issuer"]), system=config["client_id"])  # renewed before it expires
    await auth.token()
    async with httpx.AsyncClient(base_url=config["base_url"], headers={"Content-Type": "application/json"},
                                 auth=auth, limits=limits, timeout=60) as http:
        while line := await asyncio.to_thread(sys.stdin.readline):
            command = json.loads(line)
            if command.get("stop"):
                break
            result = await open_loop(http, config["medicaid_ids"], command["rate"], command["seconds"])
            sys.stdout.write(json.dumps(result) + "\n")
            sys.stdout.flush()


@dataclass
class Load:
    """What one step's requests got back."""

    start: float
    offered: int
    accepted: list[tuple[uuid.UUID, float, float]]  # inquiry id, due, 202 (monotonic)
    refused: Counter[int]  # status -> count (0: transport error)
    answer_ms: list[float]  # due -> answer, every request
    late_ms: list[float]  # due -> sent: how far the load generator fell behind its schedule


class LoadGenerator:
    """The parent's handle on the load generator process."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, base_url: str, issuer: str, medicaid_ids: list[str], connections: int) -> LoadGenerator:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.system", "--load-generator", cwd=REPO,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 26)
        generator = cls(process)
        await generator._send({"base_url": base_url, "issuer": issuer, "client_id": LOAD_CLIENT,
                               "medicaid_ids": medicaid_ids, "connections": connections})
        return generator

    @property
    def pid(self) -> int:
        return self.process.pid

    async def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        await self.process.stdin.drain()

    async def step(self, rate: float, seconds: float) -> Load:
        await self._send({"rate": rate, "seconds": seconds})
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise Failed(f"the load generator exited with {await self.process.wait()}")
        result = json.loads(line)
        answers = result["answers"]
        return Load(result["start"], len(answers), [(uuid.UUID(a[0]), a[1], a[2]) for a in answers if a[3] == 202],
                    Counter(a[3] for a in answers if a[3] != 202), [(a[2] - a[1]) * 1000 for a in answers],
                    [(a[4] - a[1]) * 1000 for a in answers])

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        with contextlib.suppress(Exception):
            await self._send({"stop": True})
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


# --- what the system does, seen from Kafka and the mail relay -------------------------------


class MailSink:
    """Stands in for the program's SMTP relay: accepts every message and only counts them."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 Message accepted for delivery"


class Tracker:
    """Reads priority-assigned and notification events off Kafka (group-less, from the start):
    when this process first saw each inquiry's decision and its first notification.sent."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self.consumer = consumer
        self.assigned: dict[uuid.UUID, float] = {}
        self.notified: dict[uuid.UUID, float] = {}
        self.tracks: Counter[str] = Counter()  # track of each inquiry's first decision
        self.repeats: Counter[str] = Counter()  # decisions again, notifications beyond the first
        self.failed = 0  # notification.failed events
        self.task = asyncio.create_task(self.read())

    async def read(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=100)
            now = time.monotonic()  # before decoding: the batch's decode time is not latency
            for records in batches.values():
                for record in records:
                    payload = decode(record.value, record.headers).payload
                    if isinstance(payload, PriorityAssignedV1):
                        if payload.inquiry_id in self.assigned:
                            self.repeats["priority-assigned"] += 1
                        else:
                            self.assigned[payload.inquiry_id] = now
                            self.tracks[str(payload.track)] += 1
                    elif isinstance(payload, NotificationSentV1) and payload.inquiry_id is not None:
                        if payload.inquiry_id in self.notified:
                            self.repeats["notification.sent"] += 1
                        else:
                            self.notified[payload.inquiry_id] = now
                    elif isinstance(payload, NotificationFailedV1):
                        self.failed += 1

    def check(self) -> None:
        if self.task.done():
            self.task.result()  # raises the reader's error
            raise Failed("the Kafka reader stopped")

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def wait_for_all(system: LiaisonSystem, tracker: Tracker, ids: list[uuid.UUID], timeout: float) -> None:
    """Until every inquiry of `ids` has its decision and a notification on Kafka; TimeoutError after `timeout`."""
    async def done() -> bool:
        for service in SERVICES:
            system.check_alive(service)
        tracker.check()
        return all(i in tracker.assigned and i in tracker.notified for i in ids)
    await wait_until(done, timeout=timeout, interval=0.05, what=f"decisions and notifications of {len(ids)}")


# --- CPU (Linux /proc) -------------------------------------------------------------------


def proc_stat(pid: int) -> list[str]:
    """/proc/<pid>/stat from field 3 (state) on: [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    fields = proc_stat(pid)
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICK


def tree_cpu_seconds(pid: int) -> float:
    """A server and its worker processes (PostgreSQL's postmaster and backends): the live children
    now, plus what the children that have exited used (cutime, cstime)."""
    total = cpu_seconds(pid, reaped_children=True)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = proc_stat(int(entry.name))
                if int(fields[1]) == pid:
                    total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def listener_pid(port: int) -> int | None:
    """The process listening on TCP `port` (via /proc/net/tcp* and the processes' fds), if it can be seen."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                    inodes.add(f"socket:[{parts[9]}]")
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                for fd in (entry / "fd").iterdir():
                    with contextlib.suppress(OSError):
                        if os.readlink(fd) in inodes:
                            return int(entry.name)
    return None


def cpu_probes(system: LiaisonSystem, generator: LoadGenerator, bootstrap: str) -> dict[str, Callable[[], float]]:
    """Name -> cumulative CPU seconds of that part; Kafka and PostgreSQL only when their pids can be found."""
    probes: dict[str, Callable[[], float]] = {
        service: functools.partial(cpu_seconds, system.processes[service].pid) for service in SERVICES}
    kafka = listener_pid(int(bootstrap.rsplit(":", 1)[1]))
    if kafka is not None:
        probes["kafka"] = lambda: cpu_seconds(kafka)
    postgres = listener_pid(urlsplit(DSN).port or 5432)
    if postgres is not None:
        probes["postgresql"] = lambda: tree_cpu_seconds(postgres)
    probes["load generator"] = lambda: cpu_seconds(generator.pid)
    probes["harness"] = lambda: cpu_seconds(os.getpid())
    return probes


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (all cores, every process: /proc/stat)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split()[1:9]]  # user nice system idle iowait irq ...
    return (sum(ticks) - ticks[3] - ticks[4]) / TICK


def snapshot(probes: dict[str, Callable[[], float]]) -> dict[str, float]:
    taken = {}
    for name, probe in probes.items():
        try:
            taken[name] = probe()
        except (OSError, ValueError):
            taken[name] = math.nan
    return taken


def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: after[name] - before[name] for name in before}


# --- raw baselines --------------------------------------------------------------------------


async def measure_raw_round_trip(bootstrap: str, topic: str, rate: float, seconds: float) -> list[float]:
    """ms from producer.send (the services' reliable_producer) to a group-less consumer holding the record,
    one ~700-byte record at a time on a fixed schedule, on a fresh 2-partition topic."""
    await ensure_topics(bootstrap, [topic], partitions=2)
    producer = reliable_producer(bootstrap, "bench-raw")
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    value = json.dumps({"padding": "x" * 600}).encode()
    headers = [(f"ce_{name}", b"x" * 20) for name in ("specversion", "id", "source", "type", "time")]
    sent: dict[int, float] = {}
    seen: dict[int, float] = {}

    async def read() -> None:
        while True:
            batches = await consumer.getmany(timeout_ms=100)
            now = time.monotonic()
            for records in batches.values():
                for record in records:
                    seen.setdefault(int(record.key or b"-1"), now)

    async with contextlib.AsyncExitStack() as stack:
        for client in (producer, consumer):
            stack.push_async_callback(client.stop)
            await client.start()
        reader = asyncio.create_task(read())
        stack.push_async_callback(lambda: asyncio.gather(reader, return_exceptions=True))
        stack.callback(reader.cancel)
        await producer.send_and_wait(topic, key=b"-1", value=value, headers=headers)  # warm: metadata, fetch

        async def warm() -> bool:
            return -1 in seen

        async def all_seen() -> bool:
            return all(k in seen for k in sent)
        await wait_until(warm, timeout=60, what="the raw warm-up record")
        acks = []
        start = time.monotonic()
        for k in range(max(1, round(rate * seconds))):
            await asyncio.sleep(max(0.0, start + k / rate - time.monotonic()))
            sent[k] = time.monotonic()
            acks.append(await producer.send(topic, key=str(k).encode(), value=value, headers=headers))
        await asyncio.gather(*acks)
        await wait_until(all_seen, timeout=60, what="the raw records")
    return [(seen[k] - t) * 1000 for k, t in sent.items()]


# --- the system -----------------------------------------------------------------------------


async def load_roster(system: LiaisonSystem, members: int) -> list[str]:
    """Two PCPs and `members` members enrolled with the MCO, through attribution's API (bodies as in
    deploy/local/demo.py) as the attribution feed; returns the members' Medicaid IDs once triage has heard
    of every one."""
    medicaid_ids = [f"{9100000 + i}A" for i in range(members)]
    since = (date.today() - timedelta(days=365)).isoformat()
    async with httpx.AsyncClient(base_url=system.url("attribution"), timeout=30,
                                 auth=BearerAuth(system.tokens, system="attribution-feed")) as http:
        for npi, networks in (("1245319599", [MCO, "IA-AG"]), ("1003000126", [MCO])):
            response = await http.post("/v1/providers", json={
                "npi": npi, "name": "Bench Family Medicine", "is_pcp": True, "practice_npi": npi,
                "practice_name": "Bench Family Medicine", "lat": 41.59, "lon": -93.62, "languages": ["en"],
                "capacity": 10 * members, "open_panel": True, "networks": networks})
            response.raise_for_status()
        for medicaid_id in medicaid_ids:
            response = await http.post("/v1/members", json={
                "medicaid_id": medicaid_id, "name": "Bench Member", "birth_date": "1980-02-03", "lat": 41.60,
                "lon": -93.63, "language": "en", "mco": MCO, "eligible_from": since})
            response.raise_for_status()
    conn = await asyncpg.connect(DSN)
    try:
        sql = (f'SELECT count(DISTINCT medicaid_id) FROM "{system.schema("triage")}".enrollments '
               "WHERE medicaid_id = ANY($1::text[])")

        async def known() -> bool:
            return int(await conn.fetchval(sql, medicaid_ids)) == members
        await wait_until(known, timeout=120, interval=0.2, what=f"triage to know the {members} members")
    finally:
        await conn.close()
    return medicaid_ids


@dataclass
class Step:
    rate: float
    load: Load
    drained: bool
    drain_s: float  # how long it was given
    window_s: float  # the CPU window: first send to the end of the drain and the settle
    cpu: dict[str, float]
    load_s: float  # first send to the last answer
    load_cpu: dict[str, float]  # CPU during load_s only
    machine_busy: float  # fraction of all the machine's cores busy during load_s (anyone's processes)
    figures: dict[str, float] = field(default_factory=dict)
    verdict: str = ""


def analyse(step: Step, tracker: Tracker) -> None:
    """The step's rates, latencies and verdict (kept up or why not)."""
    load, f = step.load, step.figures
    accepted = sorted(load.accepted, key=lambda a: a[1])
    decided = [tracker.assigned[i] for i, _, _ in accepted if i in tracker.assigned]
    notified = [tracker.notified[i] for i, _, _ in accepted if i in tracker.notified]
    to_assigned = [(tracker.assigned[i] - at) * 1000 for i, _, at in accepted if i in tracker.assigned]
    to_notified = [(tracker.notified[i] - at) * 1000 for i, _, at in accepted if i in tracker.notified]

    def rate(times: list[float]) -> float:  # over the span of the events, so a constant latency does not count
        return (len(times) - 1) / (max(times) - min(times)) if len(times) > 1 else 0.0
    f.update(offered_rps=step.rate, requests=load.offered, accepted=len(accepted),
             refused=sum(load.refused.values()), accepted_rps=rate([at for _, _, at in accepted]),
             decided=len(decided), decided_rps=rate(decided), notified=len(notified), notified_rps=rate(notified),
             answer_p50_ms=percentile(load.answer_ms, 50), answer_p99_ms=percentile(load.answer_ms, 99),
             sent_late_p99_ms=percentile(load.late_ms, 99),
             assigned_p50_ms=percentile(to_assigned, 50), assigned_p99_ms=percentile(to_assigned, 99),
             notified_p50_ms=percentile(to_notified, 50), notified_p99_ms=percentile(to_notified, 99),
             notified_max_ms=max(to_notified, default=math.nan), window_s=step.window_s,
             system_cores=sum(step.load_cpu.get(p, 0.0) for p in SYSTEM_PARTS) / step.load_s,
             machine_busy=step.machine_busy,
             other_cores=max(0.0, step.machine_busy * (os.cpu_count() or 1)  # not ours: anyone else's load
                             - sum(v for v in step.load_cpu.values() if not math.isnan(v)) / step.load_s))
    # Queueing shows as latency that grows through the step: the p50 of the last third of the requests
    # against the first third's. (Rates over a short step are thrown off by a late tail; this is not.)
    third = max(1, len(accepted) // 3)
    for name, series in (("answer", load.answer_ms), ("notified", to_notified)):  # both in the order sent
        f[f"{name}_first_third_p50_ms"] = percentile(series[:third], 50)
        f[f"{name}_last_third_p50_ms"] = percentile(series[-third:], 50)
    grew = [(label, f[f"{name}_first_third_p50_ms"], f[f"{name}_last_third_p50_ms"])
            for label, name in (("202", "answer"), ("->notified", "notified"))
            if f[f"{name}_last_third_p50_ms"] > f[f"{name}_first_third_p50_ms"] + GROWTH_MS]
    if f["refused"]:
        step.verdict = f"no: {f['refused']:.0f} requests not answered 202 ({dict(load.refused)})"
    elif not step.drained:
        step.verdict = (f"no: {len(accepted) - len(decided)} undecided, {len(accepted) - len(notified)} "
                        f"not notified {step.drain_s:.0f} s after the last 202")
    elif grew:
        label, first_p50, last_p50 = grew[0]
        step.verdict = f"no: {label} p50 grew from {first_p50:,.0f} ms (first third) to {last_p50:,.0f} ms (last)"
    else:
        step.verdict = "yes"


async def run_step(system: LiaisonSystem, generator: LoadGenerator, tracker: Tracker,
                   probes: dict[str, Callable[[], float]], rate: float, args: argparse.Namespace) -> Step:
    """One rate for `duration` s; then until every accepted inquiry is decided and notified (at most
    `drain` s), and `settle` s more for the events that follow (clocks, the inquiry log)."""
    before, busy_before, started = snapshot(probes), machine_busy(), time.monotonic()
    load = await generator.step(rate, args.duration)
    under_load, busy_after, loaded = snapshot(probes), machine_busy(), time.monotonic()
    drained = True
    try:
        await wait_for_all(system, tracker, [i for i, _, _ in load.accepted], args.drain)
    except TimeoutError:
        drained = False
    await asyncio.sleep(args.settle)
    after, ended = snapshot(probes), time.monotonic()
    step = Step(rate, load, drained, args.drain, ended - started, spent(before, after), loaded - started,
                spent(before, under_load), (busy_after - busy_before) / (loaded - started) / (os.cpu_count() or 1))
    analyse(step, tracker)
    return step


STAGES = (  # (label, from, to): per inquiry, from the services' own tables and this run's clocks
    ("intake: row inserted -> 202 answered", "intake_row", "answered"),
    ("intake relay: row -> on Kafka", "intake_row", "intake_sent"),
    ("triage: on Kafka -> decision row", "intake_sent", "triage_row"),
    ("triage relay: row -> on Kafka", "triage_row", "triage_sent"),
    ("notifier: on Kafka -> delivery row", "triage_sent", "delivery_row"),
    ("deliverer: row -> sending", "delivery_row", "sending"),
    ("deliverer: SMTP send -> sent row", "sending", "notifier_row"),
    ("notifier relay: row -> on Kafka", "notifier_row", "notifier_sent"),
    ("relay marked sent -> seen here", "notifier_sent", "seen"),
)


async def stage_times(system: LiaisonSystem) -> dict[uuid.UUID, dict[str, float]]:
    """Per inquiry, the wall-clock instants (epoch s) its events passed each service's outbox and the notifier's
    deliveries table: outbox.created_at (the insert, in the service's transaction) and sent_at (after the
    broker's acknowledgement), deliveries.created_at (the start of the consumer's transaction) and sent_at
    (the notifier's clock just before the send)."""
    prefix = system.topic_prefix
    times: dict[uuid.UUID, dict[str, float]] = {}
    conn = await asyncpg.connect(DSN)
    try:
        for service, topic, row, sent in (("intake", "inquiry.received", "intake_row", "intake_sent"),
                                          ("triage", "inquiry.priority-assigned", "triage_row", "triage_sent")):
            for r in await conn.fetch(f'SELECT convert_from(key, \'UTF8\') AS id, created_at, sent_at '
                                      f'FROM "{system.schema(service)}".outbox WHERE topic = $1', prefix + topic):
                entry = times.setdefault(uuid.UUID(r["id"]), {})
                entry.setdefault(row, r["created_at"].timestamp())
                if r["sent_at"] is not None:
                    entry.setdefault(sent, r["sent_at"].timestamp())
        notifier = system.schema("notifier")
        for r in await conn.fetch(
                f'SELECT d.inquiry_id, d.created_at AS delivery_row, d.sent_at AS sending, o.created_at AS '
                f'notifier_row, o.sent_at AS notifier_sent FROM "{notifier}".deliveries d JOIN "{notifier}".outbox o '
                f"ON o.key = convert_to(d.notification_id::text, 'UTF8') WHERE o.topic = $1 ORDER BY o.id",
                prefix + "notification.delivery"):
            entry = times.setdefault(r["inquiry_id"], {})
            for name in ("delivery_row", "sending", "notifier_row", "notifier_sent"):
                if r[name] is not None:
                    entry.setdefault(name, r[name].timestamp())
    finally:
        await conn.close()
    return times


def report_stages(step: Step, tracker: Tracker, times: dict[uuid.UUID, dict[str, float]]) -> dict[str, float]:
    """Where an inquiry's time went at this step's rate, p50 and p99 of each stage."""
    wall = time.time() - time.monotonic()  # CLOCK_MONOTONIC -> epoch, for the load generator's and the reader's
    print(f"\n  where the time goes at {step.rate:.0f}/s      p50 ms    p99 ms")
    figures = {}
    for label, start, end in STAGES:
        spans = []
        for inquiry_id, _, answered in step.load.accepted:
            at = {**times.get(inquiry_id, {}), "answered": answered + wall}
            if inquiry_id in tracker.notified:
                at["seen"] = tracker.notified[inquiry_id] + wall
            if start in at and end in at:
                spans.append((at[end] - at[start]) * 1000)
        p50, p99 = percentile(spans, 50), percentile(spans, 99)
        print(f"    {label:<36} {ms(p50):>6}    {ms(p99):>6}")
        figures[f"stage_{end}_p50_ms"] = p50
    return figures


# --- the report -----------------------------------------------------------------------------


def ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:,.0f}"


def report_step(step: Step) -> None:
    f = step.figures
    print(f"  {f['offered_rps']:>7.0f} {f['accepted_rps']:>7.1f} {f['decided_rps']:>8.1f} {f['notified_rps']:>9.1f}"
          f"   {ms(f['answer_p50_ms']):>5} /{ms(f['answer_p99_ms']):>6}"
          f"   {ms(f['assigned_p50_ms']):>6} /{ms(f['assigned_p99_ms']):>6}"
          f"   {ms(f['notified_p50_ms']):>6} /{ms(f['notified_p99_ms']):>6}"
          f"   {f['system_cores']:>6.2f} {f['other_cores']:>6.2f} {f['machine_busy']:>7.0%}   {step.verdict}",
          flush=True)


def report_cpu(step: Step, idle: dict[str, float], idle_s: float) -> dict[str, float]:
    n = max(1, len(step.load.accepted))
    system_total = sum(step.cpu.get(p, 0.0) for p in SYSTEM_PARTS if not math.isnan(step.cpu.get(p, 0.0)))
    print(f"\n  CPU at {step.rate:.0f}/s: {n:,} inquiries, {step.window_s:.1f} s from the first request to the end"
          " of the drain")
    print("    process                   ms/inquiry   net of idle   share of system   cores   idle ms/s")
    figures = {}
    idle_system = sum(idle.get(p, 0.0) for p in SYSTEM_PARTS if p in step.cpu)
    for part in (*SYSTEM_PARTS, *OUTSIDE_PARTS):
        if part not in step.cpu:
            continue
        used, idle_rate = step.cpu[part], idle[part] / idle_s
        share = f"{used / system_total:.0%}" if part in SYSTEM_PARTS and system_total else "-"
        label = {"kafka": "Kafka broker (shared)", "postgresql": "PostgreSQL (shared)",
                 "harness": "harness (reader, SMTP)"}.get(part, part)
        print(f"    {label:<24} {used * 1000 / n:>10.2f}   {(used - idle_rate * step.window_s) * 1000 / n:>11.2f}"
              f"   {share:>15}   {used / step.window_s:>5.2f}   {idle_rate * 1000:>9.1f}")
        figures[f"cpu_ms_{part.replace(' ', '_').replace('-', '_')}"] = used * 1000 / n
    net = system_total - idle_system / idle_s * step.window_s
    print(f"    {'system total':<24} {system_total * 1000 / n:>10.2f}   {net * 1000 / n:>11.2f}   {'100%':>15}"
          f"   {system_total / step.window_s:>5.2f}   {idle_system * 1000 / idle_s:>9.1f}"
          f"   (of {os.cpu_count()} cores)")
    figures["cpu_ms_system"], figures["cpu_ms_system_net"] = system_total * 1000 / n, net * 1000 / n
    return figures


# --- the run --------------------------------------------------------------------------------


async def clean_up(system: LiaisonSystem, generator: LoadGenerator | None, tracker: Tracker | None,
                   consumer: AIOKafkaConsumer | None, raw: Created) -> None:
    """Stop everything this run started, drop its schemas, delete its topics; report failures, never raise."""
    steps: list[tuple[str, Callable[[], Any]]] = []
    if tracker is not None:
        steps.append(("Kafka reader", tracker.stop))
    if consumer is not None:
        steps.append(("Kafka consumer", consumer.stop))
    if generator is not None:
        steps.append(("load generator", generator.stop))
    steps.append(("services", system.stop))
    for what, action in steps:
        try:
            await action()
        except Exception as exc:
            print(f"cleanup: {what} not stopped: {exc!r}", file=sys.stderr)
    await drop_run(system.bootstrap, [system.schema(service) for service in SERVICES] + raw.schemas,
                   system.topic_prefix)


async def measure(args: argparse.Namespace, system: LiaisonSystem, mail: MailSink, raw: Created,
                  handles: dict[str, Any]) -> None:
    print(f"\n  whole system: {len(SERVICES)} services as processes, {system.partitions} partitions per topic, "
          f"{args.members} enrolled members, {args.duration:.0f} s per step, open loop", flush=True)
    if args.set:
        print("  settings: " + ", ".join(f"{service}.{key}={value}" for service, key, value in args.set))
    raw_rps = await measure_raw_inserts(f"{system.name}_raw", args.raw_seconds, 32, raw)
    round_trip = await measure_raw_round_trip(system.bootstrap, f"{system.topic_prefix}raw.round-trip",
                                              args.raw_kafka_rate, args.raw_seconds)
    rtt_p50, rtt_p99 = percentile(round_trip, 50), percentile(round_trip, 99)
    print(f"  raw asyncpg INSERT+commit          {raw_rps:>8,.0f} rows/s   (32 connections)")
    print(f"  raw aiokafka produce->consume      p50 {rtt_p50:.1f} ms, p99 {rtt_p99:.1f} ms"
          f"   ({args.raw_kafka_rate:.0f} records/s)", flush=True)

    started = time.monotonic()
    await system.start()
    print(f"  system ready in {time.monotonic() - started:.1f} s", flush=True)
    medicaid_ids = await load_roster(system, args.members)
    prefix = system.topic_prefix
    handles["consumer"] = consumer = AIOKafkaConsumer(
        f"{prefix}inquiry.priority-assigned", f"{prefix}notification.delivery",
        bootstrap_servers=system.bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    handles["tracker"] = tracker = Tracker(consumer)
    handles["generator"] = generator = await LoadGenerator.start(system.url("intake"), system.tokens.issuer,
                                                                 medicaid_ids, args.connections)
    warm = await generator.step(10, 2)  # connections, provider keys, consumer groups, relays, SMTP
    try:
        await wait_for_all(system, tracker, [i for i, _, _ in warm.accepted], 120)
    except TimeoutError as exc:
        raise Failed(f"warm-up: {exc}") from None
    if len(warm.accepted) != warm.offered:
        raise Failed(f"warm-up: {warm.offered - len(warm.accepted)} of {warm.offered} requests refused "
                     f"({dict(warm.refused)})")
    probes = cpu_probes(system, generator, system.bootstrap)
    await asyncio.sleep(args.settle)
    idle_before, idle_start = snapshot(probes), time.monotonic()
    await asyncio.sleep(args.idle_seconds)
    idle, idle_s = spent(idle_before, snapshot(probes)), time.monotonic() - idle_start

    print(f"\n  {'offered':>7} {'202s':>7} {'decided':>8} {'notified':>9}   {'202 p50/p99':>13}"
          f"   {'->assigned':>14}   {'->notified':>14}   {'system':>6} {'others':>6} {'machine':>7}   kept up")
    print(f"  {'/s':>7} {'/s':>7} {'/s':>8} {'/s':>9}   {'ms':>13}   {'p50/p99 ms':>14}   {'p50/p99 ms':>14}"
          f"   {'cores':>6} {'cores':>6} {'busy':>7}")
    steps: list[Step] = []
    for rate in args.rates:
        step = await run_step(system, generator, tracker, probes, rate, args)
        steps.append(step)
        report_step(step)
        if step.verdict != "yes":
            break

    kept = [s for s in steps if s.verdict == "yes"]
    best = kept[-1] if kept else None
    figures: dict[str, float] = {"raw_insert_rps": raw_rps, "raw_rtt_p50_ms": rtt_p50, "raw_rtt_p99_ms": rtt_p99}
    print()
    if best is None:
        print("  sustained                          none of the rates   (the lowest did not keep up)"
              f"   target >= {TARGET_RPS:.0f}/s: MISS")
        figures["sustained_rps"] = 0.0
    else:
        f = best.figures
        figures.update(sustained_rps=best.rate, sustained_ratio=best.rate / raw_rps,
                       **{k: v for k, v in f.items() if k.endswith("_ms") or k.endswith("_rps")})
        print(f"  sustained                          {best.rate:>8,.0f} inquiries/s   {best.rate / raw_rps:.4f}x raw "
              f"INSERT   (decided {f['decided_rps']:.1f}/s, notified {f['notified_rps']:.1f}/s)"
              f"   target >= {TARGET_RPS:.0f}/s: {VERDICT[best.rate >= TARGET_RPS]}")
        print(f"    {'request due -> 202':<32} p50 {f['answer_p50_ms']:>5,.0f} ms, p99 "
              f"{f['answer_p99_ms']:>5,.0f} ms   (from the scheduled time; sent p99 {f['sent_late_p99_ms']:.0f} ms"
              " late)")
        for label, name in (("202 -> priority-assigned", "assigned"),
                            ("202 -> first notification.sent", "notified")):
            p50, p99 = f[f"{name}_p50_ms"], f[f"{name}_p99_ms"]
            print(f"    {label:<32} p50 {p50:>5,.0f} ms = {p50 / rtt_p50:>4.0f}x raw round trip, "
                  f"p99 {p99:>5,.0f} ms = {p99 / rtt_p99:>4.0f}x raw")
            figures[f"{name}_p50_x_rtt"], figures[f"{name}_p99_x_rtt"] = p50 / rtt_p50, p99 / rtt_p99
        figures.update(report_cpu(best, idle, idle_s))
    times = await stage_times(system)
    shown = ([best] if best is not None else []) + ([steps[-1]] if steps and steps[-1] is not best else [])
    for step in shown:  # the sustained rate and the one it did not keep up with
        stages = report_stages(step, tracker, times)
        if step is best:
            figures.update(stages)
    tracks = ", ".join(f"{t} {n}" for t, n in tracker.tracks.most_common())
    print(f"\n  decisions by track                 {tracks}")
    print(f"  repeats                            {dict(tracker.repeats) or 0}   notification.failed "
          f"{tracker.failed}   e-mails received {mail.count:,} for {len(tracker.notified):,} inquiries notified")
    print(json.dumps({k: round(v, 4) for k, v in figures.items()}))


async def run(args: argparse.Namespace) -> None:
    name = f"bsys{uuid.uuid4().hex[:10]}"
    mail = MailSink()
    smtp = Controller(mail, hostname="127.0.0.1", port=free_port())
    smtp.start()
    raw = Created()
    handles: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-system-") as workdir:
        settings = {service: {"LOG_LEVEL": "WARNING"} for service in SERVICES}
        for service, setting, value in args.set:
            settings[service][setting] = value
        system = LiaisonSystem(name=name, database_url=DATABASE_URL, bootstrap=args.bootstrap,
                               workdir=Path(workdir), smtp_port=smtp.port, settings=settings)
        try:
            await measure(args, system, mail, raw, handles)
        finally:
            await clean_up(system, handles.get("generator"), handles.get("tracker"), handles.get("consumer"), raw)
            smtp.stop()


def setting(text: str) -> tuple[str, str, str]:
    name, _, value = text.partition("=")
    service, _, key = name.partition(".")
    if service not in SERVICES or not key or not value:
        raise argparse.ArgumentTypeError(f"expected SERVICE.NAME=VALUE with SERVICE one of {', '.join(SERVICES)}")
    return service, key.upper(), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load per step")
    parser.add_argument("--rates", default=DEFAULT_RATES,
                        help=f"offered inquiries/s, one step each, until one does not keep up ({DEFAULT_RATES})")
    parser.add_argument("--drain", type=float, default=15.0,
                        help="seconds after a step for every inquiry to be decided and notified")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds more before the step's CPU is read")
    parser.add_argument("--members", type=int, default=50, help="enrolled members the inquiries are about")
    parser.add_argument("--connections", type=int, default=64, help="the load generator's HTTP connections")
    parser.add_argument("--raw-seconds", type=float, default=5.0, help="length of each raw baseline")
    parser.add_argument("--raw-kafka-rate", type=float, default=100.0, help="records/s of the raw round trip")
    parser.add_argument("--idle-seconds", type=float, default=5.0, help="idle CPU measured for this long")
    parser.add_argument("--set", type=setting, action="append", default=[], metavar="SERVICE.NAME=VALUE",
                        help="a service setting (without LIAISON_<SERVICE>_), e.g. notifier.DELIVERY_POLL_SECONDS=0.05")
    parser.add_argument("--bootstrap", default=BOOTSTRAP)
    parser.add_argument("--load-generator", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load_generator:
        asyncio.run(load_generator())
        return
    args.rates = [float(r) for r in args.rates.split(",") if r.strip()]
    try:
        asyncio.run(run(args))
    except (Failed, TimeoutError, RuntimeError) as exc:
        sys.exit(f"FAILED: {exc}")


if __name__ == "__main__":
    main()
