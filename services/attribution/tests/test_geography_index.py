"""The geography index (rules.geography) against a scan of every provider, over whole rosters: panels fill up
as the roster goes, and every member gets the same assignment and the same evidence."""

from __future__ import annotations

import math
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from liaison_attribution.contract import AttributionConfig, load_attribution_config
from liaison_attribution.rules.geography import CELL_DEGREES
from liaison_attribution.rules.pcp import (
    EARTH_RADIUS_MILES,
    Assignment,
    Member,
    Provider,
    _Attributor,
    haversine_miles,
)
from liaison_shared.vocabulary import AttributionMethod

CONFIG = load_attribution_config()
AS_OF = date(2026, 11, 1)
MCOS = ("MCO-A", "MCO-B")
# Cluster centres: Des Moines, a cell corner, and a point a hair off a cell corner.
CENTRES = ((41.60, -93.60), (42.0, -92.0), (42.0 + 1e-12, -92.0 - 1e-12))


class _ScanEverySite(_Attributor):
    """The geography rule as a scan of every provider: the reference the index must agree with."""

    def _geography(self, member: Member, excluded: frozenset[str]) -> Assignment | None:
        if member.lat is None or member.lon is None:
            return None
        limit, language = self.config.max_distance_miles, (member.language or "").casefold()
        ranked = []
        for npi, p in self.providers.items():
            if not (p.is_pcp and p.open_panel and member.mco in p.networks and self.free[npi] > 0
                    and npi not in excluded):
                continue
            miles = haversine_miles(member.lat, member.lon, p.lat, p.lon)
            if miles <= limit:
                speaks = bool(language) and language in {lang.casefold() for lang in p.languages if lang}
                ranked.append((not speaks, miles, npi))
        if not ranked:
            return None
        unmatched, miles, npi = min(ranked)
        return Assignment(npi, AttributionMethod.GEOGRAPHY, False, {
            "distance_miles": round(miles, 1), "language_match": not unmatched, "candidates_in_range": len(ranked)})


def destination(lat: float, lon: float, bearing: float, miles: float) -> tuple[float, float]:
    """The point `miles` away from (lat, lon) on the great circle leaving it at `bearing` degrees."""
    phi, theta, delta = math.radians(lat), math.radians(bearing), miles / EARTH_RADIUS_MILES
    phi2 = math.asin(math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta))
    east, north = math.sin(theta) * math.sin(delta) * math.cos(phi), math.cos(delta) - math.sin(phi) * math.sin(phi2)
    return math.degrees(phi2), lon + math.degrees(math.atan2(east, north))


def both(members: list[Member], providers: dict[str, Provider], config: AttributionConfig,
         excluded: dict[str, frozenset[str]]) -> tuple[list[Assignment], list[Assignment]]:
    """The roster through the index and through the scan, in member-id order."""
    indexed, scanned = _Attributor(providers, config), _ScanEverySite(providers, config)
    roster = sorted(members, key=lambda m: m.member_id)
    return ([indexed.assign(m, AS_OF, (), (), excluded.get(m.member_id, frozenset())) for m in roster],
            [scanned.assign(m, AS_OF, (), (), excluded.get(m.member_id, frozenset())) for m in roster])


# A place: a cluster centre, then a step on a coarse grid (so that sites tie and share coordinates), or a
# point on a great circle at a fraction of the limit from the centre (1.0: exactly at the limit).
offsets = st.sampled_from([0.0, CELL_DEGREES / 2, CELL_DEGREES, -CELL_DEGREES, 0.25, -0.3, 0.45]) | st.floats(-0.6, 0.6)
places = st.tuples(st.sampled_from(CENTRES), st.one_of(
    st.tuples(st.just("step"), offsets, offsets),
    st.tuples(st.just("edge"), st.sampled_from([0.0, 45.0, 90.0, 180.0, 271.3]),
              st.sampled_from([0.999999, 1.0, 1.000001, 0.5]) | st.floats(0.0, 1.2))))


def located(place: tuple[tuple[float, float], tuple[str, float, float]], limit: float) -> tuple[float, float]:
    (lat, lon), (kind, a, b) = place
    return (lat + a, lon + b) if kind == "step" else destination(lat, lon, a, b * limit)


providers_st = st.lists(st.tuples(places, st.booleans() | st.just(True), st.integers(0, 3), st.integers(0, 2),
                                  st.sampled_from([(), ("es",), ("ES", "vi"), ("",)]),
                                  st.sets(st.sampled_from(MCOS), min_size=1), st.booleans() | st.just(True)),
                        min_size=0, max_size=40)
members_st = st.lists(st.tuples(places, st.sampled_from(MCOS), st.sampled_from([None, "", "es", "Es", "vi"]),
                                st.integers(0, 60), st.integers(-1, 5), st.booleans()), min_size=1, max_size=40)


