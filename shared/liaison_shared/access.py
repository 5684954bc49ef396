"""Who may do what: the scopes routes ask for, the roles of the program's
people and the scopes systems may be granted (`access.yaml`), and how a
verified token's claims become a `Principal`.

`LIAISON_ACCESS_FILE` names the file (default: `access.yaml` beside this
module); it is read once per process and validated at start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from liaison_shared.config_files import ConfigError, Problem, load_config
from liaison_shared.principal import MCO_SCOPE_PREFIX, PARTY_SCOPE_PREFIX, PRACTICE_SCOPE_PREFIX, Principal
from liaison_shared.vocabulary import Party

FILE_VARIABLE = "LIAISON_ACCESS_FILE"
DEFAULT_FILE = Path(__file__).with_name("access.yaml")
MCO_ROLE = "mco-staff"  # a person of one MCO: without an mco claim, nothing is granted
PRACTICE_ROLE = "practice-care-manager"  # a person of one practice: without a practice claim, nothing is granted

# The scopes routes ask for; access.yaml must describe exactly these.
INTAKE_WRITE, INQUIRY_READ, INQUIRY_ACT = "intake:write", "inquiry:read", "inquiry:act"
INQUIRY_ASSIGN = "inquiry:assign"
CLOCKS_READ, DELIVERIES_READ = "clocks:read", "deliveries:read"
ATTRIBUTION_READ, ATTRIBUTION_WRITE = "attribution:read", "attribution:write"
AUDIT_READ = "audit:read"
CARE_READ, CARE_WRITE, TRANSITIONS_WRITE = "care:read", "care:write", "transitions:write"
SCOPES = frozenset({INTAKE_WRITE, INQUIRY_READ, INQUIRY_ACT, INQUIRY_ASSIGN, CLOCKS_READ, DELIVERIES_READ,
                    ATTRIBUTION_READ, ATTRIBUTION_WRITE, AUDIT_READ, CARE_READ, CARE_WRITE, TRANSITIONS_WRITE})


class AccessError(ConfigError):
    """The access file cannot be used."""


class AccessConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    scopes: dict[str, str]
    system_scopes: tuple[str, ...]
    roles: dict[str, tuple[str, ...]]
    parties: dict[str, tuple[Party, ...]] = {}

    def principal(self, claims: Mapping[str, Any]) -> Principal:
        """The principal a verified token's claims describe: roles map to scopes, a system's granted
        scopes count if systems may hold them, roles of one party confine it to that party's cases,
        an `mco` claim confines it to that MCO and a `practice` claim (an NPI) to that practice's patients."""
        roles = frozenset(r for r in _strings(claims.get("realm_access", {}).get("roles")) if r in self.roles)
        granted = {s for s in str(claims.get("scope", "")).split() if s in self.system_scopes}
        granted |= {scope for role in roles for scope in self.roles[role]}
        if roles and all(role in self.parties for role in roles):
            granted |= {PARTY_SCOPE_PREFIX + party for role in roles for party in self.parties[role]}
        mco = claims.get("mco")
        if isinstance(mco, str) and mco:
            granted.add(MCO_SCOPE_PREFIX + mco)
        elif MCO_ROLE in roles:
            granted = set()
        practice = claims.get("practice")
        if isinstance(practice, str) and practice:
            granted.add(PRACTICE_SCOPE_PREFIX + practice)
        elif PRACTICE_ROLE in roles:
            granted = set()
        client = claims.get("azp") if isinstance(claims.get("azp"), str) else None
        name = next((str(claims[k]) for k in ("name", "preferred_username") if claims.get(k)), client or "unknown")
        if claims.get("preferred_username", "").startswith("service-account-") and client:
            name = client
        return Principal(id=str(claims["sub"]), name=name, scopes=frozenset(granted), roles=roles, client=client)


def _strings(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _problems(config: AccessConfig) -> list[Problem]:
    known = set(config.scopes)
    problems = [("scopes", f"missing {sorted(SCOPES - known)}, unknown {sorted(known - SCOPES)}")] \
        if known != SCOPES else []
    problems += [(f"system_scopes[{i}]", f"unknown scope {s!r}") for i, s in enumerate(config.system_scopes)
                if s not in known]
    problems += [(f"roles.{role}[{i}]", f"unknown scope {s!r}") for role, scopes in config.roles.items()
                 for i, s in enumerate(scopes) if s not in known]
    problems += [(f"parties.{role}", "not a role") for role in config.parties if role not in config.roles]
    if MCO_ROLE not in config.roles:
        problems.append(("roles", f"the {MCO_ROLE!r} role is missing"))
    return problems


def load_access(path: Path) -> AccessConfig:
    config = load_config(path, AccessConfig, error=AccessError)
    AccessError.raise_if_any(str(path), _problems(config))
    return config


@cache
def program_access() -> AccessConfig:
    """The deployment's access file, read once (refused at start if invalid)."""
    return load_access(Path(os.environ.get(FILE_VARIABLE, DEFAULT_FILE)))
