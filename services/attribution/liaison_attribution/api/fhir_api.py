"""Attribution lists over a FHIR R4 REST API (Da Vinci ATR): read a Group, search them, add or remove a
member. Answers are `application/fhir+json`, errors OperationOutcomes (api/fhir_http.py); a read of a
Group, or a search that finds any, is a PHI read on the access audit, as the practice list route is."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fhir.resources.R4B.bundle import Bundle

from liaison_attribution.api.deps import Groups, Reader, ReadSession, Work, Writer, today
from liaison_attribution.api.fhir_http import FHIR_JSON, FhirJSON, FhirRoute, fhir_responses, resource_schema
from liaison_attribution.fhir_lists import listed_members
from liaison_attribution.fhir_outcome import information, invalid
from liaison_attribution.fhir_parameters import Operation, member_change
from liaison_attribution.fhir_search import SEARCH_PARAMETERS, group_search
from liaison_shared.audit import PHI_READ, AuditTrail

router = APIRouter(prefix="/fhir", tags=["fhir"], route_class=FhirRoute)

GROUP = resource_schema("Group", "A Da Vinci ATR attribution list (profile atr-group).")
BUNDLE = resource_schema("Bundle", "A searchset Bundle of Groups, with `total`.")
OUTCOME = resource_schema("OperationOutcome", "What was done.")
PARAMETERS_BODY = {"requestBody": {"required": True, "content": {FHIR_JSON: {"schema": resource_schema(
    "Parameters", "memberId (Identifier), providerNpi (Identifier), attributionPeriod (Period).")}}}}
_SEARCH = {"parameters": [
    {"name": name, "in": "query", "required": False, "schema": {"type": "string"}} for name in SEARCH_PARAMETERS]}


@router.get("/Group/{group_id}", summary="Read an attribution list (FHIR Group, Da Vinci ATR) as of today",
            response_class=FhirJSON, responses=fhir_responses(200, GROUP, "The Group"), openapi_extra=PHI_READ)
async def read_group(group_id: str, principal: Reader, groups: Groups, session: ReadSession,
                     trail: AuditTrail) -> FhirJSON:
    group = await groups.read(session, group_id, as_of=today(), principal=principal)
    await trail.record(listed_members(group))  # one record of each member listed, active or dropped
    return FhirJSON(group)


@router.get("/Group", summary="Search attribution lists by identifier, name or managing entity (the MCO)",
            response_class=FhirJSON, responses=fhir_responses(200, BUNDLE, "A searchset Bundle"),
            openapi_extra={**PHI_READ, **_SEARCH})
async def search_groups(request: Request, principal: Reader, groups: Groups, session: ReadSession,
                        trail: AuditTrail) -> FhirJSON:
    strict = "handling=strict" in (request.headers.get("prefer") or "").replace(" ", "").lower()
    search = group_search(request.query_params.multi_items(), strict=strict)
    found = await groups.search(session, search, as_of=today(), principal=principal)
    if found:
        await trail.record([member for group in found for member in listed_members(group)])
    base = str(request.base_url).rstrip("/")
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(found),
              "link": [{"relation": "self", "url": str(request.url)}],
              "entry": [{"fullUrl": f"{base}/fhir/Group/{group['id']}", "resource": group,
                         "search": {"mode": "match"}} for group in found]}
    return FhirJSON(Bundle.model_validate(bundle).model_dump(mode="json"))


@router.post("/Group/{group_id}/$member-add", summary="Add a member to an attribution list (Da Vinci ATR)",
             response_class=FhirJSON, responses=fhir_responses(200, OUTCOME, "The member is on the list"),
             openapi_extra=PARAMETERS_BODY)
async def member_add(group_id: str, request: Request, principal: Writer, groups: Groups, work: Work) -> FhirJSON:
    """The member is attributed, from today, to the practice's PCP named by providerNpi (as a member's
    choice is, recorded with the reason `attribution_list_add`, and published)."""
    change = member_change(await _body(request), operation="member-add", today=today())
    changed = await groups.add_member(work.session, group_id, change, as_of=today(), principal=principal)
    await work.commit()
    return FhirJSON(information("The member was added to the list." if changed
                                else "The member was already attributed to this PCP; nothing changed."))


@router.post("/Group/{group_id}/$member-remove", summary="Remove a member from an attribution list (Da Vinci ATR)",
             response_class=FhirJSON, responses=fhir_responses(200, OUTCOME, "The member is off the list"),
             openapi_extra=PARAMETERS_BODY)
async def member_remove(group_id: str, request: Request, principal: Writer, groups: Groups, work: Work
                        ) -> FhirJSON:
    """The member is re-attributed by the rules from today, never to one of the practice's PCPs; the list
    shows the member dropped, its period ending yesterday."""
    change = member_change(await _body(request), operation=_REMOVE, today=today())
    await groups.remove_member(work.session, group_id, change, as_of=today(), principal=principal)
    await work.commit()
    return FhirJSON(information("The member was removed from the list."))


_REMOVE: Operation = "member-remove"


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise invalid("body", "must be a FHIR Parameters resource in JSON", "none") from None
