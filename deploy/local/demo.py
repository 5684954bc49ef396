"""A small demo data set for `make up`: a demo API key and a few inquiries.

Re-running is safe: the key is kept in $LIAISON_STATE_DIR/run/demo-key, and
the inquiries are loaded only when that key sees none yet.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

INTAKE = "http://127.0.0.1:8001"
ATTRIBUTION = "http://127.0.0.1:8005"
SCOPES = ["intake:write", "inquiry:read", "inquiry:act"]


def attribution_key(state: Path) -> str:
    """The demo's key for writing to attribution (the service is given only its hash)."""
    path = state / "attribution-key"
    if not path.exists():
        state.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_roster(state: Path) -> None:
    """Two PCPs and the demo member in attribution: the member is attributed and enrolled (triage hears it)."""
    key = attribution_key(state)
    records = [("/v1/providers", {"npi": "1245319599", "name": "Demo Family Medicine", "is_pcp": True,
                                  "practice_npi": "1245319599", "practice_name": "Demo Family Medicine",
                                  "lat": 41.59, "lon": -93.62, "languages": ["en", "es"], "capacity": 500,
                                  "open_panel": True, "networks": ["IA-TC", "IA-AG"]}),
               ("/v1/providers", {"npi": "1003000126", "name": "Demo Community Clinic", "is_pcp": True,
                                  "practice_npi": "1003000126", "practice_name": "Demo Community Clinic",
                                  "lat": 41.66, "lon": -93.70, "languages": ["en"], "capacity": 500,
                                  "open_panel": True, "networks": ["IA-TC"]}),
               ("/v1/members", {"medicaid_id": "1234567A", "name": "Demo Member", "birth_date": "1975-04-12",
                                "lat": 41.60, "lon": -93.63, "language": "en", "mco": "IA-TC",
                                "eligible_from": "2026-01-01", "risk_flags": ["chronic_condition"]})]
    for path, body in records:
        request = urllib.request.Request(ATTRIBUTION + path, data=json.dumps(body).encode(), method="POST",  # noqa: S310
                                         headers={"X-API-Key": key, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310
            pass


def demo_key(state: Path) -> str:
    path = state / "demo-key"
    if path.exists() and _get("/v1/inquiries?limit=1", path.read_text().strip())[0] == 200:
        return path.read_text().strip()
    name = f"demo-{datetime.now(UTC):%Y%m%d%H%M%S}"
    key = subprocess.run([str(Path(sys.executable).parent / "liaison-intake-keys"), name, *SCOPES],  # noqa: S603
                         check=True, capture_output=True, text=True).stdout.strip()
    path.write_text(key)
    path.chmod(0o600)
    return key


def _get(path: str, key: str) -> tuple[int, Any]:
    request = urllib.request.Request(INTAKE + path, headers={"X-API-Key": key})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, None


def _post(path: str, key: str, idempotency_key: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(INTAKE + path, data=json.dumps(body).encode(), method="POST",  # noqa: S310
                                     headers={"X-API-Key": key, "Idempotency-Key": idempotency_key,
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return dict(json.load(response))


def load(state: Path) -> str:
    """Post the demo inquiries; returns the demo key."""
    load_roster(state)
    key = demo_key(state)
    if _get("/v1/inquiries?limit=1", key)[1]["items"]:
        return key  # loaded by an earlier `make up`
    today = datetime.now(UTC).replace(microsecond=0)
    member = {"source": "managed_care_ombudsman", "category": "pharmacy", "member_name": "Demo Member",
              "medicaid_id": "1234567A", "caller_name": "Demo Caller", "callback_phone": "515-555-0100",
              "description": "Member cannot get an insulin refill approved; runs out tomorrow.", "mco": "IA-TC",
              "requested_priority": "urgent", "received_at": (today - timedelta(hours=1)).isoformat()}
    provider = {"source": "provider", "category": "claims_billing", "npi": "1245319599",
                "contact_name": "Demo Billing Office", "contact_phone": "515-555-0101",
                "description": "Claims denied for timely filing although filed on time.", "mco": "IA-AG",
                "received_at": (today - timedelta(hours=3)).isoformat()}
    callback = {"category": "eligibility_enrollment", "member_name": "Demo Caller Two",
                "caller_name": "Demo Caller Two", "callback_phone": "515-555-0102",
                "description": "Asks why coverage ended; wants a supervisor to call back.",
                "received_at": (today - timedelta(minutes=20)).isoformat()}
    urgent = _post("/v1/inquiries/member", key, "demo-member-1", member)
    _post("/v1/inquiries/provider", key, "demo-provider-1", provider)
    _post("/v1/inquiries/ime-callback-requests", key, "demo-callback-1", callback)
    inquiry = urgent["inquiry_id"]
    _post(f"/v1/inquiries/{inquiry}/contact-attempts", key, "demo-member-1-call-1",
          {"channel": "phone", "outcome": "reached", "actor": "demo.liaison"})
    _post(f"/v1/inquiries/{inquiry}/mco-referrals", key, "demo-member-1-referral", {"actor": "demo.liaison"})
    return key
