"""The FHIR API's pure parts: the operations' Parameters, Group search matching, and the reserved reason
an addition to a list is recorded with. No I/O."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
import yaml

from liaison_attribution.contract import (
    ATTRIBUTION_LIST_ADD,
    DEFAULT_CONFIG,
    AttributionConfigError,
    load_attribution_config,
)
from liaison_attribution.fhir_outcome import FhirError, operation_outcome
from liaison_attribution.fhir_parameters import MEDICAID_ID_SYSTEM, MEMBER_SYSTEM, member_change
from liaison_attribution.fhir_search import Contract, group_name, group_search, matches

TODAY = date(2026, 11, 20)
MEMBER = str(uuid.uuid4())
CONTRACT = Contract(mco="IA-TC", practice_npi="1245319599", practice_name="Capitol Family Medicine")


def body(*parameters: dict[str, object]) -> dict[str, object]:
    return {"resourceType": "Parameters", "parameter": list(parameters)}


def member_id(value: str, system: str | None = None) -> dict[str, object]:
    identifier = {"value": value} | ({"system": system} if system else {})
    return {"name": "memberId", "valueIdentifier": identifier}


def test_a_member_is_named_by_member_id_or_medicaid_id() -> None:
    assert member_change(body(member_id(MEMBER, MEMBER_SYSTEM)), operation="member-remove", today=TODAY) \
        .member_id == uuid.UUID(MEMBER)
    assert member_change(body(member_id(MEMBER)), operation="member-remove", today=TODAY).member_id == \
        uuid.UUID(MEMBER)
    by_medicaid_id = member_change(body(member_id("1234567A", MEDICAID_ID_SYSTEM)), operation="member-remove",
                                   today=TODAY)
    assert (by_medicaid_id.member_id, by_medicaid_id.medicaid_id) == (None, "1234567A")


@pytest.mark.parametrize(("period", "reason"), [
    ({"end": "2026-11-20"}, "end must be yesterday"),
    ({"start": "2026-11-01"}, "a removal has no start"),
    ({"end": "20 Nov"}, "end must be a FHIR date"),
])
def test_a_removals_period_may_only_end_yesterday(period: dict[str, str], reason: str) -> None:
    with pytest.raises(FhirError) as refused:
        member_change(body(member_id(MEMBER), {"name": "attributionPeriod", "valuePeriod": period}),
                      operation="member-remove", today=TODAY)
    [issue] = refused.value.issues
    assert (refused.value.status, issue.name, issue.where) == (400, "attributionPeriod", "body")
    assert issue.reason.startswith(reason)
    assert member_change(body(member_id(MEMBER), {"name": "attributionPeriod", "valuePeriod": {
        "end": "2026-11-19"}}), operation="member-remove", today=TODAY).member_id == uuid.UUID(MEMBER)


def test_a_refusal_names_the_parameter_never_its_value() -> None:
    with pytest.raises(FhirError) as refused:
        member_change(body(member_id("1234567", MEDICAID_ID_SYSTEM)), operation="member-add", today=TODAY)
    [issue] = operation_outcome(400, refused.value.issues)["issue"]
    assert issue["expression"] == ["Parameters.parameter.where(name = 'memberId')"]
    assert "1234567" not in str(issue)


@pytest.mark.parametrize(("query", "found"), [
    ([("identifier", "1245319599")], True),
    ([("identifier", "http://hl7.org/fhir/sid/us-npi|")], True),
    ([("identifier", "urn:liaison:attribution-contract|1245319599")], False),
    ([("identifier", "|IA-TC-1245319599")], True),
    ([("name", "IA-TC ATTRIBUTION")], True),
    ([("name:exact", "IA-TC attribution list for Capitol Family Medicine as of 2026-11-20")], True),
    ([("name:exact", "ia-tc attribution list for capitol family medicine as of 2026-11-20")], False),
    ([("managing-entity", "IA-AG,Organization/IA-TC")], True),
    ([("managing-entity", "IA-TC"), ("managing-entity", "IA-AG")], False),
    ([("_id", "IA-TC-1245319599"), ("_format", "json")], True),
])
def test_search_matches_by_every_parameter_and_any_of_its_values(query: list[tuple[str, str]], found: bool) -> None:
    assert matches(group_search(query, strict=True), CONTRACT, name=group_name(CONTRACT, "2026-11-20")) is found


def test_the_reason_of_an_addition_to_a_list_is_reserved(tmp_path: Path) -> None:
    document = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    document["pcp_change_reasons"].append({"code": ATTRIBUTION_LIST_ADD, "label": "Added"})
    path = tmp_path / "attribution.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(AttributionConfigError, match=f"'{ATTRIBUTION_LIST_ADD}' is reserved"):
        load_attribution_config(path)
    assert load_attribution_config().reason_label(ATTRIBUTION_LIST_ADD) == \
        "Added to the practice's attribution list (Da Vinci ATR $member-add)"
