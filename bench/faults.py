"""Fault drills: the whole system under a steady load of member inquiries while
its parts fail, then a count of what came through.

    python -m bench.faults [--rate 20] [--max-in-flight 32] [--only kill|kafka|postgres|kill:<service>]

The run starts a Kafka broker and a PostgreSQL server of its own (other ports:
stopping them disturbs nobody), the seven services on them as processes, and an
SMTP catcher. Each drill offers inquiries to intake at a fixed rate (open loop;
a failed post is retried with the same Idempotency-Key until it is accepted; at
most --max-in-flight posts at once, so a system slower than the rate leaves the
load behind its schedule, which is recorded, rather than buried in retries)
while one fault happens:

- kill -9 each service in turn, then start it again;
- stop Kafka for 60 s, then start it again;
- restart PostgreSQL (stop, start).

After each drill the run waits until the system has caught up, then checks
every accepted inquiry in the services' own databases: exactly one triage
decision, the clocks its track and priority start at triage, and its new-work
e-mail sent (and received). It prints, per drill: the offered and the achieved
(accepted) rate, accepted, decided, lost, duplicated. It exits non-zero if anything is lost or duplicated. Nothing that
identifies a member is printed. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import yaml
from aiosmtpd.controller import Controller

from liaison_shared.kafka import delete_topics
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.private_servers import PrivateKafka, PrivatePostgres
from liaison_shared.testing.system import SERVICES, LiaisonSystem, free_port
from liaison_shared.testing.system_client import BearerAuth, SystemClient
from liaison_shared.testing.waiting import wait_until

KAFKA_PORT = 19492  # controller on 19493; shared/tests use 19092, tests/test_fault_drills.py 19392
POSTGRES_PORT = 54359  # shared/tests use 54339, tests/test_fault_drills.py 54349
DRILL_KINDS = ("kill", "kafka", "postgres")
PRIORITY_ASSIGNED = "inquiry.priority-assigned"
CLOCK_STARTED = "liaison.sla.clock-started.v1"

# Synthetic members (valid Iowa Medicaid IDs: 7 digits and a letter) and two PCPs.
PROVIDERS = [
    {"npi": "1245319599", "name": "Drill Family Medicine", "is_pcp": True, "practice_npi": "1245319599",
     "practice_name": "Drill Family Medicine", "lat": 41.59, "lon": -93.62, "languages": ["en", "es"],
     "capacity": 500, "open_panel": True, "networks": ["IA-TC", "IA-AG"]},
    {"npi": "1003000126", "name": "Drill Community Clinic", "is_pcp": True, "practice_npi": "1003000126",
     "practice_name": "Drill Community Clinic", "lat": 41.66, "lon": -93.70, "languages": ["en"],
     "capacity": 500, "open_panel": True, "networks": ["IA-TC", "IA-AG"]},
]
MEMBERS = [
    {"medicaid_id": f"48{n:05d}{letter}", "name": f"Drill Member {letter}", "birth_date": f"19{60 + n}-0{n}-1{n}",
     "lat": 41.60, "lon": -93.63, "language": "en", "mco": mco, "eligible_from": "2026-01-01"}
    for n, letter, mco in ((1, "A", "IA-TC"), (2, "B", "IA-AG"), (3, "C", "IA-TC"), (4, "D", "IA-AG"),
                           (5, "E", "IA-TC"), (6, "F", "IA-AG"))
]
# What a member inquiry is about, and what triage must make of it (member enrolled in an MCO).
MIX: dict[str, tuple[dict[str, Any], tuple[str, str, str]]] = {
    "standard": ({"source": "ime_call_center_csr", "category": "claims_billing",
                  "description": "Member received a bill from a provider for a covered office visit."},
                 ("member_mco", "standard", "msa_esr")),
    "escalated": ({"source": "managed_care_ombudsman", "category": "quality_of_care",
                   "description": "Member says the plan has not answered a grievance filed last month."},
                  ("member_mco", "escalated", "msa_esr")),
    "urgent": ({"source": "plan_member_services", "category": "pharmacy",
                "description": "Member cannot get an insulin refill approved; runs out tomorrow."},
               ("member_mco", "urgent", "member_liaison")),
}
KINDS = tuple(MIX)


# -- what the services' configuration says an inquiry is owed --------------------------------------

def _yaml(package: str, name: str) -> Any:
    return yaml.safe_load(resources.files(package).joinpath(name).read_text())


class Expectations:
    """Clocks started at triage (policy.yaml) and new-work recipients (subscriptions.yaml), read here
    from the files themselves rather than through the services' code."""

    def __init__(self) -> None:
        self._policy = _yaml("liaison_sla_monitor", "policy.yaml")
        self._subscriptions = _yaml("liaison_notifier", "subscriptions.yaml")

    def clocks(self, track: str, priority: str) -> frozenset[str]:
        for row in self._policy["rows"]:
            if row["track"] == track and priority in row["priorities"]:
                return frozenset(c["name"] for c in row["clocks"] if c["starts_on"] == "triaged")
        return frozenset()

    def recipients(self, track: str, priority: str, queue: str) -> frozenset[str]:
        names: set[str] = set()
        for sub in self._subscriptions["subscriptions"]:
            when = sub.get("when") or {}
            if "priority_assigned" in sub["kinds"] and all(
                    value in when.get(key, [value])
                    for key, value in (("queue_in", queue), ("track_in", track), ("priority_in", priority))):
                names.update(sub["notify"])
        return frozenset(names)


