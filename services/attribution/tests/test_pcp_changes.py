"""A member's change of PCP with its configured reason, the member's PCP history, and the survey's
outcomes: a simple PCP change made at once through the same use case, the outcomes that open a case
naming the originating inquiry, and the outcome event with the member's PCP and MCO as they were.
On the real database and broker."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text

from liaison_attribution.api.deps import today
from liaison_shared.payloads import PcpAssignedV1, SurveyOutcomeV1

from .conftest import DES_MOINES, NPIS, WRITER, Harness, member, provider

NEAR, FAR = NPIS[0], NPIS[1]
SIMPLE_PCP_CHANGE = {"fwa-signs": "no", "quality-of-care": "no", "raised-by": "member",
                     "assigned-without-consent": "no", "member-wants-change": "yes"}
GRIEVANCE = {"fwa-signs": "no", "quality-of-care": "yes"}
FWA = {"fwa-signs": "yes"}


async def attributed_member(attribution: Harness, medicaid_id: str = "1234567A", **changes: Any) -> str:
    """A member attributed by geography to NEAR (FAR is another in-network PCP); its id."""
    for body in (provider(NEAR), provider(FAR, lat=DES_MOINES[0] + 0.2)):
        assert (await attribution.post("/v1/providers", body)).status_code == 200
    created = await attribution.post("/v1/members", member(medicaid_id, **changes))
    assert created.status_code == 200, created.text
    return str(created.json()["member_id"])


async def history(attribution: Harness, member_id: str) -> list[dict[str, Any]]:
    found = await attribution.get(f"/v1/members/{member_id}/pcp-history")
    assert found.status_code == 200, found.text
    assert found.json()["member_id"] == member_id
    return list(found.json()["assignments"])


async def published(attribution: Harness, topic: str) -> int:
    """Events of `topic` in the outbox (sent or not): what the committed transactions published."""
    async with attribution.runtime.engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM outbox WHERE topic LIKE :t"), {"t": f"%{topic}"}))


def program_today() -> str:
    """The day a change is effective: the program's local date, as the service takes it."""
    return today().isoformat()


def fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


# --- the change and its reason ---------------------------------------------------------------------


async def test_a_pcp_change_needs_a_configured_reason_and_an_unknown_one_changes_nothing(
    attribution: Harness
) -> None:
    member_id = await attributed_member(attribution)
    change = f"/v1/members/{member_id}/pcp-change"
    unknown = await attribution.post(change, {"npi": FAR, "reason_code": "moved"})
    assert fields(unknown) == ["reason_code"]
    assert "not a configured PCP change reason" in unknown.json()["errors"][0]["reason"]
    assert "closer_to_home" in unknown.json()["errors"][0]["reason"]  # the allowed codes
    assert fields(await attribution.post(change, {"npi": FAR})) == ["reason_code"]
    assert fields(await attribution.post(change, {"npi": FAR, "reason_code": "Closer To Home"})) == ["reason_code"]
    assert fields(await attribution.post(change, {"npi": FAR, "reason_code": "other", "reason_text": "x"})) == \
        ["reason_text"]  # the note is `note`
    assert fields(await attribution.post(change, {"npi": FAR, "reason_code": "other", "note": "x" * 1001})) == \
        ["note"]
    # A reason attribution records itself is not the caller's to give.
    assert fields(await attribution.post(change, {"npi": FAR, "reason_code": "panel_removal"})) == ["reason_code"]
    assert (await attribution.get(f"/v1/members/{member_id}/pcp")).json()["npi"] == NEAR
    assert len(await history(attribution, member_id)) == 1
    assert await published(attribution, "pcp-assigned") == 1  # the geography assignment only

    changed = await attribution.post(change, {"npi": FAR, "reason_code": "language", "note": "Speaks Spanish"})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "member_id": member_id, "pcp_npi": FAR, "method": "member_choice", "effective_from": program_today(),
        "change_reason": {"code": "language", "label": "Another PCP speaks the member's language"},
        "note": "Speaks Spanish"}
    events = [e.payload for e in await attribution.events("attribution.pcp-assigned", 2)]
    assert [(e.pcp_npi, e.method, e.change_reason) for e in events if isinstance(e, PcpAssignedV1)] == [
        (NEAR, "geography", None), (FAR, "member_choice", "language")]
    assert (await attribution.get(f"/v1/members/{member_id}/pcp")).json()["npi"] == FAR
    await attribution.exactly_one_current_assignment_each()


