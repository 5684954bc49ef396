"""PCP attribution rules: which primary care provider (PCP) a member gets, by which method, and why.

A *candidate* is a provider that is a PCP, in the network of the member's MCO and not excluded for
the member (a removing PCP is excluded); it *has room* when its panel is open and it has fewer
assigned members than its capacity. The first rule that finds one wins:

1. member choice: the chosen candidate, even when its panel is full or closed (the member's right);
2. claims history: among candidates with qualifying visits (procedure code and place of service
   listed in the configuration, service date in [as_of - lookback_months, as_of]), most visits
   first, then the most recent visit, then the lowest NPI; the first that has room;
3. household: the lowest NPI among the household members' PCPs that is a candidate with room;
4. geography (members with coordinates only): among candidates with room within
   `max_distance_miles` (haversine), language match first, then nearest, then lowest NPI;
5. otherwise a flagged network gap with no PCP: never a silent far assignment.

Every assignment carries its evidence; a rule that had a candidate but could not use it is named
under `passed_over`. `assign_roster` attributes a roster in member-id order, counting each
assignment against the provider's capacity for the members after it.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from types import MappingProxyType
from typing import Any

from liaison_attribution.contract import AttributionConfig
from liaison_attribution.rules.geography import EARTH_RADIUS_MILES, SiteGrid
from liaison_shared.vocabulary import AttributionMethod

__all__ = ["EARTH_RADIUS_MILES", "Assignment", "Member", "Provider", "Visit", "assign", "assign_roster",
           "haversine_miles", "months_before"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Provider:
    """A provider as attribution sees it; `networks` are the codes of the MCOs it contracts with."""

    npi: str
    is_pcp: bool
    open_panel: bool
    capacity: int
    assigned: int
    lat: float
    lon: float
    languages: frozenset[str] = frozenset()
    networks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Member:
    """A member to attribute, with what the rules use: MCO, location, language, household and choice."""

    member_id: str
    mco: str
    lat: float | None = None
    lon: float | None = None
    language: str | None = None
    household_id: str | None = None
    chosen_npi: str | None = None


@dataclass(frozen=True)
class Visit:
    """One claim line of a member's visit to a provider."""

    npi: str
    service_date: date
    procedure_code: str
    place_of_service: str


@dataclass(frozen=True)
class Assignment:
    """The outcome for one member: a PCP and its method, or no PCP and `network_gap`, with the evidence."""

    npi: str | None
    method: AttributionMethod | None
    network_gap: bool
    evidence: dict[str, object] = field(default_factory=dict, hash=False)


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles between two points given in degrees."""
    phi1, lam1, phi2, lam2 = math.radians(lat1), math.radians(lon1), math.radians(lat2), math.radians(lon2)
    # geography.SiteGrid computes the same expressions, in the same order (member first), inline.
    h = math.sin((phi2 - phi1) / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin((lam2 - lam1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(min(1.0, h)))


def months_before(day: date, months: int) -> date:
    """`day` moved back by `months` calendar months, clamped to the end of a shorter month."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def assign(
    member: Member, *, as_of: date, providers: Mapping[str, Provider], visits: Sequence[Visit] = (),
    household_pcps: Sequence[str] = (), excluded: frozenset[str] = frozenset(), config: AttributionConfig,
) -> Assignment:
    """Attribute one member as the module docstring describes; `providers` is keyed by NPI."""
    return _Attributor(providers, config).assign(member, as_of, visits, household_pcps, excluded)


def assign_roster(
    members: Iterable[Member], *, as_of: date, providers: Mapping[str, Provider],
    visits_by_member: Mapping[str, Sequence[Visit]] = _EMPTY,
    household_pcps_by_member: Mapping[str, Sequence[str]] = _EMPTY,
    excluded_by_member: Mapping[str, frozenset[str]] = _EMPTY, config: AttributionConfig,
) -> dict[str, Assignment]:
    """Attribute a roster in member-id order, each assignment taking a place on the PCP's panel.

    Only a member's choice can take a provider over its capacity. Raises `ValueError` on a repeated member id.
    """
    roster = sorted(members, key=lambda m: m.member_id)
    repeated = sorted({a.member_id for a, b in pairwise(roster) if a.member_id == b.member_id})
    if repeated:
        raise ValueError(f"member ids appear more than once in the roster: {', '.join(repeated[:10])}")
    attributor = _Attributor(providers, config)
    return {m.member_id: attributor.assign(m, as_of, visits_by_member.get(m.member_id, ()),
                                           household_pcps_by_member.get(m.member_id, ()),
                                           excluded_by_member.get(m.member_id, frozenset()))
            for m in roster}


