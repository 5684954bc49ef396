"""The console: its queue page with 10,000 open cases, and how fast a change on Kafka shows on an open
page in a browser, each against a raw baseline measured in the same run.

    python -m bench.console [--cases N] [--requests N] [--updates N]

queue: the console (its own process) serves GET /queue to a signed-in unit lead (every queue, soonest
deadline first, 50 a page), N times one after the other, on the first page, a middle page, sorted by
priority and filtered to breached cases. raw: asyncpg runs the statements the page runs (the page,
its count, its clocks, the change feed's position) on one connection, the same N times. Its projection
is written straight into the console's tables: how the rows got there is not what is measured.

live: a signed-in page in Debian's Chromium holds the queue open. N case assignments are published
to Kafka, 10 a second, each to a case on the page's first page; the figures are publish → the
server-sent event in the browser, and publish → the row showing its new assignee. raw: aiokafka
publishes as many records at the same pace to a consumer in this process. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer
from playwright.async_api import async_playwright

from bench.intake import BOOTSTRAP, percentile, wait_until_ready
from bench.service_process import DSN, Created, check_alive, clean_up, service_env, spawn
from liaison_shared.events import Event, encode
from liaison_shared.kafka import ensure_topics, reliable_producer
from liaison_shared.payloads import Actor, InquiryAssignedV1, Person
from liaison_shared.testing.browser import chromium_path
from liaison_shared.testing.console import HTML, console_session

TARGET_QUEUE_P95_MS = 300.0
TARGET_LIVE_P99_MS = 1000.0
PACE = 10.0  # updates per second
PAGE = 50
QUEUES = ("member_liaison", "provider_liaison", "msa_esr", "unit_lead", "special_outreach", "ccm")
PRIORITIES = ("standard", "escalated", "urgent")
ACTOR = Actor(subject="bench", name="Bench Lead", roles=("unit-lead",))
RAW_STATEMENTS = (
    "SELECT * FROM cases WHERE party IS NOT NULL AND status != 'resolved' "
    "ORDER BY next_due_at ASC NULLS LAST, received_at ASC, id LIMIT 50 OFFSET $1",
    "SELECT count(*) FROM cases WHERE party IS NOT NULL AND status != 'resolved'",
    "SELECT * FROM case_clocks WHERE inquiry_id = ANY($1) AND state IN ('open', 'warning', 'breached') "
    "ORDER BY due_at, clock",
    "SELECT coalesce(max(seq), 0) FROM changes",
)
VIEWS = ("/queue?queue=all", "/queue?queue=all&page=100", "/queue?queue=all&sort=priority&dir=desc",
         "/queue?queue=all&breached=yes")


async def seed(schema: str, count: int) -> list[uuid.UUID]:
    """`count` open, triaged cases with two clocks each, straight into the console's projection."""
    now, rng = datetime.now(UTC), random.Random(7)
    ids = [uuid.uuid4() for _ in range(count)]
    cases, clocks = [], []
    for index, inquiry_id in enumerate(ids):
        priority = PRIORITIES[index % 3]
        due = now + timedelta(minutes=rng.randint(-600, 6000))
        received = now - timedelta(minutes=rng.randint(10, 6000))
        cases.append((inquiry_id, "member", "managed_care_ombudsman", "pharmacy", "triaged", received, "IA-TC",
                      "member_mco", priority, PRIORITIES.index(priority), QUEUES[index % len(QUEUES)],
                      f"[{priority.upper()}] Member · Pharmacy · MCO IA-TC · ID ***{index % 10000:04d}", received,
                      due, due < now))
        for name, offset in (("originator_contacted", 0), ("mco_referral", 30)):
            clock_due = due + timedelta(minutes=offset)
            clocks.append((inquiry_id, name, "breached" if clock_due < now else "open",
                           clock_due - timedelta(hours=2), clock_due, received))
    conn = await asyncpg.connect(DSN, server_settings={"search_path": schema})
    try:
        await conn.copy_records_to_table("cases", records=cases, columns=[
            "id", "party", "source", "category", "status", "status_at", "mco", "track", "priority", "priority_rank",
            "queue", "subject", "received_at", "next_due_at", "breached"])
        await conn.copy_records_to_table("case_clocks", records=clocks, columns=[
            "inquiry_id", "clock", "state", "warn_at", "due_at", "started_at"])
        await conn.execute("ANALYZE cases; ANALYZE case_clocks")
    finally:
        await conn.close()
    return ids


async def raw_queue(schema: str, requests: int) -> list[float]:
    """ms per page's worth of the page's statements, on one asyncpg connection."""
    conn = await asyncpg.connect(DSN, server_settings={"search_path": schema})
    timings = []
    try:
        for index in range(requests):
            started = time.perf_counter()
            rows = await conn.fetch(RAW_STATEMENTS[0], (index % 2) * 99 * PAGE)
            await conn.fetchval(RAW_STATEMENTS[1])
            await conn.fetch(RAW_STATEMENTS[2], [r["id"] for r in rows])
            await conn.fetchval(RAW_STATEMENTS[3])
            timings.append((time.perf_counter() - started) * 1000)
    finally:
        await conn.close()
    return timings


