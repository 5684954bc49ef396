"""No PHI reaches any log line, whatever fails.

The five services run as processes (as deployed) on a Kafka of the test's own.
Requests carry seeded PHI strings while things go wrong: fields refused by
validation, database errors whose messages carry the whole row (a trigger
raises with the row it refused, as a constraint's DETAIL would), a consumer's
handler failing on an event full of PHI until it is dead-lettered, and Kafka
stopped under accepted writes. Then every line every service wrote is
searched for each seeded string: there must be none, and the failures must
be on record by their type.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from liaison_shared.kafka import delete_topics
from liaison_shared.testing.console import HTML, console_session
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.private_servers import PrivateKafka
from liaison_shared.testing.system import LiaisonSystem
from liaison_shared.testing.system_client import BearerAuth
from liaison_shared.testing.waiting import wait_until

TRIAGE_TABLES = ("decisions", "awaiting_enrollment")  # an inquiry of an unknown member waits for enrollment
KAFKA_PORT = 19692  # not the shared broker's nor another test's (its controller takes 19693)
MEMBER, CALLER, MEDICAID_ID = "Zelda Phitrapmember", "Quentin Phitrapcaller", "7654321Q"
PHONE, DESCRIPTION, ADDRESS = "515-555-0177", "Phitrapword refill of oxycodone refused", "77 Phitrap Lane"
SEEDED = [MEMBER, CALLER, "Phitrapmember", "Phitrapcaller", "Phitrap", MEDICAID_ID, PHONE, "5155550177",
          "+15155550177", "555-0177", DESCRIPTION, "oxycodone", ADDRESS]


def inquiry(**changes: Any) -> dict[str, Any]:
    body = {"source": "managed_care_ombudsman", "category": "pharmacy", "member_name": MEMBER,
            "medicaid_id": MEDICAID_ID, "caller_name": CALLER, "callback_phone": PHONE,
            "description": DESCRIPTION, "mco": "IA-TC", "received_at": "2026-11-20T14:05:00-06:00"}
    return {**body, **changes}


@pytest.fixture(scope="module")
def private_kafka() -> Iterator[PrivateKafka]:
    with PrivateKafka(KAFKA_PORT) as broker:
        yield broker


@pytest.fixture
async def system(database_url: str, private_kafka: PrivateKafka, mailbox: Any, tokens: Tokens,
                 tmp_path: Path) -> AsyncIterator[LiaisonSystem]:
    running = LiaisonSystem(name=f"t{uuid.uuid4().hex[:12]}", database_url=database_url,
                            bootstrap=private_kafka.bootstrap, workdir=tmp_path, smtp_port=mailbox.port,
                            settings={"triage": {"CONSUMER_MAX_ATTEMPTS": "2"}}, tokens=tokens)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
        await asyncio.to_thread(private_kafka.start)  # a no-op unless the test left it stopped
        await delete_topics(private_kafka.bootstrap, running.topic_prefix)


class Trap:
    """A trigger that refuses every insert into a table with an error that quotes the whole row."""

    def __init__(self, database_url: str) -> None:
        self._dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)

    async def _run(self, sql: str) -> None:
        connection = await asyncpg.connect(self._dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def set(self, schema: str, table: str) -> None:
        await self._run(f"""
            CREATE OR REPLACE FUNCTION "{schema}".phi_trap() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'refused row %', row_to_json(NEW); END $$;
            CREATE TRIGGER phi_trap BEFORE INSERT ON "{schema}".{table}
                FOR EACH ROW EXECUTE FUNCTION "{schema}".phi_trap();""")

    async def clear(self, schema: str, table: str) -> None:
        await self._run(f'DROP TRIGGER phi_trap ON "{schema}".{table}')

    async def count(self, schema: str, tables: tuple[str, ...], inquiry_ids: list[str]) -> int:
        connection = await asyncpg.connect(self._dsn)
        try:
            union = " UNION ".join(f'SELECT inquiry_id FROM "{schema}".{table}' for table in tables)
            return int(await connection.fetchval(f"SELECT count(*) FROM ({union}) seen WHERE inquiry_id = ANY($1)",
                                                 [uuid.UUID(i) for i in inquiry_ids]))
        finally:
            await connection.close()


def log_lines(system: LiaisonSystem) -> list[tuple[str, int, str]]:
    return [(path.name, number, line) for path in sorted(system.workdir.glob("*.log"))
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)]


async def logged(system: LiaisonSystem, service: str, fragment: str) -> None:
    async def found() -> bool:
        return fragment in system.log(service).read_text(errors="replace")
    await wait_until(found, timeout=60, what=f"{service} to log {fragment!r}")


@pytest.mark.timeout(600)
async def test_no_seeded_phi_reaches_any_log_line_under_failure(
    system: LiaisonSystem, private_kafka: PrivateKafka, database_url: str
) -> None:
    trap = Trap(database_url)
    async with httpx.AsyncClient(base_url=system.url("intake"), timeout=30,
                                 auth=BearerAuth(system.tokens, system="call-center")) as intake, \
            httpx.AsyncClient(base_url=system.url("attribution"), timeout=30,
                              auth=BearerAuth(system.tokens, system="attribution-feed")) as attribution:
        async def post(body: dict[str, Any]) -> httpx.Response:
            return await intake.post("/v1/inquiries/member", json=body,
                                     headers={"Idempotency-Key": uuid.uuid4().hex})

        # Validation errors carrying PHI beside the field that fails.
        for bad in (inquiry(callback_phone="12"), inquiry(member_name=f"{MEMBER}\u0000"), inquiry(received_at=0),
                    inquiry(medicaid_id=f"{MEDICAID_ID}X")):
            assert (await post(bad)).status_code == 422
        refused = await attribution.post("/v1/members", json={
            "medicaid_id": MEDICAID_ID, "name": MEMBER, "birth_date": "0", "address": ADDRESS, "mco": "IA-TC",
            "eligible_from": "2026-01-01"})
        assert refused.status_code == 422

        # Database errors whose message is the refused row, PHI and all.
        await trap.set(system.schema("intake"), "inquiries")
        failed = await post(inquiry())
        assert failed.status_code == 500 and failed.json()["correlation_id"]
        await trap.clear(system.schema("intake"), "inquiries")
        await trap.set(system.schema("attribution"), "members")
        failed = await attribution.post("/v1/members", json={
            "medicaid_id": MEDICAID_ID, "name": MEMBER, "birth_date": "1980-05-01", "address": ADDRESS,
            "mco": "IA-TC", "eligible_from": "2026-01-01"})
        assert failed.status_code == 500
        await trap.clear(system.schema("attribution"), "members")

        # A consumer's handler fails on an event full of PHI until it is dead-lettered.
        for table in TRIAGE_TABLES:
            await trap.set(system.schema("triage"), table)
        assert (await post(inquiry())).status_code == 202
        await logged(system, "triage", "event dead-lettered")
        for table in TRIAGE_TABLES:
            await trap.clear(system.schema("triage"), table)

        # Kafka stopped under accepted writes; they flow once it is back.
        await asyncio.to_thread(private_kafka.stop)
        accepted = [(await post(inquiry())).json()["inquiry_id"] for _ in range(3)]
        await logged(system, "intake", "Unable connect to node")  # the relay meets the outage
        await asyncio.to_thread(private_kafka.start)

        async def all_at_triage() -> bool:  # decided, or waiting for the unknown member's enrollment
            return await trap.count(system.schema("triage"), TRIAGE_TABLES, accepted) == len(accepted)
        await wait_until(all_at_triage, timeout=180, what="the accepted inquiries to reach triage after the outage")

        # A liaison searches the console by name, Medicaid ID and phone, and opens a case (its PHI is shown).
        async with httpx.AsyncClient(base_url=system.url("console"), timeout=30) as console:
            await console_session(console, "maria")
            for text in (MEMBER, MEDICAID_ID, PHONE):
                assert (await console.get("/search", params={"q": text}, headers=HTML)).status_code in (200, 422)
            async def case_shown() -> bool:
                page = await console.get(f"/cases/{accepted[0]}", headers=HTML)
                return page.status_code == 200 and MEMBER in page.text
            await wait_until(case_shown, timeout=60, what="the case page, with its PHI")

    lines = log_lines(system)
    assert len(lines) > 20  # the services did log
    failures = [line for _, _, line in lines if '"request failed"' in line]
    assert len(failures) == 2 and all('"error": "DBAPIError (SQLSTATE P0001)"' in line for line in failures)
    leaks = [(name, number) for name, number, line in lines if any(seed in line for seed in SEEDED)]
    assert leaks == []  # (file, line) only: the line itself would be PHI in the test's output
