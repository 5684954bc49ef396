"""Triage rules: the default ruleset's decisions, their laws, and refusal of bad ruleset files."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from liaison_shared.vocabulary import Category, Party, Priority, Queue, Source, Track
from liaison_triage.contract import DEFAULT_RULESET, Rule, RulesetConfig, RulesetError, load_ruleset
from liaison_triage.rules.priority import Facts, Ruleset

RULESET = Ruleset(load_ruleset(DEFAULT_RULESET))
KEYWORDS = sorted({kw for rule in RULESET.config.rules for kw in rule.when.any_keywords or ()})
RISK_FLAGS = sorted({flag for rule in RULESET.config.rules for flag in rule.when.risk_flags_any or ()})

M, P = Party.MEMBER, Party.PROVIDER
S, E, U = Priority.STANDARD, Priority.ESCALATED, Priority.URGENT
MEDICATION = "without-medication-or-equipment"
RIDE = "without-ride-or-care-for-imminent-appointment"


def facts(
    source: Source,
    category: Category,
    track: Track = Track.MEMBER_MCO,
    description: str = "The member asked a question.",
    *,
    party: Party | None = None,
    requested: Priority | None = None,
    flags: frozenset[str] = frozenset(),
    callback: bool = False,
) -> Facts:
    if party is None:
        party = P if track is Track.PROVIDER else M
    return Facts(party, track, source, category, description, requested, flags, callback, "IA-TC")


# (facts, expected priority, expected queue, rules that must have fired)
CASES: list[tuple[Facts, Priority, Queue, set[str]]] = [
    (facts(Source.IME_CALL_CENTER_CSR, Category.PHARMACY, description="Member ran out of insulin yesterday."),
     U, Queue.MEMBER_LIAISON, {MEDICATION}),
    (facts(Source.PLAN_MEMBER_SERVICES, Category.CLAIMS_BILLING, description="Member got a bill for a visit."),
     S, Queue.MSA_ESR, set()),
    (facts(Source.MANAGED_CARE_OMBUDSMAN, Category.QUALITY_OF_CARE), E, Queue.MSA_ESR, {"oversight-source"}),
    (facts(Source.LEGISLATIVE_LIAISON, Category.ELIGIBILITY_ENROLLMENT, Track.MEMBER_NOT_ENROLLED),
     E, Queue.UNIT_LEAD, {"oversight-source"}),
    (facts(Source.IME_LEADERSHIP, Category.CLAIMS_BILLING, Track.PROVIDER),
     E, Queue.PROVIDER_LIAISON, {"oversight-source"}),
    (facts(Source.IME_POLICY_STAFF, Category.PRIOR_AUTHORIZATION, Track.PROVIDER, "Policy question on PA forms."),
     E, Queue.PROVIDER_LIAISON, {"state-escalation-source"}),
    (facts(Source.OTHER_STATE_AGENCY, Category.OTHER), E, Queue.MSA_ESR, {"state-escalation-source"}),
    (facts(Source.MEMBER_SERVICES_ACCOUNT_MANAGER, Category.DURABLE_MEDICAL_EQUIPMENT,
           description="Wheelchair broken, member cannot leave home."),
     U, Queue.MEMBER_LIAISON, {"state-escalation-source", MEDICATION}),
    (facts(Source.PROVIDER_SERVICES_ACCOUNT_MANAGER, Category.CLAIMS_BILLING, Track.PROVIDER),
     E, Queue.PROVIDER_LIAISON, {"state-escalation-source"}),
    (facts(Source.PROVIDER, Category.CLAIMS_BILLING, Track.PROVIDER, "Claims denied for timely filing."),
     S, Queue.PROVIDER_LIAISON, set()),
    (facts(Source.PROVIDER_ASSOCIATION, Category.CLAIMS_BILLING, Track.PROVIDER),
     E, Queue.PROVIDER_LIAISON, {"provider-association-source"}),
    (facts(Source.PLAN_PROVIDER_SERVICES, Category.PCP_ASSIGNMENT, Track.PROVIDER, "Panel is full."),
     S, Queue.PROVIDER_LIAISON, set()),
    (facts(Source.IME_CALL_CENTER_CSR, Category.ELIGIBILITY_ENROLLMENT, Track.IME_CALLBACK, callback=True),
     E, Queue.UNIT_LEAD, {"ime-callback"}),
    (facts(Source.IME_CALL_CENTER_CSR, Category.TRANSPORTATION, description="No ride to dialysis tomorrow."),
     U, Queue.MEMBER_LIAISON, {RIDE}),
    (facts(Source.PLAN_MEMBER_SERVICES, Category.ACCESS_TO_CARE, description="Appointment  TODAY\nand no ride."),
     U, Queue.MEMBER_LIAISON, {RIDE}),
    (facts(Source.IME_CALL_CENTER_CSR, Category.PRIOR_AUTHORIZATION, description="Chemotherapy PA still pending."),
     U, Queue.MEMBER_LIAISON, {RIDE}),
    (facts(Source.IME_CALL_CENTER_CSR, Category.PHARMACY, description="Pharmacy says she can\u2019t get refill."),
     U, Queue.MEMBER_LIAISON, {MEDICATION}),
    (facts(Source.IME_CALL_CENTER_CSR, Category.TRANSPORTATION, description="The ride was late last month."),
     S, Queue.MSA_ESR, set()),
    (facts(Source.IME_CALL_CENTER_CSR, Category.TRANSPORTATION, description="He ran outside to catch the bus."),
     S, Queue.MSA_ESR, set()),
    (facts(Source.IME_CALL_CENTER_CSR, Category.CLAIMS_BILLING, description="Bill for insulin is wrong."),
     S, Queue.MSA_ESR, set()),
    (facts(Source.PROVIDER, Category.PHARMACY, Track.PROVIDER, "Patient runs out of oxygen Friday, PA denied."),
     U, Queue.PROVIDER_LIAISON, {MEDICATION}),
    (facts(Source.IME_CALL_CENTER_CSR, Category.PHARMACY, Track.MEMBER_NOT_ENROLLED, "No medication since Monday."),
     U, Queue.UNIT_LEAD, {MEDICATION}),
    (facts(Source.PLAN_MEMBER_SERVICES, Category.PCP_ASSIGNMENT, Track.PCP_PANEL_REMOVAL,
           flags=frozenset({"chronic_condition"})),
     U, Queue.CCM, {"high-risk-member-panel-removal"}),
    (facts(Source.MANAGED_CARE_OMBUDSMAN, Category.PCP_ASSIGNMENT, Track.PCP_PANEL_REMOVAL,
           flags=frozenset({"high_risk", "other"})),
     U, Queue.CCM, {"oversight-source", "high-risk-member-panel-removal"}),
    (facts(Source.PLAN_MEMBER_SERVICES, Category.PCP_ASSIGNMENT, Track.PCP_PANEL_REMOVAL),
     S, Queue.SPECIAL_OUTREACH, set()),
    (facts(Source.PLAN_MEMBER_SERVICES, Category.PCP_ASSIGNMENT, Track.PCP_PANEL_REMOVAL,
           flags=frozenset({"pregnant"})),
     S, Queue.SPECIAL_OUTREACH, set()),
    (facts(Source.PLAN_MEMBER_SERVICES, Category.PCP_ASSIGNMENT, Track.PCP_ATTRIBUTION),
     S, Queue.SPECIAL_OUTREACH, set()),
    (facts(Source.PLAN_MEMBER_SERVICES, Category.CARE_TRANSITION, Track.CARE_TRANSITION),
     E, Queue.CCM, {"care-transition-track", "care-transition-category"}),
    (facts(Source.PLAN_MEMBER_SERVICES, Category.CARE_TRANSITION), E, Queue.MSA_ESR, {"care-transition-category"}),
    # care coordination's items are timed by the SLA monitor without triage; a case on their track goes to CCM
    (facts(Source.PLAN_MEMBER_SERVICES, Category.OTHER, Track.CARE_COORDINATION), S, Queue.CCM, set()),
    (facts(Source.PROVIDER, Category.FRAUD_WASTE_ABUSE, Track.PROVIDER),
     E, Queue.PROVIDER_LIAISON, {"fraud-waste-abuse"}),
    (facts(Source.IME_CALL_CENTER_CSR, Category.QUALITY_OF_CARE, requested=U),
     E, Queue.MSA_ESR, {"caller-requested-escalation"}),
    (facts(Source.IME_CALL_CENTER_CSR, Category.QUALITY_OF_CARE, requested=S), S, Queue.MSA_ESR, set()),
    (facts(Source.PLAN_MEMBER_SERVICES, Category.ACCESS_TO_CARE, requested=E,
           description="Missed appointment, the ride didn't show."),
     U, Queue.MEMBER_LIAISON, {"caller-requested-escalation", RIDE}),
    (facts(Source.PLAN_MEMBER_SERVICES, Category.QUALITY_OF_CARE, Track.GRIEVANCE), S, Queue.GRIEVANCES_APPEALS,
     set()),
    (facts(Source.PLAN_MEMBER_SERVICES, Category.PRIOR_AUTHORIZATION, Track.APPEAL), S, Queue.GRIEVANCES_APPEALS,
     set()),
    (facts(Source.PLAN_MEMBER_SERVICES, Category.FRAUD_WASTE_ABUSE, Track.PROGRAM_INTEGRITY), E,
     Queue.PROGRAM_INTEGRITY, {"fraud-waste-abuse"}),
]


def test_the_default_ruleset_loads_with_its_version() -> None:
    assert RULESET.version == "2026.12-2"
    assert RULESET.config.default_priority is Priority.STANDARD
    assert len(RULESET.config.rules) >= 10


def test_the_table_covers_every_source_category_and_track() -> None:
    assert {case[0].source for case in CASES} == set(Source)
    assert {case[0].category for case in CASES} == set(Category)
    assert {case[0].track for case in CASES} == set(Track)


@pytest.mark.parametrize(("inquiry", "priority", "queue", "fired"), CASES)
def test_default_ruleset_decides(inquiry: Facts, priority: Priority, queue: Queue, fired: set[str]) -> None:
    decision = RULESET.decide(inquiry)
    assert (decision.priority, decision.queue) == (priority, queue)
    assert fired <= set(decision.rules_fired)
    assert decision.ruleset_version == "2026.12-2"


def test_rules_fired_are_listed_in_file_order() -> None:
    order = [rule.id for rule in RULESET.config.rules]
    decision = RULESET.decide(CASES[-1][0])
    assert list(decision.rules_fired) == sorted(decision.rules_fired, key=order.index)


def test_route_gives_the_routing_table_queue_without_rules() -> None:
    assert RULESET.route(Track.MEMBER_MCO, Priority.URGENT) is Queue.MEMBER_LIAISON
    assert RULESET.route(Track.MEMBER_MCO, Priority.STANDARD) is Queue.MSA_ESR
    assert RULESET.route(Track.PCP_PANEL_REMOVAL, Priority.URGENT) is Queue.CCM
    assert RULESET.route(Track.PCP_PANEL_REMOVAL, Priority.ESCALATED) is Queue.SPECIAL_OUTREACH
    assert RULESET.route(Track.CARE_TRANSITION, Priority.STANDARD) is Queue.CCM


descriptions = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(KEYWORDS), st.text(max_size=10)), max_size=4).map(" ".join),
)
random_facts = st.builds(
    Facts,
    party=st.sampled_from(Party),
    track=st.sampled_from(Track),
    source=st.sampled_from(Source),
    category=st.sampled_from(Category),
    description=descriptions,
    requested_priority=st.none() | st.sampled_from(Priority),
    risk_flags=st.frozensets(st.sampled_from([*RISK_FLAGS, "pregnant", "homeless"])),
    ime_callback_request=st.booleans(),
    mco=st.none() | st.sampled_from(["IA-TC", "IA-WM", "IA-MH"]),
)


@given(random_facts, st.sampled_from(KEYWORDS), st.text(max_size=12))
def test_adding_a_keyword_or_a_risk_flag_never_lowers_priority(inquiry: Facts, keyword: str, flag: str) -> None:
    before = RULESET.decide(inquiry)
    for more in (
        replace(inquiry, description=f"{inquiry.description} {keyword}"),
        replace(inquiry, risk_flags=inquiry.risk_flags | {flag}),
        replace(inquiry, risk_flags=inquiry.risk_flags | set(RISK_FLAGS[:1])),
    ):
        after = RULESET.decide(more)
        assert after.priority.rank >= before.priority.rank
        assert set(before.rules_fired) <= set(after.rules_fired)


@given(random_facts, st.permutations(RULESET.config.rules))
def test_priority_does_not_depend_on_rule_order(inquiry: Facts, rules: list[Rule]) -> None:
    shuffled = Ruleset(RULESET.config.model_copy(update={"rules": tuple(rules)}))
    before, after = RULESET.decide(inquiry), shuffled.decide(inquiry)
    assert after.priority is before.priority
    assert set(after.rules_fired) == set(before.rules_fired)


# --- Semantics on small rulesets -------------------------------------------------------------------

CATCH_ALL = [{"queue": "msa_esr"}]


def ruleset(rules: list[dict[str, Any]], routing: list[dict[str, Any]] | None = None) -> Ruleset:
    document = {"version": "t", "default_priority": "standard", "rules": rules, "routing": routing or CATCH_ALL}
    return Ruleset(RulesetConfig.model_validate(document))


def rule(rule_id: str, when: dict[str, Any], then: dict[str, Any]) -> dict[str, Any]:
    return {"id": rule_id, "description": "test rule", "when": when, "then": then}


def test_the_first_fired_rule_that_sets_a_queue_wins_over_routing() -> None:
    rules = ruleset([
        rule("raise-only", {"party_in": ["member"]}, {"at_least": "urgent"}),
        rule("to-ccm", {"category_in": ["pharmacy"]}, {"queue": "ccm"}),
        rule("to-unit-lead", {"party_in": ["member"]}, {"queue": "unit_lead"}),
    ])
    decision = rules.decide(facts(Source.PROVIDER, Category.PHARMACY))
    assert (decision.priority, decision.queue) == (Priority.URGENT, Queue.CCM)
    assert decision.rules_fired == ("raise-only", "to-ccm", "to-unit-lead")


def test_all_conditions_of_a_rule_must_hold() -> None:
    rules = ruleset([rule("callback-from-csr", {"ime_callback_request": True, "source_in": ["ime_call_center_csr"]},
                          {"at_least": "escalated"})])
    assert rules.decide(facts(Source.IME_CALL_CENTER_CSR, Category.OTHER, callback=True)).priority is E
    assert rules.decide(facts(Source.IME_CALL_CENTER_CSR, Category.OTHER, callback=False)).priority is S
    assert rules.decide(facts(Source.PROVIDER, Category.OTHER, callback=True)).priority is S


def test_routing_takes_the_first_entry_matching_track_and_priority() -> None:
    routing = [{"track": "provider", "priority": "urgent", "queue": "unit_lead"}, {"track": "provider",
               "queue": "provider_liaison"}, {"queue": "msa_esr"}]
    rules = ruleset([rule("urgent-provider", {"party_in": ["provider"]}, {"at_least": "urgent"})], routing)
    assert rules.decide(facts(Source.PROVIDER, Category.OTHER, Track.PROVIDER)).queue is Queue.UNIT_LEAD
    assert rules.decide(facts(Source.PROVIDER, Category.OTHER, Track.PROVIDER, party=M)).queue is Queue.PROVIDER_LIAISON


@pytest.mark.parametrize(
    ("description", "matches"),
    [("RAN OUT of pills", True), ("ran\n\t out", True), ("ran out.", True), ("(ran out)", True),
     ("ran outside", False), ("veteran out", False), ("ranout", False)],
)
def test_keywords_match_whole_words_ignoring_case_and_spacing(description: str, matches: bool) -> None:
    rules = ruleset([rule("ran-out", {"any_keywords": ["ran  out"]}, {"at_least": "urgent"})])
    assert (rules.decide(facts(Source.PROVIDER, Category.OTHER, description=description)).priority is U) is matches


# --- Bad ruleset files ----------------------------------------------------------------------------------


def default_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(DEFAULT_RULESET.read_text(encoding="utf-8"))
    return document


def refusal(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad-ruleset.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    message = str(caught.value)
    assert all(line.startswith(f"{path}: ") for line in message.splitlines())
    return message


def test_an_unknown_enum_value_is_refused_at_its_location(tmp_path: Path) -> None:
    document = default_document()
    document["rules"][3]["when"]["source_in"] = ["provider", "ombudsman"]
    message = refusal(tmp_path, yaml.safe_dump(document))
    assert "rules[3].when.source_in[1]: Input should be 'ime_call_center_csr'" in message
    assert "(got 'ombudsman')" in message


def test_a_duplicate_rule_id_is_refused(tmp_path: Path) -> None:
    document = default_document()
    document["rules"][5]["id"] = document["rules"][1]["id"]
    assert f"rules[5].id: duplicate id {document['rules'][1]['id']!r} (also rules[1])" in refusal(
        tmp_path, yaml.safe_dump(document))


@pytest.mark.parametrize("when", [{}, {"source_in": None}])
def test_a_rule_without_conditions_is_refused(tmp_path: Path, when: dict[str, Any]) -> None:
    document = default_document()
    document["rules"][2]["when"] = when
    assert "rules[2].when: give at least one condition" in refusal(tmp_path, yaml.safe_dump(document))


def test_a_rule_without_effects_is_refused(tmp_path: Path) -> None:
    document = default_document()
    document["rules"][0]["then"] = {}
    assert "rules[0].then: give at_least, queue or both" in refusal(tmp_path, yaml.safe_dump(document))


def test_an_id_that_is_not_kebab_case_is_refused(tmp_path: Path) -> None:
    document = default_document()
    document["rules"][4]["id"] = "Urgent_Rule"
    assert "rules[4].id: a rule id is kebab-case" in refusal(tmp_path, yaml.safe_dump(document))


def test_an_unrouted_track_and_priority_is_refused(tmp_path: Path) -> None:
    document = default_document()
    document["routing"] = [entry for entry in document["routing"] if entry["track"] != "provider"]
    message = refusal(tmp_path, yaml.safe_dump(document))
    for priority in Priority:
        assert f"routing: no entry routes track 'provider' with priority '{priority.value}'" in message
    assert "member_mco" not in message


def test_a_routing_entry_that_can_never_be_used_is_refused(tmp_path: Path) -> None:
    document = default_document()
    document["routing"].insert(1, {"track": "member_mco", "priority": "urgent", "queue": "ccm"})
    assert "routing[1]: never used" in refusal(tmp_path, yaml.safe_dump(document))


def test_a_yaml_syntax_error_is_refused_with_its_line(tmp_path: Path) -> None:
    text = 'version: "1"\ndefault_priority: standard\nrules:\n  - id: [unclosed\n    description: x\n'
    assert "line 5, column 16: invalid YAML" in refusal(tmp_path, text)


def test_a_duplicate_yaml_key_is_refused_with_its_line(tmp_path: Path) -> None:
    text = DEFAULT_RULESET.read_text(encoding="utf-8").replace(
        "default_priority: standard\n", "default_priority: standard\ndefault_priority: urgent\n")
    line = text.splitlines().index("default_priority: urgent") + 1
    assert f"line {line}, column 1: invalid YAML: duplicate key 'default_priority'" in refusal(tmp_path, text)


def test_an_unknown_key_is_refused_at_its_location(tmp_path: Path) -> None:
    document = default_document()
    document["rules"][6]["then"]["priority"] = "urgent"
    document["routing"][0]["team"] = "x"
    message = refusal(tmp_path, yaml.safe_dump(document))
    assert "rules[6].then.priority: Extra inputs are not permitted" in message
    assert "routing[0].team: Extra inputs are not permitted" in message


@pytest.mark.parametrize("text", ["", "- a list\n", "version: '1'\n"])
def test_a_file_that_is_not_a_ruleset_is_refused(tmp_path: Path, text: str) -> None:
    refusal(tmp_path, text)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesetError, match=r"nowhere\.yaml: cannot read the file"):
        load_ruleset(tmp_path / "nowhere.yaml")

