"""Attribution rules: each rule with its tie-breaks and evidence, capacity over a roster, their laws,
and refusal of bad configuration files."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison_attribution.contract import (
    DEFAULT_CONFIG,
    AttributionConfig,
    AttributionConfigError,
    load_attribution_config,
)
from liaison_attribution.rules.pcp import (
    EARTH_RADIUS_MILES,
    Member,
    Provider,
    Visit,
    assign,
    assign_roster,
    haversine_miles,
    months_before,
)
from liaison_shared.vocabulary import AttributionMethod

CONFIG = load_attribution_config()
AS_OF = date(2026, 11, 1)
MCO = "MCO-A"
HOME = (41.60, -93.60)  # Des Moines
# About 0.0145 degrees of latitude per mile.
MILE = 1 / 69.09


def pcp(npi: str, miles_north: float = 1.0, *, open_panel: bool = True, capacity: int = 100, assigned: int = 0,
        languages: tuple[str, ...] = (), networks: tuple[str, ...] = (MCO,), is_pcp: bool = True) -> Provider:
    return Provider(npi, is_pcp, open_panel, capacity, assigned, HOME[0] + miles_north * MILE, HOME[1],
                    frozenset(languages), frozenset(networks))


def member(member_id: str = "M1", *, located: bool = True, **changes: Any) -> Member:
    lat, lon = HOME if located else (None, None)
    return replace(Member(member_id, MCO, lat, lon), **changes)


def visit(npi: str, days_ago: int = 30, code: str = "99213", place: str = "11") -> Visit:
    return Visit(npi, AS_OF - timedelta(days=days_ago), code, place)


def panel(*providers: Provider) -> dict[str, Provider]:
    return {p.npi: p for p in providers}


A, B, C, D = "1000000001", "1000000002", "1000000003", "1000000004"


def attribute(m: Member, providers: dict[str, Provider], visits: tuple[Visit, ...] = (),
              household: tuple[str, ...] = (), excluded: frozenset[str] = frozenset(),
              config: AttributionConfig = CONFIG) -> Any:
    return assign(m, as_of=AS_OF, providers=providers, visits=visits, household_pcps=household, excluded=excluded,
                  config=config)


# --- Member choice --------------------------------------------------------------------------------------


def test_the_member_choice_is_honoured_even_when_the_panel_is_full_or_closed() -> None:
    providers = panel(pcp(A, open_panel=False, capacity=1, assigned=1), pcp(B, 0.1))
    result = attribute(member(chosen_npi=A), providers, visits=(visit(B),), household=(B,))
    assert (result.npi, result.method, result.network_gap) == (A, AttributionMethod.MEMBER_CHOICE, False)
    assert result.evidence == {"chosen_npi": A}


@pytest.mark.parametrize(("chosen", "excluded", "reason"), [
    (C, frozenset(), f"{C} is not in the network of {MCO}"),
    (D, frozenset(), f"{D} is not a PCP"),
    ("9999999999", frozenset(), "9999999999 is not a known provider"),
    (A, frozenset({A}), f"{A} is excluded for this member"),
])
def test_a_choice_that_is_not_an_in_network_pcp_falls_through(chosen: str, excluded: frozenset[str],
                                                            reason: str) -> None:
    providers = panel(pcp(A), pcp(B, 2.0), pcp(C, 0.5, networks=("MCO-B",)), pcp(D, 0.5, is_pcp=False))
    result = attribute(member(chosen_npi=chosen), providers, visits=(visit(B),), excluded=excluded)
    assert (result.npi, result.method) == (B, AttributionMethod.CLAIMS_HISTORY)
    assert result.evidence["passed_over"] == {"member_choice": reason}


# --- Claims history -------------------------------------------------------------------------------------


def test_claims_history_takes_the_plurality_of_qualifying_visits_and_explains_it() -> None:
    providers = panel(pcp(A, 0.1), pcp(B, 5.0))
    visits = (visit(A, 10), visit(B, 100), visit(B, 200, code="G0439", place="50"), visit(B, 300, place="02"))
    result = attribute(member(), providers, visits)
    assert (result.npi, result.method, result.network_gap) == (B, AttributionMethod.CLAIMS_HISTORY, False)
    assert result.evidence == {
        "visit_counts": {B: 3, A: 1},
        "last_visit": {B: (AS_OF - timedelta(days=100)).isoformat(), A: (AS_OF - timedelta(days=10)).isoformat()},
        "lookback_from": "2024-11-01",
    }


def test_a_tie_in_visits_goes_to_the_most_recent_visit() -> None:
    visits = (visit(A, 10), visit(A, 400), visit(B, 5), visit(B, 500))
    assert attribute(member(), panel(pcp(A), pcp(B)), visits).npi == B


def test_a_tie_in_visits_and_last_visit_goes_to_the_lowest_npi() -> None:
    visits = (visit(B, 10), visit(C, 10), visit(B, 40), visit(C, 50))
    assert attribute(member(), panel(pcp(A, 0.1), pcp(B), pcp(C)), visits).npi == B


@pytest.mark.parametrize("ignored", [
    visit(B, code="99201"),  # deleted code
    visit(B, code="99281"),  # emergency department
    visit(B, place="23"),  # emergency room
    visit(B, place="21"),  # inpatient
    visit(B, days_ago=(AS_OF - date(2024, 10, 31)).days),  # a day before the lookback window
    visit(B, days_ago=-1),  # after the attribution date
])
def test_non_qualifying_visits_and_visits_outside_the_lookback_are_ignored(ignored: Visit) -> None:
    visits = (visit(A, 20), ignored, ignored)
    result = attribute(member(), panel(pcp(A, 3.0), pcp(B)), visits)
    assert (result.npi, result.evidence["visit_counts"]) == (A, {A: 1})


def test_the_lookback_window_includes_both_of_its_ends() -> None:
    visits = (visit(B, (AS_OF - date(2024, 11, 1)).days), visit(B, 0), visit(A, 20))
    assert attribute(member(), panel(pcp(A), pcp(B)), visits).evidence["visit_counts"] == {B: 2, A: 1}


def test_months_before_clamps_to_the_end_of_a_shorter_month() -> None:
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2028, 2, 29), 24) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)


def test_visits_to_out_of_network_or_non_pcp_providers_do_not_count() -> None:
    providers = panel(pcp(A), pcp(B, networks=("MCO-B",)), pcp(C, is_pcp=False))
    visits = (visit(A), visit(B), visit(B), visit(C), visit(C))
    assert attribute(member(), providers, visits).evidence["visit_counts"] == {A: 1}


@pytest.mark.parametrize("unavailable", [pcp(B, capacity=3, assigned=3), pcp(B, open_panel=False)])
def test_a_full_or_closed_plurality_pcp_is_passed_over_for_the_next(unavailable: Provider) -> None:
    visits = (visit(A), visit(B, 1), visit(B, 2), visit(C, 5), visit(C, 6))
    result = attribute(member(), panel(pcp(A), unavailable, pcp(C)), visits)
    assert (result.npi, result.method) == (C, AttributionMethod.CLAIMS_HISTORY)
    assert result.evidence["passed_over"] == {"claims_history": f"panel closed or full: {B}"}


# --- Household ------------------------------------------------------------------------------------------


def test_household_takes_the_lowest_npi_that_is_in_network_with_room() -> None:
    providers = panel(pcp(A, networks=("MCO-B",)), pcp(B, capacity=1, assigned=1), pcp(C), pcp(D), pcp("1000000009"))
    result = attribute(member(), providers, household=(D, C, B, A, C))
    assert (result.npi, result.method) == (C, AttributionMethod.HOUSEHOLD)
    assert result.evidence == {"household_pcps": [A, B, C, D]}


def test_household_comes_after_claims_history() -> None:
    assert attribute(member(), panel(pcp(A), pcp(B)), visits=(visit(B),), household=(A,)).npi == B


# --- Geography ------------------------------------------------------------------------------------------


def test_geography_takes_the_nearest_in_network_pcp_with_room() -> None:
    providers = panel(pcp(A, 4.0), pcp(B, -2.0), pcp(C, 0.5, networks=("MCO-B",)), pcp(D, 1.0, open_panel=False),
                      pcp("1000000005", 1.5, capacity=10, assigned=10), pcp("1000000006", 40.0))
    result = attribute(member(), providers)
    assert (result.npi, result.method, result.network_gap) == (B, AttributionMethod.GEOGRAPHY, False)
    assert result.evidence == {"distance_miles": 2.0, "language_match": False, "candidates_in_range": 2}


def test_geography_prefers_a_speaker_of_the_member_language_over_a_closer_non_speaker() -> None:
    providers = panel(pcp(A, 1.0, languages=("en",)), pcp(B, 25.0, languages=("ES", "en")), pcp(C, 28.0))
    result = attribute(member(language="es"), providers)
    assert (result.npi, result.evidence["language_match"], result.evidence["distance_miles"]) == (B, True, 25.0)
    assert attribute(member(language="vi"), providers).npi == A


def test_geography_ties_in_distance_go_to_the_lowest_npi() -> None:
    assert attribute(member(), panel(pcp(C, 3.0), pcp(B, 3.0), pcp(A, 4.0))).npi == B


def test_nothing_in_range_is_a_flagged_network_gap_not_a_far_assignment() -> None:
    result = attribute(member(), panel(pcp(A, 31.0), pcp(B, 0.5, open_panel=False)))
    assert (result.npi, result.method, result.network_gap) == (None, None, True)
    assert result.evidence == {"reason": "no in-network PCP with capacity within 30 miles", "max_distance_miles": 30}


def test_the_distance_limit_comes_from_the_configuration() -> None:
    wider = CONFIG.model_copy(update={"max_distance_miles": 35.0})
    assert attribute(member(), panel(pcp(A, 31.0)), config=wider).npi == A


def test_a_member_without_coordinates_skips_geography() -> None:
    result = attribute(member(located=False), panel(pcp(A, 0.1)))
    assert (result.npi, result.network_gap) == (None, True)
    assert "no coordinates" in str(result.evidence["reason"])


# --- Excluded (removing) PCPs ---------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["choice", "claims", "household", "geography"])
def test_an_excluded_pcp_is_never_chosen(rule: str) -> None:
    providers = panel(pcp(A, 0.1), pcp(B, 20.0))
    m = member(chosen_npi=A if rule == "choice" else None)
    visits = (visit(A), visit(A)) if rule == "claims" else ()
    household = (A,) if rule == "household" else ()
    assert attribute(m, providers, visits, household).npi == A
    assert attribute(m, providers, visits, household, excluded=frozenset({A})).npi == B


# --- Rosters --------------------------------------------------------------------------------------------


def test_a_roster_respects_capacity_in_member_id_order() -> None:
    members = [member(f"M{i}", lat=HOME[0] + i * MILE / 10) for i in (4, 2, 5, 1, 3)]
    providers = panel(pcp(A, 0.0, capacity=2), pcp(B, 10.0, capacity=2))
    result = assign_roster(members, as_of=AS_OF, providers=providers, config=CONFIG)
    assert {m: a.npi for m, a in result.items()} == {"M1": A, "M2": A, "M3": B, "M4": B, "M5": None}
    assert list(result) == ["M1", "M2", "M3", "M4", "M5"]
    assert result["M5"].network_gap


def test_a_roster_honours_choices_beyond_capacity_and_counts_them() -> None:
    members = [member("M1"), member("M2", chosen_npi=A), member("M3", chosen_npi=A)]
    providers = panel(pcp(A, capacity=1), pcp(B, 5.0))
    result = assign_roster(members, as_of=AS_OF, providers=providers, config=CONFIG)
    assert {m: a.npi for m, a in result.items()} == {"M1": A, "M2": A, "M3": A}
    later = assign_roster([*members, member("M4")], as_of=AS_OF, providers=providers, config=CONFIG)
    assert later["M4"].npi == B


def test_a_roster_takes_each_member_own_visits_household_and_exclusions() -> None:
    members = [member("M1"), member("M2"), member("M3")]
    result = assign_roster(members, as_of=AS_OF, providers=panel(pcp(A), pcp(B, 2.0), pcp(C, 3.0)), config=CONFIG,
                           visits_by_member={"M1": [visit(C)]}, household_pcps_by_member={"M2": [B]},
                           excluded_by_member={"M3": frozenset({A})})
    assert {m: (a.npi, a.method) for m, a in result.items()} == {
        "M1": (C, AttributionMethod.CLAIMS_HISTORY), "M2": (B, AttributionMethod.HOUSEHOLD),
        "M3": (B, AttributionMethod.GEOGRAPHY)}


def test_a_repeated_member_id_or_a_provider_under_another_key_is_refused() -> None:
    with pytest.raises(ValueError, match="more than once in the roster: M1"):
        assign_roster([member("M1"), member("M1")], as_of=AS_OF, providers={}, config=CONFIG)
    with pytest.raises(ValueError, match=f"keyed by their NPI: {B}"):
        assign(member(), as_of=AS_OF, providers={B: pcp(A)}, config=CONFIG)


# --- Laws -----------------------------------------------------------------------------------------------

NPIS = [f"10000000{i:02d}" for i in range(12)]
MCOS = ["MCO-A", "MCO-B"]


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A roster around Des Moines, with providers up to ~45 miles away, visits, households and exclusions."""
    coordinate = st.tuples(st.floats(41.2, 42.0), st.floats(-94.1, -93.1))
    mostly = st.sampled_from([True, True, False])
    providers = {}
    for npi in draw(st.lists(st.sampled_from(NPIS), unique=True, max_size=10)):
        p_lat, p_lon = draw(coordinate)
        capacity = draw(st.integers(0, 6))
        providers[npi] = Provider(npi, draw(mostly), draw(mostly),
                                  capacity, draw(st.integers(0, capacity + 1)), p_lat, p_lon,
                                  frozenset(draw(st.lists(st.sampled_from(["en", "es", "vi"]), max_size=2))),
                                  frozenset(draw(st.lists(st.sampled_from(MCOS), min_size=1, max_size=2))))
    members, visits, household, excluded = [], {}, {}, {}
    for index in range(draw(st.integers(0, 16))):
        located = draw(st.booleans()) or draw(st.booleans())
        lat, lon = draw(coordinate) if located else (None, None)
        member_id = f"M{index:03d}"
        members.append(Member(member_id, draw(st.sampled_from(MCOS)), lat, lon,
                              draw(st.sampled_from([None, "en", "es", "vi"])), None,
                              draw(st.none() | st.sampled_from(NPIS))))
        visits[member_id] = draw(st.lists(st.builds(
            Visit, st.sampled_from(NPIS), st.dates(date(2024, 6, 1), date(2026, 12, 1)),
            st.sampled_from(["99213", "99395", "99281"]), st.sampled_from(["11", "21"])), max_size=6))
        household[member_id] = draw(st.lists(st.sampled_from(NPIS), max_size=3))
        excluded[member_id] = frozenset(draw(st.lists(st.sampled_from(NPIS), max_size=2)))
    return {"members": members, "providers": providers, "visits_by_member": visits,
            "household_pcps_by_member": household, "excluded_by_member": excluded}


