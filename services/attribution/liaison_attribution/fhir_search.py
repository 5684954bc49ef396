"""FHIR search of the attribution lists (`GET /fhir/Group?...`): the parameters, read from the query, and
whether a payer-practice contract's Group matches them. Pure: no I/O.

- `identifier` (token: `value`, `system|value`, `|value` or `system|`): the practice's NPI
  (`http://hl7.org/fhir/sid/us-npi`) or the contract id (`urn:liaison:attribution-contract`);
- `name` (string: starts with, case-insensitive; `name:contains`, `name:exact`): the Group's name,
  "<MCO> attribution list for <practice> as of <day>";
- `managing-entity` (the MCO: `Organization/<MCO>` or `<MCO>`; `managing-entity:identifier`, a token
  of the MCO code);
- `_id`: the Group's id (the contract id).

A comma separates values any of which may match; a parameter given twice must match both times. A
parameter this server does not know is ignored (FHIR's lenient handling), or refused (400, naming it)
with `Prefer: handling=strict`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from liaison_attribution.fhir_lists import CONTRACT_SYSTEM, NPI_SYSTEM, contract_id
from liaison_attribution.fhir_outcome import invalid

SEARCH_PARAMETERS = ("identifier", "name", "name:contains", "name:exact", "managing-entity",
                     "managing-entity:identifier", "_id")
_IGNORED = frozenset({"_format", "_pretty"})  # how to answer, not what


@dataclass(frozen=True)
class Contract:
    """What a Group is searched by: its MCO and practice."""

    mco: str
    practice_npi: str
    practice_name: str

    @property
    def group_id(self) -> str:
        return contract_id(self.mco, self.practice_npi)


@dataclass(frozen=True)
class GroupSearch:
    """The parsed query: each (parameter, values) pair must match, by any of its values."""

    criteria: tuple[tuple[str, tuple[str, ...]], ...]

    def managing_entities(self) -> set[str] | None:
        """The MCOs the search is confined to by `managing-entity` (None: any), to ask the database for."""
        wanted: set[str] | None = None
        for name, values in self.criteria:
            if name.startswith("managing-entity"):
                found = {_mco(name, value) for value in values}
                wanted = found if wanted is None else wanted & found
        return wanted


def group_search(pairs: Sequence[tuple[str, str]], *, strict: bool) -> GroupSearch:
    """The search the query's (name, value) pairs ask for; an unknown parameter is ignored unless `strict`,
    an empty value refused (400, naming the parameter)."""
    criteria: list[tuple[str, tuple[str, ...]]] = []
    for name, value in pairs:
        if name in _IGNORED:
            continue
        if name not in SEARCH_PARAMETERS:
            if strict:
                raise invalid(name, "not a search parameter of Group here (known: "
                              + ", ".join(SEARCH_PARAMETERS) + ")", code="not-supported")
            continue
        values = tuple(v.strip() for v in value.split(","))
        if not all(values):
            raise invalid(name, "has an empty value")
        criteria.append((name, values))
    return GroupSearch(tuple(criteria))


def group_name(contract: Contract, as_of_text: str) -> str:
    """The Group's name, as `fhir_lists.attribution_group` writes it."""
    return f"{contract.mco} attribution list for {contract.practice_name} as of {as_of_text}"


def matches(search: GroupSearch, contract: Contract, *, name: str) -> bool:
    """Whether the contract's Group (named `name`) matches every criterion of the search."""
    return all(any(_matches(parameter, value, contract, name) for value in values)
               for parameter, values in search.criteria)


def _matches(parameter: str, value: str, contract: Contract, name: str) -> bool:
    if parameter == "identifier":
        return _token(value, [(NPI_SYSTEM, contract.practice_npi), (CONTRACT_SYSTEM, contract.group_id)])
    if parameter == "_id":
        return value == contract.group_id
    if parameter.startswith("managing-entity"):
        return _mco(parameter, value) == contract.mco
    folded, wanted = name.casefold(), value.casefold()
    if parameter == "name:exact":
        return name == value
    if parameter == "name:contains":
        return wanted in folded
    return folded.startswith(wanted)


def _token(value: str, identifiers: Sequence[tuple[str, str]]) -> bool:
    if "|" not in value:
        return any(value == code for _, code in identifiers)
    system, _, code = value.partition("|")
    return any((not system or system == s) and (not code or code == c) for s, c in identifiers)


def _mco(parameter: str, value: str) -> str:
    """The MCO code a `managing-entity` value names (a reference, or with `:identifier` a token)."""
    if parameter.endswith(":identifier"):
        return value.partition("|")[2] if "|" in value else value
    return value.removeprefix("Organization/")