@settings(max_examples=600, deadline=None)
@given(providers_st, members_st, st.sampled_from([30.0, 5.0, 12.5]) | st.floats(1.0, 60.0))
def test_the_index_assigns_like_a_scan_of_every_provider(provider_rows: list, member_rows: list,
                                                         limit: float) -> None:
    config = CONFIG.model_copy(update={"max_distance_miles": limit})
    providers = {}
    for index, (place, is_pcp, capacity, assigned, languages, networks, open_panel) in enumerate(provider_rows):
        npi = f"{index % 7:05d}{index:05d}"  # NPIs not in insertion order
        providers[npi] = Provider(npi, is_pcp, open_panel, capacity, assigned, *located(place, limit),
                                  frozenset(languages), frozenset(networks))
    npis = sorted(providers)
    members, excluded = [], {}
    for index, (place, mco, language, choice, exclude, has_place) in enumerate(member_rows):
        lat, lon = located(place, limit) if has_place or index == 0 else (None, None)
        # Some members choose a provider (taking places, even over capacity) and some exclude one.
        chosen = npis[choice] if choice < len(npis) and index % 3 == 0 else None
        members.append(Member(f"M{index:03d}", mco, lat, lon, language, chosen_npi=chosen))
        if 0 <= exclude < len(npis):
            excluded[f"M{index:03d}"] = frozenset({npis[exclude], "unknown"})
    indexed, scanned = both(members, providers, config, excluded)
    assert indexed == scanned
    assert [a.evidence for a in indexed] == [a.evidence for a in scanned]


def test_sites_at_the_range_edge_are_counted_exactly_as_haversine_says() -> None:
    home, limit = (41.60, -93.60), 30.0
    config = CONFIG.model_copy(update={"max_distance_miles": limit})
    providers = {}
    # A city of sites within range, and a ring exactly at, just inside and just beyond the limit.
    for index in range(60):
        lat, lon = home[0] + (index % 6) * 0.01, home[1] + (index // 6) * 0.01
        providers[f"10{index:08d}"] = Provider(f"10{index:08d}", True, True, 1, 0, lat, lon, frozenset(),
                                               frozenset({"MCO-A"}))
    for index, fraction in enumerate([1 - 1e-9, 1.0, 1 + 1e-9, 1 - 1e-12, 1 + 1e-12] * 8):
        lat, lon = destination(*home, index * 9.0, fraction * limit)
        providers[f"20{index:08d}"] = Provider(f"20{index:08d}", True, True, 1, 0, lat, lon, frozenset({"es"}),
                                               frozenset({"MCO-A"}))
    edge = sum(1 for npi, p in providers.items()
               if npi.startswith("20") and haversine_miles(*home, p.lat, p.lon) <= limit)
    assert 0 < edge < 40  # some of the ring is in range and some is not
    members = [Member(f"M{index:03d}", "MCO-A", *home, "es" if index % 2 else None) for index in range(120)]
    indexed, scanned = both(members, providers, config, {})
    assert indexed == scanned
    assert indexed[0].evidence == {"distance_miles": 0.0, "language_match": False, "candidates_in_range": 60 + edge}
    assert indexed[1].evidence["language_match"] is True
    assert indexed[1].evidence["distance_miles"] == limit
    assert sum(a.npi is not None for a in indexed) == 60 + edge  # every place taken, then network gaps


def test_a_cell_reaching_just_beyond_the_limit_is_scored_site_by_site() -> None:
    home = (41.60, -93.60)  # the corner of a cell; its far corner is just beyond the limit
    corner = (home[0] + CELL_DEGREES, home[1] + CELL_DEGREES)
    limit = haversine_miles(*home, *corner) * (1 - 1e-4)
    config = CONFIG.model_copy(update={"max_distance_miles": limit})
    near = Provider("1000000001", True, True, 5, 0, home[0] + 1e-3, home[1] + 1e-3, frozenset(), frozenset({"A"}))
    far = Provider("1000000002", True, True, 5, 0, corner[0] - 1e-9, corner[1] - 1e-9, frozenset(), frozenset({"A"}))
    indexed, scanned = both([Member("M1", "A", *home)], {p.npi: p for p in (near, far)}, config, {})
    assert indexed == scanned
    assert indexed[0].evidence["candidates_in_range"] == 1


def test_a_speaker_beyond_nearer_non_speakers_is_still_found() -> None:
    home = (41.65, -93.65)
    config = CONFIG.model_copy(update={"max_distance_miles": 30.0})
    sites = [("1000000001", 41.651, ()), ("1000000002", 41.75, ()), ("1000000003", 41.85, ("es",))]
    providers = {npi: Provider(npi, True, True, 5, 0, lat, home[1], frozenset(langs), frozenset({"A"}))
                 for npi, lat, langs in sites}
    indexed, scanned = both([Member("M1", "A", *home, "es")], providers, config, {})
    assert indexed == scanned
    assert indexed[0].npi == "1000000003"
    assert indexed[0].evidence["candidates_in_range"] == 3