async def console_queue(http: httpx.AsyncClient, requests: int) -> dict[str, list[float]]:
    """ms per GET of each view (as served to a signed-in unit lead)."""
    timings: dict[str, list[float]] = {view: [] for view in VIEWS}
    for index in range(requests):
        view = VIEWS[index % len(VIEWS)]
        started = time.perf_counter()
        answer = await http.get(view, headers=HTML)
        timings[view].append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200 or 'data-id="' not in answer.text:
            raise RuntimeError(f"{view} answered {answer.status_code} without cases")
    return timings


async def raw_live(bootstrap: str, prefix: str, updates: int) -> list[float]:
    """ms from an aiokafka send to a consumer in this process holding the record, at the same pace."""
    topic = f"{prefix}raw-live"
    await ensure_topics(bootstrap, [topic], 2)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=f"{prefix}raw",
                                auto_offset_reset="latest")
    producer = reliable_producer(bootstrap, "bench-raw")
    await consumer.start()
    await producer.start()
    sent: dict[bytes, float] = {}
    latencies: list[float] = []
    try:
        while not consumer.assignment():
            await consumer.getmany(timeout_ms=100)
        async def receive() -> None:
            while len(latencies) < updates:
                for records in (await consumer.getmany(timeout_ms=100)).values():
                    latencies.extend((time.time() - sent[r.key]) * 1000 for r in records if r.key in sent)
        receiving = asyncio.create_task(receive())
        for index in range(updates):
            key = str(index).encode()
            sent[key] = time.time()
            await producer.send(topic, key=key, value=b"x" * 300)
            await asyncio.sleep(1 / PACE)  # the pace of the run, not a wait for anything
        await asyncio.wait_for(receiving, 60)
    finally:
        await producer.stop()
        await consumer.stop()
    return latencies


BROWSER_PROBE = """
() => {
  window.benchEvents = {};  // inquiry id -> arrival of each of its change events, in order
  window.benchRows = {};    // assignee shown -> when a row first showed it
  const source = new EventSource('/live');
  source.addEventListener('change', (event) => {
    const id = JSON.parse(event.data).inquiry_id;
    (window.benchEvents[id] = window.benchEvents[id] || []).push(Date.now());
  });
  new MutationObserver(() => {
    for (const cell of document.querySelectorAll('tr[data-id] td.assignee')) {
      const shown = cell.textContent;
      if (shown.startsWith('Bench ') && !(shown in window.benchRows)) { window.benchRows[shown] = Date.now(); }
    }
  }).observe(document.getElementById('queue-rows'), {subtree: true, childList: true, characterData: true});
  return new Promise((resolve) => { source.onopen = () => resolve(true); });
}
"""


async def browser_live(console: str, cookie: str, bootstrap: str, prefix: str, on_page: list[str],
                       updates: int) -> tuple[list[float], list[float]]:
    """ms from publishing an assignment to (1) its server-sent event and (2) its row showing the new
    assignee, in the browser. Update i goes to case i mod (cases on the page), as "Bench i"."""
    executable = chromium_path()
    if executable is None:
        raise RuntimeError("no chromium: run `deploy/local/chromium.sh install`")
    producer = reliable_producer(bootstrap, "bench-console")
    await producer.start()
    sent: list[tuple[str, str, float]] = []  # (inquiry id, assignee, ms since the epoch)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True, chromium_sandbox=False)
        try:
            context = await browser.new_context()
            host = console.split("//")[1].split(":")[0]
            await context.add_cookies([{"name": "liaison_session", "value": cookie, "domain": host, "path": "/"}])
            page = await context.new_page()
            await page.goto(f"{console}/queue?queue=all")
            await page.evaluate(BROWSER_PROBE)
            for index in range(updates):
                inquiry_id, name = on_page[index % len(on_page)], f"Bench {index}"
                event = Event(InquiryAssignedV1(inquiry_id=uuid.UUID(inquiry_id),
                                                assignee=Person(subject=f"bench-{index}", name=name),
                                                actor=ACTOR, at=datetime.now(UTC)), source="/bench")
                record = encode(event, prefix)
                sent.append((inquiry_id, name, time.time() * 1000))
                await producer.send(record.topic, key=record.key, value=record.value, headers=record.headers)
                await asyncio.sleep(1 / PACE)  # the pace of the run, not a wait for anything
            deadline = time.monotonic() + 30
            rows: dict[str, float] = {}
            events: dict[str, list[float]] = {}
            while time.monotonic() < deadline:
                rows, events = await page.evaluate("[window.benchRows, window.benchEvents]")
                if len(rows) == len(sent):
                    break
                await asyncio.sleep(0.2)  # polling the page's record of what it saw
        finally:
            await browser.close()
            await producer.stop()
    if len(rows) != len(sent):
        raise RuntimeError(f"{len(sent) - len(rows)} of {len(sent)} updates never showed on the page")
    event_ms: list[float] = []
    row_ms: list[float] = []
    nth: dict[str, int] = {}
    for inquiry_id, name, at in sent:
        k = nth[inquiry_id] = nth.get(inquiry_id, -1) + 1
        event_ms.append(events[inquiry_id][k] - at)
        row_ms.append(rows[name] - at)
    return event_ms, row_ms


