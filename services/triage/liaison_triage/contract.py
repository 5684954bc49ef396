"""The contract's triage rules, as data: `ruleset.yaml`, its schema, loaded and
validated at start (refused, naming each problem, if invalid).

A ruleset file has a `version`, a `default_priority`, `rules` (each an `id`, a
`description`, `when` conditions, `then` effects) and a `routing` table; how
they decide priority and queue is `rules.priority`.

Loading refuses unknown keys and values, duplicate or non-kebab-case rule ids,
unrouted (track, priority) pairs and unreachable routing entries, naming the
file and the location of each problem (`ruleset.yaml: rules[3].when.source_in[0]: ...`).
"""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from liaison_shared.config_files import ConfigError, Problem, load_config
from liaison_shared.vocabulary import Category, Party, Priority, Queue, Source, Track

DEFAULT_RULESET = Path(__file__).with_name("ruleset.yaml")

_T = TypeVar("_T")
_NonEmpty = Annotated[tuple[_T, ...], Field(min_length=1)]
_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _kebab_case(rule_id: str) -> str:
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule_id):
        raise ValueError("a rule id is kebab-case: lower-case letters and digits in words joined by '-'")
    return rule_id


_RuleId = Annotated[str, AfterValidator(_kebab_case)]


class RulesetError(ConfigError):
    """The ruleset cannot be used; the message names the file and the location of every problem."""


class _Strict(BaseModel):
    # A misspelt key would otherwise be ignored and a rule would silently never fire.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Conditions(_Strict):
    """`when` of a rule: every condition given must hold, and at least one must be given."""

    source_in: _NonEmpty[Source] | None = None
    category_in: _NonEmpty[Category] | None = None
    party_in: _NonEmpty[Party] | None = None
    track_in: _NonEmpty[Track] | None = None
    requested_priority_in: _NonEmpty[Priority] | None = None
    any_keywords: _NonEmpty[_Text] | None = None
    risk_flags_any: _NonEmpty[_Text] | None = None
    ime_callback_request: bool | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> Conditions:
        # A rule without conditions would fire on every inquiry: surely a mistake.
        if not self.model_dump(exclude_none=True):
            raise ValueError(f"give at least one condition ({', '.join(type(self).model_fields)})")
        return self


class Effects(_Strict):
    """`then` of a rule: a priority floor, a queue, or both."""

    at_least: Priority | None = None
    queue: Queue | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> Effects:
        if self.at_least is None and self.queue is None:
            raise ValueError("give at_least, queue or both")
        return self


class Rule(_Strict):
    """One named rule; its id is what a decision records when it fires."""

    id: _RuleId
    description: _Text
    when: Conditions
    then: Effects


class Route(_Strict):
    """One routing entry; a null `track` or `priority` matches any."""

    track: Track | None = None
    priority: Priority | None = None
    queue: Queue

    def matches(self, track: Track, priority: Priority) -> bool:
        """Whether this entry routes an inquiry on `track` with `priority`."""
        return self.track in (None, track) and self.priority in (None, priority)


class RulesetConfig(_Strict):
    """The schema of a ruleset file."""

    version: _Text
    default_priority: Priority
    rules: tuple[Rule, ...]
    routing: _NonEmpty[Route]


def load_ruleset(path: Path) -> RulesetConfig:
    """Read, validate and check the ruleset at `path`; raise `RulesetError` listing every problem."""
    config = load_config(path, RulesetConfig, error=RulesetError)
    RulesetError.raise_if_any(str(path), _problems(config))
    return config


def _problems(config: RulesetConfig) -> list[Problem]:
    problems: list[Problem] = []
    first_index: dict[str, int] = {}
    for index, rule in enumerate(config.rules):
        if rule.id in first_index:
            problems.append((f"rules[{index}].id", f"duplicate id {rule.id!r} (also rules[{first_index[rule.id]}])"))
        first_index.setdefault(rule.id, index)
    used: set[int] = set()
    for track, priority in product(Track, Priority):
        first = next((i for i, route in enumerate(config.routing) if route.matches(track, priority)), None)
        if first is None:
            problems.append(("routing", f"no entry routes track {track.value!r} with priority {priority.value!r}"))
        else:
            used.add(first)
    # An entry shadowed by earlier ones is dead configuration that a reader would believe in.
    problems += [(f"routing[{i}]", "never used: earlier entries route everything it matches")
                 for i in range(len(config.routing)) if i not in used]
    return problems