# -- an SMTP server that counts ---------------------------------------------------------------------

class MailCounter:
    """Stands in for the program's SMTP relay: accepts every message and counts them by Message-ID."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: Counter[str] = Counter()
        self._controller: Controller | None = None
        self.port = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        header = BytesHeaderParser().parsebytes(envelope.content)["Message-ID"] or ""
        message_id = str(header).strip().strip("<>").split("@")[0]
        with self._lock:
            self._by_id[message_id] += 1
        return "250 Message accepted for delivery"

    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self._by_id)

    def start(self) -> None:
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()


# -- the load -----------------------------------------------------------------------------------------

def inquiry_body(k: int, kind: str) -> bytes:
    """The k-th inquiry, as bytes: a retry must send exactly the same request."""
    member = MEMBERS[k % len(MEMBERS)]
    fields, _ = MIX[kind]
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=30)
    return json.dumps({
        **fields, "member_name": member["name"], "medicaid_id": member["medicaid_id"],
        "caller_name": "Drill Caller", "callback_phone": f"515-555-{100 + k % 900:04d}", "mco": member["mco"],
        "received_at": received.isoformat()}).encode()


class Load:
    """Posts member inquiries on a fixed schedule: inquiry k is due at start + k / rate (open loop), whatever
    the answers. At most `max_in_flight` inquiries are being posted at a time. A post that fails (no answer,
    5xx) is retried with the same Idempotency-Key, with backoff, until it is accepted, and keeps its slot
    meanwhile. When intake is slower than the schedule the load falls behind (each inquiry's lateness is
    recorded, and the inquiries due but never posted are counted) instead of piling up requests that would
    also starve intake's /readyz."""

    def __init__(self, http: httpx.AsyncClient, rate: float, tag: str, max_in_flight: int) -> None:
        self._http, self._rate, self._tag, self._slots = http, rate, tag, max_in_flight
        self.accepted: dict[str, str] = {}  # inquiry id -> kind
        self.retries: Counter[str] = Counter()  # why posts were retried (status code or error class)
        self.rejected: Counter[str] = Counter()  # answers that are neither 202 nor worth a retry
        self.sent = 0  # inquiries posted (at least once)
        self.late_s: list[float] = []  # per posted inquiry: from its due time to its first post
        self._next = 0  # the next inquiry a free slot takes
        self._start = self._stopped = self._last_accept = 0.0  # event-loop time
        self._stopping = asyncio.Event()
        self._workers: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._start = self._last_accept = asyncio.get_running_loop().time()
        self._workers = {asyncio.create_task(self._work()) for _ in range(self._slots)}

    @property
    def due(self) -> int:
        """Inquiries the schedule offered: due before the load was stopped (or by now)."""
        until = self._stopped if self._stopping.is_set() else asyncio.get_running_loop().time()
        return int((until - self._start) * self._rate) + 1

    @property
    def scheduled_s(self) -> float:
        return self._stopped - self._start

    @property
    def accepted_rate(self) -> float:
        """Accepted inquiries per second, from the first due time to the last 202."""
        return len(self.accepted) / max(self._last_accept - self._start, 1e-9)

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            k = self._next
            self._next += 1
            due = self._start + k / self._rate
            if due > loop.time():
                try:
                    await asyncio.wait_for(self._stopping.wait(), due - loop.time())
                except TimeoutError:
                    pass
            if self._stopping.is_set():
                return  # not posted: the schedule had not reached it, or the load was behind when it stopped
            self.late_s.append(loop.time() - due)
            self.sent += 1
            await self._submit(k)

    async def _submit(self, k: int) -> None:
        kind = KINDS[k % len(KINDS)]
        body = inquiry_body(k, kind)
        headers = {"Idempotency-Key": f"{self._tag}-{k:06d}", "Content-Type": "application/json"}
        attempt = 0
        while True:
            try:
                response = await self._http.post("/v1/inquiries/member", content=body, headers=headers)
            except httpx.TransportError as exc:
                why = type(exc).__name__
            else:
                if response.status_code == 202:
                    self.accepted[str(response.json()["inquiry_id"])] = kind
                    self._last_accept = asyncio.get_running_loop().time()
                    return
                why = str(response.status_code)
                if response.status_code < 500 and response.status_code not in (408, 429):
                    self.rejected[f"{why} {response.json().get('code', '')}".strip()] += 1
                    return
            self.retries[why] += 1
            attempt += 1
            await asyncio.sleep(min(2.0, 0.1 * 2 ** min(attempt, 5)) * random.uniform(0.5, 1.0))  # backoff

    async def finish(self, timeout: float) -> int:
        """Stop taking inquiries from the schedule; wait until every post was answered. Returns the posts
        still unanswered."""
        if not self._stopping.is_set():
            self._stopped = asyncio.get_running_loop().time()
            self._stopping.set()
        pending = set(self._workers)
        if pending and timeout > 0:
            _, pending = await asyncio.wait(pending, timeout=timeout)
        for task in pending:
            task.cancel()
        return len(pending)