async def test_the_pcp_history_lists_every_assignment_newest_first_with_reasons_and_who_recorded_it(
    attribution: Harness
) -> None:
    member_id = await attributed_member(attribution)
    assert (await attribution.post(f"/v1/members/{member_id}/pcp-change", {
        "npi": FAR, "reason_code": "closer_to_home", "note": "Moved to the east side"})).status_code == 200
    removal = await attribution.post("/v1/panel-removals", {
        "member_id": member_id, "npi": FAR, "reason": "non_compliance", "documentation": "Letter on file"})
    assert removal.status_code == 202, removal.text
    chose = await attribution.post(f"/v1/panel-removals/{removal.json()['removal_id']}/choice", {"npi": NEAR})
    assert chose.status_code == 200, chose.text

    day = program_today()
    chosen_again, chosen, by_geography = await history(attribution, member_id)
    assert [(a["pcp_npi"], a["pcp_name"], a["method"], a["effective_to"]) for a in (chosen_again, chosen,
                                                                                      by_geography)] == [
        (NEAR, f"Dr {NEAR[-3:]}", "member_choice", None), (FAR, f"Dr {FAR[-3:]}", "member_choice", day),
        (NEAR, f"Dr {NEAR[-3:]}", "geography", day)]
    assert chosen_again["change_reason"]["code"] == "panel_removal" and chosen_again["change_reason"]["label"]
    assert chosen_again["note"] is None
    assert (chosen["change_reason"], chosen["note"]) == (
        {"code": "closer_to_home", "label": "Another PCP is closer to home, work or school"}, "Moved to the east side")
    assert (by_geography["change_reason"], by_geography["note"], by_geography["network_gap"]) == (None, None, False)
    assert all(a["effective_from"] == day for a in (chosen_again, chosen, by_geography))
    for entry in (chosen_again, chosen, by_geography):
        assert entry["recorded_by"]["client"] == WRITER and entry["recorded_by"]["subject"]
        datetime.fromisoformat(entry["recorded_at"])
    assert chosen_again["recorded_at"] >= chosen["recorded_at"] >= by_geography["recorded_at"]


async def test_a_network_gap_is_in_the_history_and_a_member_without_assignments_has_an_empty_one(
    attribution: Harness
) -> None:
    await attribution.post("/v1/providers", provider(NEAR, lat=43.5, lon=-96.7))  # ~200 miles away
    gap = (await attribution.post("/v1/members", member("2345678B"))).json()["member_id"]
    [entry] = await history(attribution, gap)
    assert (entry["pcp_npi"], entry["pcp_name"], entry["network_gap"], entry["method"]) == (None, None, True, None)
    async with attribution.runtime.engine.begin() as conn:  # a member from a file, not yet attributed
        waiting = await conn.scalar(text(
            "INSERT INTO members (member_id, medicaid_id, name, birth_date, mco, eligible_from, risk_flags) "
            "VALUES (gen_random_uuid(), '3456789C', 'Test Member', '1980-05-01', 'IA-TC', '2026-01-01', '{}') "
            "RETURNING member_id"))
    assert await history(attribution, str(waiting)) == []
    missing = await attribution.get(f"/v1/members/{uuid.uuid4()}/pcp-history")
    assert (missing.status_code, missing.json()["code"]) == (404, "member-not-found")
    assert missing.headers["content-type"].startswith("application/problem+json")


# --- the survey's outcomes -------------------------------------------------------------------------


async def test_a_simple_pcp_change_survey_makes_the_change_with_its_reason_and_publishes_the_outcome(
    attribution: Harness
) -> None:
    member_id = await attributed_member(attribution)
    inquiry_id = str(uuid.uuid4())
    answered = await attribution.post("/v1/survey-responses", {
        "answers": SIMPLE_PCP_CHANGE, "member_id": member_id, "inquiry_id": inquiry_id,
        "pcp_change": {"pcp_npi": FAR, "reason_code": "assigned_without_consent", "note": "Never chose Dr 599"}})
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert body["outcome"] == "simple_pcp_change"
    assert body["path"][-1] == {"question": "member-wants-change", "answer": "yes"}
    assert body["assignment"] == {
        "member_id": member_id, "pcp_npi": FAR, "method": "member_choice", "effective_from": program_today(),
        "change_reason": {"code": "assigned_without_consent",
                          "label": "The member was assigned to this PCP without choosing them"},
        "note": "Never chose Dr 599"}

    [outcome] = [e.payload for e in await attribution.events("attribution.survey-outcome", 1)]
    assert isinstance(outcome, SurveyOutcomeV1)
    assert (str(outcome.response_id), str(outcome.inquiry_id), str(outcome.member_id), outcome.outcome) == (
        body["response_id"], inquiry_id, member_id, "simple_pcp_change")
    assert (outcome.pcp_npi, outcome.mco, outcome.survey_version) == (NEAR, "IA-TC", "2026.11-1")  # as they were
    assigned = [e.payload for e in await attribution.events("attribution.pcp-assigned", 2)][-1]
    assert isinstance(assigned, PcpAssignedV1)
    assert (assigned.pcp_npi, assigned.previous_pcp_npi, assigned.change_reason) == (
        FAR, NEAR, "assigned_without_consent")
    latest = (await history(attribution, member_id))[0]
    assert (latest["pcp_npi"], latest["change_reason"]["code"], latest["note"]) == (
        FAR, "assigned_without_consent", "Never chose Dr 599")
    await attribution.exactly_one_current_assignment_each()


