"""Attribution lists as HL7 FHIR R4 Da Vinci Member Attribution (ATR, STU 2.1) Group resources.

One Group per payer-practice contract (profile `atr-group`), the contract id its FHIR id: the practice
NPI and the contract id as identifiers, the payer as managing entity, the list status `final`, the contract period when
known, and one `member` per attributed member with its `period`, `changeType`, coverage and
attributed PCP. Dropped (and cancelled) members stay on the list as inactive entries; `quantity`
counts the active ones only.

The resource carries internal member and coverage ids only: never a name or a Medicaid ID, so a
list can travel to a practice without exposing more than the attribution itself.

The ATR guide is based on FHIR R4 (4.0.1); fhir.resources 8 defaults to R5 and ships no R4
package, so the Group is validated with its R4B model, whose Group is R4's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal

from fhir.resources.R4B.group import Group

from liaison_shared.fields import npi_is_valid

__all__ = [
    "ATR_GROUP_PROFILE", "CONTRACT_SYSTEM", "EXT_ATTRIBUTED_PROVIDER", "EXT_ATTRIBUTION_LIST_STATUS",
    "EXT_CHANGE_TYPE", "EXT_CONTRACT_VALIDITY_PERIOD", "EXT_COVERAGE_REFERENCE", "NPI_SYSTEM",
    "AttributedMember", "ChangeType", "attribution_group", "contract_id", "contract_of", "listed_members",
]

_ATR = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/"
ATR_GROUP_PROFILE = _ATR + "atr-group"
EXT_CONTRACT_VALIDITY_PERIOD = _ATR + "ext-contractValidityPeriod"
EXT_ATTRIBUTION_LIST_STATUS = _ATR + "ext-attributionListStatus"
EXT_CHANGE_TYPE = _ATR + "ext-changeType"
EXT_COVERAGE_REFERENCE = _ATR + "ext-coverageReference"
EXT_ATTRIBUTED_PROVIDER = _ATR + "ext-attributedProvider"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
CONTRACT_SYSTEM = "urn:liaison:attribution-contract"
"""Identifier system of the program's payer-practice contract ids (our own namespace)."""

ChangeType = Literal["new", "dropped", "changed", "nochange", "cancelled"]
"""ATR change-type codes; `cancelled` marks an entry added in error in an earlier version of the list."""

_INACTIVE: frozenset[str] = frozenset({"dropped", "cancelled"})
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_CONTRACT_ID = re.compile(r"(?P<mco>[A-Z0-9][A-Z0-9-]{1,15})-(?P<npi>[0-9]{10})")


def contract_id(mco: str, practice_npi: str) -> str:
    """The id of the payer-practice contract of `mco` with the practice: also its Group's FHIR id."""
    return f"{mco}-{practice_npi}"


def contract_of(group_id: str) -> tuple[str, str] | None:
    """The (MCO, practice NPI) of a Group id made by `contract_id`; None if it is not one."""
    found = _CONTRACT_ID.fullmatch(group_id)
    if found is None or not npi_is_valid(found["npi"]):
        return None
    return found["mco"], found["npi"]


@dataclass(frozen=True)
class AttributedMember:
    """One member entry of an attribution list: who, under which coverage, to which PCP, since and until when."""

    member_id: str
    coverage_id: str
    pcp_npi: str
    period_start: date
    period_end: date | None
    change_type: ChangeType

    @property
    def active(self) -> bool:
        """Whether the member is still attributed (dropped and cancelled entries are not)."""
        return self.change_type not in _INACTIVE