# -- checking what came through -------------------------------------------------------------------------

@dataclass
class DrillResult:
    name: str
    offered_rate: float = 0.0  # the schedule's inquiries per second (--rate)
    accepted_rate: float = 0.0  # accepted per second, from the load's start to its last 202
    accepted: int = 0
    decided: int = 0
    lost: int = 0
    duplicated: int = 0
    wrong: int = 0  # decided, but not as the rules say (track, priority, queue or clocks)
    catch_up_s: float = 0.0  # from the last accepted post until every check passed
    outage_s: float = 0.0  # from the fault until the service or server answered again
    offered: int = 0  # inquiries due on the schedule while the load ran
    load_s: float = 0.0  # how long the schedule ran
    posts: int = 0  # inquiries posted (the rest of those offered were due while every slot was busy)
    not_posted: int = 0  # offered, never posted: the load was that far behind its schedule when it stopped
    behind_s: float = 0.0  # the most an inquiry was posted after its due time
    retried: int = 0  # post attempts that failed and were retried
    unanswered: int = 0  # posts never accepted (given up at the end of the drill)
    rejected: dict[str, int] = field(default_factory=dict)
    emails: int = 0  # new-work e-mails expected
    emails_repeated: int = 0  # the same e-mail (same Message-ID) received again: at-least-once, not a failure
    sampled: int = 0  # inquiries also checked over HTTP (intake, sla-monitor, notifier)
    sample_mismatches: int = 0  # of those, how many the HTTP APIs showed otherwise than expected
    crashed: list[str] = field(default_factory=list)  # services that exited on their own
    problems: dict[str, int] = field(default_factory=dict)  # counts by what was wrong, never ids

    @property
    def ok(self) -> bool:
        return (self.accepted > 0 and self.lost == 0 and self.duplicated == 0 and self.wrong == 0
                and self.sample_mismatches == 0 and self.unanswered == 0 and not self.rejected and not self.crashed)

    def line(self) -> str:
        extra = [f"offered {self.offered} in {self.load_s:.1f} s", f"{self.posts} posted",
                 f"{self.not_posted} never posted, up to {self.behind_s:.1f} s behind schedule",
                 f"outage {self.outage_s:.1f} s", f"{self.retried} retries"] if self.posts else []
        extra += [f"{self.emails} e-mails ({self.emails_repeated} repeated)"]
        if self.sampled:
            extra.append(f"{self.sampled} sampled over HTTP ({self.sample_mismatches} not as expected)")
        if self.wrong:
            extra.append(f"{self.wrong} wrong")
        if self.unanswered:
            extra.append(f"{self.unanswered} never accepted")
        if self.rejected:
            extra.append(f"rejected {self.rejected}")
        if self.crashed:
            extra.append(f"crashed {self.crashed}")
        if self.problems:
            extra.append(f"problems {self.problems}")
        rates = f"offered {self.offered_rate:5.1f}/s  achieved {self.accepted_rate:5.1f}/s  " if self.posts else ""
        return (f"{self.name:<18} {rates}accepted {self.accepted:>5}  decided {self.decided:>5}  lost {self.lost:>3}  "
                f"duplicated {self.duplicated:>3}  " + (f"catch-up {self.catch_up_s:6.1f} s   " if self.posts else "")
                + f"({', '.join(extra)})")


@dataclass
class Verdict:
    decided: int
    lost: int
    duplicated: int
    wrong: int
    emails: int
    emails_repeated: int
    problems: Counter[str]
    drained: bool  # every outbox sent, no delivery pending
    phantoms: set[str]  # inquiries intake holds that no 202 announced

    @property
    def caught_up(self) -> bool:
        return self.drained and self.lost == 0


