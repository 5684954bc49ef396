"""Attribution's use cases: take in members, providers and claims; attribute
members to PCPs by the rules; member changes, PCP panel removals and the
reassignment campaign; practices' attribution lists; survey outcomes. Every
change publishes its events through the outbox in the caller's transaction.

A principal of one MCO reaches only the members enrolled with that MCO: any
other member, and a panel removal of one, answers as if it did not exist
(404, absent from lists and counts, or a refused row of a file)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_attribution import store
from liaison_attribution.claims_file import ClaimBatch
from liaison_attribution.contract import ATTRIBUTION_LIST_ADD, PANEL_REMOVAL_CHOICE, AttributionConfig
from liaison_attribution.fhir_lists import attribution_group, contract_id
from liaison_attribution.records import ClaimRecord, MemberRecord, ProviderRecord
from liaison_attribution.rules.list_entries import PracticePeriod, list_entry
from liaison_attribution.rules.pcp import Assignment, Member, Provider, Visit, assign_roster, months_before
from liaison_attribution.rules.removals import classify
from liaison_attribution.rules.replacement import CurrentAssignment, replacement
from liaison_attribution.survey import SurveyResult, outcome_problems
from liaison_shared import clock
from liaison_shared.events import Event
from liaison_shared.outbox import Outbox
from liaison_shared.payloads import (
    MemberDisenrolledV1,
    MemberEnrolledV1,
    PanelRemovalRequestedV1,
    Payload,
    PcpAssignedV1,
    SurveyOutcomeV1,
)
from liaison_shared.principal import Principal
from liaison_shared.problems import Conflict, NotFound, Refusal
from liaison_shared.vocabulary import AttributionMethod, PanelRemovalReason

SOURCE = "/liaison/attribution"
BATCH_CHUNK = 5000


def _member_not_found() -> NotFound:
    return NotFound("member-not-found", "Member not found", "No member with this id.")


class InvalidFields(Refusal):
    """Fields valid in form but not for what they ask (an unconfigured reason code, a field the survey's
    outcome needs): 422, each field named with the reason, never its value."""

    status = 422

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        super().__init__("validation", "Invalid request", "One or more fields are invalid.",
                         errors=[{"field": field, "reason": reason} for field, reason in errors])


@dataclass(frozen=True)
class PcpChoice:
    """A member's choice of PCP: the PCP, the configured reason code and an optional note."""

    npi: str
    reason_code: str
    note: str | None = None


@dataclass(frozen=True)
class PcpChanged:
    """The assignment a member's change of PCP started."""

    member_id: UUID
    npi: str
    method: AttributionMethod
    effective_from: date
    reason_code: str
    reason_label: str | None
    note: str | None


@dataclass(frozen=True)
class SurveyAnswered:
    """An answered survey: the response id, and the PCP change it made (simple_pcp_change only)."""

    response_id: UUID
    change: PcpChanged | None = None


def _may_enrol(principal: Principal, record: MemberRecord, before: Row[Any] | MemberRecord | None) -> bool:
    """Whether `principal` may store this member record: an MCO's own members only, never moving
    another MCO's member to it."""
    return principal.may_see(record.mco) and (before is None or principal.may_see(before.mco))


_RULE_INPUTS = ("mco", "lat", "lon", "language", "household_id", "chosen_npi")


def _rules_read_a_change(record: MemberRecord, before: Row[Any] | MemberRecord | None) -> bool:
    """Whether the member is new or something the attribution rules read changed."""
    return before is None or any(getattr(before, f) != getattr(record, f) for f in _RULE_INPUTS)


def _enrollment_changes(member_id: UUID, record: MemberRecord, before: Row[Any] | MemberRecord | None
                        ) -> list[Payload]:
    """The events of storing `record` over `before`: a disenrollment from the MCO it leaves, an enrollment
    if the member is new or its MCO, period or risk flags changed."""
    enrollment = (record.mco, record.eligible_from, record.eligible_to, tuple(sorted(record.risk_flags)))
    if before is not None and enrollment == (before.mco, before.eligible_from, before.eligible_to,
                                             tuple(sorted(before.risk_flags))):
        return []
    changes: list[Payload] = []
    if before is not None and before.mco != record.mco:
        changes.append(MemberDisenrolledV1(member_id=member_id, medicaid_id=record.medicaid_id, mco=before.mco,
                                           effective_to=record.eligible_from))
    changes.append(MemberEnrolledV1(member_id=member_id, medicaid_id=record.medicaid_id, mco=record.mco,
                                    effective_from=record.eligible_from, effective_to=record.eligible_to,
                                    risk_flags=tuple(sorted(record.risk_flags))))
    return changes