def figures(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1),
            "p99_ms": round(percentile(ms, 99), 1), "n": len(ms)}


async def run(args: argparse.Namespace) -> None:
    run_id = f"bench_{uuid.uuid4().hex[:10]}"
    created = Created(prefix=f"{run_id}.", schemas=[run_id])
    workdir = Path(tempfile.mkdtemp(prefix="bench-console-"))
    log = workdir / "console.log"
    try:
        env = service_env("console", run_id, created.prefix, args.bootstrap)
        port = env["LIAISON_CONSOLE_HTTP_PORT"]
        console = f"http://127.0.0.1:{port}"
        env["LIAISON_CONSOLE_PUBLIC_URL"] = console
        created.service = spawn("console", env, log)
        await wait_until_ready(console, created.service, log)
        ids = await seed(run_id, args.cases)
        raw = await raw_queue(run_id, args.requests)
        async with httpx.AsyncClient(base_url=console, timeout=30) as http:
            await console_session(http, "una")
            await console_queue(http, len(VIEWS) * 2)  # warm: connections, caches, the plans
            served = await console_queue(http, args.requests)
            first = (await http.get("/queue?queue=all", headers=HTML)).text
            cookie = http.cookies["liaison_session"]
        check_alive("console", created.service, log)
        on_page = [i for i in map(str, ids) if f'data-id="{i}"' in first][:PAGE]
        raw_ms = await raw_live(args.bootstrap, created.prefix, args.updates)
        event_ms, row_ms = await browser_live(console, cookie, args.bootstrap, created.prefix, on_page, args.updates)
        check_alive("console", created.service, log)
        report(args, raw, served, raw_ms, event_ms, row_ms)
    finally:
        await clean_up(args.bootstrap, created)


def report(args: argparse.Namespace, raw: list[float], served: dict[str, list[float]], raw_ms: list[float],
           event_ms: list[float], row_ms: list[float]) -> None:
    all_served = [ms for timings in served.values() for ms in timings]
    queue_p95, raw_p95 = percentile(all_served, 95), percentile(raw, 95)
    print(f"{args.cases} open cases, {args.requests} page requests, {args.updates} live updates at {PACE:.0f}/s")
    print(f"raw asyncpg, the page's statements   p50 {percentile(raw, 50):6.1f} ms  p95 {raw_p95:6.1f} ms")
    for view, timings in served.items():
        print(f"console {view:<38} p50 {percentile(timings, 50):6.1f} ms  p95 {percentile(timings, 95):6.1f} ms")
    print(f"console queue page, all views        p95 {queue_p95:6.1f} ms   {queue_p95 / raw_p95:5.1f}x raw   "
          f"target p95 < {TARGET_QUEUE_P95_MS:.0f} ms: {'met' if queue_p95 < TARGET_QUEUE_P95_MS else 'MISSED'}")
    live_p99, raw_p99 = percentile(row_ms, 99), percentile(raw_ms, 99)
    print(f"raw aiokafka send -> consumer        p50 {percentile(raw_ms, 50):6.1f} ms  p99 {raw_p99:6.1f} ms")
    print(f"Kafka -> event in the browser        p50 {percentile(event_ms, 50):6.1f} ms  "
          f"p99 {percentile(event_ms, 99):6.1f} ms")
    print(f"Kafka -> row updated on the page     p50 {percentile(row_ms, 50):6.1f} ms  p99 {live_p99:6.1f} ms   "
          f"{live_p99 / raw_p99:5.1f}x raw   target p99 < {TARGET_LIVE_P99_MS:.0f} ms: "
          f"{'met' if live_p99 < TARGET_LIVE_P99_MS else 'MISSED'}")
    print(json.dumps({"cases": args.cases, "raw_queue": figures(raw),
                      "console_queue": figures(all_served), "queue_ratio_p95": round(queue_p95 / raw_p95, 2),
                      "raw_live": figures(raw_ms), "browser_event": figures(event_ms),
                      "browser_row": figures(row_ms), "live_ratio_p99": round(live_p99 / raw_p99, 2)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000, help="open cases in the projection")
    parser.add_argument("--requests", type=int, default=200, help="queue page requests (and raw runs)")
    parser.add_argument("--updates", type=int, default=200, help="live updates published")
    parser.add_argument("--bootstrap", default=BOOTSTRAP)
    try:
        asyncio.run(run(parser.parse_args()))
    except RuntimeError as exc:
        sys.exit(f"FAILED: {exc}")


if __name__ == "__main__":
    main()
