"""ATR attribution lists: valid FHIR R4 Groups, active-member counts, inactive dropped entries, ATR extensions."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B.group import Group

from liaison_attribution.fhir_lists import (
    ATR_GROUP_PROFILE,
    CONTRACT_SYSTEM,
    EXT_ATTRIBUTED_PROVIDER,
    EXT_ATTRIBUTION_LIST_STATUS,
    EXT_CHANGE_TYPE,
    EXT_CONTRACT_VALIDITY_PERIOD,
    EXT_COVERAGE_REFERENCE,
    NPI_SYSTEM,
    AttributedMember,
    attribution_group,
)

PRACTICE_NPI, PCP_A, PCP_B = "1234567893", "1111111112", "2222222228"
AS_OF = date(2026, 11, 1)

ENTRIES = [
    AttributedMember("3f1c0d7e-0000-4000-8000-000000000001", "cov-1", PCP_A, date(2026, 10, 15), None, "new"),
    AttributedMember("3f1c0d7e-0000-4000-8000-000000000002", "cov-2", PCP_B, date(2026, 1, 1), None, "changed"),
    AttributedMember("3f1c0d7e-0000-4000-8000-000000000003", "cov-3", PCP_A, date(2025, 7, 1), None, "nochange"),
    AttributedMember("3f1c0d7e-0000-4000-8000-000000000004", "cov-4", PCP_B, date(2025, 7, 1), date(2026, 10, 31),
                     "dropped"),
]


def group(entries: list[AttributedMember] = ENTRIES, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "practice_npi": PRACTICE_NPI, "practice_name": "Prairie Family Medicine", "payer": "Iowa Total Care",
        "contract_id": "ITC-2026-PFM", "entries": entries, "as_of": AS_OF,
    } | overrides
    resource: dict[str, Any] = attribution_group(**arguments)
    return resource


def extension(element: dict[str, Any], url: str) -> dict[str, Any]:
    matches: list[dict[str, Any]] = [e for e in element.get("extension", []) if e["url"] == url]
    assert len(matches) == 1, f"{url}: {len(matches)} extensions"
    return matches[0]


def members_by_change(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {extension(m, EXT_CHANGE_TYPE)["valueCode"]: m for m in resource["member"]}


def test_group_with_every_change_type_validates_as_fhir_group() -> None:
    resource = group()
    model = Group.model_validate(resource)
    assert model.type == "person" and model.actual is True and model.active is True
    assert resource["resourceType"] == "Group"
    assert resource["meta"]["profile"] == [ATR_GROUP_PROFILE]
    assert resource["meta"]["lastUpdated"] == "2026-11-01T00:00:00Z"
    assert set(members_by_change(resource)) == {"new", "changed", "nochange", "dropped"}


def test_group_identifies_the_practice_and_contract_and_is_a_final_list() -> None:
    resource = group(contract_start=date(2026, 1, 1), contract_end=date(2026, 12, 31))
    assert {"system": CONTRACT_SYSTEM, "value": "ITC-2026-PFM", "use": "official"} in resource["identifier"]
    assert {"system": NPI_SYSTEM, "value": PRACTICE_NPI, "use": "official"} in resource["identifier"]
    assert extension(resource, EXT_ATTRIBUTION_LIST_STATUS)["valueCode"] == "final"
    assert extension(resource, EXT_CONTRACT_VALIDITY_PERIOD)["valuePeriod"] == {"start": "2026-01-01",
                                                                                "end": "2026-12-31"}
    assert resource["managingEntity"]["type"] == "Organization"
    assert resource["managingEntity"]["display"] == "Iowa Total Care"


def test_contract_period_is_left_out_when_unknown() -> None:
    assert all(e["url"] != EXT_CONTRACT_VALIDITY_PERIOD for e in group()["extension"])


def test_quantity_counts_active_members_only() -> None:
    assert group()["quantity"] == 3
    cancelled = replace(ENTRIES[0], change_type="cancelled", period_end=date(2026, 10, 15))
    assert group([cancelled, *ENTRIES[1:]])["quantity"] == 2
    assert group([])["quantity"] == 0


def test_dropped_member_stays_as_inactive_entry_with_period_end() -> None:
    members = members_by_change(group())
    assert members["dropped"]["inactive"] is True
    assert members["dropped"]["period"] == {"start": "2025-07-01", "end": "2026-10-31"}
    assert all(members[change]["inactive"] is False for change in ("new", "changed", "nochange"))
    assert members["new"]["period"] == {"start": "2026-10-15"}


def test_every_member_has_change_type_coverage_and_attributed_provider() -> None:
    resource = group()
    for entry, member in zip(ENTRIES, resource["member"], strict=True):
        assert member["entity"] == {"reference": f"Patient/{entry.member_id}"}
        assert extension(member, EXT_CHANGE_TYPE)["valueCode"] == entry.change_type
        assert extension(member, EXT_COVERAGE_REFERENCE)["valueReference"] == {
            "reference": f"Coverage/{entry.coverage_id}"}
        assert extension(member, EXT_ATTRIBUTED_PROVIDER)["valueReference"] == {
            "type": "Practitioner", "identifier": {"system": NPI_SYSTEM, "value": entry.pcp_npi}}


def test_json_round_trips() -> None:
    resource = group()
    text = json.dumps(resource)
    assert json.loads(text) == resource
    assert Group.model_validate_json(text).model_dump(mode="json") == resource


def test_explicit_last_updated_is_an_utc_instant() -> None:
    moment = datetime(2026, 11, 1, 14, 30, tzinfo=UTC)
    assert group(last_updated=moment)["meta"]["lastUpdated"] == "2026-11-01T14:30:00Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        group(last_updated=datetime(2026, 11, 1, 14, 30))


@pytest.mark.parametrize(
    ("entries", "overrides", "message"),
    [
        (ENTRIES, {"practice_npi": "1234567890"}, "practice_npi is not a valid NPI"),
        ([replace(ENTRIES[0], pcp_npi="123")], {}, "pcp_npi of member .* is not a valid NPI"),
        ([replace(ENTRIES[3], period_end=None)], {}, "is dropped but its period has no end"),
        ([replace(ENTRIES[0], period_end=date(2026, 1, 1))], {}, "ends .* before it starts"),
        ([replace(ENTRIES[0], member_id="Patient/1")], {}, "member_id 'Patient/1' is not a FHIR id"),
        ([ENTRIES[0], replace(ENTRIES[0], coverage_id="cov-9")], {}, "listed twice"),
        (ENTRIES, {"contract_end": date(2026, 12, 31)}, "contract_end given without contract_start"),
    ],
)
def test_inconsistent_input_is_refused(
    entries: list[AttributedMember], overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        group(entries, **overrides)


def test_no_member_names_or_medicaid_ids_in_the_resource() -> None:
    text = json.dumps(group())
    # Entries carry nothing but internal ids; the only names are the practice's and the payer's.
    for element in ("name", "birthDate", "medicaid", "address"):
        assert element not in json.dumps(group()["member"])
    assert text.count('"name"') == 1
