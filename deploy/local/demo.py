"""A small demo data set for `make up`, sent as the program's callers send it,
each with its access token from the local OpenID provider: the roster by the
attribution feed, three inquiries by the call center's system (client
credentials), and the first steps on the urgent one by a member liaison
(maria, signed in on the provider's login form).

Re-running is safe: the roster is sent again (the same records), and the
inquiries only when the liaison sees none yet.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from liaison_shared.testing.identity import ISSUER, Tokens
from liaison_shared.testing.system_client import BearerAuth

INTAKE = "http://127.0.0.1:8001"
ATTRIBUTION = "http://127.0.0.1:8005"
CARE = "http://127.0.0.1:8008"
REALM_FILE = Path(__file__).with_name("keycloak") / "liaison-realm.json"
SYSTEM = "call-center"
LIAISON = "maria"


def token_command(client_id: str = SYSTEM, issuer: str = ISSUER) -> str:
    """The one command a system runs for its token (client credentials), leaving it in $TOKEN."""
    return (f"TOKEN=$(curl -s -d grant_type=client_credentials -d client_id={client_id} "
            f"-d client_secret={client_id}-demo-secret {issuer}/protocol/openid-connect/token "
            """| python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')""")


def people() -> list[tuple[str, str]]:
    """The realm's demo people and their program roles (each one's password is `<name>-demo`)."""
    realm = json.loads(REALM_FILE.read_text())
    return [(user["username"], ", ".join(user.get("realmRoles", [])) +
             "".join(f" ({value})" for key in ("mco", "practice") for value in user.get("attributes", {}).get(key, [])))
            for user in realm.get("users", []) if not user["username"].startswith("service-account-")]


def systems() -> list[str]:
    """The realm's system clients (client credentials; each one's secret is `<client id>-demo-secret`)."""
    realm = json.loads(REALM_FILE.read_text())
    return [client["clientId"] for client in realm.get("clients", []) if client.get("serviceAccountsEnabled")]


PROVIDERS = [{"npi": "1245319599", "name": "Demo Family Medicine", "is_pcp": True, "practice_npi": "1245319599",
              "practice_name": "Demo Family Medicine", "lat": 41.59, "lon": -93.62, "languages": ["en", "es"],
              "capacity": 500, "open_panel": True, "networks": ["IA-TC", "IA-AG"]},
             {"npi": "1003000126", "name": "Demo Community Clinic", "is_pcp": True, "practice_npi": "1003000126",
              "practice_name": "Demo Community Clinic", "lat": 41.66, "lon": -93.70, "languages": ["en"],
              "capacity": 500, "open_panel": True, "networks": ["IA-TC"]}]
MEMBER = {"medicaid_id": "1234567A", "name": "Demo Member", "birth_date": "1975-04-12", "lat": 41.60, "lon": -93.63,
          "language": "en", "mco": "IA-TC", "eligible_from": "2026-01-01", "risk_flags": ["chronic_condition"]}


async def load_roster(tokens: Tokens) -> None:
    """Two PCPs and the demo member in attribution: the member is attributed and enrolled (triage hears it)."""
    async with httpx.AsyncClient(base_url=ATTRIBUTION, timeout=10,
                                 auth=BearerAuth(tokens, system="attribution-feed")) as http:
        for path, body in [*(("/v1/providers", p) for p in PROVIDERS), ("/v1/members", MEMBER)]:
            (await http.post(path, json=body)).raise_for_status()


def inquiries(now: datetime) -> list[tuple[str, str, dict[str, Any]]]:
    """(path, idempotency key, body) of the demo inquiries, a grievance and an expedited appeal, received
    shortly before `now`."""
    member = {"source": "managed_care_ombudsman", "category": "pharmacy", "member_name": "Demo Member",
              "medicaid_id": "1234567A", "caller_name": "Demo Caller", "callback_phone": "515-555-0100",
              "description": "Member cannot get an insulin refill approved; runs out tomorrow.", "mco": "IA-TC",
              "requested_priority": "urgent", "received_at": (now - timedelta(hours=1)).isoformat()}
    provider = {"source": "provider", "category": "claims_billing", "npi": "1245319599",
                "contact_name": "Demo Billing Office", "contact_phone": "515-555-0101",
                "description": "Claims denied for timely filing although filed on time.", "mco": "IA-AG",
                "received_at": (now - timedelta(hours=3)).isoformat()}
    callback = {"category": "eligibility_enrollment", "member_name": "Demo Caller Two",
                "caller_name": "Demo Caller Two", "callback_phone": "515-555-0102",
                "description": "Asks why coverage ended; wants a supervisor to call back.",
                "received_at": (now - timedelta(minutes=20)).isoformat()}
    address = {"line1": "100 Demo Ave", "city": "Des Moines", "state": "IA", "zip": "50309"}
    grievance = {"source": "plan_member_services", "category": "quality_of_care", "member_name": "Demo Member",
                 "medicaid_id": "1234567A", "caller_name": "Demo Member", "callback_phone": "515-555-0100",
                 "description": "The clinic cancelled her appointment twice and the front desk was rude.",
                 "mco": "IA-TC", "mailing_address": address, "received_at": (now - timedelta(days=12)).isoformat()}
    appeal = {**grievance, "category": "durable_medical_equipment",
              "description": "Appeals the denial of a power wheelchair.",
              "determination": "Power wheelchair denied as not medically necessary.",
              "determination_date": (now - timedelta(days=3)).date().isoformat(), "expedited_requested": True,
              "received_at": (now - timedelta(hours=5)).isoformat()}
    return [("/v1/inquiries/member", "demo-member-1", member),
            ("/v1/inquiries/provider", "demo-provider-1", provider),
            ("/v1/inquiries/ime-callback-requests", "demo-callback-1", callback),
            ("/v1/inquiries/grievances", "demo-grievance-1", grievance),
            ("/v1/inquiries/appeals", "demo-appeal-1", appeal)]