def run(scenario: dict[str, Any]) -> dict[str, Any]:
    return assign_roster(scenario["members"], as_of=AS_OF, providers=scenario["providers"], config=CONFIG,
                         visits_by_member=scenario["visits_by_member"],
                         household_pcps_by_member=scenario["household_pcps_by_member"],
                         excluded_by_member=scenario["excluded_by_member"])


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_every_member_gets_exactly_one_in_network_pcp_or_a_network_gap(scenario: dict[str, Any]) -> None:
    result = run(scenario)
    assert sorted(result) == sorted(m.member_id for m in scenario["members"])
    for m in scenario["members"]:
        outcome = result[m.member_id]
        assert (outcome.npi is None) == outcome.network_gap == (outcome.method is None)
        if outcome.npi is not None:
            provider = scenario["providers"][outcome.npi]
            assert provider.is_pcp and m.mco in provider.networks
            assert outcome.npi not in scenario["excluded_by_member"][m.member_id]
        if outcome.method == AttributionMethod.GEOGRAPHY:
            assert haversine_miles(m.lat, m.lon, provider.lat, provider.lon) <= CONFIG.max_distance_miles


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_only_a_member_choice_takes_a_provider_over_capacity(scenario: dict[str, Any]) -> None:
    result = run(scenario)
    by_choice = Counter(a.npi for a in result.values() if a.method == AttributionMethod.MEMBER_CHOICE)
    by_rules = Counter(a.npi for a in result.values() if a.npi is not None and a.method != "member_choice")
    for npi, count in by_rules.items():
        provider = scenario["providers"][npi]
        assert provider.open_panel
        # The last of them found a free place, whatever choices had taken before it.
        assert provider.assigned + count <= provider.capacity
    for npi in set(by_choice) - set(by_rules):
        provider = scenario["providers"][npi]
        assert provider.is_pcp  # over capacity or closed only because members chose it


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_input_order(scenario: dict[str, Any], shuffler: random.Random) -> None:
    def shuffled(items: list[Any]) -> list[Any]:
        return shuffler.sample(items, len(items))

    reordered = {
        "members": shuffled(scenario["members"]),
        "providers": dict(shuffled(list(scenario["providers"].items()))),
        "visits_by_member": {k: shuffled(v) for k, v in shuffled(list(scenario["visits_by_member"].items()))},
        "household_pcps_by_member": {k: shuffled(v) for k, v in scenario["household_pcps_by_member"].items()},
        "excluded_by_member": scenario["excluded_by_member"],
    }
    assert run(reordered) == run(scenario)