class Inspector:
    """Reads the services' own schemas (asyncpg, a connection per look: the server may restart)."""

    LOOK_SHARE = 0.2
    """At most this share of the time goes to looking while waiting for a catch-up: a look at thousands of
    inquiries costs the database and this process a second or more, on the cores the services catch up on."""

    def __init__(self, system: LiaisonSystem, dsn: str, mail: MailCounter) -> None:
        self.system, self.dsn, self.mail = system, dsn, mail
        self.expect = Expectations()
        self._next_look = 0.0  # time.monotonic()

    async def paced_verdict(self, accepted: dict[str, str], all_accepted: set[str], known_phantoms: set[str]
                            ) -> Verdict | None:
        """`verdict`, or None when the last look was too recent for its cost (see LOOK_SHARE)."""
        started = time.monotonic()
        if started < self._next_look:
            return None
        try:
            return await self.verdict(accepted, all_accepted, known_phantoms)
        finally:
            ended = time.monotonic()
            self._next_look = ended + (ended - started) * (1 - self.LOOK_SHARE) / self.LOOK_SHARE

    async def verdict(self, accepted: dict[str, str], all_accepted: set[str], known_phantoms: set[str]) -> Verdict:
        """`all_accepted`: every inquiry this run got a 202 for; intake must hold no other (`known_phantoms`:
        those already counted)."""
        s = {service: self.system.schema(service) for service in SERVICES}
        ids = [uuid.UUID(i) for i in accepted]
        conn = await asyncpg.connect(self.dsn, timeout=5)
        try:
            decisions = {str(r["inquiry_id"]): r for r in await conn.fetch(
                f'SELECT inquiry_id, track, priority, queue FROM "{s["triage"]}".decisions '
                "WHERE inquiry_id = ANY($1::uuid[])", ids)}
            decision_events: dict[str, list[asyncpg.Record]] = {}
            for r in await conn.fetch(
                    "SELECT convert_from(value, 'UTF8')::jsonb->>'inquiry_id' AS inquiry_id, event_id "
                    f'FROM "{s["triage"]}".outbox WHERE topic = $1', self.system.topic_prefix + PRIORITY_ASSIGNED):
                decision_events.setdefault(r["inquiry_id"], []).append(r)
            clocks: dict[str, set[str]] = {}
            for r in await conn.fetch(f'SELECT inquiry_id, name FROM "{s["sla-monitor"]}".clocks '
                                      "WHERE inquiry_id = ANY($1::uuid[])", ids):
                clocks.setdefault(str(r["inquiry_id"]), set()).add(r["name"])
            clock_starts = Counter(
                (r["inquiry_id"], r["clock"]) for r in await conn.fetch(
                    "SELECT convert_from(value, 'UTF8')::jsonb->>'inquiry_id' AS inquiry_id, "
                    "convert_from(value, 'UTF8')::jsonb->>'clock' AS clock "
                    f'FROM "{s["sla-monitor"]}".outbox WHERE headers @> $1::jsonb',
                    json.dumps([["ce_type", CLOCK_STARTED]])))
            deliveries: dict[str, list[asyncpg.Record]] = {}
            for r in await conn.fetch(
                    "SELECT notification_id, cause_event_id, inquiry_id, recipient, status "
                    f'FROM "{s["notifier"]}".deliveries WHERE inquiry_id = ANY($1::uuid[])', ids):
                deliveries.setdefault(str(r["inquiry_id"]), []).append(r)
            intake = {str(r["id"]): r for r in await conn.fetch(
                f'SELECT id, track, priority, queue FROM "{s["intake"]}".inquiries')}
            console = {str(r["id"]): r for r in await conn.fetch(
                f'SELECT id, track, priority, queue FROM "{s["console"]}".cases WHERE id = ANY($1::uuid[])', ids)}
            console_clocks: dict[str, set[str]] = {}
            for r in await conn.fetch(f'SELECT inquiry_id, clock FROM "{s["console"]}".case_clocks '
                                      "WHERE inquiry_id = ANY($1::uuid[]) AND state IN ('open', 'warning')", ids):
                console_clocks.setdefault(str(r["inquiry_id"]), set()).add(r["clock"])
            reported = {str(r["id"]): r for r in await conn.fetch(
                f'SELECT id, track, priority, received_at FROM "{s["reporting"]}".cases WHERE id = ANY($1::uuid[])',
                ids)}
            reported_clocks: dict[str, set[str]] = {}
            for r in await conn.fetch(f'SELECT inquiry_id, clock FROM "{s["reporting"]}".clock_cycles '
                                      "WHERE inquiry_id = ANY($1::uuid[])", ids):
                reported_clocks.setdefault(str(r["inquiry_id"]), set()).add(r["clock"])
            intake_clocks: dict[str, set[str]] = {}
            for r in await conn.fetch(f'SELECT inquiry_id, clock FROM "{s["intake"]}".clocks '
                                      "WHERE inquiry_id = ANY($1::uuid[]) AND state = 'open'", ids):
                intake_clocks.setdefault(str(r["inquiry_id"]), set()).add(r["clock"])
            unsent = 0
            for service in SERVICES:
                unsent += int(await conn.fetchval(f'SELECT count(*) FROM "{s[service]}".outbox WHERE sent_at IS NULL'))
            pending = int(await conn.fetchval(
                f'SELECT count(*) FROM "{s["notifier"]}".deliveries WHERE status = \'pending\''))
        finally:
            await conn.close()
        mail = self.mail.counts()

        problems: Counter[str] = Counter()
        decided = lost = duplicated = wrong = emails = repeated = 0
        for inquiry_id, kind in accepted.items():
            missing: set[str] = set()
            doubled: set[str] = set()
            bad: set[str] = set()
            decision = decisions.get(inquiry_id)
            events = decision_events.get(inquiry_id, [])
            if decision is None:
                missing.add("no decision")
            else:
                decided += 1
                got = (decision["track"], decision["priority"], decision["queue"])
                if got != MIX[kind][1]:
                    bad.add("decision not as the rules say")
            if not events:
                missing.add("no priority-assigned event")
            elif len(events) > 1:
                doubled.add("more than one decision event")
            if decision is not None:
                expected = self.expect.clocks(decision["track"], decision["priority"])
                have = clocks.get(inquiry_id, set())
                if expected - have:
                    missing.add("clock missing")
                if have - expected:
                    bad.add("unexpected clock")
                if any(clock_starts[(inquiry_id, name)] > 1 for name in have):
                    doubled.add("clock started twice")
                owed = self.expect.recipients(decision["track"], decision["priority"], decision["queue"])
                causes = {e["event_id"] for e in events}
                mine = [d for d in deliveries.get(inquiry_id, []) if d["cause_event_id"] in causes]
                by_recipient = Counter(d["recipient"] for d in mine)
                for recipient in owed:
                    emails += 1
                    sent = [d for d in mine if d["recipient"] == recipient and d["status"] == "sent"]
                    if not sent:
                        missing.add("new-work notification not sent")
                    elif not mail[str(sent[0]["notification_id"])]:
                        missing.add("e-mail not received")
                    else:
                        repeated += mail[str(sent[0]["notification_id"])] - 1
                if any(n > 1 for n in by_recipient.values()):
                    doubled.add("notification owed twice")
                if set(by_recipient) - owed:
                    bad.add("unexpected notification")
                seen = intake.get(inquiry_id)
                if seen is None or seen["track"] is None:
                    missing.add("intake does not show the decision")
                elif (seen["track"], seen["priority"], seen["queue"]) != got:
                    bad.add("intake shows another decision")
                if expected - intake_clocks.get(inquiry_id, set()):
                    missing.add("intake does not show a deadline")
                queued = console.get(inquiry_id)
                if queued is None or queued["track"] is None:
                    missing.add("the console's queue does not show the decision")
                elif (queued["track"], queued["priority"], queued["queue"]) != got:
                    bad.add("the console's queue shows another decision")
                if expected - console_clocks.get(inquiry_id, set()):
                    missing.add("the console's queue does not show a deadline")
                counted = reported.get(inquiry_id)
                if counted is None or counted["received_at"] is None or counted["track"] is None:
                    missing.add("reporting does not count the case")
                elif (counted["track"], counted["priority"]) != got[:2]:
                    bad.add("reporting counts another decision")
                if expected - reported_clocks.get(inquiry_id, set()):
                    missing.add("reporting does not count a clock")
            lost += bool(missing)
            duplicated += bool(doubled)
            wrong += bool(bad)
            problems.update(missing | doubled | bad)
        # An inquiry intake holds but never acknowledged: a retry created a second one.
        phantoms = set(intake) - all_accepted - known_phantoms
        if phantoms:
            duplicated += len(phantoms)
            problems["inquiry created without a 202"] += len(phantoms)
        return Verdict(decided, lost, duplicated, wrong, emails, repeated, problems,
                       drained=unsent == 0 and pending == 0, phantoms=phantoms)