async def test_a_simple_pcp_change_survey_without_its_change_or_with_a_bad_one_changes_and_publishes_nothing(
    attribution: Harness
) -> None:
    member_id = await attributed_member(attribution)
    change = {"pcp_npi": FAR, "reason_code": "member_preference"}
    assert fields(await attribution.post("/v1/survey-responses", {
        "answers": SIMPLE_PCP_CHANGE, "member_id": member_id})) == ["pcp_change"]
    assert fields(await attribution.post("/v1/survey-responses", {
        "answers": SIMPLE_PCP_CHANGE, "pcp_change": change})) == ["member_id"]
    assert fields(await attribution.post("/v1/survey-responses", {
        "answers": SIMPLE_PCP_CHANGE, "member_id": member_id, "pcp_change": {**change, "reason_code": "moved"}
    })) == ["pcp_change.reason_code"]
    assert fields(await attribution.post("/v1/survey-responses", {
        "answers": SIMPLE_PCP_CHANGE, "member_id": member_id, "pcp_change": {"reason_code": "other"}
    })) == ["pcp_change.pcp_npi"]
    # A PCP outside the member's network: the change is refused, and with it the outcome (one transaction).
    await attribution.post("/v1/providers", provider(NPIS[2], networks=["IA-AG"]))
    refused = await attribution.post("/v1/survey-responses", {
        "answers": SIMPLE_PCP_CHANGE, "member_id": member_id, "pcp_change": {**change, "pcp_npi": NPIS[2]}})
    assert (refused.status_code, refused.json()["code"]) == (409, "not-in-network")
    nobody = await attribution.post("/v1/survey-responses", {
        "answers": SIMPLE_PCP_CHANGE, "member_id": str(uuid.uuid4()), "pcp_change": change})
    assert (nobody.status_code, nobody.json()["code"]) == (404, "member-not-found")

    assert await published(attribution, "survey-outcome") == 0
    assert await published(attribution, "pcp-assigned") == 1
    assert [a["pcp_npi"] for a in await history(attribution, member_id)] == [NEAR]


async def test_the_outcomes_that_open_a_case_name_the_inquiry_and_carry_the_members_pcp_and_mco(
    attribution: Harness
) -> None:
    member_id = await attributed_member(attribution)
    for answers in (FWA, GRIEVANCE):
        missing = await attribution.post("/v1/survey-responses", {"answers": answers, "member_id": member_id})
        assert fields(missing) == ["inquiry_id"]
        assert "originating inquiry" in missing.json()["errors"][0]["reason"]
    with_a_change = await attribution.post("/v1/survey-responses", {
        "answers": GRIEVANCE, "inquiry_id": str(uuid.uuid4()), "member_id": member_id,
        "pcp_change": {"pcp_npi": FAR, "reason_code": "other"}})
    assert fields(with_a_change) == ["pcp_change"]
    assert await published(attribution, "survey-outcome") == 0

    inquiries = [str(uuid.uuid4()) for _ in range(2)]
    fwa = await attribution.post("/v1/survey-responses", {"answers": FWA, "inquiry_id": inquiries[0],
                                                          "member_id": member_id})
    assert fwa.status_code == 200, fwa.text
    assert (fwa.json()["outcome"], fwa.json()["assignment"]) == ("fwa_referral", None)
    anonymous = await attribution.post("/v1/survey-responses", {"answers": GRIEVANCE, "inquiry_id": inquiries[1]})
    assert anonymous.json()["outcome"] == "grievance"

    outcomes = [e.payload for e in await attribution.events("attribution.survey-outcome", 2)]
    # Keyed by response, the two may sit on different partitions: their order is not kept.
    assert {(str(o.inquiry_id), o.outcome, o.pcp_npi, o.mco, o.member_id and str(o.member_id))
            for o in outcomes if isinstance(o, SurveyOutcomeV1)} == {
        (inquiries[0], "fwa_referral", NEAR, "IA-TC", member_id), (inquiries[1], "grievance", None, None, None)}
    assert [a["pcp_npi"] for a in await history(attribution, member_id)] == [NEAR]  # no change made


async def test_a_member_with_a_network_gap_has_no_pcp_on_the_outcome(attribution: Harness) -> None:
    await attribution.post("/v1/providers", provider(NEAR, lat=43.5, lon=-96.7))  # ~200 miles away
    gap = (await attribution.post("/v1/members", member("2345678B", mco="IA-AG"))).json()["member_id"]
    provider_raised = {"fwa-signs": "no", "quality-of-care": "no", "raised-by": "provider",
                       "provider-disputes-panel": "yes"}
    answered = await attribution.post("/v1/survey-responses", {"answers": provider_raised, "member_id": gap,
                                                               "inquiry_id": str(uuid.uuid4())})
    assert answered.json()["outcome"] == "provider_outreach"
    [outcome] = [e.payload for e in await attribution.events("attribution.survey-outcome", 1)]
    assert isinstance(outcome, SurveyOutcomeV1) and (outcome.pcp_npi, outcome.mco) == (None, "IA-AG")
