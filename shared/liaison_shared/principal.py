"""Who is calling, as every service sees it once the request pipeline has
authenticated the request, and the route dependencies that ask for it.

A service gives the pipeline one `Authenticate` function (credential in,
`Principal` or None out); routes then read the principal and check scopes
with `require_scope`, never the headers themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated

from fastapi import Depends, Request

from liaison_shared.payloads import Actor
from liaison_shared.problems import Problem

MCO_SCOPE_PREFIX = "mco:"
PARTY_SCOPE_PREFIX = "party:"
PRACTICE_SCOPE_PREFIX = "practice:"


@dataclass(frozen=True)
class Principal:
    """An authenticated person or system: a stable id (the token's subject), a display name,
    what it may do, the program roles it holds (people) and the client it came through."""

    id: str
    name: str
    scopes: frozenset[str]
    roles: frozenset[str] = frozenset()
    client: str | None = None

    @cached_property  # asked once per row of a file of a million members
    def mco(self) -> str | None:
        """The MCO this credential is confined to, if any."""
        return next((s.removeprefix(MCO_SCOPE_PREFIX) for s in sorted(self.scopes)
                     if s.startswith(MCO_SCOPE_PREFIX)), None)

    @cached_property
    def practice(self) -> str | None:
        """The practice (its NPI) this credential is confined to, if any: a practice's care manager."""
        return next((s.removeprefix(PRACTICE_SCOPE_PREFIX) for s in sorted(self.scopes)
                     if s.startswith(PRACTICE_SCOPE_PREFIX)), None)

    def may_see_patient(self, plan: str | None, practice_npi: str | None) -> bool:
        """Whether a high-risk patient of `plan` attributed to `practice_npi` is visible: a plan's credential
        sees its own members only, a practice's its own patients only."""
        return (self.mco is None or self.mco == plan) and (self.practice is None or self.practice == practice_npi)

    def actor(self) -> Actor:
        """This principal as the actor of what it does (on events and in logs)."""
        return Actor(subject=self.id, name=self.name, roles=tuple(sorted(self.roles)), client=self.client)

    @cached_property
    def parties(self) -> frozenset[str] | None:
        """The parties (member, provider) whose cases this principal works; None: every party."""
        confined = frozenset(s.removeprefix(PARTY_SCOPE_PREFIX) for s in self.scopes
                             if s.startswith(PARTY_SCOPE_PREFIX))
        return confined or None

    def may_see(self, referred_mco: str | None) -> bool:
        """Whether what belongs to `referred_mco` (None: no MCO) is visible: an MCO's sees only its own."""
        return self.mco is None or self.mco == referred_mco

    def may_see_case(self, party: str, referred_mcos: str | Iterable[str] | None) -> bool:
        """Whether a case of `party` referred to `referred_mcos` (one MCO, several, or None: not referred)
        is visible: an MCO's sees only what was referred to it, a person of a one-party role only that
        party's cases."""
        parties = self.parties
        mcos = (referred_mcos,) if isinstance(referred_mcos, str) else tuple(referred_mcos or ())
        return (self.mco is None or self.mco in mcos) and (parties is None or party in parties)


Authenticate = Callable[[str], Awaitable[Principal | None]]
"""Checks a presented credential (an API key or bearer token); None if it is not valid."""


async def current_principal(request: Request) -> Principal:
    """The principal the pipeline put on the request (every non-public route has one).
    Async on purpose: FastAPI runs a plain `def` dependency in a worker thread."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):  # a route outside the pipeline: a wiring error, not a caller's
        raise RuntimeError("request reached a route without an authenticated principal")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_scope(scope: str, *, mco_allowed: bool = True) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the principal, if it holds `scope` (and, unless `mco_allowed`, is not an MCO's)."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if scope not in principal.scopes or (principal.mco is not None and not mco_allowed):
            raise Problem(403, "Forbidden", f"This credential lacks the {scope} scope for this action.",
                          code="forbidden", required_scope=scope)
        return principal

    return check
