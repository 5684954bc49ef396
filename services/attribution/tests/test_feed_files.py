"""A state feed's files on the real database and broker: members enrolled at once and attributed by the next
batch run, a file that turns out unreadable half-way storing nothing, and a batch run that stops half-way
resumed by running it again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text

from liaison_attribution import service, store
from liaison_attribution.api import records
from liaison_shared.payloads import MemberEnrolledV1

from .conftest import DES_MOINES, NPIS, Harness, provider

HEADER = "medicaid_id,name,birth_date,lat,lon,language,mco,eligible_from\n"
CSV = {"Content-Type": "text/csv"}


def row(medicaid_id: str, *, lat: float = DES_MOINES[0] + 0.01, language: str = "en") -> str:
    return f"{medicaid_id},Test Member,1980-05-01,{lat},{DES_MOINES[1]},{language},IA-TC,2026-01-01\n"


def dies_at_the_second_call(statement: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """`statement` as a process would run it that dies at its second call (its transaction rolled back)."""
    calls: list[int] = []

    async def dying(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the process died here")
        await statement(*args, **kwargs)
    return dying


async def count(attribution: Harness, sql: str) -> int:
    async with attribution.runtime.engine.connect() as conn:
        return int(await conn.scalar(text(sql)) or 0)


async def load(attribution: Harness, *rows: str) -> dict[str, Any]:
    response = await attribution.post("/v1/imports/members", content=(HEADER + "".join(rows)).encode(), headers=CSV)
    assert response.status_code == 200, response.json()
    report: dict[str, Any] = response.json()
    return report


async def test_a_file_enrols_at_once_and_the_next_run_attributes_what_the_rules_read_changed(
    attribution: Harness,
) -> None:
    far = DES_MOINES[0] + 0.3
    await attribution.post("/v1/providers", provider(NPIS[0]))
    await attribution.post("/v1/providers", provider(NPIS[1], lat=far))
    # The same member twice in one file: one member, enrolled once, its last row kept.
    report = await load(attribution, row("1000001A"), row("2000002B"), row("2000002B", language="es"))
    assert (report["accepted"], report["rejected_count"]) == (3, 0)
    enrolled = [e.payload for e in await attribution.events("attribution.member-enrollment", 2)]
    assert all(isinstance(p, MemberEnrolledV1) for p in enrolled)
    assert len({p.member_id for p in enrolled if isinstance(p, MemberEnrolledV1)}) == 2
    assert await count(attribution, "SELECT count(*) FROM members") == 2
    assert await count(attribution, "SELECT count(*) FROM members WHERE language = 'es'") == 1
    assert await count(attribution, "SELECT count(*) FROM assignments") == 0

    assert (await attribution.post("/v1/attribution-runs")).json() == {"geography": 2}
    # One member moves next to the other PCP; the other's row is unchanged: only the mover is due.
    await load(attribution, row("1000001A", lat=far), row("2000002B", language="es"))
    assert await count(attribution, "SELECT count(*) FROM members WHERE attribution_due") == 1
    assert (await attribution.post("/v1/attribution-runs")).json() == {"geography": 1}
    moved = await count(attribution, "SELECT count(*) FROM assignments a JOIN members m USING (member_id) "
                                     f"WHERE a.effective_to IS NULL AND m.medicaid_id = '1000001A' "
                                     f"AND a.npi = '{NPIS[1]}'")
    assert moved == 1
    assert await count(attribution, "SELECT count(*) FROM members WHERE attribution_due") == 0
    await attribution.exactly_one_current_assignment_each()


async def test_a_file_found_unreadable_half_way_stores_nothing(attribution: Harness,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "FILE_CHUNK", 2)  # many chunks are stored before the damage is read
    rows = "".join(row(f"{3000000 + n}C") for n in range(400))  # ~30 KiB: past the decoder's first reads
    damaged = (HEADER + rows).encode() + b"\xff\xfe broken\n"
    response = await attribution.post("/v1/imports/members", content=damaged, headers=CSV)
    assert response.status_code == 422 and response.json()["code"] == "unreadable-file"
    assert await count(attribution, "SELECT count(*) FROM members") == 0
    assert await count(attribution, "SELECT count(*) FROM outbox") == 0


async def test_a_run_stopped_half_way_keeps_its_committed_chunks_and_the_next_run_does_the_rest(
    attribution: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await attribution.post("/v1/providers", provider(NPIS[0]))
    await load(attribution, *(row(f"{4000000 + n}D") for n in range(5)))
    monkeypatch.setattr(service, "BATCH_CHUNK", 2)
    real = store.replace_assignments
    monkeypatch.setattr(store, "replace_assignments", dies_at_the_second_call(real))
    assert (await attribution.post("/v1/attribution-runs")).status_code == 500
    assert await count(attribution, "SELECT count(*) FROM assignments") == 2  # the first chunk's
    assert await count(attribution, "SELECT count(*) FROM members WHERE attribution_due") == 3

    monkeypatch.setattr(store, "replace_assignments", real)
    assert (await attribution.post("/v1/attribution-runs")).json() == {"geography": 3}
    assert await count(attribution, "SELECT count(*) FROM assignments") == 5
    await attribution.exactly_one_current_assignment_each()


async def test_a_members_load_cut_short_keeps_its_committed_batches_and_loading_again_finishes_it(
    attribution: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records, "FILE_CHUNK", 2)
    rows = [row(f"{5000000 + n}E") for n in range(5)]
    real = store.upsert_members
    monkeypatch.setattr(store, "upsert_members", dies_at_the_second_call(real))
    response = await attribution.post("/v1/imports/members", content=(HEADER + "".join(rows)).encode(), headers=CSV)
    assert response.status_code == 500
    assert await count(attribution, "SELECT count(*) FROM members") == 2  # the first batch, committed
    monkeypatch.setattr(store, "upsert_members", real)
    assert (await load(attribution, *rows))["accepted"] == 5
    assert await count(attribution, "SELECT count(*) FROM members") == 5
    enrolled = await attribution.events("attribution.member-enrollment", 5)
    assert sorted(e.payload.medicaid_id for e in enrolled if isinstance(e.payload, MemberEnrolledV1)) == sorted(
        r.split(",")[0] for r in rows)  # each member enrolled once: the reload published none again