def _recorded_by(principal: Principal) -> dict[str, Any]:
    """Who recorded an assignment, as stored (the actor of the principal whose request made it)."""
    return principal.actor().model_dump(mode="json")


class Attribution:
    def __init__(self, config: AttributionConfig, outbox: Outbox) -> None:
        self.config = config
        self._outbox = outbox

    async def _publish(self, session: AsyncSession, *payloads: Payload) -> None:
        await self._outbox.add(session, *[Event(p, source=SOURCE, subject=str(getattr(p, "member_id", "")))
                                          for p in payloads])

    # -- data in ----------------------------------------------------------------------------------

    async def put_member(self, session: AsyncSession, record: MemberRecord, *, as_of: date,
                         principal: Principal) -> UUID:
        """Store a member; publish enrollment changes; re-attribute the member if what the rules use changed."""
        before = await store.member_by_medicaid_id(session, record.medicaid_id)
        if not _may_enrol(principal, record, before):
            raise NotFound("member-not-found", "Member not found", "No member with this Medicaid ID for this MCO.")
        return await self._store_member(session, record, before, as_of=as_of, principal=principal)

    async def _store_member(self, session: AsyncSession, record: MemberRecord, before: Row[Any] | None, *,
                            as_of: date, principal: Principal) -> UUID:
        member_id = before.member_id if before is not None else uuid.uuid4()
        await store.upsert_member(session, member_id, record)
        await self._publish(session, *_enrollment_changes(member_id, record, before))
        if _rules_read_a_change(record, before):
            await self.attribute(session, [member_id], as_of=as_of, actor=principal)
        return member_id

    async def put_member_file(self, session: AsyncSession, records: Sequence[MemberRecord], *,
                              principal: Principal) -> list[int]:
        """Store members of a file, set-based, and publish their enrollment changes; a member whose data the
        rules read is new or changed is left for the next batch run (after the same feed's claims are in).
        The positions of the records the principal may not enrol (not stored)."""
        known: dict[str, tuple[UUID, Row[Any] | MemberRecord]] = {
            medicaid_id: (row.member_id, row) for medicaid_id, row in
            (await store.members_by_medicaid_ids(session, [r.medicaid_id for r in records])).items()}
        refused: list[int] = []
        rows: dict[str, dict[str, Any]] = {}
        changes: list[Payload] = []
        for position, record in enumerate(records):
            member_id, before = known.get(record.medicaid_id, (uuid.uuid4(), None))
            if not _may_enrol(principal, record, before):
                refused.append(position)
                continue
            due = _rules_read_a_change(record, before) or rows.get(record.medicaid_id, {}).get("attribution_due", False)
            rows[record.medicaid_id] = {"member_id": member_id, **record.model_dump(), "attribution_due": due}
            changes.extend(_enrollment_changes(member_id, record, before))
            known[record.medicaid_id] = (member_id, record)  # a later row of the same member follows this one
        await store.upsert_members(session, list(rows.values()))
        await self._publish(session, *changes)
        return refused

    async def put_providers(self, session: AsyncSession, records: Sequence[ProviderRecord]) -> None:
        await store.upsert_providers(session, records)

    async def put_claims(self, session: AsyncSession, records: Sequence[ClaimRecord], *, principal: Principal
                         ) -> list[int]:
        """Store claim lines; the positions of lines whose member is unknown (not stored)."""
        ids = await store.member_ids(session, (r.medicaid_id for r in records), mco=principal.mco)
        rows, unknown = [], []
        for position, record in enumerate(records):
            member_id = ids.get(record.medicaid_id)
            if member_id is None:
                unknown.append(position)
                continue
            rows.append({"member_id": member_id, **record.model_dump(exclude={"medicaid_id"})})
        await store.add_claims(session, rows)
        return unknown

    async def put_claim_lines(self, session: AsyncSession, batch: ClaimBatch, *, principal: Principal) -> list[int]:
        """Store a batch of a file's valid claim lines; the row numbers of the lines whose member is unknown to
        the principal (not stored)."""
        return await store.add_claim_lines(session, batch.lines, mco=principal.mco)

    # -- attribution ------------------------------------------------------------------------------

    async def run_batch(self, session: AsyncSession, *, as_of: date, principal: Principal
                        ) -> AsyncIterator[dict[str, int]]:
        """Attribute every eligible member without a PCP or due for attribution (of the principal's MCO, if it
        has one), a chunk at a time: yields each chunk's counts by method (and network gaps) for the caller
        to commit, so a run stopped half-way resumes where it stopped.

        Each chunk reads the capacity the previous ones used, and no statement carries more member ids
        than PostgreSQL's bind-parameter limit allows."""
        needing = await store.members_needing_a_pcp(session, as_of, mco=principal.mco)
        for start in range(0, len(needing), BATCH_CHUNK):
            yield await self.attribute(session, needing[start:start + BATCH_CHUNK], as_of=as_of, actor=principal)

    async def attribute(self, session: AsyncSession, member_ids: Sequence[UUID], *, as_of: date,
                        excluded: dict[UUID, frozenset[str]] | None = None,
                        method: AttributionMethod | None = None, actor: Principal | None = None
                        ) -> dict[str, int]:
        """Attribute these members by the rules (never to a PCP `excluded` for them), a PCP found named
        `method` if given; replace the assignments that change (recorded by `actor`, the principal whose
        request caused it) and publish them; counts by method."""
        rows = await store.members_rows(session, member_ids)
        if not rows:
            return {}
        counts = await store.current_counts(session)
        current = await store.current_assignments(session, [r.member_id for r in rows])
        for assigned in current.values():
            if assigned.npi is not None:
                counts[assigned.npi] -= 1  # a member being re-attributed does not occupy its own place
        providers = {p.npi: Provider(npi=p.npi, is_pcp=p.is_pcp, open_panel=p.open_panel, capacity=p.capacity,
                                     assigned=counts.get(p.npi, 0), lat=p.lat, lon=p.lon,
                                     languages=frozenset(p.languages), networks=frozenset(p.networks))
                     for p in await store.all_providers(session)}
        since = months_before(as_of, self.config.lookback_months)
        codes, places = self.config.qualifying_procedure_codes, self.config.qualifying_places_of_service
        # The rules count qualifying claim lines per PCP and take the last visit: a group of n lines, the last on
        # day d, is n qualifying Visits on d, which they count exactly as the n lines.
        code, place = min(codes), min(places)
        visits: dict[str, list[Visit]] = {}
        for member_id, npi, n, last in await store.qualifying_visits(
                session, [r.member_id for r in rows], since=since, until=as_of, codes=codes, places=places):
            visits.setdefault(str(member_id), []).extend([Visit(npi, last, code, place)] * n)
        households = await store.household_pcps(session, [r.household_id for r in rows if r.household_id])
        roster = [Member(member_id=str(r.member_id), mco=r.mco, lat=r.lat, lon=r.lon, language=r.language,
                         household_id=r.household_id, chosen_npi=r.chosen_npi) for r in rows]
        results = assign_roster(
            roster, as_of=as_of, providers=providers, visits_by_member=visits,
            household_pcps_by_member={str(r.member_id): households.get(r.household_id or "", []) for r in rows},
            excluded_by_member={str(k): v for k, v in (excluded or {}).items()}, config=self.config)
        await store.clear_attribution_due(session, [r.member_id for r in rows])
        return await self._replace(session, current, results, method=method, as_of=as_of,
                                   recorded_by=None if actor is None else _recorded_by(actor))

    async def _replace(self, session: AsyncSession, current: dict[UUID, Row[Any]], results: dict[str, Assignment],
                       *, method: AttributionMethod | None, as_of: date, recorded_by: dict[str, Any] | None
                       ) -> dict[str, int]:
        """Write the assignments that change, set-based (one UPDATE, one INSERT, one outbox insert), and
        publish a PcpAssignedV1 for each with a PCP; counts by method."""
        tally: dict[str, int] = {}
        ended: list[int] = []
        started: list[dict[str, Any]] = []
        published: list[Payload] = []
        for member_id_text, result in results.items():
            member_id = UUID(member_id_text)
            assigned = current.get(member_id)
            new = replacement(None if assigned is None else CurrentAssignment(assigned.npi, assigned.network_gap),
                              result, method=method)
            if new is None:
                continue
            if assigned is not None:
                ended.append(assigned.id)
            started.append({"member_id": member_id, "npi": new.npi, "method": new.method,
                            "network_gap": new.network_gap, "evidence": dict(new.evidence),
                            "recorded_by": recorded_by})
            key = "network_gap" if new.network_gap else str(new.method)
            tally[key] = tally.get(key, 0) + 1
            if new.npi is not None and new.method is not None:
                published.append(PcpAssignedV1(member_id=member_id, pcp_npi=new.npi, previous_pcp_npi=(
                    assigned.npi if assigned is not None else None), method=new.method, effective_from=as_of))
        await store.replace_assignments(session, ended, started, as_of=as_of)
        await self._publish(session, *published)
        return tally

    async def current_pcp(self, session: AsyncSession, member_id: UUID, *, principal: Principal) -> Row[Any]:
        """The member's current assignment (a PCP, or a flagged network gap)."""
        assignment = await store.current_assignment(session, member_id)
        if assignment is None or not await self._may_see(session, member_id, principal):
            raise NotFound("no-attribution", "No attribution", "This member has no attribution.")
        return assignment

    def _unknown_reason(self, reason_code: str) -> str | None:
        """Why `reason_code` may not be given for a member's change of PCP (None: it is a configured one)."""
        if self.config.pcp_change_reason(reason_code) is not None:
            return None
        allowed = ", ".join(reason.code for reason in self.config.pcp_change_reasons)
        return f"not a configured PCP change reason (allowed: {allowed})"

    async def change_pcp(self, session: AsyncSession, member_id: UUID, choice: PcpChoice, *, as_of: date,
                         principal: Principal) -> PcpChanged:
        """A member's own choice of PCP (online or through Member Services), effective `as_of`, recorded
        with one of the configured reasons; an unconfigured reason code changes nothing (422)."""
        if (refusal := self._unknown_reason(choice.reason_code)) is not None:
            raise InvalidFields([("reason_code", refusal)])
        return await self._record_choice(session, member_id, choice, as_of=as_of, principal=principal)

    async def add_to_practice_list(self, session: AsyncSession, member_id: UUID, npi: str, *, as_of: date,
                                   principal: Principal) -> PcpChanged:
        """The member added to the attribution list of the practice of PCP `npi` (Da Vinci ATR $member-add):
        recorded and published as a member's choice is, with the reserved reason ATTRIBUTION_LIST_ADD."""
        return await self._record_choice(session, member_id, PcpChoice(npi, ATTRIBUTION_LIST_ADD), as_of=as_of,
                                         principal=principal)

    async def _record_choice(self, session: AsyncSession, member_id: UUID, choice: PcpChoice, *, as_of: date,
                            principal: Principal) -> PcpChanged:
        member = await store.member(session, member_id)
        if member is None or not principal.may_see(member.mco):
            raise _member_not_found()
        npi = choice.npi
        provider = next((p for p in await store.all_providers(session) if p.npi == npi), None)
        if provider is None or not provider.is_pcp or member.mco not in provider.networks:
            raise Conflict("not-in-network", "Not an in-network PCP",
                           "The chosen provider is not a PCP in the member's MCO network.")
        await store.set_chosen_pcp(session, member_id, npi)
        method = AttributionMethod.MEMBER_CHOICE
        previous = await store.replace_assignment(
            session, member_id, npi=npi, method=method, network_gap=False, evidence={"chosen_npi": npi},
            as_of=as_of, reason_code=choice.reason_code, note=choice.note, recorded_by=_recorded_by(principal))
        await self._publish(session, PcpAssignedV1(member_id=member_id, pcp_npi=npi, previous_pcp_npi=previous,
                                                   method=method, effective_from=as_of,
                                                   change_reason=choice.reason_code))
        return PcpChanged(member_id=member_id, npi=npi, method=method, effective_from=as_of,
                          reason_code=choice.reason_code, reason_label=self.config.reason_label(choice.reason_code),
                          note=choice.note)

    async def pcp_history(self, session: AsyncSession, member_id: UUID, *, principal: Principal
                          ) -> list[dict[str, Any]]:
        """Every assignment of the member, newest first: the PCP (with its name, if stored) or a network gap,
        how it was made, its period, the reason and note of a member's change, who recorded it and when."""
        member = await store.member(session, member_id)
        if member is None or not principal.may_see(member.mco):
            raise _member_not_found()
        return [{"pcp_npi": row.npi, "pcp_name": row.pcp_name, "method": row.method, "network_gap": row.network_gap,
                 "effective_from": row.effective_from, "effective_to": row.effective_to,
                 "change_reason": None if row.reason_code is None else {
                     "code": row.reason_code, "label": self.config.reason_label(row.reason_code)},
                 "note": row.note, "recorded_by": row.recorded_by, "recorded_at": row.created_at}
                for row in await store.pcp_history(session, member_id)]

    # -- panel removals and the reassignment campaign -----------------------------------------------

    async def remove_from_panel(self, session: AsyncSession, member_id: UUID, npi: str, *,
                                reason: PanelRemovalReason, documentation: str, principal: Principal) -> UUID:
        member = await store.member(session, member_id)
        if member is None or not principal.may_see(member.mco):
            raise _member_not_found()
        current = await store.current_assignment(session, member_id)
        if current is None or current.npi != npi:
            raise Conflict("not-on-panel", "Not on this panel", "The member is not attributed to this PCP.")
        kind = classify(reason, member.risk_flags, self.config)
        held = kind.held_for_compliance_review
        removal_id, now = uuid.uuid4(), clock.now()
        await store.insert_removal(
            session, removal_id=removal_id, member_id=member_id, npi=npi, reason=reason, documentation=documentation,
            high_risk=kind.high_risk, held_for_compliance_review=held,
            status="held" if held else "open", requested_at=now,
            window_ends=now.date() + timedelta(days=self.config.reassignment_window_days))
        await self._publish(session, PanelRemovalRequestedV1(
            removal_id=removal_id, member_id=member_id, pcp_npi=npi, reason=reason,
            high_risk=kind.high_risk, held_for_compliance_review=held, mco=member.mco,
            requested_at=now))
        return removal_id

    async def release_hold(self, session: AsyncSession, removal_id: UUID, *, principal: Principal) -> None:
        """Compliance review allowed the removal: outreach starts and the choice window runs from now."""
        removal, member = await self._removal(session, removal_id, principal)
        if removal.status != "held":
            raise Conflict("not-held", "Not held", "This panel removal is not held for compliance review.")
        now = clock.now()
        await store.update_removal(session, removal_id, status="open",
                                   window_ends=now.date() + timedelta(days=self.config.reassignment_window_days))
        await self._publish(session, PanelRemovalRequestedV1(
            removal_id=removal_id, member_id=removal.member_id, pcp_npi=removal.npi, reason=removal.reason,
            high_risk=removal.high_risk, held_for_compliance_review=False,
            mco=member.mco if member is not None else None, requested_at=now))

    async def member_chose(self, session: AsyncSession, removal_id: UUID, npi: str, *, as_of: date,
                           principal: Principal) -> None:
        removal, _ = await self._removal(session, removal_id, principal)
        if removal.status not in ("open", "held"):
            raise Conflict("removal-closed", "Removal not open", "This panel removal is not waiting for a choice.")
        if npi == removal.npi:
            raise Conflict("removing-pcp", "Same PCP", "The member cannot choose the PCP that removed them.")
        await self._record_choice(session, removal.member_id, PcpChoice(npi, PANEL_REMOVAL_CHOICE), as_of=as_of,
                                 principal=principal)
        await self._close_removal(session, removal_id, "member_chose")

    async def run_campaign(self, session: AsyncSession, *, as_of: date, principal: Principal) -> dict[str, int]:
        """Re-assign, by the rules and never to the removing PCP, members (of the principal's MCO, if it
        has one) whose window has passed."""
        due = await store.due_removals(session, as_of, mco=principal.mco)
        for removal in due:
            await self.attribute(session, [removal.member_id], as_of=as_of,
                                 excluded={removal.member_id: frozenset({removal.npi})},
                                 method=AttributionMethod.REASSIGNMENT, actor=principal)
            await self._close_removal(session, removal.removal_id, "reassigned")
        return {"reassigned": len(due)}

    async def _close_removal(self, session: AsyncSession, removal_id: UUID, status: str) -> None:
        await store.update_removal(session, removal_id, status=status, closed_at=clock.now())

    async def _removal(self, session: AsyncSession, removal_id: UUID, principal: Principal
                       ) -> tuple[Row[Any], Row[Any] | None]:
        """The panel removal (locked) and its member, if the principal may see them."""
        removal = await store.removal(session, removal_id, for_update=True)
        member = None if removal is None else await store.member(session, removal.member_id)
        if removal is None or not principal.may_see(member.mco if member is not None else None):
            raise NotFound("removal-not-found", "Panel removal not found", "No panel removal with this id.")
        return removal, member

    async def _may_see(self, session: AsyncSession, member_id: UUID, principal: Principal) -> bool:
        if principal.mco is None:
            return True
        member = await store.member(session, member_id)
        return member is not None and principal.may_see(member.mco)

    async def progress(self, session: AsyncSession, *, principal: Principal) -> dict[str, Any]:
        """Panel removals by status (of the principal's MCO's members, if it has one)."""
        return {"by_status": await store.campaign_progress(session, mco=principal.mco)}

    # -- attribution lists and survey outcomes ------------------------------------------------------

    async def practice_list(self, session: AsyncSession, *, practice_npi: str, mco: str, as_of: date,
                            principal: Principal) -> dict[str, Any]:
        """The ATR Group of one practice and MCO on `as_of`; change types count from the start of that month.
        Another MCO's list has no members for a principal of one MCO."""
        practice_name = await store.practice_name(session, practice_npi)
        if practice_name is None:
            raise NotFound("practice-not-found", "Practice not found", "No practice with this NPI.")
        month = as_of.replace(day=1)
        rows = await store.practice_periods(session, practice_npi=practice_npi, mco=mco, as_of=as_of,
                                            since=month) if principal.may_see(mco) else []
        periods: dict[UUID, list[PracticePeriod]] = {}
        for row in rows:
            periods.setdefault(row.member_id, []).append(PracticePeriod(row.npi, row.effective_from, row.effective_to))
        entries = [list_entry(str(member_id), f"{member_id}-{mco}", member_periods, month=month, as_of=as_of)
                   for member_id, member_periods in periods.items()]
        return attribution_group(practice_npi=practice_npi, practice_name=practice_name, payer=mco,
                                 contract_id=contract_id(mco, practice_npi), entries=entries, as_of=as_of)

    async def survey_answered(self, session: AsyncSession, result: SurveyResult, *, inquiry_id: UUID | None,
                              member_id: UUID | None, pcp_change: PcpChoice | None, as_of: date,
                              principal: Principal) -> SurveyAnswered:
        """Publish the outcome of an answered survey, the event that starts it, with the member's PCP and MCO
        as they were; a simple PCP change is made at once (as `change_pcp`, in the caller's transaction).
        The fields the outcome needs (survey.outcome_problems) and the reason code are checked before
        anything is read or written (422). A principal of one MCO may name only a member of its own."""
        problems = outcome_problems(result.outcome, inquiry_id=inquiry_id, member_id=member_id,
                                    pcp_change=pcp_change is not None)
        if pcp_change is not None and (refusal := self._unknown_reason(pcp_change.reason_code)) is not None:
            problems.append(("pcp_change.reason_code", refusal))
        if problems:
            raise InvalidFields(problems)
        member = None if member_id is None else await store.member(session, member_id)
        if member_id is not None and (member is None or not principal.may_see(member.mco)):
            raise _member_not_found()
        current = None if member_id is None else await store.current_assignment(session, member_id)
        response_id = uuid.uuid4()
        await self._outbox.add(session, Event(SurveyOutcomeV1(
            response_id=response_id, inquiry_id=inquiry_id, member_id=member_id, outcome=result.outcome,
            survey_version=result.survey_version, pcp_npi=None if current is None else current.npi,
            mco=None if member is None else member.mco, at=clock.now()), source=SOURCE))
        change = None
        if pcp_change is not None and member_id is not None:
            change = await self._record_choice(session, member_id, pcp_change, as_of=as_of, principal=principal)
        return SurveyAnswered(response_id, change)
