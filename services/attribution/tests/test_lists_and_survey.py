"""The practice attribution list as a FHIR ATR Group, and the escalation
survey over HTTP with the event that starts its outcome."""

from __future__ import annotations

import uuid
from datetime import date

from fhir.resources.R4B.group import Group

from liaison_shared.payloads import SurveyOutcomeV1

from .conftest import DES_MOINES, NPIS, Harness, member, provider

EXT = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-changeType"


async def test_practice_list_is_a_valid_atr_group_with_new_and_dropped_members(attribution: Harness) -> None:
    practice, elsewhere = NPIS[0], NPIS[3]
    await attribution.post("/v1/providers", provider(practice))
    await attribution.post("/v1/providers", provider(elsewhere, practice_npi=elsewhere, practice_name="Other",
                                                     lat=DES_MOINES[0] + 0.1))
    staying = (await attribution.post("/v1/members", member("1111111A"))).json()["member_id"]
    leaving = (await attribution.post("/v1/members", member("2222222B"))).json()["member_id"]
    await attribution.post(f"/v1/members/{leaving}/pcp-change", {"npi": elsewhere, "reason_code": "closer_to_home"})

    response = await attribution.get(f"/v1/practices/{practice}/attribution-list",
                                     params={"mco": "IA-TC", "as_of": date.today().isoformat()})
    assert response.status_code == 200
    group = response.json()
    Group.model_validate(group)  # a valid FHIR R4 Group
    entries = {m["entity"]["reference"]: m for m in group["member"]}
    change = {ref: next(e["valueCode"] for e in m["extension"] if e["url"] == EXT) for ref, m in entries.items()}
    assert change == {f"Patient/{staying}": "new", f"Patient/{leaving}": "dropped"}
    assert entries[f"Patient/{leaving}"]["inactive"] is True
    assert group["quantity"] == 1
    assert "Test Member" not in response.text and "1111111A" not in response.text
    missing = await attribution.get("/v1/practices/1003000126/attribution-list", params={"mco": "IA-TC"})
    assert missing.status_code == 404


async def test_survey_answers_give_one_outcome_and_its_event(attribution: Harness) -> None:
    questions = (await attribution.get("/v1/survey")).json()
    assert questions["root"] == "fwa-signs" and len(questions["questions"]) >= 5
    answers = {"fwa-signs": "no", "quality-of-care": "no", "raised-by": "member",
               "assigned-without-consent": "no", "member-wants-change": "no"}
    inquiry_id = str(uuid.uuid4())
    decided = await attribution.post("/v1/survey-responses", {"answers": answers, "inquiry_id": inquiry_id})
    assert decided.status_code == 200, decided.text
    assert decided.json()["outcome"] == "provider_outreach"
    [event] = await attribution.events("attribution.survey-outcome", 1)
    assert isinstance(event.payload, SurveyOutcomeV1) and event.payload.outcome == "provider_outreach"
    assert str(event.payload.inquiry_id) == inquiry_id

    fwa = await attribution.post("/v1/survey-responses", {"answers": {"fwa-signs": "yes"}, "inquiry_id": inquiry_id})
    assert fwa.json()["outcome"] == "fwa_referral"
    incomplete = await attribution.post("/v1/survey-responses", {"answers": {"fwa-signs": "no"}})
    assert incomplete.status_code == 422
    assert incomplete.json()["errors"][0]["field"] == "answers.quality-of-care"
