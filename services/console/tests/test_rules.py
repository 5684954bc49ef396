"""The console's pure decisions, without a database: queue queries from the URL, what a clock shows,
what each role works and may do, what a search box's text is, and where a sign-in may lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from liaison_console.api.search import search_key
from liaison_console.rules import roles
from liaison_console.rules.clocks import business_duration, clock_view, shown_state
from liaison_console.rules.queue_query import InvalidQuery, QueueQuery, parse_query
from liaison_console.sessions import safe_next
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.principal import Principal

MONDAY_10 = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)  # 10:00 in Iowa (CST)


def person(*roles_held: str, scopes: tuple[str, ...] = ("inquiry:read", "inquiry:act")) -> Principal:
    return Principal(id="s", name="Someone", scopes=frozenset(scopes), roles=frozenset(roles_held))


def test_a_query_round_trips_through_its_url() -> None:
    query = parse_query({"queue": "all", "priority": "urgent", "breached": "yes", "sort": "received", "dir": "desc",
                         "page": "3", "assignee": "me", "mco": "IA-TC"}, None)
    assert (query.queues, query.priority, query.breached, query.descending, query.page) == \
        (None, "urgent", True, True, 3)
    assert parse_query(dict(pair.split("=") for pair in query.url().split("?")[1].split("&")), None) == query
    assert QueueQuery().url() == "/queue"  # defaults leave the address short


def test_mine_is_the_roles_queues_and_sorting_again_reverses() -> None:
    mine = frozenset({"member_liaison"})
    assert parse_query({}, mine).queues == mine
    assert parse_query({"queue": "ccm"}, mine).queues == frozenset({"ccm"})
    query = parse_query({"sort": "priority"}, mine)
    assert query.sorted_by("priority").endswith("sort=priority&dir=desc")
    assert "dir=desc" not in query.sorted_by("received")


def test_every_invalid_parameter_is_named_once() -> None:
    with pytest.raises(InvalidQuery) as refused:
        parse_query({"priority": "panic", "queue": "x", "page": "0", "mco": "lower", "assignee": "a b", "who": "1"},
                    None)
    assert sorted(e["field"] for e in refused.value.errors) == ["assignee", "mco", "page", "priority", "queue", "who"]
    assert all("panic" not in e["reason"] for e in refused.value.errors)  # values are never echoed


def test_a_clock_shows_the_monitors_word_or_later_by_the_time() -> None:
    warn, due = MONDAY_10 + timedelta(hours=2), MONDAY_10 + timedelta(hours=4)
    assert shown_state("open", warn, due, MONDAY_10) == "open"
    assert shown_state("open", warn, due, warn) == "warning"
    assert shown_state("warning", warn, due, due) == "breached"
    assert shown_state("met", warn, due, due + timedelta(days=1)) == "met"


def test_business_time_left_skips_the_night() -> None:
    calendar = BusinessCalendar()
    friday_16 = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)  # 16:00 on a Friday in Iowa
    monday_9 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    view = clock_view(clock="originator_contacted", state="open", warn_at=monday_9, due_at=monday_9,
                      ended_at=None, now=friday_16, calendar=calendar)
    assert (view.state, view.state_words, view.time_text) == ("open", "On time", "2h 00m left")
    assert view.label == "Call back the originator" and view.due_local == "Mon Nov 23 09:00 CST"
    late = clock_view(clock="x_y", state="breached", warn_at=friday_16, due_at=friday_16, ended_at=None,
                      now=monday_9, calendar=calendar)
    assert (late.time_text, late.label) == ("2h 00m late", "X y")
    assert business_duration(timedelta(seconds=59)) == "<1m"


def test_roles_work_their_queues_and_only_the_state_claims() -> None:
    assert roles.role_queues(person("member-liaison")) == frozenset({"member_liaison"})
    assert roles.role_queues(person("program-manager")) is None
    assert roles.may_claim(person("msa-esr")) and not roles.may_assign(person("msa-esr"))
    assert roles.may_assign(person("unit-lead", scopes=("inquiry:act", "inquiry:assign")))
    mco = person("mco-staff", scopes=("inquiry:read", "inquiry:act", "mco:IA-TC"))
    assert not roles.may_claim(mco) and roles.may_report_for_mco(mco)
    assert not roles.may_claim(person("compliance", scopes=("inquiry:read",)))


@pytest.mark.parametrize(("text", "expected"), [
    ("5b0f4b8e-5c4e-4a43-9a53-3f1d2a9b7c11", ("id", "5b0f4b8e-5c4e-4a43-9a53-3f1d2a9b7c11")),
    ("1245319599", ("npi", "1245319599")), ("1234567a", ("medicaid_id", "1234567A")),
    ("  Jane   Example ", ("name", "Jane Example")), ("J", None), ("12-34", None)])
def test_what_a_search_is_for(text: str, expected: tuple[str, str] | None) -> None:
    assert search_key(text) == expected


@pytest.mark.parametrize(("asked", "went"), [("/cases/1?x=2", "/cases/1?x=2"), ("https://evil.example/", "/queue"),
                                             ("//evil.example/", "/queue"), ("/\\evil", "/queue"), (None, "/queue")])
def test_a_sign_in_leads_back_into_the_console_only(asked: str | None, went: str) -> None:
    assert safe_next(asked) == went
