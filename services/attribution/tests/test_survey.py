"""Escalation survey: every outcome of the default tree, answer errors naming the question, refused bad trees."""

from __future__ import annotations

import copy
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from liaison_attribution.survey import (
    DEFAULT_SURVEY,
    OPENS_A_CASE,
    Survey,
    SurveyAnswerError,
    SurveyConfig,
    SurveyError,
    load_survey,
    outcome_problems,
)
from liaison_shared.vocabulary import SurveyOutcome

SURVEY = load_survey()

NO_FWA = {"fwa-signs": "no", "quality-of-care": "no"}


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        ({"fwa-signs": "yes"}, SurveyOutcome.FWA_REFERRAL),
        ({"fwa-signs": "no", "quality-of-care": "yes"}, SurveyOutcome.GRIEVANCE),
        (NO_FWA | {"raised-by": "member", "assigned-without-consent": "no", "member-wants-change": "yes"},
         SurveyOutcome.SIMPLE_PCP_CHANGE),
        (NO_FWA | {"raised-by": "member", "assigned-without-consent": "yes", "assigned-by-claims": "no",
                   "member-wants-change": "yes"}, SurveyOutcome.SIMPLE_PCP_CHANGE),
        (NO_FWA | {"raised-by": "member", "assigned-without-consent": "yes", "assigned-by-claims": "yes",
                   "visits-recognised": "no"}, SurveyOutcome.FWA_REFERRAL),
        (NO_FWA | {"raised-by": "member", "assigned-without-consent": "no", "member-wants-change": "no"},
         SurveyOutcome.PROVIDER_OUTREACH),
        (NO_FWA | {"raised-by": "provider", "provider-disputes-panel": "yes"}, SurveyOutcome.PROVIDER_OUTREACH),
        (NO_FWA | {"raised-by": "provider", "provider-disputes-panel": "no", "member-wants-change": "yes"},
         SurveyOutcome.SIMPLE_PCP_CHANGE),
    ],
)
def test_default_survey_reaches_each_outcome(answers: dict[str, str], outcome: SurveyOutcome) -> None:
    result = SURVEY.walk(answers)
    assert result.outcome is outcome
    assert result.path == list(answers.items())
    assert result.survey_version == "2026.11-1"


def test_answers_off_the_path_are_ignored() -> None:
    result = SURVEY.walk({"fwa-signs": "yes", "quality-of-care": "yes", "raised-by": "provider"})
    assert result.outcome is SurveyOutcome.FWA_REFERRAL
    assert result.path == [("fwa-signs", "yes")]


def test_questions_list_every_node_with_its_allowed_answers() -> None:
    questions = SURVEY.questions()
    assert questions[0].id == SURVEY.root == "fwa-signs"
    assert {q.id for q in questions} >= {"quality-of-care", "raised-by", "member-wants-change"}
    assert next(q for q in questions if q.id == "raised-by").allowed == ("member", "provider")
    assert all(q.question.endswith("?") or "?" in q.question for q in questions)


def test_missing_answer_names_the_question_and_allowed_values() -> None:
    with pytest.raises(SurveyAnswerError) as caught:
        SURVEY.walk({"fwa-signs": "no", "quality-of-care": "no"})
    assert caught.value.node_id == "raised-by"
    assert "Who raised the attribution issue?" in caught.value.reason
    assert "allowed: member, provider" in caught.value.reason
    assert str(caught.value).startswith("raised-by: no answer to")


def test_invalid_answer_names_the_question_and_allowed_values() -> None:
    with pytest.raises(SurveyAnswerError) as caught:
        SURVEY.walk({"fwa-signs": "maybe"})
    assert caught.value.node_id == "fwa-signs"
    assert "'maybe' is not an answer to" in caught.value.reason
    assert "fraud, waste or abuse" in caught.value.reason
    assert "allowed: yes, no" in caught.value.reason


def test_answer_to_an_unknown_question_is_refused() -> None:
    with pytest.raises(SurveyAnswerError, match="no such question") as caught:
        SURVEY.walk({"fwa-signs": "yes", "fwa-sign": "yes"})
    assert caught.value.node_id == "fwa-sign"


# A minimal valid tree that every bad-tree test breaks in one way.
TREE: dict[str, Any] = {
    "version": "test-1",
    "root": "first",
    "nodes": [
        {"id": "first", "question": "First?", "answers": [
            {"value": "fwa", "outcome": "fwa_referral"},
            {"value": "grievance", "outcome": "grievance"},
            {"value": "more", "next": "second"}]},
        {"id": "second", "question": "Second?", "answers": [
            {"value": "change", "outcome": "simple_pcp_change"},
            {"value": "outreach", "outcome": "provider_outreach"}]},
    ],
}


def write(tmp_path: Path, tree: dict[str, Any]) -> Path:
    path = tmp_path / "survey.yaml"
    path.write_text(yaml.safe_dump(tree, sort_keys=False), encoding="utf-8")
    return path


def broken(change: Any) -> dict[str, Any]:
    tree = copy.deepcopy(TREE)
    change(tree)
    return tree