def destination(lat: float, lon: float, bearing: float, miles: float) -> tuple[float, float]:
    """The point `miles` away from (lat, lon) on the great circle leaving it at `bearing` degrees."""
    phi, theta, delta = math.radians(lat), math.radians(bearing), miles / EARTH_RADIUS_MILES
    phi2 = math.asin(math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta))
    east, north = math.sin(theta) * math.sin(delta) * math.cos(phi), math.cos(delta) - math.sin(phi) * math.sin(phi2)
    lam = math.atan2(east, north)
    return math.degrees(phi2), (lon + math.degrees(lam) + 180) % 360 - 180


@settings(max_examples=300, deadline=None)
@given(st.floats(-89.5, 89.5), st.floats(-180.0, 180.0), st.floats(1.0, 600.0), st.sampled_from([None, "es"]),
       st.lists(st.tuples(st.floats(0.0, 360.0), st.floats(0.0, 1.3) | st.just(1.0), st.booleans()), max_size=30))
def test_geography_agrees_with_a_scan_of_every_provider(lat: float, lon: float, limit: float, language: str | None,
                                                        places: list[tuple[float, float, bool]]) -> None:
    """The grid only narrows the search: also across the antimeridian, near the poles, on the limit and far."""
    config = CONFIG.model_copy(update={"max_distance_miles": limit})
    providers = {}
    for index, (bearing, fraction, speaks) in enumerate(places):
        p_lat, p_lon = destination(lat, lon, bearing, fraction * limit)
        providers[f"{index:010d}"] = Provider(f"{index:010d}", True, True, 5, 0, p_lat, p_lon,
                                              frozenset({"es"} if speaks else ()), frozenset({MCO}))
    m = Member("M1", MCO, lat, lon, language)
    result = assign(m, as_of=AS_OF, providers=providers, config=config)
    distances = {npi: haversine_miles(lat, lon, p.lat, p.lon) for npi, p in providers.items()}
    in_range = [npi for npi, miles in distances.items() if miles <= limit]
    expected = min(in_range, key=lambda npi: (language not in providers[npi].languages, distances[npi], npi),
                   default=None)
    assert result.npi == expected
    if expected is not None:
        assert result.evidence["candidates_in_range"] == len(in_range)
        assert result.evidence["distance_miles"] == round(distances[expected], 1)