class _Attributor:
    """The rules over one set of providers, with their free places counted down as members are assigned."""

    def __init__(self, providers: Mapping[str, Provider], config: AttributionConfig) -> None:
        if wrong := sorted(key for key, p in providers.items() if key != p.npi):
            raise ValueError(f"providers must be keyed by their NPI: {', '.join(wrong[:10])}")
        self.providers, self.config = providers, config
        self.free = {npi: p.capacity - p.assigned for npi, p in providers.items()}
        self.grids: dict[str, SiteGrid] = {}  # per MCO, built when first needed

    def assign(self, member: Member, as_of: date, visits: Sequence[Visit], household_pcps: Sequence[str],
               excluded: frozenset[str]) -> Assignment:
        passed: dict[str, str] = {}
        result = (self._choice(member, excluded, passed) or self._claims(member, as_of, visits, excluded, passed)
                  or self._household(member, household_pcps, excluded, passed) or self._geography(member, excluded))
        if result is None:
            located, limit = member.lat is not None and member.lon is not None, self.config.max_distance_miles
            reason = (f"no in-network PCP with capacity within {limit:g} miles" if located
                      else "no in-network PCP by choice, claims or household, and no coordinates to search by distance")
            result = Assignment(None, None, True, {"reason": reason, "max_distance_miles": limit})
        elif result.npi is not None:
            self.free[result.npi] -= 1
            if self.free[result.npi] == 0:
                for grid in self.grids.values():
                    grid.filled(result.npi)
        if passed:
            result.evidence["passed_over"] = passed
        return result

    def _candidate(self, npi: str, member: Member, excluded: frozenset[str]) -> str | None:
        """Why the provider is not a candidate for the member, or None when it is."""
        provider = self.providers.get(npi)
        if provider is None or not provider.is_pcp:
            return f"{npi} is not a PCP" if provider else f"{npi} is not a known provider"
        if member.mco not in provider.networks:
            return f"{npi} is not in the network of {member.mco}"
        return f"{npi} is excluded for this member" if npi in excluded else None

    def _has_room(self, npi: str) -> bool:
        return self.providers[npi].open_panel and self.free[npi] > 0

    def _choice(self, member: Member, excluded: frozenset[str], passed: dict[str, str]) -> Assignment | None:
        if member.chosen_npi is None:
            return None
        if (refusal := self._candidate(member.chosen_npi, member, excluded)) is not None:
            passed[AttributionMethod.MEMBER_CHOICE] = refusal
            return None
        return Assignment(member.chosen_npi, AttributionMethod.MEMBER_CHOICE, False, {"chosen_npi": member.chosen_npi})

    def _claims(self, member: Member, as_of: date, visits: Sequence[Visit], excluded: frozenset[str],
                passed: dict[str, str]) -> Assignment | None:
        start, codes, places = (months_before(as_of, self.config.lookback_months),
                                self.config.qualifying_procedure_codes, self.config.qualifying_places_of_service)
        counts: dict[str, int] = {}
        last: dict[str, date] = {}
        for visit in visits:
            if (start <= visit.service_date <= as_of and visit.procedure_code in codes
                    and visit.place_of_service in places and self._candidate(visit.npi, member, excluded) is None):
                counts[visit.npi] = counts.get(visit.npi, 0) + 1
                last[visit.npi] = max(last.get(visit.npi, visit.service_date), visit.service_date)
        ranked = sorted(counts, key=lambda npi: (-counts[npi], -last[npi].toordinal(), npi))
        chosen = next((npi for npi in ranked if self._has_room(npi)), None)
        full = ranked if chosen is None else ranked[: ranked.index(chosen)]
        if full:
            passed[AttributionMethod.CLAIMS_HISTORY] = f"panel closed or full: {', '.join(full)}"
        if chosen is None:
            return None
        return Assignment(chosen, AttributionMethod.CLAIMS_HISTORY, False, {
            "visit_counts": {npi: counts[npi] for npi in ranked},
            "last_visit": {npi: last[npi].isoformat() for npi in ranked}, "lookback_from": start.isoformat()})

    def _household(self, member: Member, household_pcps: Sequence[str], excluded: frozenset[str],
                   passed: dict[str, str]) -> Assignment | None:
        pcps = sorted(set(household_pcps))
        chosen = next((npi for npi in pcps if self._candidate(npi, member, excluded) is None and self._has_room(npi)),
                      None)
        if chosen is None:
            if pcps:
                passed[AttributionMethod.HOUSEHOLD] = f"no candidate with room among {', '.join(pcps)}"
            return None
        return Assignment(chosen, AttributionMethod.HOUSEHOLD, False, {"household_pcps": pcps})

    def _geography(self, member: Member, excluded: frozenset[str]) -> Assignment | None:
        if member.lat is None or member.lon is None:
            return None
        in_range, unmatched, miles, npi = self._grid(member.mco).search(
            member.lat, member.lon, (member.language or "").casefold(), excluded, self.free,
            self.config.max_distance_miles)
        if not in_range:
            return None
        return Assignment(npi, AttributionMethod.GEOGRAPHY, False, {
            "distance_miles": round(miles, 1), "language_match": not unmatched, "candidates_in_range": in_range})

    def _grid(self, mco: str) -> SiteGrid:
        """The open-panel PCPs in the network of `mco` (capacity is counted per cell as places are taken)."""
        if (grid := self.grids.get(mco)) is None:
            grid = self.grids[mco] = SiteGrid(((npi, p.lat, p.lon, p.languages) for npi, p in self.providers.items()
                                               if p.is_pcp and p.open_panel and mco in p.networks), self.free)
        return grid