def test_minimal_tree_loads(tmp_path: Path) -> None:
    survey = load_survey(write(tmp_path, TREE))
    assert survey.walk({"first": "more", "second": "outreach"}).outcome is SurveyOutcome.PROVIDER_OUTREACH


def add_cycle(tree: dict[str, Any]) -> None:
    tree["nodes"][1]["answers"].append({"value": "again", "next": "first"})


def add_third_node(tree: dict[str, Any]) -> None:
    tree["nodes"].append({"id": "third", "question": "Third?", "answers": [
        {"value": "a", "outcome": "grievance"}, {"value": "b", "outcome": "grievance"}]})


@pytest.mark.parametrize(
    ("change", "location", "message"),
    [
        (add_cycle, "nodes[1].answers[2].next", "cycle first -> second -> first"),
        (lambda t: t["nodes"][0]["answers"][2].update(next="secnd"), "nodes[0].answers[2].next",
         "no node has id 'secnd'"),
        (lambda t: t["nodes"][1].update(id="first"), "nodes[1].id", "duplicate id 'first' (also nodes[0])"),
        (lambda t: t["nodes"][1]["answers"][0].update(outcome="refund"), "nodes[1].answers[0].outcome",
         "(got 'refund')"),
        (lambda t: t.update(root="start"), "root", "no node has id 'start'"),
        (lambda t: t["nodes"][1]["answers"][1].update(value="change"), "nodes[1].answers[1].value",
         "duplicate answer 'change' (also answers[0])"),
        (lambda t: t["nodes"][1]["answers"][0].update(next="first"), "nodes[1].answers[0]",
         "give exactly one of next and outcome"),
        (add_third_node, "nodes[2]", "node 'third' is unreachable from the root"),
        (lambda t: t["nodes"][0]["answers"].pop(0), "nodes", "no answer leads to outcome 'fwa_referral'"),
        (lambda t: t["nodes"][0]["answers"][0].update(outcom="fwa_referral"), "nodes[0].answers[0].outcom",
         "Extra inputs are not permitted"),
        (lambda t: t["nodes"][1].update(id="Second"), "nodes[1].id", "kebab-case"),
    ],
)
def test_bad_tree_is_refused_with_its_location(tmp_path: Path, change: Any, location: str, message: str) -> None:
    path = write(tmp_path, broken(change))
    with pytest.raises(SurveyError) as caught:
        load_survey(path)
    assert f"{path}: {location}: " in str(caught.value)
    assert message in str(caught.value)


def test_bare_yes_in_yaml_is_refused_as_not_a_string(tmp_path: Path) -> None:
    path = tmp_path / "survey.yaml"
    text = DEFAULT_SURVEY.read_text(encoding="utf-8").replace('- value: "yes"', "- value: yes", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SurveyError, match=r"nodes\[0\]\.answers\[0\]\.value: Input should be a valid string"):
        load_survey(path)


def test_survey_built_from_a_model_checks_the_tree_too() -> None:
    with pytest.raises(SurveyError, match=r"survey: nodes\[1\]\.answers\[2\]\.next: cycle"):
        Survey(SurveyConfig.model_validate(broken(add_cycle)))


# --- What a response needs beside its answers ------------------------------------------------------

INQUIRY, MEMBER = uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize("outcome", list(SurveyOutcome))
def test_a_complete_response_for_each_outcome_has_no_problem(outcome: SurveyOutcome) -> None:
    change = outcome is SurveyOutcome.SIMPLE_PCP_CHANGE
    assert outcome_problems(outcome, inquiry_id=INQUIRY, member_id=MEMBER, pcp_change=change) == []


def test_a_simple_pcp_change_needs_the_member_and_the_change_but_not_an_inquiry() -> None:
    assert outcome_problems(SurveyOutcome.SIMPLE_PCP_CHANGE, inquiry_id=None, member_id=MEMBER, pcp_change=True) == []
    fields = [f for f, _ in outcome_problems(SurveyOutcome.SIMPLE_PCP_CHANGE, inquiry_id=None, member_id=None,
                                             pcp_change=False)]
    assert fields == ["member_id", "pcp_change"]


@pytest.mark.parametrize("outcome", sorted(OPENS_A_CASE))
def test_an_outcome_that_opens_a_case_needs_the_originating_inquiry_and_no_pcp_change(outcome: SurveyOutcome) -> None:
    assert OPENS_A_CASE == set(SurveyOutcome) - {SurveyOutcome.SIMPLE_PCP_CHANGE}
    assert outcome_problems(outcome, inquiry_id=INQUIRY, member_id=None, pcp_change=False) == []
    [(field, reason)] = outcome_problems(outcome, inquiry_id=None, member_id=MEMBER, pcp_change=False)
    assert field == "inquiry_id" and outcome.value in reason
    fields = [f for f, _ in outcome_problems(outcome, inquiry_id=None, member_id=None, pcp_change=True)]
    assert fields == ["pcp_change", "inquiry_id"]