def test_haversine_miles() -> None:
    assert haversine_miles(*HOME, *HOME) == 0.0
    assert haversine_miles(41.0, -93.0, 42.0, -93.0) == pytest.approx(69.09, abs=0.01)
    assert haversine_miles(41.5868, -93.6250, 41.9779, -91.6656) == pytest.approx(104.5, abs=0.1)
    assert haversine_miles(0.0, 179.9, 0.0, -179.9) == pytest.approx(haversine_miles(0.0, 0.0, 0.0, 0.2))


# --- Configuration files --------------------------------------------------------------------------------


def test_the_default_configuration_loads_with_its_version_and_codes() -> None:
    assert CONFIG.version == "2026.11-1"
    assert (CONFIG.lookback_months, CONFIG.max_distance_miles, CONFIG.reassignment_window_days) == (24, 30, 30)
    assert {"99202", "99205", "99211", "99215", "99381", "99387", "99391", "99397", "G0438", "G0439"} <= set(
        CONFIG.qualifying_procedure_codes)
    assert len(CONFIG.qualifying_procedure_codes) == 25
    assert CONFIG.qualifying_places_of_service == {"02", "10", "11", "22", "49", "50", "71", "72"}


def default_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    return document


def refusal(tmp_path: Path, document: dict[str, Any] | str) -> str:
    path = tmp_path / "bad-attribution.yaml"
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(AttributionConfigError) as caught:
        load_attribution_config(path)
    message = str(caught.value)
    assert all(line.startswith(f"{path}: ") for line in message.splitlines())
    return message