def attribution_group(
    *,
    practice_npi: str,
    practice_name: str,
    payer: str,
    contract_id: str,
    entries: Sequence[AttributedMember],
    as_of: date,
    contract_start: date | None = None,
    contract_end: date | None = None,
    last_updated: datetime | None = None,
) -> dict[str, Any]:
    """The ATR Group of one payer-practice contract as a JSON-ready dict, validated as a FHIR Group.

    `last_updated` (aware) defaults to the start of `as_of` in UTC; the contract period extension is
    included when `contract_start` is given. Raises `ValueError` for an invalid NPI, an id that is not
    a FHIR id, a member listed twice, a period ending before it starts or a dropped member without
    an end, and `pydantic.ValidationError` should the resource not be a valid Group.
    """
    _check_npi("practice_npi", practice_npi)
    if _FHIR_ID.fullmatch(contract_id) is None:
        raise ValueError("contract_id is not a FHIR id (1-64 letters, digits, '-' or '.')")
    if contract_start is None and contract_end is not None:
        raise ValueError("contract_end given without contract_start")
    _check_period("contract", contract_start, contract_end)
    if last_updated is not None and last_updated.utcoffset() is None:
        raise ValueError("last_updated must be timezone-aware")
    seen: set[str] = set()
    for entry in entries:
        _check_entry(entry)
        if entry.member_id in seen:
            raise ValueError(f"member {entry.member_id} is listed twice")
        seen.add(entry.member_id)

    extensions: list[dict[str, Any]] = [{"url": EXT_ATTRIBUTION_LIST_STATUS, "valueCode": "final"}]
    if contract_start is not None:
        contract = _period(contract_start, contract_end)
        extensions.insert(0, {"url": EXT_CONTRACT_VALIDITY_PERIOD, "valuePeriod": contract})
    updated = last_updated or datetime.combine(as_of, time(), UTC)
    resource: dict[str, Any] = {
        "resourceType": "Group",
        "id": contract_id,
        "meta": {"lastUpdated": _instant(updated), "profile": [ATR_GROUP_PROFILE]},
        "extension": extensions,
        "identifier": [
            {"use": "official", "system": NPI_SYSTEM, "value": practice_npi},
            {"use": "official", "system": CONTRACT_SYSTEM, "value": contract_id},
        ],
        "active": True,
        "type": "person",
        "actual": True,
        "name": f"{payer} attribution list for {practice_name} as of {as_of.isoformat()}",
        "quantity": sum(entry.active for entry in entries),
        "managingEntity": {"type": "Organization", "identifier": {"value": payer}, "display": payer},
        "member": [_member(entry) for entry in entries],
    }
    # Validation doubles as normalisation: the dump is what any FHIR client would read back.
    dumped: dict[str, Any] = Group.model_validate(resource).model_dump(mode="json")
    return dumped


def listed_members(group: dict[str, Any]) -> list[str]:
    """The member ids an ATR Group (from `attribution_group`) lists, active or not, in its order."""
    return [m["entity"]["reference"].removeprefix("Patient/") for m in group.get("member", [])]


def _member(entry: AttributedMember) -> dict[str, Any]:
    # The PCP by NPI: a logical reference, since practices know their clinicians by NPI, not by our ids.
    pcp = {"type": "Practitioner", "identifier": {"system": NPI_SYSTEM, "value": entry.pcp_npi}}
    return {
        "extension": [
            {"url": EXT_CHANGE_TYPE, "valueCode": entry.change_type},
            {"url": EXT_COVERAGE_REFERENCE, "valueReference": {"reference": f"Coverage/{entry.coverage_id}"}},
            {"url": EXT_ATTRIBUTED_PROVIDER, "valueReference": pcp},
        ],
        "entity": {"reference": f"Patient/{entry.member_id}"},
        "period": _period(entry.period_start, entry.period_end),
        "inactive": not entry.active,
    }


def _check_entry(entry: AttributedMember) -> None:
    for name, value in (("member_id", entry.member_id), ("coverage_id", entry.coverage_id)):
        if _FHIR_ID.fullmatch(value) is None:
            raise ValueError(f"{name} {value!r} is not a FHIR id (1-64 letters, digits, '-' or '.')")
    _check_npi(f"pcp_npi of member {entry.member_id}", entry.pcp_npi)
    _check_period(f"member {entry.member_id}", entry.period_start, entry.period_end)
    if not entry.active and entry.period_end is None:
        raise ValueError(f"member {entry.member_id} is {entry.change_type} but its period has no end")


def _check_npi(what: str, npi: str) -> None:
    if not npi_is_valid(npi):
        raise ValueError(f"{what} is not a valid NPI (10 digits with the CMS check digit)")


def _check_period(what: str, start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(f"{what} period ends ({end}) before it starts ({start})")


def _period(start: date, end: date | None) -> dict[str, str]:
    period = {"start": start.isoformat()}
    if end is not None:
        period["end"] = end.isoformat()
    return period


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
