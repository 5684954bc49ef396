"""Priority and queue of an inquiry, decided by declarative rules from a versioned YAML file.

A ruleset file has a `version`, a `default_priority`, `rules` (each an `id`, a
`description`, `when` conditions, `then` effects) and a `routing` table.

- A rule *fires* when every condition it gives holds (it gives at least one).
  The `*_in` conditions hold when the fact is one of the listed values;
  `any_keywords` when the description contains any phrase (case-insensitive,
  on word boundaries, any whitespace between words); `risk_flags_any` when the
  member has any of the flags; `ime_callback_request` when the fact equals it.
- Priority is the highest of `default_priority` and the `at_least` of every
  fired rule: rule order does not matter and a rule can only raise priority.
  No condition is negative, so more evidence never lowers priority.
- Queue is the `queue` of the first fired rule (file order) that sets one,
  else that of the first `routing` entry (file order) matching the track and
  priority (a missing or null `track`/`priority` matches any).
- `rules_fired` lists the ids of the fired rules in file order.

Loading refuses unknown keys and values, duplicate or non-kebab-case rule ids,
unrouted (track, priority) pairs and unreachable routing entries, naming the
file and the location of each problem (`ruleset.yaml: rules[3].when.source_in[0]: ...`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Facts:
    """What triage knows about an inquiry when it decides priority and queue."""

    party: Party
    track: Track
    source: Source
    category: Category
    description: str
    requested_priority: Priority | None = None
    risk_flags: frozenset[str] = frozenset()
    ime_callback_request: bool = False
    mco: str | None = None


@dataclass(frozen=True)
class Decision:
    """Priority and queue, with the ids of the rules that fired and the ruleset version (explainability)."""

    priority: Priority
    queue: Queue
    rules_fired: tuple[str, ...]
    ruleset_version: str


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


class Ruleset:
    """A checked ruleset, ready to decide; `config` is what it was built from."""

    def __init__(self, config: RulesetConfig, *, origin: str = "ruleset") -> None:
        RulesetError.raise_if_any(origin, _problems(config))
        self.config = config
        self.version = config.version
        self._rules = tuple((rule, _keyword_pattern(rule.when.any_keywords)) for rule in config.rules)
        # Coverage is checked above, so every pair has a first matching entry.
        self._routes = {
            (track, priority): next(r.queue for r in config.routing if r.matches(track, priority))
            for track, priority in product(Track, Priority)
        }

    def decide(self, facts: Facts) -> Decision:
        """Priority, queue and fired rules for `facts`, as the module docstring describes."""
        fired = [rule for rule, keywords in self._rules if _fires(rule.when, keywords, facts)]
        floors = [rule.then.at_least for rule in fired if rule.then.at_least is not None]
        priority = max([self.config.default_priority, *floors], key=lambda p: p.rank)
        routed = self.route(facts.track, priority)
        queue = next((rule.then.queue for rule in fired if rule.then.queue is not None), routed)
        return Decision(priority, queue, tuple(rule.id for rule in fired), self.version)

    def route(self, track: Track, priority: Priority) -> Queue:
        """The queue of the first routing entry matching `track` and `priority` (rule queues aside)."""
        return self._routes[(track, priority)]


def load_ruleset(path: Path) -> Ruleset:
    """Read, validate and check the ruleset at `path`; raise `RulesetError` listing every problem."""
    return Ruleset(load_config(path, RulesetConfig, error=RulesetError), origin=str(path))


def _fires(when: Conditions, keywords: re.Pattern[str] | None, facts: Facts) -> bool:
    allowed = (when.source_in, when.category_in, when.party_in, when.track_in, when.requested_priority_in)
    actual = (facts.source, facts.category, facts.party, facts.track, facts.requested_priority)
    if any(values is not None and fact not in values for values, fact in zip(allowed, actual, strict=True)):
        return False
    if when.risk_flags_any is not None and facts.risk_flags.isdisjoint(when.risk_flags_any):
        return False
    if when.ime_callback_request not in (None, facts.ime_callback_request):
        return False
    return keywords is None or keywords.search(facts.description.translate(_APOSTROPHES)) is not None


# Descriptions come from phones and word processors: a typographic apostrophe must match "can't".
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def _keyword_pattern(phrases: tuple[str, ...] | None) -> re.Pattern[str] | None:
    if phrases is None:
        return None
    # Lookarounds rather than \b so that a phrase may start or end with punctuation.
    alternatives = (r"\s+".join(map(re.escape, phrase.translate(_APOSTROPHES).split())) for phrase in phrases)
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE)


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
