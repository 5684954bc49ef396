"""The PHI access audit (liaison_shared.audit) on a small app with the real
runtime, database and OpenID provider: a read leaves one record of who, from
where, what and how many; the application cannot change or remove records;
compliance reads and exports them, nobody else."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from liaison_shared import audit
from liaison_shared.audit import AuditTrail
from liaison_shared.migrations import upgrade
from liaison_shared.principal import CurrentPrincipal
from liaison_shared.runtime import Runtime
from liaison_shared.settings import ServiceSettings
from liaison_shared.testing.bus_process import MIGRATIONS
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.plugin import SettingsFactory

routes = APIRouter()
CASES = [uuid.uuid4(), uuid.uuid4()]


@routes.get("/v1/cases/{case_id}")
async def read_case(case_id: uuid.UUID, _: CurrentPrincipal, trail: AuditTrail) -> dict[str, str]:
    await trail.record([case_id])
    return {"id": str(case_id)}


@routes.get("/v1/cases")
async def list_cases(_: CurrentPrincipal, trail: AuditTrail) -> list[str]:
    await trail.record(CASES)
    return [str(c) for c in CASES]


@pytest.fixture
async def service(make_settings: SettingsFactory) -> Any:
    runtime = Runtime(make_settings(ServiceSettings), migrations=MIGRATIONS)
    runtime.add_routers(routes)
    audit.keep_access_audit(runtime)
    await upgrade(runtime.engine, runtime.settings.schema_name, MIGRATIONS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=runtime.app(), client=("10.1.2.3", 5000)),
                                 base_url="http://svc") as http:
        yield runtime, http
    await runtime.engine.dispose()


async def records(runtime: Runtime) -> list[dict[str, Any]]:
    async with runtime.sessions() as session:
        return [dict(r._mapping) for r in await session.execute(text("SELECT * FROM access_audit ORDER BY id"))]


async def test_each_read_leaves_one_record_of_who_where_what_and_how_many(service: Any, tokens: Tokens) -> None:
    runtime, http = service
    maria = {"Authorization": f"Bearer {await tokens.person('maria')}"}
    assert (await http.get(f"/v1/cases/{CASES[0]}", headers=maria)).status_code == 200
    assert (await http.get("/v1/cases", headers=maria)).status_code == 200
    one, listed = await records(runtime)
    assert (one["roles"], one["client"], one["source_address"], one["operation"], one["resource_ids"],
            one["records"]) == (["member-liaison"], "liaison-console", "10.1.2.3", "GET /v1/cases/{case_id}",
                                [str(CASES[0])], 1)
    assert one["subject"] and "Maria" not in str(one)  # ids, not names
    assert (listed["operation"], listed["records"]) == ("GET /v1/cases", 2)
    assert abs(one["at"] - datetime.now(UTC)) < timedelta(minutes=1)


@pytest.mark.parametrize("statement", [
    "UPDATE access_audit SET subject = 'someone-else'",
    "DELETE FROM access_audit",
    "TRUNCATE access_audit",
])
async def test_the_application_cannot_change_or_remove_a_record(service: Any, tokens: Tokens,
                                                                 statement: str) -> None:
    runtime, http = service
    await http.get(f"/v1/cases/{CASES[0]}", headers={"Authorization": f"Bearer {await tokens.person('maria')}"})
    async with runtime.sessions() as session:
        with pytest.raises(DBAPIError, match="append-only"):
            await session.execute(text(statement))
    assert len(await records(runtime)) == 1


async def test_a_record_cannot_be_back_dated_and_retention_purges_nothing_recent(service: Any) -> None:
    runtime, _ = service
    async with runtime.unit_of_work() as uow:
        await uow.session.execute(text(
            "INSERT INTO access_audit (at, subject, roles, operation, resource_ids, records) "
            "VALUES ('2001-01-01T00:00:00Z', 's', '{}', 'GET /x', '{}', 0)"))
        assert await audit.purge(uow.session, timedelta(days=1)) == 0  # the floor of six years holds
        await uow.commit()
    [stamped] = await records(runtime)
    assert stamped["at"].year == datetime.now(UTC).year


async def test_compliance_reads_and_exports_the_audit_and_nobody_else(service: Any, tokens: Tokens) -> None:
    _, http = service
    maria = {"Authorization": f"Bearer {await tokens.person('maria')}"}
    cora = {"Authorization": f"Bearer {await tokens.person('cora')}"}
    await http.get(f"/v1/cases/{CASES[1]}", headers=maria)
    assert (await http.get("/v1/access-audit", headers=maria)).status_code == 403
    found = (await http.get("/v1/access-audit", params={"resource_id": str(CASES[1])}, headers=cora)).json()
    assert [(r["operation"], r["resource_ids"]) for r in found] == [("GET /v1/cases/{case_id}", [str(CASES[1])])]
    exported = await http.get("/v1/access-audit/export", headers=cora)
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][:3] == ["id", "at", "subject"] and len(rows) == 2 and rows[1][6] == "GET /v1/cases/{case_id}"
