"""Hospitals' notices over HTTP, on the real PostgreSQL and Kafka: an ADT A03 is acknowledged AA once stored
with its event (the discharge's own time, not the receipt), sent again it counts once; a bad segment gets
AE and changes nothing; a notice of a patient attribution has not told about waits for it; a Da Vinci
Bundle is taken or refused with an OperationOutcome; call-backs and follow-ups; and the practice sees only
its own."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import hl7  # type: ignore[import-untyped]
from sqlalchemy import text

from .conftest import OTHER_PRACTICE, PLAN, PRACTICE, Care, medicaid_ids

MESSAGES = Path(__file__).with_name("messages")
HL7 = {"content-type": "x-application/hl7-v2+er7"}
FRIDAY_2310 = datetime(2026, 11, 28, 5, 10, tzinfo=UTC)  # Friday 27 November 23:10 CST


def last_week(message: str) -> str:
    """The sample messages' week moved back one, so that their times are past (follow-ups may not be future)."""
    for later, earlier in (("20261204", "20261127"), ("20261201", "20261124"), ("2026-12-04", "2026-11-27"),
                           ("2026-12-01", "2026-11-24")):
        message = message.replace(later, earlier)
    return message


def a03(medicaid_id: str, control_id: str) -> str:
    return last_week((MESSAGES / "a03_discharge_friday_night.hl7").read_bytes().decode()
                     .replace("MDSM20261204231502-0417", control_id).replace("A7731942", medicaid_id))


async def outbox(care: Care, event_type: str) -> list[dict[str, Any]]:
    async with care.runtime.engine.begin() as conn:
        rows = (await conn.execute(text("SELECT headers, value FROM outbox ORDER BY id"))).all()
    return [json.loads(r.value) for r in rows if dict(r.headers).get("ce_type") == event_type]


def msa(ack: str) -> list[str]:
    message = hl7.parse(ack.replace("\n", "\r"))
    return [str(field) for field in message.segment("MSA")]


async def test_discharge_is_acknowledged_once_stored_and_counted_once(care: Care) -> None:
    [patient] = medicaid_ids(1)
    members = await care.enrol([patient])
    control = uuid.uuid4().hex[:20]
    first = await care.call("POST", "/v1/transitions/adt", system="hospital-adt", content=a03(patient, control),
                            headers=HL7)
    assert first.status_code == 200 and msa(first.text)[1:3] == ["AA", control]
    again = await care.call("POST", "/v1/transitions/adt", system="hospital-adt", content=a03(patient, control),
                            headers=HL7)
    assert again.status_code == 200 and msa(again.text)[1] == "AA"
    [notified] = await outbox(care, "liaison.care.encounter-notified.v1")
    assert notified["kind"] == "discharge" and notified["member_id"] == str(members[patient])
    assert datetime.fromisoformat(notified["occurred_at"]) == FRIDAY_2310  # the discharge itself, not the receipt
    assert (notified["plan"], notified["practice_npi"]) == (PLAN, PRACTICE)
    assert patient not in json.dumps(notified)  # minimum necessary: no Medicaid ID on the bus

    listed = (await care.call("GET", f"/v1/plans/{PLAN}/practices/{PRACTICE}/transitions", person="priya")).json()
    assert [(n["kind"], n["medicaid_id"]) for n in listed] == [("discharge", patient)]
    other = await care.call("GET", f"/v1/plans/{PLAN}/practices/{OTHER_PRACTICE}/transitions", person="priya")
    assert other.status_code == 404

    notice_id = listed[0]["notice_id"]
    early = await care.call("POST", f"/v1/transitions/{notice_id}/follow-up", person="priya",
                            json={"reached_at": "2026-11-24T10:00:00-06:00", "by": "practice"})
    assert early.status_code == 409 and early.json()["errors"][0]["field"] == "reached_at"
    done = await care.call("POST", f"/v1/transitions/{notice_id}/follow-up", person="priya",
                           json={"reached_at": "2026-11-29T11:00:00-06:00", "by": "practice"})
    assert done.status_code == 200
    [follow_up] = await outbox(care, "liaison.care.follow-up-recorded.v1")
    assert follow_up["item_id"] == notice_id