def test_an_unknown_key_is_refused_at_its_location(tmp_path: Path) -> None:
    document = default_document()
    document["lookback_month"] = 12
    assert "lookback_month: Extra inputs are not permitted (got 12)" in refusal(tmp_path, document)


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("lookback_months", -3, "lookback_months: Input should be greater than or equal to 1 (got -3)"),
    ("lookback_months", "24", "lookback_months: Input should be a valid integer (got '24')"),
    ("max_distance_miles", 0, "max_distance_miles: Input should be greater than 0 (got 0)"),
    ("reassignment_window_days", 0, "reassignment_window_days: Input should be greater than or equal to 1 (got 0)"),
    ("qualifying_places_of_service", ["11", 2], "qualifying_places_of_service[1]: Input should be a valid string"),
    ("qualifying_procedure_codes", ["99213", "9921"], "qualifying_procedure_codes[1]: String should match pattern"),
    ("qualifying_procedure_codes", [], "qualifying_procedure_codes: Frozenset should have at least 1 item"),
    ("version", " ", "version: String should have at least 1 character"),
])
def test_a_bad_value_is_refused_at_its_location(tmp_path: Path, key: str, value: object, expected: str) -> None:
    document = default_document()
    document[key] = value
    assert expected in refusal(tmp_path, document)