CARE_MEMBERS = [{**MEMBER, "medicaid_id": f"765432{i}B", "name": f"Demo Patient {i}", "lat": 41.59, "lon": -93.62}
                for i in range(1, 4)]
PAIR = "/v1/plans/IA-TC/practices/1245319599"


def discharge_message(at: datetime) -> str:
    """An HL7 v2.5.1 A03 of the demo member, discharged at `at` (the message id is fixed: sent once)."""
    local = at.astimezone(ZoneInfo("America/Chicago")).strftime("%Y%m%d%H%M%S")
    return "\r".join([
        f"MSH|^~\\&|EPICADT|MERCYDSM|LIAISON|IAMCO|{local}||ADT^A03^ADT_A03|DEMO-DISCHARGE-1|P|2.5.1",
        f"EVN|A03|{local}", "PID|1||E100^^^MERCYMRN^MR~1234567A^^^IAMEDICAID^MA||MEMBER^DEMO||19750412|F",
        "PV1|1|I|4WEST^412^B^MERCYDSM|E" + "|" * 40 + f"{local}|{local}"]) + "\r"


async def load_care(tokens: Tokens, now: datetime) -> None:
    """Care coordination: three more IA-TC members at Demo Family Medicine, the plan's and the practice's
    high-risk lists, their conference series, and a hospital's discharge of the demo member yesterday."""
    async with httpx.AsyncClient(base_url=ATTRIBUTION, timeout=10,
                                 auth=BearerAuth(tokens, system="attribution-feed")) as feed:
        for member in CARE_MEMBERS:
            (await feed.post("/v1/members", json=member)).raise_for_status()
    ids = [MEMBER["medicaid_id"], *(m["medicaid_id"] for m in CARE_MEMBERS)]
    plan_list = [{"medicaid_id": m, "rank": i + 1, "risk_level": "very_high" if i == 0 else "high",
                  "risk_drivers": ["diabetes", "missed refills"], "recent_admissions": 1, "ed_visits": 2 - i % 2,
                  "diagnoses": ["E11.9"], "prescriptions": ["insulin glargine"], "providers": ["Demo Family Medicine"]}
                 for i, m in enumerate(ids[:3])]
    practice_list = [{"medicaid_id": ids[0], "rank": 1}, {"medicaid_id": ids[3], "rank": 2, "flagged": True,
                                                          "risk_drivers": ["lives alone"]}]
    async with httpx.AsyncClient(base_url=CARE, timeout=10, auth=BearerAuth(tokens, system="mco-ia-tc-care")) as plan, \
            httpx.AsyncClient(base_url=CARE, timeout=10, auth=BearerAuth(tokens, person="priya")) as practice, \
            httpx.AsyncClient(base_url=CARE, timeout=10, auth=BearerAuth(tokens, system="hospital-adt")) as hospital:
        (await plan.post(PAIR + "/high-risk-list/plan", json=plan_list)).raise_for_status()
        (await practice.post(PAIR + "/high-risk-list/practice", json=practice_list)).raise_for_status()
        (await plan.put(PAIR + "/conference-series", json={"practice_contact_email": "care-team@demofamilymed.example",
                                                           "plan_project_manager": "Carl"})).raise_for_status()
        (await hospital.post("/v1/transitions/adt", content=discharge_message(now - timedelta(hours=20)),
                             headers={"content-type": "x-application/hl7-v2+er7"})).raise_for_status()


async def load(tokens: Tokens | None = None) -> None:
    """Send the roster and care coordination's lists, then (the first time) the demo inquiries and the urgent
    one's first steps."""
    tokens = tokens or Tokens()
    await load_roster(tokens)
    await load_care(tokens, datetime.now(UTC).replace(microsecond=0))
    async with httpx.AsyncClient(base_url=INTAKE, timeout=10, auth=BearerAuth(tokens, person=LIAISON)) as liaison, \
            httpx.AsyncClient(base_url=INTAKE, timeout=10, auth=BearerAuth(tokens, system=SYSTEM)) as call_center:
        seen = await liaison.get("/v1/inquiries", params={"limit": 1})
        seen.raise_for_status()
        if seen.json()["items"]:
            return  # loaded by an earlier `make up`

        async def post(client: httpx.AsyncClient, path: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
            response = await client.post(path, json=body, headers={"Idempotency-Key": key})
            response.raise_for_status()
            return dict(response.json())

        now = datetime.now(UTC).replace(microsecond=0)
        received = [await post(call_center, *inquiry) for inquiry in inquiries(now)]
        urgent = received[0]["inquiry_id"]
        await post(liaison, f"/v1/inquiries/{urgent}/contact-attempts", "demo-member-1-call-1",
                   {"channel": "phone", "outcome": "reached"})
        await post(liaison, f"/v1/inquiries/{urgent}/mco-referrals", "demo-member-1-referral",
                   {})
