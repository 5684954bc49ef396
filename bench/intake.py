"""The intake service over HTTP against raw asyncpg inserts, in one run.

    python -m bench.intake [--seconds S] [--concurrency C]

raw: C workers INSERT inquiry-sized rows (autocommit) for S seconds. intake: the
service in its own process (uvicorn); C workers POST /v1/inquiries/member for S
seconds as fast as they can (peak), then at half that rate on a fixed schedule,
with the call center's access token (client credentials at the local OpenID
provider, renewed before it expires).
The inquiries table must hold one row per 202, or the run fails. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from bench.service_process import DSN, Created, clean_up, service_env, spawn, tail
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.system_client import BearerAuth

BOOTSTRAP = "127.0.0.1:9092"
TARGET_RATIO, TARGET_P99_MS, VERDICT = 0.1, 50.0, ("MISS", "PASS")
IDENTITY = json.dumps({"member": {"name": "Jane Testmember", "medicaid_id": "1234567A"},
                       "provider": None, "caller_name": "John Testcaller", "callback_phone": "+15155550134",
                       "notes": "x" * 150})  # ~300 bytes, like an inquiry's identity plus a little


class Mismatch(Exception):
    """The inquiries table does not hold exactly one row per 202: the run fails."""


def member_inquiry() -> dict[str, str]:
    return {"source": "managed_care_ombudsman", "category": "pharmacy", "member_name": "Jane Testmember",
            "medicaid_id": "1234567A", "caller_name": "John Testcaller", "callback_phone": "515-555-0134",
            "description": "Member cannot get insulin refill approved.", "mco": "IA-TC",
            "requested_priority": "urgent", "received_at": "2026-11-20T14:05:00-06:00"}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def measure_raw_inserts(schema: str, seconds: float, c: int, created: Created) -> float:
    """Rows/s of single-row autocommit INSERTs from C workers on a pool of C connections."""
    created.schemas.append(schema)
    async with asyncpg.create_pool(DSN, min_size=c, max_size=c) as pool:
        await pool.execute(f'CREATE SCHEMA "{schema}"')
        await pool.execute(f'CREATE TABLE "{schema}".inquiries (id uuid PRIMARY KEY, party text NOT NULL, '
                           "source text NOT NULL, category text NOT NULL, status text NOT NULL, mco text, "
                           "created_by text NOT NULL, identity jsonb NOT NULL, description text NOT NULL, "
                           "created_at timestamptz NOT NULL DEFAULT now())")
        sql = (f'INSERT INTO "{schema}".inquiries (id, party, source, category, status, mco, created_by, '
               "identity, description) VALUES ($1, 'member', 'managed_care_ombudsman', 'pharmacy', 'received', "
               "'IA-TC', 'bench', $2, 'Member cannot get insulin refill approved.')")
        rows, deadline = 0, time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal rows
            while time.perf_counter() < deadline:
                await pool.execute(sql, uuid.uuid4(), IDENTITY)
                rows += 1
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(c)))
        return rows / (time.perf_counter() - start)


async def wait_until_ready(base: str, service: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    """Poll GET /readyz until it answers 200; fail if the process exits or the deadline passes."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=5) as http:
        while time.monotonic() < deadline:
            if service.poll() is not None:
                raise RuntimeError(f"intake exited with {service.returncode}:\n{tail(log)}")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(f"intake not ready after {timeout:.0f} s:\n{tail(log)}")


def service_cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Tally:  # what one phase's requests got back
    ok: int = 0
    other: int = 0  # non-202 answers and transport errors
    latencies_ms: list[float] = field(default_factory=list)


async def post_inquiry(http: httpx.AsyncClient, body: bytes, tally: Tally, since: float) -> None:
    """One POST with a fresh Idempotency-Key; latency in ms from `since` (perf_counter)."""
    try:
        response = await http.post("/v1/inquiries/member", content=body,
                                   headers={"Idempotency-Key": uuid.uuid4().hex})
        ok = response.status_code == 202
    except httpx.HTTPError:
        ok = False
    tally.latencies_ms.append((time.perf_counter() - since) * 1000)
    tally.ok, tally.other = tally.ok + ok, tally.other + (not ok)


async def measure_peak(http: httpx.AsyncClient, body: bytes, seconds: float, c: int) -> tuple[Tally, float]:
    """Closed loop: C workers, each posting its next request as soon as the last one answered."""
    tally, deadline = Tally(), time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            await post_inquiry(http, body, tally, time.perf_counter())
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(c)))
    return tally, time.perf_counter() - start


async def measure_paced(http: httpx.AsyncClient, body: bytes, rate: float, seconds: float,
                        c: int) -> tuple[Tally, float]:
    """Open loop: request k is due at start + k/rate; a free worker takes the next slot, waits for it,
    and its latency counts from the scheduled time (so queueing behind a slow service shows)."""
    tally, slots, total = Tally(), itertools.count(), max(1, round(rate * seconds))
    start = time.perf_counter() + 0.05

    async def worker() -> None:
        while (k := next(slots)) < total:
            due = start + k / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            await post_inquiry(http, body, tally, due)
    await asyncio.gather(*(worker() for _ in range(c)))
    return tally, time.perf_counter() - start


