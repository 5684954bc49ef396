"""Who reads the delivery log and the letters, with real tokens of the program's
OpenID provider: a credential without deliveries:read is refused, and one of an
MCO finds only what concerns the inquiries referred to that MCO.

No person or system of the realm holds both an MCO and deliveries:read (MCO
staff may not read the log under the program's access.yaml), so the
confinement is shown on a deployment whose access file grants MCO staff that
scope too: tina's and adam's tokens are the provider's own, unchanged."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import text

from liaison_notifier.rules.ids import letter_id
from liaison_shared.access import DEFAULT_FILE, DELIVERIES_READ, FILE_VARIABLE, MCO_ROLE, program_access
from liaison_shared.payloads import McoContactedV1, NoticeIssuedV1
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.plugin import SettingsFactory
from liaison_shared.testing.waiting import wait_until

from .conftest import ACTOR, NOW, SECRET, Harness, Inbox, Receiver, assigned, started_notifier


async def test_a_credential_without_deliveries_read_is_refused(notifier: Harness, tokens: Tokens) -> None:
    paths = ["/v1/deliveries", f"/v1/letters/{uuid.uuid4()}"]
    async with notifier.http() as http:
        # a program manager, MCO staff and an MCO's system: none may read the log under access.yaml
        for caller in ({"person": "pat"}, {"person": "tina"}, {"system": "mco-ia-tc"}):
            for path in paths:
                refused = await http.get(path, headers=await tokens.headers(**caller))
                assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), (caller, path)
                assert refused.json()["required_scope"] == DELIVERIES_READ
        for path in paths:
            assert (await http.get(path)).status_code == 401


@pytest.fixture
async def mco_readers(make_settings: SettingsFactory, tmp_path: Path, inbox: tuple[Inbox, int],
                      receiver: tuple[Receiver, int], monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    """A notifier whose access file also lets MCO staff read deliveries and letters."""
    access: dict[str, Any] = yaml.safe_load(DEFAULT_FILE.read_text())
    access["roles"][MCO_ROLE] = [*access["roles"][MCO_ROLE], DELIVERIES_READ]
    access_file = tmp_path / "access.yaml"
    access_file.write_text(yaml.safe_dump(access))
    monkeypatch.setenv(FILE_VARIABLE, str(access_file))
    monkeypatch.setenv("TEST_CCM_SECRET", SECRET)
    program_access.cache_clear()  # read once per process: this runtime reads the file above
    try:
        async with started_notifier(make_settings, tmp_path, inbox, receiver) as harness:
            yield harness
    finally:
        program_access.cache_clear()  # the next reader gets the program's file again


async def test_an_mco_finds_only_deliveries_and_letters_of_inquiries_referred_to_it(
    mco_readers: Harness, tokens: Tokens
) -> None:
    to_tc, to_ag, unreferred = assigned(mco="IA-TC"), assigned(mco="IA-AG"), assigned(mco="IA-TC")
    to_both = assigned(mco="IA-TC")
    await mco_readers.publish(to_tc, to_ag, unreferred, to_both)
    await mco_readers.publish(McoContactedV1(inquiry_id=to_tc.inquiry_id, mco="IA-TC", actor=ACTOR, at=NOW),
                              McoContactedV1(inquiry_id=to_ag.inquiry_id, mco="IA-AG", actor=ACTOR, at=NOW),
                              *[McoContactedV1(inquiry_id=to_both.inquiry_id, mco=mco, actor=ACTOR, at=NOW)
                                for mco in ("IA-TC", "IA-AG")])
    cases = (to_tc.inquiry_id, to_ag.inquiry_id, unreferred.inquiry_id, to_both.inquiry_id)
    notices = await mco_readers.publish(*[NoticeIssuedV1(inquiry_id=case, notice="answer", text="The answer.",
                                                         actor=ACTOR, at=NOW) for case in cases])
    letters = {case: letter_id(event.id) for case, event in zip(cases, notices, strict=True)}

    async def all_there() -> bool:
        async with mco_readers.runtime.engine.connect() as conn:
            stored = await conn.scalar(text("SELECT count(*) FROM letters"))
            referral_mails = await conn.scalar(text("SELECT count(*) FROM deliveries WHERE recipient LIKE 'mco:%'"))
            cases_delivered = await conn.scalar(text("SELECT count(DISTINCT inquiry_id) FROM deliveries"))
        return (stored, referral_mails, cases_delivered) == (4, 4, 4)
    await wait_until(all_there, what="four letters, the referrals' deliveries and one for every case")

    async with mco_readers.http() as http:
        async def seen(**caller: str) -> set[uuid.UUID]:
            log = await http.get("/v1/deliveries", headers=await tokens.headers(**caller))
            assert log.status_code == 200
            return {uuid.UUID(entry["inquiry_id"]) for entry in log.json()}

        assert await seen(person="maria") == set(cases)
        assert await seen(person="tina") == {to_tc.inquiry_id, to_both.inquiry_id}
        assert await seen(person="adam") == {to_ag.inquiry_id, to_both.inquiry_id}
        tina = await tokens.headers(person="tina")
        shared = await http.get("/v1/deliveries", params={"inquiry_id": str(to_both.inquiry_id)}, headers=tina)
        recipients = {entry["recipient"] for entry in shared.json()}
        assert "mco:IA-TC" in recipients and "mco:IA-AG" not in recipients, "its own part only"
        other = await http.get("/v1/deliveries", params={"inquiry_id": str(to_ag.inquiry_id)}, headers=tina)
        assert (other.status_code, other.json()) == (200, [])

        read: list[tuple[str, str]] = []
        mine = {"tina": {to_tc.inquiry_id, to_both.inquiry_id}, "adam": {to_ag.inquiry_id, to_both.inquiry_id},
                "maria": set(cases)}
        for person in ("tina", "adam", "maria"):
            for case, letter in letters.items():
                answer = await http.get(f"/v1/letters/{letter}", headers=await tokens.headers(person=person))
                if case in mine[person]:
                    assert answer.status_code == 200, (person, case)
                    read.append((person, str(letter)))
                else:  # as if there were no such letter
                    assert (answer.status_code, answer.json()["code"]) == (404, "letter-not-found"), (person, case)

    # Only the letters each could see are on record as read (the access audit), once each.
    async with mco_readers.runtime.engine.connect() as conn:
        audited = (await conn.execute(text("SELECT roles, resource_ids[1] FROM access_audit ORDER BY id"))).all()
    roles = {"tina": ["mco-staff"], "adam": ["mco-staff"], "maria": ["member-liaison"]}
    assert [(r, letter) for r, letter in audited] == [(roles[person], letter) for person, letter in read]