# -- the drills -----------------------------------------------------------------------------------------

@dataclass
class DrillSettings:
    rate: float = 20.0  # inquiries per second, offered (open loop)
    max_in_flight: int = 32  # inquiries being posted at once, at most (intake's peak is reached well below)
    ready_probe_timeout_s: float = 30.0  # per /readyz probe: a restarted service answers it behind the load
    steady_s: float = 5.0  # load before the fault, and again after recovery
    kill_down_s: float = 2.0  # how long a killed service stays down before it is started again
    kafka_outage_s: float = 60.0
    catch_up_timeout_s: float = 300.0
    sample: int = 5  # accepted inquiries checked over HTTP after each drill


def drill_plan(only: Sequence[str] = ()) -> list[str]:
    """Drill names in order: kill:<service> for each service, kafka, postgres; `only` picks kinds or names."""
    every = [f"kill:{service}" for service in SERVICES] + ["kafka", "postgres"]
    if not only:
        return every
    return [d for d in every if d in only or d.split(":")[0] in only]


class Drills:
    def __init__(self, kafka: PrivateKafka, postgres: PrivatePostgres, workdir: Path, settings: DrillSettings,
                 name: str, log: Callable[[str], None], tokens: Tokens) -> None:
        self.kafka, self.postgres, self.settings, self.log = kafka, postgres, settings, log
        self.mail = MailCounter()
        self.system = LiaisonSystem(name=name, database_url=postgres.database_url, bootstrap=kafka.bootstrap,
                                    workdir=workdir, smtp_port=0, tokens=tokens,
                                    ready_probe_timeout=settings.ready_probe_timeout_s)
        self.dsn = postgres.database_url.replace("postgresql+asyncpg://", "postgresql://")
        self.inspector = Inspector(self.system, self.dsn, self.mail)
        self.all_accepted: set[str] = set()
        self.phantoms: set[str] = set()  # counted in the drill that made them
        self.by_drill: dict[str, dict[str, str]] = {}
        self.kafka_down = False
        self.postgres_down = False

    async def setup(self) -> None:
        self.mail.start()
        self.system.smtp_port = self.mail.port
        await self.system.start()
        # The load comes from the call center's system; the roster from the attribution feed; a member
        # liaison reads the samples. Tokens are renewed as they near expiry: the drills run for minutes.
        self.client = SystemClient(self.system)
        self.http = httpx.AsyncClient(base_url=self.system.url("intake"), timeout=10,
                                      auth=BearerAuth(self.system.tokens, system="call-center"),
                                      limits=httpx.Limits(max_connections=self.settings.max_in_flight,
                                                          max_keepalive_connections=self.settings.max_in_flight))
        for provider in PROVIDERS:
            await self.client.roster("/v1/providers", provider)
        for member in MEMBERS:
            await self.client.roster("/v1/members", member)

        async def triage_knows_roster() -> bool:
            conn = await asyncpg.connect(self.dsn)
            try:
                known = await conn.fetchval(f'SELECT count(DISTINCT medicaid_id) FROM "{self.system.schema("triage")}"'
                                            ".enrollments WHERE medicaid_id = ANY($1::text[])",
                                            [m["medicaid_id"] for m in MEMBERS])
            finally:
                await conn.close()
            return int(known) == len(MEMBERS)

        await wait_until(triage_knows_roster, timeout=120, interval=0.5, what="triage to hear of the roster")

    async def teardown(self) -> None:
        """Stop everything this run started; delete its topics and drop its schemas. Never raises."""
        steps: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        if self.kafka_down:
            steps.append(("start kafka", lambda: asyncio.to_thread(self.kafka.start)))
        if self.postgres_down:
            steps.append(("start postgres", lambda: asyncio.to_thread(self.postgres.start)))
        steps += [("stop the services", self.system.stop), ("close clients", self._close_clients),
                  ("delete topics", lambda: delete_topics(self.kafka.bootstrap, self.system.topic_prefix)),
                  ("drop schemas", self._drop_schemas)]
        for what, step in steps:
            try:
                await step()
            except Exception as exc:  # clean up as much as possible
                self.log(f"teardown: could not {what}: {type(exc).__name__}: {exc}")
        self.mail.stop()

    async def _close_clients(self) -> None:
        if hasattr(self, "client"):
            await self.client.aclose()
            await self.http.aclose()

    async def _drop_schemas(self) -> None:
        conn = await asyncpg.connect(self.dsn)
        try:
            for service in SERVICES:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{self.system.schema(service)}" CASCADE')
        finally:
            await conn.close()

    # -- one drill ----------------------------------------------------------------------------------

    async def run(self, drill: str) -> DrillResult:
        settings = self.settings
        result = DrillResult(name=drill.replace(":", " "))
        load = Load(self.http, settings.rate, f"{self.system.name}-{drill.replace(':', '-')}", settings.max_in_flight)
        load.start()
        try:
            await asyncio.sleep(settings.steady_s)  # steady load before the fault (the drill's schedule)
            started = time.monotonic()
            await self._fault(drill)
            result.outage_s = time.monotonic() - started
            await asyncio.sleep(settings.steady_s)  # steady load after recovery
        except BaseException:
            await load.finish(timeout=0)  # no posts left retrying behind a failed drill
            raise
        result.unanswered = await load.finish(timeout=120)
        last_accept = time.monotonic()
        self.by_drill[drill] = dict(load.accepted)
        self.all_accepted |= set(load.accepted)
        result.accepted, result.posts = len(load.accepted), load.sent
        result.offered_rate, result.accepted_rate = settings.rate, load.accepted_rate
        result.offered, result.load_s, result.not_posted = load.due, load.scheduled_s, load.due - load.sent
        result.behind_s = max(load.late_s, default=0.0)
        result.retried, result.rejected = sum(load.retries.values()), dict(load.rejected)
        verdict = await self._catch_up(load.accepted, result)
        result.catch_up_s = time.monotonic() - last_accept
        result.decided, result.lost, result.duplicated, result.wrong = (
            verdict.decided, verdict.lost, verdict.duplicated, verdict.wrong)
        result.emails, result.emails_repeated = verdict.emails, verdict.emails_repeated
        result.problems = dict(verdict.problems)
        result.sampled, result.sample_mismatches, mismatches = await self._sample(load.accepted)
        result.problems.update(mismatches)
        return result

    async def _fault(self, drill: str) -> None:
        if drill.startswith("kill:"):
            service = drill.removeprefix("kill:")
            self.system.kill(service)
            await asyncio.sleep(self.settings.kill_down_s)  # the drill's schedule: down for a while
            await self.system.restart(service)
        elif drill == "kafka":
            self.kafka_down = True
            await asyncio.to_thread(self.kafka.stop)
            await asyncio.sleep(self.settings.kafka_outage_s)  # the drill's schedule: the outage itself
            await asyncio.to_thread(self.kafka.start)
            self.kafka_down = False
        elif drill == "postgres":
            self.postgres_down = True
            await asyncio.to_thread(self.postgres.stop)
            await asyncio.to_thread(self.postgres.start)
            self.postgres_down = False
        else:
            raise ValueError(f"unknown drill {drill!r}")

    def _revive_check(self) -> list[str]:
        """Services that exited without being told to; they are noted (and started again by `_catch_up`)."""
        return [s for s in SERVICES if s in self.system.processes and self.system.processes[s].poll() is not None]

    async def _catch_up(self, accepted: dict[str, str], result: DrillResult) -> Verdict:
        """Wait until every accepted inquiry came all the way through and every outbox is empty."""
        last: list[Verdict] = []

        async def caught_up() -> bool:
            for service in self._revive_check():
                result.crashed.append(service)
                self.system.processes.pop(service)
                await self.system.restart(service)
            try:
                verdict = await self.inspector.paced_verdict(accepted, self.all_accepted, self.phantoms)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                return False  # the database is not back yet
            if verdict is None:
                return False
            last[:] = [verdict]
            return verdict.caught_up

        try:
            await wait_until(caught_up, timeout=self.settings.catch_up_timeout_s, interval=0.5,
                             what="the system to catch up")
        except TimeoutError:
            self.log(f"  {result.name}: not caught up after {self.settings.catch_up_timeout_s:.0f} s")
            if not last:
                raise
        self.phantoms |= last[0].phantoms
        return last[0]

    async def _sample(self, accepted: dict[str, str]) -> tuple[int, int, Counter[str]]:
        """A few accepted inquiries as their users see them: intake, the SLA monitor and the notifier over HTTP.
        Returns how many were read, how many of them were not as expected, and what was not."""
        problems: Counter[str] = Counter()
        chosen = random.sample(sorted(accepted), min(self.settings.sample, len(accepted)))
        mismatched = 0
        for inquiry_id in chosen:
            track, priority, queue = MIX[accepted[inquiry_id]][1]
            expected = self.inspector.expect.clocks(track, priority)
            owed = self.inspector.expect.recipients(track, priority, queue)
            found: set[str] = set()
            try:
                seen = await self.client.inquiry(inquiry_id)
                deadlines = {d["clock"] for d in seen["open_deadlines"]}
                clocks = {c["clock"] for c in await self.client.clocks(inquiry_id)}
                sent = {d["recipient"] for d in await self.client.deliveries(inquiry_id) if d["status"] == "sent"}
            except (httpx.HTTPError, KeyError) as exc:
                found.add(f"HTTP check failed ({type(exc).__name__})")
            else:
                if (seen["track"], seen["priority"], seen["queue"]) != (track, priority, queue):
                    found.add("intake API shows another decision")
                if deadlines != expected:
                    found.add("intake API shows other deadlines")
                if clocks != expected:
                    found.add("sla-monitor API shows other clocks")
                if not owed <= sent:
                    found.add("notifier API shows no sent notification")
            mismatched += bool(found)
            problems.update(found)
        return len(chosen), mismatched, problems

    async def recheck(self) -> Verdict:
        """Every drill's inquiries once more at the end: nothing lost or doubled since its own check."""
        everything = {i: kind for accepted in self.by_drill.values() for i, kind in accepted.items()}
        last: list[Verdict] = []

        async def drained() -> bool:
            try:
                verdict = await self.inspector.paced_verdict(everything, self.all_accepted, set())
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                return False
            if verdict is None:
                return False
            last[:] = [verdict]
            return verdict.caught_up

        try:
            await wait_until(drained, timeout=self.settings.catch_up_timeout_s, interval=1, what="a final recheck")
        except TimeoutError:
            if not last:
                raise
        return last[0]


