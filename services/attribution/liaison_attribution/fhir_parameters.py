"""The FHIR `Parameters` body of Da Vinci ATR's `$member-add` and `$member-remove`, read and checked.
Pure: no I/O. Every refusal is a 400 naming the parameter, never its value.

- `memberId` (Identifier, required): the member, by attribution's member id (system `MEMBER_SYSTEM`,
  the id of `Patient/<id>` on the lists) or by Medicaid ID (system `MEDICAID_ID_SYSTEM`); without a
  system, a UUID is a member id and anything else a Medicaid ID;
- `providerNpi` (Identifier, NPI system): the attributed PCP, required to add; to remove, it must be
  the member's current PCP if given;
- `attributionPeriod` (Period): a change takes effect on the day it is made (assignments are never
  back- or forward-dated), so an added member's period may only start today and has no end, and a
  removed member's may only end yesterday (periods end inclusive: the member's last attributed day).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from fhir.resources.R4B.parameters import Parameters
from pydantic import ValidationError

from liaison_attribution.fhir_lists import NPI_SYSTEM
from liaison_attribution.fhir_outcome import FhirError, invalid
from liaison_shared.fields import npi_is_valid

MEMBER_SYSTEM = "urn:liaison:member-id"
"""Identifier system of attribution's member ids (our own namespace): the ids of the lists' Patients."""
MEDICAID_ID_SYSTEM = "urn:liaison:medicaid-id"
"""Identifier system of the program's Medicaid IDs (our own namespace)."""

Operation = Literal["member-add", "member-remove"]
_NAMES = ("memberId", "providerNpi", "attributionPeriod")
_MEDICAID_ID = re.compile(r"[0-9]{7}[A-Z]")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class MemberChange:
    """What a `$member-add` or `$member-remove` asks: the member (by member id or Medicaid ID), the PCP."""

    member_id: uuid.UUID | None
    medicaid_id: str | None
    provider_npi: str | None


def member_change(body: Any, *, operation: Operation, today: date) -> MemberChange:
    """The change a Parameters body asks for, or a FhirError (400) naming the parameter that is wrong."""
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise invalid("resourceType", "the body must be a FHIR Parameters resource", "body")
    given = body.get("parameter")
    if not isinstance(given, list) or not all(isinstance(p, dict) for p in given):
        raise invalid("parameter", "must be a list of parameters", "body")
    found: dict[str, dict[str, Any]] = {}
    for parameter in given:
        name = parameter.get("name")
        if name not in _NAMES:
            raise invalid(name if isinstance(name, str) and name else "parameter",
                          f"not a parameter of ${operation} (known: {', '.join(_NAMES)})", "body")
        if name in found:
            raise invalid(name, "is given more than once", "body")
        found[name] = parameter
    member_id, medicaid_id = _member(found.get("memberId"))
    npi = _npi(found.get("providerNpi"), required=operation == "member-add")
    _check_period(found.get("attributionPeriod"), operation=operation, today=today)
    try:  # what the checks above do not read (a value of the wrong type, an unknown element)
        Parameters.model_validate(body)
    except ValidationError as refused:
        raise invalid(_named(refused, given), "is not valid FHIR", "body") from None
    return MemberChange(member_id=member_id, medicaid_id=medicaid_id, provider_npi=npi)


def _named(refused: ValidationError, given: list[dict[str, Any]]) -> str:
    """The name of the parameter a validation error is about (the body's, if none)."""
    for error in refused.errors():
        location = error["loc"]
        if len(location) >= 2 and location[0] == "parameter" and isinstance(location[1], int) \
                and location[1] < len(given) and isinstance(given[location[1]].get("name"), str):
            return str(given[location[1]]["name"])
    return "body"


def _identifier(parameter: dict[str, Any] | None, name: str) -> tuple[str | None, str] | None:
    if parameter is None:
        return None
    identifier = parameter.get("valueIdentifier")
    value = identifier.get("value") if isinstance(identifier, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise invalid(name, "must be a valueIdentifier with a value", "body")
    system = identifier.get("system") if isinstance(identifier, dict) else None
    return (system if isinstance(system, str) else None), value.strip()


def _member(parameter: dict[str, Any] | None) -> tuple[uuid.UUID | None, str | None]:
    identifier = _identifier(parameter, "memberId")
    if identifier is None:
        raise invalid("memberId", "is required", "body")
    system, value = identifier
    if system not in (None, MEMBER_SYSTEM, MEDICAID_ID_SYSTEM):
        raise invalid("memberId", f"system must be {MEMBER_SYSTEM} or {MEDICAID_ID_SYSTEM}", "body")
    if system != MEDICAID_ID_SYSTEM:
        try:
            return uuid.UUID(value), None
        except ValueError:
            if system == MEMBER_SYSTEM:
                raise invalid("memberId", "is not a member id (a UUID)", "body") from None
    if _MEDICAID_ID.fullmatch(value) is None:
        raise invalid("memberId", "is neither a member id (a UUID) nor a Medicaid ID (7 digits and a letter)",
                      "body")
    return None, value


def _npi(parameter: dict[str, Any] | None, *, required: bool) -> str | None:
    identifier = _identifier(parameter, "providerNpi")
    if identifier is None:
        if required:
            raise invalid("providerNpi", "is required", "body")
        return None
    system, value = identifier
    if system not in (None, NPI_SYSTEM):
        raise invalid("providerNpi", f"system must be {NPI_SYSTEM}", "body")
    if not npi_is_valid(value):
        raise invalid("providerNpi", "is not a valid NPI (10 digits with the CMS check digit)", "body")
    return value


def _check_period(parameter: dict[str, Any] | None, *, operation: Operation, today: date) -> None:
    if parameter is None:
        return
    period = parameter.get("valuePeriod")
    if not isinstance(period, dict):
        raise invalid("attributionPeriod", "must be a valuePeriod", "body")
    start, end = _day(period, "start"), _day(period, "end")
    if operation == "member-add":
        if start is not None and start != today:
            raise _refused("start must be today: a member is added from the day of the request")
        if end is not None:
            raise _refused("an added member's period has no end: remove the member with $member-remove")
    else:
        if start is not None:
            raise _refused("a removal has no start")
        if end is not None and end != today - timedelta(days=1):
            raise _refused("end must be yesterday: a member is removed from the day of the request, and "
                           "periods end on the last day attributed")


def _day(period: dict[str, Any], part: str) -> date | None:
    value = period.get(part)
    if value is None:
        return None
    if not isinstance(value, str) or _DATE.match(value) is None:
        raise invalid("attributionPeriod", f"{part} must be a FHIR date or dateTime", "body")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise invalid("attributionPeriod", f"{part} is not a calendar date", "body") from None


def _refused(reason: str) -> FhirError:
    return invalid("attributionPeriod", reason, "body", code="not-supported")