async def count_inquiries(schema: str) -> int:
    conn = await asyncpg.connect(DSN)
    try:
        return int(await conn.fetchval(f'SELECT count(*) FROM "{schema}".inquiries'))
    finally:
        await conn.close()


def report(f: dict[str, float]) -> None:
    print(f"\n  C = {f['concurrency']:.0f} workers, {f['seconds']:.0f} s per phase")
    print(f"  raw asyncpg INSERT+commit       {f['raw_rps']:>7,.0f} rows/s")
    print(f"  intake peak (202s)              {f['peak_rps']:>7,.0f} req/s   {f['ratio']:.2f}x raw"
          f"   target >= {TARGET_RATIO}x raw: {VERDICT[f['ratio'] >= TARGET_RATIO]}")
    print(f"    latency at peak               p50 {f['peak_p50_ms']:.0f} ms, p99 {f['peak_p99_ms']:.0f} ms"
          f"   ({f['peak_non202']:.0f} non-202)")
    print(f"    CPU per request at peak       service {f['peak_service_cpu_ms']:.1f} ms, "
          f"load generator {f['peak_client_cpu_ms']:.1f} ms")
    print(f"  intake at half peak             {f['half_rps']:>7,.0f} req/s   (scheduled {f['half_target_rps']:.0f}/s,"
          f" {f['half_non202']:.0f} non-202)")
    print(f"    latency from scheduled time   p50 {f['half_p50_ms']:.0f} ms, p99 {f['half_p99_ms']:.0f} ms, "
          f"max {f['half_max_ms']:.0f} ms   target p99 < {TARGET_P99_MS:.0f} ms: "
          f"{VERDICT[f['half_p99_ms'] < TARGET_P99_MS]}")
    print(f"  inquiries rows / 202s           {f['rows']:>7,.0f} / {f['accepted']:,.0f}")
    print(json.dumps({k: round(v, 3) for k, v in f.items()}))


async def measure_intake(env: dict[str, str], created: Created, seconds: float, c: int) -> dict[str, float]:
    """Start the service, drive it at peak and at half peak as the call center; the figures and the 202 count."""
    base = f"http://127.0.0.1:{env['LIAISON_INTAKE_HTTP_PORT']}"
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        log = Path(tmp) / "intake.log"
        created.service = service = spawn("intake", env, log)
        await wait_until_ready(base, service, log)
        auth = BearerAuth(Tokens(), system="call-center")
        await auth.token()  # fetched before the clock starts
        body = json.dumps(member_inquiry()).encode()
        limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
        async with httpx.AsyncClient(base_url=base, headers={"Content-Type": "application/json"}, auth=auth,
                                     timeout=30, limits=limits) as http:
            warm, _ = await measure_paced(http, body, rate=50, seconds=1, c=c)  # connections, provider keys
            cpu, own_cpu = service_cpu_seconds(service.pid), time.process_time()
            peak, peak_s = await measure_peak(http, body, seconds, c)
            cpu, own_cpu = service_cpu_seconds(service.pid) - cpu, time.process_time() - own_cpu
            await asyncio.sleep(1)  # the relay drains what the peak left in the outbox
            half_rate = peak.ok / peak_s / 2
            half, half_s = await measure_paced(http, body, half_rate, seconds, c)
    return {"peak_rps": peak.ok / peak_s, "peak_p50_ms": percentile(peak.latencies_ms, 50),
            "peak_p99_ms": percentile(peak.latencies_ms, 99), "peak_non202": peak.other,
            "peak_service_cpu_ms": cpu * 1000 / max(1, peak.ok + peak.other),
            "peak_client_cpu_ms": own_cpu * 1000 / max(1, peak.ok + peak.other),
            "half_target_rps": half_rate, "half_rps": half.ok / half_s,
            "half_p50_ms": percentile(half.latencies_ms, 50), "half_p99_ms": percentile(half.latencies_ms, 99),
            "half_max_ms": max(half.latencies_ms, default=float("nan")), "half_non202": half.other,
            "accepted": warm.ok + peak.ok + half.ok}


async def run(args: argparse.Namespace) -> None:
    run_id = f"bench_{uuid.uuid4().hex[:10]}"
    created = Created(prefix=f"{run_id}.")
    try:
        raw = await measure_raw_inserts(f"{run_id}_raw", args.seconds, args.concurrency, created)
        created.schemas.append(run_id)
        env = service_env("intake", run_id, created.prefix, args.bootstrap)
        figures = await measure_intake(env, created, args.seconds, args.concurrency)
        rows = await count_inquiries(run_id)
        report({"concurrency": args.concurrency, "seconds": args.seconds, "raw_rps": raw, **figures,
                "ratio": figures["peak_rps"] / raw, "rows": rows})
        if rows != figures["accepted"]:
            raise Mismatch(f"inquiries holds {rows} rows for {figures['accepted']:.0f} answers 202")
    finally:
        await clean_up(args.bootstrap, created)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measured phase")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent workers (and HTTP connections)")
    parser.add_argument("--bootstrap", default=BOOTSTRAP)
    try:
        asyncio.run(run(parser.parse_args()))
    except Mismatch as exc:
        sys.exit(f"FAILED: {exc}")


if __name__ == "__main__":
    main()