async def run_drills(kafka: PrivateKafka, postgres: PrivatePostgres, *, workdir: Path,
                     settings: DrillSettings | None = None, only: Sequence[str] = (), name: str | None = None,
                     log: Callable[[str], None] = print, tokens: Tokens | None = None) -> list[DrillResult]:
    """Run the drills against a whole system on `kafka` and `postgres` (both running, both private: the
    drills stop them), its callers' tokens from `tokens` (default: the local OpenID provider). Returns one
    result per drill, then a last one, "all (recheck)", that checks every drill's inquiries again at the
    end. The system's schemas and topics are gone afterwards."""
    settings = settings or DrillSettings()
    drills = Drills(kafka, postgres, workdir, settings, name or f"fd{uuid.uuid4().hex[:10]}", log,
                    tokens or Tokens())
    results: list[DrillResult] = []
    try:
        started = time.monotonic()
        await drills.setup()
        log(f"system ready in {time.monotonic() - started:.1f} s (logs in {workdir}); load {settings.rate:g}/s")
        for drill in drill_plan(only):
            result = await drills.run(drill)
            results.append(result)
            log(result.line())
        final = await drills.recheck()
        total = DrillResult(name="all (recheck)", accepted=len(drills.all_accepted), decided=final.decided,
                            lost=final.lost, duplicated=final.duplicated, wrong=final.wrong, emails=final.emails,
                            emails_repeated=final.emails_repeated, problems=dict(final.problems))
        results.append(total)
        log(total.line())
    finally:
        await drills.teardown()
    return results


