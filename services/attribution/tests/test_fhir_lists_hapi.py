"""ATR attribution lists under HAPI FHIR's validator: the Group from `attribution_group` is valid base FHIR R4.

Only the base R4 specification is loaded, not the Da Vinci ATR guide: the `atr-group` profile in
`meta.profile` is reported as not found (a warning) and the ATR extensions are accepted unchecked,
so this checks the Group against R4's Group (cardinalities, types, invariants, required bindings),
not against the ATR profile.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from liaison_attribution.fhir_lists import AttributedMember, attribution_group
from liaison_shared.testing.fhir_validator import HapiValidator

PRACTICE_NPI, PCP_A, PCP_B = "1234567893", "1111111112", "2222222228"

ENTRIES = [
    AttributedMember("3f1c0d7e-0000-4000-8000-000000000001", "cov-1", PCP_A, date(2026, 10, 15), None, "new"),
    AttributedMember("3f1c0d7e-0000-4000-8000-000000000002", "cov-2", PCP_B, date(2026, 1, 1), None, "changed"),
    AttributedMember("3f1c0d7e-0000-4000-8000-000000000003", "cov-3", PCP_A, date(2025, 7, 1), None, "nochange"),
    AttributedMember("3f1c0d7e-0000-4000-8000-000000000004", "cov-4", PCP_B, date(2025, 7, 1), date(2026, 10, 31),
                     "dropped"),
    AttributedMember("3f1c0d7e-0000-4000-8000-000000000005", "cov-5", PCP_A, date(2026, 9, 1), date(2026, 9, 1),
                     "cancelled"),
]


def group(entries: list[AttributedMember] = ENTRIES, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "practice_npi": PRACTICE_NPI, "practice_name": "Prairie Family Medicine", "payer": "Iowa Total Care",
        "contract_id": "ITC-2026-PFM", "entries": entries, "as_of": date(2026, 11, 1),
    } | overrides
    resource: dict[str, Any] = attribution_group(**arguments)
    return resource


GROUPS = {
    "every change type": group(),
    "with contract period and update time": group(
        contract_start=date(2026, 1, 1), contract_end=date(2026, 12, 31),
        last_updated=datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),
    "open-ended contract": group(contract_start=date(2026, 1, 1)),
    "empty list": group([]),
}


@pytest.mark.parametrize("resource", GROUPS.values(), ids=GROUPS.keys())
def test_atr_group_is_valid_r4_group_under_hapi(hapi_validator: HapiValidator, resource: dict[str, Any]) -> None:
    assert hapi_validator.validate(resource) == []


def test_hapi_sees_the_atr_profile_and_extensions_only_as_unknown(hapi_validator: HapiValidator) -> None:
    issues = hapi_validator.check(group())
    assert all(issue["severity"] == "warning" for issue in issues)


def test_hapi_rejects_a_group_that_breaks_base_r4(hapi_validator: HapiValidator) -> None:
    broken = group() | {"type": "people"}
    del broken["actual"]
    locations = {issue["location"] for issue in hapi_validator.validate(broken)}
    assert "Group.type" in locations and "Group" in locations
