"""Priority and queue of an inquiry, decided by the ruleset's declarative rules (`contract`).

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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

from liaison_shared.vocabulary import Category, Party, Priority, Queue, Source, Track
from liaison_triage.contract import Conditions, RulesetConfig


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


class Ruleset:
    """A ruleset ready to decide, built from a config `contract.load_ruleset` checked (every pair routed)."""

    def __init__(self, config: RulesetConfig) -> None:
        self.config = config
        self.version = config.version
        self._rules = tuple((rule, _keyword_pattern(rule.when.any_keywords)) for rule in config.rules)
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
