"""The escalation survey of PCP-attribution and FWA inquiries: a decision tree in a versioned YAML file.

A survey file has a `version`, a `root` node id and `nodes`; each node has an `id`, a `question`
and `answers`, each answer a `value` and exactly one of `next` (the id of the node asked next) or
`outcome` (simple_pcp_change, provider_outreach, grievance or fwa_referral). Walking the tree
from the root with the answers given decides the outcome and records the path taken.

Loading refuses, naming the file and the location of each problem: unknown keys, duplicate node
ids or answer values within a node, a missing root, a `next` naming no node, cycles, nodes the
root never reaches and outcomes no answer leads to. So every path from the root ends in an
outcome after finitely many questions.

What a response needs beside its answers depends on the outcome (`outcome_problems`): a simple PCP
change names the member and the change; provider outreach, a grievance and an FWA referral name the
inquiry the survey was answered for, since the case intake opens for them copies it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from liaison_shared.config_files import ConfigError, Problem, load_config
from liaison_shared.vocabulary import SurveyOutcome

DEFAULT_SURVEY = Path(__file__).with_name("survey.yaml")

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _kebab_case(node_id: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", node_id):
        raise ValueError("a node id is kebab-case: lower-case letters and digits in words joined by '-'")
    return node_id


_NodeId = Annotated[str, AfterValidator(_kebab_case)]


class SurveyError(ConfigError):
    """The survey file cannot be used; the message names the file and the location of every problem."""


class SurveyAnswerError(ValueError):
    """The answers do not lead to an outcome: one is missing or not allowed at `node_id`."""

    def __init__(self, node_id: str, reason: str) -> None:
        super().__init__(f"{node_id}: {reason}")
        self.node_id = node_id
        self.reason = reason


class _Strict(BaseModel):
    # A misspelt key (`outcom:`) would otherwise be dropped and the answer would lead nowhere.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Answer(_Strict):
    """One allowed answer to a question and where it leads: the next node or an outcome."""

    value: _Text
    next: _NodeId | None = None
    outcome: SurveyOutcome | None = None

    @model_validator(mode="after")
    def _exactly_one_target(self) -> Answer:
        if (self.next is None) == (self.outcome is None):
            raise ValueError("give exactly one of next and outcome")
        return self


class Question(_Strict):
    """A node of the tree: a question and its allowed answers."""

    id: _NodeId
    question: _Text
    answers: Annotated[tuple[Answer, ...], Field(min_length=2)]

    @property
    def allowed(self) -> tuple[str, ...]:
        """The allowed answer values, in file order."""
        return tuple(answer.value for answer in self.answers)


class SurveyConfig(_Strict):
    """The schema of a survey file."""

    version: _Text
    root: _NodeId
    nodes: Annotated[tuple[Question, ...], Field(min_length=1)]


@dataclass(frozen=True)
class SurveyResult:
    """The outcome, the `(node id, answer)` pairs that led to it and the survey version (explainability)."""

    outcome: SurveyOutcome
    path: list[tuple[str, str]]
    survey_version: str


class Survey:
    """A checked survey, ready to walk; `config` is what it was built from."""

    def __init__(self, config: SurveyConfig, *, origin: str = "survey") -> None:
        SurveyError.raise_if_any(origin, _problems(config))
        self.config = config
        self.version = config.version
        self.root = config.root
        self._nodes = {node.id: node for node in config.nodes}

    def questions(self) -> tuple[Question, ...]:
        """Every question with its allowed answers and where each leads, in file order."""
        return self.config.nodes

    def walk(self, answers: Mapping[str, str]) -> SurveyResult:
        """Follow `answers` (node id to answer value) from the root to an outcome.

        Answers to questions off the path are ignored; an answer to a question the survey does not
        have, or a missing or disallowed answer on the path, raises `SurveyAnswerError`.
        """
        unknown = sorted(set(answers) - self._nodes.keys())
        if unknown:
            raise SurveyAnswerError(unknown[0], f"no such question in survey version {self.version}")
        node = self._nodes[self.root]
        path: list[tuple[str, str]] = []
        while True:
            allowed = ", ".join(node.allowed)
            if node.id not in answers:
                raise SurveyAnswerError(node.id, f"no answer to {node.question!r} (allowed: {allowed})")
            given = answers[node.id]
            answer = next((a for a in node.answers if a.value == given), None)
            if answer is None:
                reason = f"{given!r} is not an answer to {node.question!r} (allowed: {allowed})"
                raise SurveyAnswerError(node.id, reason)
            path.append((node.id, answer.value))
            if answer.outcome is not None:
                return SurveyResult(answer.outcome, path, self.version)
            assert answer.next is not None  # an answer has exactly one target, checked at load
            node = self._nodes[answer.next]


OPENS_A_CASE = frozenset({SurveyOutcome.PROVIDER_OUTREACH, SurveyOutcome.GRIEVANCE, SurveyOutcome.FWA_REFERRAL})
"""The outcomes intake turns into a case of their own, copied from the inquiry the survey was answered for."""


def outcome_problems(outcome: SurveyOutcome, *, inquiry_id: UUID | None, member_id: UUID | None, pcp_change: bool
                     ) -> list[Problem]:
    """What a survey response lacks, or has without cause, for its outcome, as (field, reason): a simple PCP
    change is made at once, so it names the member and the change; an outcome that opens a case names the
    originating inquiry, which intake copies. Empty when the response is complete."""
    problems: list[Problem] = []
    if outcome is SurveyOutcome.SIMPLE_PCP_CHANGE:
        if member_id is None:
            problems.append(("member_id", "required when the outcome is simple_pcp_change"))
        if not pcp_change:
            problems.append(("pcp_change", "required when the outcome is simple_pcp_change"))
    elif pcp_change:
        problems.append(("pcp_change", f"only for the outcome simple_pcp_change (these answers lead to {outcome})"))
    if outcome in OPENS_A_CASE and inquiry_id is None:
        problems.append(("inquiry_id", f"required when the outcome is {outcome}: the case it opens copies the "
                                       "originating inquiry"))
    return problems


def load_survey(path: Path = DEFAULT_SURVEY) -> Survey:
    """Read, validate and check the survey at `path`; raise `SurveyError` listing every problem."""
    return Survey(load_config(path, SurveyConfig, error=SurveyError), origin=str(path))


def _problems(config: SurveyConfig) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for i, node in enumerate(config.nodes):
        if node.id in first:
            problems.append((f"nodes[{i}].id", f"duplicate id {node.id!r} (also nodes[{first[node.id]}])"))
        first.setdefault(node.id, i)
    for i, node in enumerate(config.nodes):
        values: dict[str, int] = {}
        for k, answer in enumerate(node.answers):
            if answer.value in values:
                problems.append((f"nodes[{i}].answers[{k}].value",
                                 f"duplicate answer {answer.value!r} (also answers[{values[answer.value]}])"))
            values.setdefault(answer.value, k)
            if answer.next is not None and answer.next not in first:
                problems.append((f"nodes[{i}].answers[{k}].next", f"no node has id {answer.next!r}"))
    problems += _cycles(config.nodes, first)
    if config.root not in first:
        return [*problems, ("root", f"no node has id {config.root!r}")]
    return problems + _unreached(config, first)


def _cycles(nodes: tuple[Question, ...], first: dict[str, int]) -> list[Problem]:
    """One problem per answer that closes a cycle (a depth-first search's back edge)."""
    problems: list[Problem] = []
    done: set[str] = set()
    trail: list[str] = []

    def visit(i: int) -> None:
        trail.append(nodes[i].id)
        for k, answer in enumerate(nodes[i].answers):
            target = answer.next
            if target is None or target not in first or target in done:
                continue
            if target in trail:
                loop = " -> ".join([*trail[trail.index(target):], target])
                problems.append((f"nodes[{i}].answers[{k}].next", f"cycle {loop}: the path never reaches an outcome"))
            else:
                visit(first[target])
        done.add(trail.pop())

    for i in first.values():
        if nodes[i].id not in done:
            visit(i)
    return problems


def _unreached(config: SurveyConfig, first: dict[str, int]) -> list[Problem]:
    """Nodes the root never reaches (dead configuration) and outcomes no reachable answer gives."""
    reached, todo = {config.root}, [config.root]
    outcomes: set[SurveyOutcome] = set()
    while todo:
        for answer in config.nodes[first[todo.pop()]].answers:
            if answer.outcome is not None:
                outcomes.add(answer.outcome)
            elif answer.next is not None and answer.next in first and answer.next not in reached:
                reached.add(answer.next)
                todo.append(answer.next)
    problems: list[Problem] = [(f"nodes[{i}]", f"node {config.nodes[i].id!r} is unreachable from the root")
                               for node_id, i in first.items() if node_id not in reached]
    problems += [("nodes", f"no answer leads to outcome {outcome.value!r}") for outcome in SurveyOutcome
                 if outcome not in outcomes]
    return problems
