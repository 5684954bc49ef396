"""The FHIR R4 resources of an attribution list's bulk export (Da Vinci ATR `$davinci-data-export`), from
what attribution holds, each validated with its fhir.resources R4B model (R4's for these types) and
written as one NDJSON line. Pure: no I/O.

- `Patient` per listed member: member id and Medicaid ID as identifiers, name, birth date, address
  and language as stored (PHI: only ever in an export file, audited when downloaded);
- `Coverage` per listed member: the member's enrollment with the Group's MCO (its eligibility period;
  `active` unless it ended before the export's day), the id the Group's coverage references;
- `Practitioner` per attributed PCP (by NPI);
- `Organization`: the practice (by NPI) and the MCO (the Group's managing entity, by its code).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.fhirresourcemodel import FHIRResourceModel
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner

from liaison_attribution.fhir_lists import NPI_SYSTEM
from liaison_attribution.fhir_parameters import MEDICAID_ID_SYSTEM, MEMBER_SYSTEM

EXPORT_TYPES = ("Group", "Patient", "Coverage", "Practitioner", "Organization")
"""The resource types an attribution list's export can hold, in the order they are written."""
_ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
_MODELS: Mapping[str, type[FHIRResourceModel]] = {"Patient": Patient, "Coverage": Coverage,
                                                  "Practitioner": Practitioner, "Organization": Organization}


def patient(member: Any) -> dict[str, Any]:
    """A member (a `members` row) as a Patient."""
    resource: dict[str, Any] = {
        "resourceType": "Patient", "id": str(member.member_id),
        "identifier": [{"system": MEMBER_SYSTEM, "value": str(member.member_id)},
                       {"system": MEDICAID_ID_SYSTEM, "value": member.medicaid_id}],
        "name": [{"text": member.name}], "birthDate": member.birth_date.isoformat(),
    }
    if member.address:
        resource["address"] = [{"text": member.address}]
    if member.language:
        resource["communication"] = [{"language": {"coding": [{"system": "urn:ietf:bcp:47",
                                                               "code": member.language}]}}]
    return _validated(resource)


def coverage(member: Any, *, mco: str, coverage_id: str, as_of: date) -> dict[str, Any]:
    """A member's enrollment with `mco` as the Coverage the Group references as `coverage_id`."""
    period = {"start": member.eligible_from.isoformat()}
    if member.eligible_to is not None:
        period["end"] = member.eligible_to.isoformat()
    ended = member.eligible_to is not None and member.eligible_to < as_of
    return _validated({
        "resourceType": "Coverage", "id": coverage_id, "status": "cancelled" if ended else "active",
        "subscriberId": member.medicaid_id, "beneficiary": {"reference": f"Patient/{member.member_id}"},
        "payor": [{"reference": f"Organization/{mco}", "display": mco}], "period": period,
    })


def practitioner(provider: Any) -> dict[str, Any]:
    """A provider (a `providers` row) as a Practitioner, identified by NPI."""
    return _validated({"resourceType": "Practitioner", "id": provider.npi, "active": True,
                       "identifier": [{"system": NPI_SYSTEM, "value": provider.npi}],
                       "name": [{"text": provider.name}]})


def practice_organization(practice_npi: str, practice_name: str) -> dict[str, Any]:
    return _validated({"resourceType": "Organization", "id": practice_npi, "active": True,
                       "identifier": [{"system": NPI_SYSTEM, "value": practice_npi}], "name": practice_name,
                       "type": [{"coding": [{"system": _ORGANIZATION_TYPE, "code": "prov"}]}]})


def mco_organization(mco: str) -> dict[str, Any]:
    return _validated({"resourceType": "Organization", "id": mco, "active": True,
                       "identifier": [{"value": mco}], "name": mco,
                       "type": [{"coding": [{"system": _ORGANIZATION_TYPE, "code": "pay"}]}]})


def ndjson(resources: Iterable[dict[str, Any]]) -> str:
    """Resources as NDJSON: one compact JSON object a line, each line ending in a newline."""
    return "".join(json.dumps(resource, separators=(",", ":")) + "\n" for resource in resources)


def _validated(resource: dict[str, Any]) -> dict[str, Any]:
    dumped: dict[str, Any] = _MODELS[resource["resourceType"]].model_validate(resource).model_dump(mode="json")
    return dumped