def test_defaults_apply_and_required_keys_are_required(tmp_path: Path) -> None:
    document = default_document()
    del document["lookback_months"], document["max_distance_miles"]
    path = tmp_path / "attribution.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert (load_attribution_config(path).lookback_months, load_attribution_config(path).max_distance_miles) == (24, 30)
    del document["version"]
    assert "version: Field required" in refusal(tmp_path, document)


def test_an_unquoted_place_of_service_and_a_duplicate_key_are_refused_with_their_line(tmp_path: Path) -> None:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert "Input should be a valid string (got 2)" in refusal(tmp_path, text.replace('- "02"', "- 02"))
    line = text.splitlines().index("lookback_months: 24") + 2
    assert f"line {line}, column 1: invalid YAML: duplicate key 'lookback_months'" in refusal(
        tmp_path, text.replace("lookback_months: 24\n", "lookback_months: 24\nlookback_months: 12\n"))


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AttributionConfigError, match=r"nowhere\.yaml: cannot read the file"):
        load_attribution_config(tmp_path / "nowhere.yaml")


def test_the_default_configuration_lists_the_pcp_change_reasons_with_their_labels() -> None:
    assert [r.code for r in CONFIG.pcp_change_reasons] == [
        "member_preference", "closer_to_home", "language", "provider_left_network", "relationship_broken_down",
        "assigned_without_consent", "access_hours", "other"]
    assert all(r.label for r in CONFIG.pcp_change_reasons)
    assert CONFIG.reason_label("language") == "Another PCP speaks the member's language"
    assert CONFIG.reason_label("panel_removal") is not None  # attribution's own, not configured
    assert CONFIG.pcp_change_reason("panel_removal") is None
    assert CONFIG.reason_label("retired_code") is None and CONFIG.reason_label(None) is None


@pytest.mark.parametrize(("reasons", "expected"), [
    ([], "pcp_change_reasons: Tuple should have at least 1 item"),
    ([{"code": "Moved", "label": "Moved"}], "pcp_change_reasons[0].code: String should match pattern"),
    ([{"code": "moved"}], "pcp_change_reasons[0].label: Field required"),
    ([{"code": "moved", "label": " "}], "pcp_change_reasons[0].label: String should have at least 1 character"),
    ([{"code": "moved", "label": "Moved", "lable": "x"}], "pcp_change_reasons[0].lable: Extra inputs"),
    ([{"code": "moved", "label": "Moved"}, {"code": "moved", "label": "Again"}],
     "pcp_change_reasons: [1].code: duplicate code 'moved' (also [0])"),
    ([{"code": "panel_removal", "label": "Removed"}], "pcp_change_reasons: [0].code 'panel_removal' is reserved"),
])
def test_bad_pcp_change_reasons_are_refused_at_their_location(tmp_path: Path, reasons: list[dict[str, str]],
                                                              expected: str) -> None:
    document = default_document()
    document["pcp_change_reasons"] = reasons
    assert expected in refusal(tmp_path, document)


def test_the_pcp_change_reasons_are_required(tmp_path: Path) -> None:
    document = default_document()
    del document["pcp_change_reasons"]
    assert "pcp_change_reasons: Field required" in refusal(tmp_path, document)