# -- the script ------------------------------------------------------------------------------------------

async def main_async(args: argparse.Namespace) -> bool:
    kafka, postgres = PrivateKafka(args.kafka_port), PrivatePostgres(args.postgres_port)
    settings = DrillSettings(rate=args.rate, max_in_flight=args.max_in_flight, steady_s=args.steady,
                             kafka_outage_s=args.kafka_outage,
                             catch_up_timeout_s=args.catch_up_timeout or max(300.0, 6 * args.rate))
    workdir = Path(tempfile.mkdtemp(prefix="liaison-faults-"))
    started = time.monotonic()
    print(f"private Kafka {kafka.bootstrap}, private PostgreSQL 127.0.0.1:{postgres.port}: starting")
    await asyncio.to_thread(kafka.start)
    try:
        await asyncio.to_thread(postgres.start)
        try:
            results = await run_drills(kafka, postgres, workdir=workdir, settings=settings, only=args.only)
        finally:
            await asyncio.to_thread(postgres.stop)
    finally:
        await asyncio.to_thread(kafka.stop)
    ok = all(r.ok for r in results)
    print(json.dumps({"rate": settings.rate, "max_in_flight": settings.max_in_flight,
                      "kafka_outage_s": settings.kafka_outage_s,
                      "seconds": round(time.monotonic() - started, 1),
                      "drills": [{k: v for k, v in asdict(r).items() if v or k in ("lost", "duplicated")}
                                 | ({"catch_up_s": round(r.catch_up_s, 1), "outage_s": round(r.outage_s, 1),
                                     "accepted_rate": round(r.accepted_rate, 1), "load_s": round(r.load_s, 1),
                                     "behind_s": round(r.behind_s, 1)} if r.posts else {})
                                 for r in results]}))
    print("PASS: nothing accepted was lost or duplicated" if ok else f"FAILED: see above; service logs in {workdir}")
    if ok and not args.keep_logs:
        shutil.rmtree(workdir, ignore_errors=True)
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=20.0, help="inquiries per second offered (default 20)")
    parser.add_argument("--max-in-flight", type=int, default=32,
                        help="inquiries being posted at once, at most (default 32); beyond that the load falls "
                             "behind its schedule")
    parser.add_argument("--only", action="append", default=[], metavar="DRILL",
                        help="kill, kafka, postgres or kill:<service> (repeatable; default: all)")
    parser.add_argument("--steady", type=float, default=5.0, help="seconds of load before and after each fault")
    parser.add_argument("--kafka-outage", type=float, default=60.0, help="seconds Kafka stays down (default 60)")
    parser.add_argument("--catch-up-timeout", type=float, default=None,
                        help="seconds a drill may take to catch up (default 300, or 6 s per inquiry/s offered: "
                             "1,200 at 200/s, where a Kafka outage leaves ~7,000 inquiries to work off)")
    parser.add_argument("--kafka-port", type=int, default=KAFKA_PORT)
    parser.add_argument("--keep-logs", action="store_true", help="keep the services' logs even when all passed")
    parser.add_argument("--postgres-port", type=int, default=POSTGRES_PORT)
    args = parser.parse_args()
    known = set(drill_plan()) | set(DRILL_KINDS)
    if unknown := [o for o in args.only if o not in known]:
        parser.error(f"unknown drill(s) {unknown}; choose from {sorted(known)}")
    try:
        ok = asyncio.run(main_async(args))
    except (TimeoutError, RuntimeError) as exc:
        sys.exit(f"FAILED: {exc}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
