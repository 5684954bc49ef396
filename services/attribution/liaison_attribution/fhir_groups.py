"""The attribution lists as FHIR Group resources (Da Vinci ATR): read one, search them, add a member
to one and remove one, each change through attribution's own use cases (`service.Attribution`), so it
is recorded and published through the outbox as every other attribution change is.

A Group exists for each payer-practice contract (`store.practice_contracts`: an MCO in whose network
one of the practice's providers is); its id is the contract id `<MCO>-<practice NPI>`. A principal of
one MCO reaches only its own MCO's Groups: another MCO's answers as one that does not exist (404,
absent from searches), and so does a member of another MCO named in a change.

- `$member-add` attributes the member to the PCP named (one of the practice's, in the MCO's
  network), effective today, recorded as a member's choice with the reserved reason
  `attribution_list_add`; a member already attributed to that PCP changes nothing.
- `$member-remove` re-attributes the member by the rules, never to one of the practice's PCPs
  (as the reassignment campaign does after a panel removal), effective today; a choice of one of
  the practice's PCPs is forgotten, so no later run honours it again.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_attribution import store
from liaison_attribution.fhir_lists import contract_of
from liaison_attribution.fhir_outcome import invalid, not_found
from liaison_attribution.fhir_parameters import MemberChange
from liaison_attribution.fhir_search import Contract, GroupSearch, group_name, matches
from liaison_attribution.service import Attribution
from liaison_shared.principal import Principal
from liaison_shared.vocabulary import AttributionMethod


class AttributionGroups:
    """Attribution lists as FHIR Groups, on attribution's use cases."""

    def __init__(self, uses: Attribution) -> None:
        self._uses = uses

    async def contract(self, session: AsyncSession, group_id: str, *, principal: Principal) -> Contract:
        """The contract of the Group with this id, if the principal may see it (else 404)."""
        parsed = contract_of(group_id)
        if parsed is None or not principal.may_see(parsed[0]):
            raise not_found("Group")
        mco, npi = parsed
        rows = await store.practice_contracts(session, mco=mco, practice_npi=npi)
        if not rows:
            raise not_found("Group")
        return Contract(mco=mco, practice_npi=npi, practice_name=rows[0].practice_name)

    async def read(self, session: AsyncSession, group_id: str, *, as_of: date, principal: Principal
                   ) -> dict[str, Any]:
        """The Group as of `as_of`."""
        contract = await self.contract(session, group_id, principal=principal)
        return await self._group(session, contract, as_of=as_of, principal=principal)

    async def search(self, session: AsyncSession, search: GroupSearch, *, as_of: date, principal: Principal
                     ) -> list[dict[str, Any]]:
        """The Groups (as of `as_of`) matching the search that the principal may see, by practice and MCO."""
        wanted = search.managing_entities()
        if principal.mco is not None:
            wanted = {principal.mco} if wanted is None else wanted & {principal.mco}
        if wanted is not None and len(wanted) != 1:
            return []  # two different MCOs asked for at once, or another MCO's: no Group matches
        rows = await store.practice_contracts(session, mco=next(iter(wanted)) if wanted else None)
        found = []
        for contract in map(_contract, rows):
            if matches(search, contract, name=group_name(contract, as_of.isoformat())):
                found.append(await self._group(session, contract, as_of=as_of, principal=principal))
        return found

    async def _group(self, session: AsyncSession, contract: Contract, *, as_of: date, principal: Principal
                     ) -> dict[str, Any]:
        return await self._uses.practice_list(session, practice_npi=contract.practice_npi, mco=contract.mco,
                                              as_of=as_of, principal=principal)

    async def add_member(self, session: AsyncSession, group_id: str, change: MemberChange, *, as_of: date,
                         principal: Principal) -> bool:
        """Attribute the member to the practice's PCP the change names; whether anything changed."""
        contract = await self.contract(session, group_id, principal=principal)
        member = await self._member(session, change, contract)
        assert change.provider_npi is not None  # required by fhir_parameters for $member-add
        npi = change.provider_npi
        provider = next((p for p in await store.all_providers(session) if p.npi == npi), None)
        if provider is None or provider.practice_npi != contract.practice_npi or not provider.is_pcp \
                or contract.mco not in provider.networks:
            raise invalid("providerNpi", "is not a PCP of this Group's practice in its MCO's network", "body",
                          status=422, code="business-rule")
        current = await store.current_assignment(session, member.member_id)
        if current is not None and current.npi == npi:
            return False
        await self._uses.add_to_practice_list(session, member.member_id, npi, as_of=as_of, principal=principal)
        return True

    async def remove_member(self, session: AsyncSession, group_id: str, change: MemberChange, *, as_of: date,
                            principal: Principal) -> None:
        """Re-attribute the member by the rules, away from every PCP of the practice."""
        contract = await self.contract(session, group_id, principal=principal)
        member = await self._member(session, change, contract)
        practice = await store.practice_npis(session, contract.practice_npi)
        current = await store.current_assignment(session, member.member_id)
        if current is None or current.npi not in practice:
            raise invalid("memberId", "is not attributed to this Group's practice", "body", status=422,
                          code="business-rule")
        if change.provider_npi is not None and change.provider_npi != current.npi:
            raise invalid("providerNpi", "is not the member's attributed PCP", "body", status=422,
                          code="business-rule")
        await store.forget_chosen_pcp(session, member.member_id, practice)
        await self._uses.attribute(session, [member.member_id], as_of=as_of, excluded={member.member_id: practice},
                                   method=AttributionMethod.REASSIGNMENT, actor=principal)

    async def _member(self, session: AsyncSession, change: MemberChange, contract: Contract) -> Row[Any]:
        """The member the change names, enrolled with the Group's MCO (else 422, as for no such member)."""
        if change.member_id is not None:
            member = await store.member(session, change.member_id)
        else:
            assert change.medicaid_id is not None
            member = await store.member_by_medicaid_id(session, change.medicaid_id)
        if member is None or member.mco != contract.mco:
            raise invalid("memberId", "no member enrolled with this Group's MCO has this identifier", "body",
                          status=422, code="not-found")
        return member


def _contract(row: Row[Any, Any, Any]) -> Contract:
    return Contract(mco=row.mco, practice_npi=row.practice_npi, practice_name=row.practice_name)


