"""The grievances-and-appeals report's shape, without I/O: every type for every MCO, counts kept, shares as
fractions of what ended, and the MCPAR items in the template's order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liaison_reporting.rules.grievances_appeals import COUNTS, TYPES, mcpar_items, order, report, type_rows

MCOS = st.sampled_from(["IA-TC", "IA-AG", "none"])
FOUND = st.lists(st.fixed_dictionaries({"mco": MCOS, "type": st.sampled_from(TYPES),
                                        **{name: st.integers(0, 50) for name in COUNTS}}),
                 unique_by=lambda r: (r["mco"], r["type"]))


@given(FOUND)
def test_every_type_of_every_mco_is_a_row_and_the_counts_are_kept(found: list[dict[str, int]]) -> None:
    rows = type_rows(found)
    mcos = sorted({r["mco"] for r in found})
    assert [(r["mco"], r["type"]) for r in rows] == [(m, t) for m in mcos for t in TYPES]
    for name in COUNTS:
        assert sum(r[name] for r in rows) == sum(r[name] for r in found)
    for r in rows:
        ended = r["resolved_timely"] + r["resolved_late"]
        assert (r["share_timely"] is None) == (ended == 0)
        assert r["share_timely"] is None or 0 <= r["share_timely"] <= 1


@given(FOUND)
def test_the_mcpar_items_are_in_the_templates_order_and_add_the_appeals_of_both_timeframes(
        found: list[dict[str, int]]) -> None:
    rows = type_rows(found)
    items = mcpar_items(rows, [], [])
    for mco in {r["mco"] for r in rows}:
        mine = [i for i in items if i.mco == mco]
        assert [order(i.item) for i in mine] == sorted(order(i.item) for i in mine)
        value = {i.item: i.value for i in mine}
        appeals = [r for r in rows if r["mco"] == mco and r["type"] != "grievance"]
        assert value["D1.IV.1"] == sum(r["resolved"] for r in appeals)
        assert value["D1.IV.2"] == sum(r["active"] for r in appeals)
        assert value["D1.IV.8a"] == 0  # no hearing given


def test_hearings_and_reasons_reach_their_items() -> None:
    found = report([], [{"mco": "IA-TC", "category": "claims_billing", "received": 3, "resolved": 2,
                         "resolved_timely": 2, "resolved_late": 0}],
                   [{"mco": "IA-TC", "level": "state_fair_hearing", "requested": 2, "decided": 2, "upheld": 1,
                     "overturned": 0, "partially_overturned": 1, "withdrawn": 0, "other": 0, "pending": 0}])
    value = {i["item"]: i["value"] for i in found["mcpar"]}
    assert (value["D1.IV.8a"], value["D1.IV.8b"], value["D1.IV.8c"], value["D1.IV.16f"]) == (2, 1, 1, 2)
    assert found["rows"] == []  # no grievance or appeal row: the MCO's items come from its reasons and hearings
    assert order("D1.IV.16k") > order("D1.IV.16c") > order("D1.IV.14") > order("D1.IV.5b") > order("D1.IV.1c")