async def test_a_bad_segment_is_refused_with_ae_and_changes_nothing(care: Care) -> None:
    [patient] = medicaid_ids(1)
    await care.enrol([patient])
    broken = a03(patient, "BROKEN-1").replace("\rPV1|1|I|", "\rPV!|1|I|")
    answer = await care.call("POST", "/v1/transitions/adt", system="hospital-adt", content=broken, headers=HL7)
    assert answer.status_code == 422
    assert msa(answer.text)[1:3] == ["AE", "BROKEN-1"]
    err = hl7.parse(answer.text).segment("ERR")
    assert str(err[3]).startswith("100")  # HL7 table 0357: segment sequence error
    assert patient not in answer.text and "OKAFOR" not in answer.text
    assert await care.sql("SELECT count(*) FROM notices") == 0
    not_hl7 = await care.call("POST", "/v1/transitions/adt", system="hospital-adt", content="hello", headers=HL7)
    assert not_hl7.status_code == 400 and "MSA|AR" in not_hl7.text
    # Only a hospital's system may send them.
    by_a_person = await care.call("POST", "/v1/transitions/adt", person="carl", content=broken, headers=HL7)
    assert by_a_person.status_code == 403


async def test_a_notice_before_attribution_waits_for_it(care: Care) -> None:
    [patient] = medicaid_ids(1)
    answer = await care.call("POST", "/v1/transitions/adt", system="hospital-adt", content=a03(patient, "EARLY-1"),
                             headers=HL7)
    assert msa(answer.text)[1] == "AA"  # stored: nothing accepted is lost
    assert await outbox(care, "liaison.care.encounter-notified.v1") == []
    await care.enrol([patient])
    [notified] = await outbox(care, "liaison.care.encounter-notified.v1")
    assert notified["practice_npi"] == PRACTICE


async def test_da_vinci_bundle_taken_or_refused_with_an_operation_outcome(care: Care) -> None:
    [patient] = medicaid_ids(1)
    await care.enrol([patient])
    sample = (MESSAGES / "davinci_discharge_bundle.json").read_text()
    bundle = json.loads(last_week(sample).replace("A7731942", patient))
    fhir = {"content-type": "application/fhir+json"}
    taken = await care.call("POST", "/v1/transitions/notifications", system="hospital-adt", content=json.dumps(bundle),
                            headers=fhir)
    assert taken.status_code == 200 and taken.json()["resourceType"] == "OperationOutcome"
    [notified] = await outbox(care, "liaison.care.encounter-notified.v1")
    assert datetime.fromisoformat(notified["occurred_at"]) == FRIDAY_2310

    bundle["entry"][0]["resource"]["eventCoding"]["code"] = "notification-transfer"
    bundle["id"] = str(uuid.uuid4())
    refused = await care.call("POST", "/v1/transitions/notifications", system="hospital-adt",
                              content=json.dumps(bundle), headers=fhir)
    assert refused.status_code == 400
    [issue] = refused.json()["issue"]
    assert issue["code"] == "not-supported" and "eventCoding" in issue["expression"][0]
    assert len(await outbox(care, "liaison.care.encounter-notified.v1")) == 1


async def test_callback_request_is_counted_once(care: Care) -> None:
    [patient] = medicaid_ids(1)
    await care.enrol([patient])
    request = {"medicaid_id": patient, "requested_at": "2026-11-30T09:15:00-06:00", "request_id": "CALL-77"}
    for _ in range(2):
        assert (await care.call("POST", "/v1/transitions/callback-requests", json=request)).status_code == 202
    [asked] = await outbox(care, "liaison.care.callback-requested.v1")
    assert asked["requested_at"].startswith("2026-11-30T15:15")
    bad = await care.call("POST", "/v1/transitions/callback-requests", json={**request, "medicaid_id": "nope"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "medicaid_id"
    assert "nope" not in bad.text
