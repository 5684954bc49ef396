"""Each notice a liaison issues becomes one printable letter, on the real broker and database: from
the template of its kind, with the liaison's text (escaped), the recipient's name and mailing
address, and LetterReady naming the kind. A redelivered notice makes no second letter; two failed
calls make no letter, but tell the case's queue one is due."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from liaison_notifier.contract import load_subscriptions
from liaison_notifier.letters import NO_ADDRESS
from liaison_notifier.rules.ids import letter_id
from liaison_notifier.service import Notifier
from liaison_notifier.settings import Settings
from liaison_shared.db import UnitOfWork
from liaison_shared.payloads import (
    AppealDetails,
    InquiryResolvedV1,
    LetterReadyV1,
    LetterRequestedV1,
    NoticeIssuedV1,
)
from liaison_shared.program import program_calendar
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.waiting import wait_until
from liaison_shared.vocabulary import NoticeKind

from .conftest import ACTOR, NOW, Harness, assigned, received

AT = NOW + timedelta(days=2)
ADDRESS_BLOCK = "Jane Q. Doe<br>12 Elm Street<br>Apt 3<br>Des Moines, IA 50309"


def notice(inquiry_id: uuid.UUID, kind: NoticeKind, text: str, at: Any = AT) -> NoticeIssuedV1:
    return NoticeIssuedV1(inquiry_id=inquiry_id, notice=kind, text=text, actor=ACTOR, at=at)


async def letters_of(harness: Harness, inquiry_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, str]]:
    rows = await harness.query("SELECT letter_id, notice, html FROM letters WHERE inquiry_id = :i", i=inquiry_id)
    return {row.letter_id: (row.notice, row.html) for row in rows}


async def ready_of(harness: Harness, inquiry_id: uuid.UUID) -> list[LetterReadyV1]:
    return [p for p in await harness.published("notification.letters")
            if isinstance(p, LetterReadyV1) and p.inquiry_id == inquiry_id]


async def an_appeal(harness: Harness, **changes: Any) -> uuid.UUID:
    """An expedited appeal, received and triaged (the notifier has processed both)."""
    case = received(kind="appeal", appeal=AppealDetails(determination="Insulin pump denied",
                                                        expedited_requested=True), **changes)
    events = await harness.publish(case, assigned(inquiry_id=case.inquiry_id, track="appeal", priority="urgent",
                                                  queue="grievances_appeals"))
    await wait_until(lambda: harness.processed(*events), what="the case known to the notifier")
    return case.inquiry_id


async def test_each_notice_kind_is_a_letter_of_its_own_with_the_text_and_the_address(
        notifier: Harness, tokens: Tokens) -> None:
    case = await an_appeal(notifier)
    texts = {kind: f"The {kind} text: <b>ours</b> & yours.\n\nSecond paragraph of {kind}." for kind in NoticeKind}
    issued = await notifier.publish(*[notice(case, kind, text) for kind, text in texts.items()],
                                    InquiryResolvedV1(inquiry_id=case, resolved_by="state", resolution_code="upheld",
                                                      summary=texts[NoticeKind.RESOLUTION], actor=ACTOR, at=AT))
    by_kind = {event.payload.notice: event for event in issued
               if isinstance(event.payload, NoticeIssuedV1)}

    async def five() -> dict[uuid.UUID, tuple[str, str]] | None:
        found = await letters_of(notifier, case)
        return found if len(found) == len(NoticeKind) else None
    letters = await wait_until(five, what="a letter per notice")
    assert set(letters) == {letter_id(event.id) for event in by_kind.values()}, "each letter's id is its notice's"
    for kind, event in by_kind.items():
        stored_kind, html = letters[letter_id(event.id)]
        assert stored_kind == kind
        assert f"The {kind} text: &lt;b&gt;ours&lt;/b&gt; &amp; yours." in html and "<b>ours</b>" not in html
        assert f'<p class="answer">Second paragraph of {kind}.</p>' in html
        assert ADDRESS_BLOCK in html and str(case) in html and "November 18, 2026" in html
        assert "Caller Not The Member" not in html and "Denied insulin refill" not in html
    html_of = {kind: letters[letter_id(event.id)][1] for kind, event in by_kind.items()}
    assert "within 72 hours of the time we received it" in html_of[NoticeKind.ACKNOWLEDGMENT]
    assert "We received your appeal on November 16, 2026." in html_of[NoticeKind.ACKNOWLEDGMENT]
    assert "State fair hearing" in html_of[NoticeKind.RESOLUTION]  # upheld: not in the enrollee's favour
    assert "up to 14 more calendar days" in html_of[NoticeKind.EXTENSION]
    assert "standard timeframe: 30 calendar days" in html_of[NoticeKind.EXPEDITED_DENIAL]

    async def announced() -> list[LetterReadyV1] | None:
        ready = await ready_of(notifier, case)
        return ready if len(ready) == len(NoticeKind) else None
    ready = await wait_until(announced, what="LetterReady for each letter")
    assert {(r.letter_id, r.notice) for r in ready} == {(letter_id(e.id), k) for k, e in by_kind.items()}

    # The letters API serves each one as stored.
    async with notifier.http() as http:
        for letter, (_, html) in letters.items():
            printed = await http.get(f"/v1/letters/{letter}", headers=await tokens.headers(person="maria"))
            assert (printed.status_code, printed.text) == (200, html)


async def test_a_redelivered_notice_makes_no_second_letter(notifier: Harness) -> None:
    case = await an_appeal(notifier)
    [answer] = await notifier.publish(notice(case, NoticeKind.ANSWER, "Your plan approved the refill."))
    await notifier.redeliver(answer, answer)
    # A later notice of the same case comes on the same partition, after the repeats: once its
    # letter is there, the repeats were handled.
    [later] = await notifier.publish(notice(case, NoticeKind.ACKNOWLEDGMENT, "We have your appeal."))

    async def two() -> bool:
        return len(await letters_of(notifier, case)) == 2
    await wait_until(two, what="the later notice's letter")
    assert set(await letters_of(notifier, case)) == {letter_id(answer.id), letter_id(later.id)}

    # Even past the inbox (say it was purged), the same notice event is the same letter, announced once.
    runtime, settings = notifier.runtime, notifier.runtime.settings
    assert isinstance(settings, Settings) and isinstance(answer.payload, NoticeIssuedV1)
    again = Notifier(load_subscriptions(settings.subscriptions_path), runtime.outbox, settings, program_calendar(),
                     lambda: NOW)
    async with UnitOfWork(runtime.sessions) as uow:
        await again.issue_notice(uow.session, answer, answer.payload)
        await uow.commit()
    assert len(await letters_of(notifier, case)) == 2
    assert [r.letter_id for r in await ready_of(notifier, case)].count(letter_id(answer.id)) == 1


async def test_a_letter_without_a_mailing_address_says_so_and_is_still_stored(notifier: Harness) -> None:
    case = await an_appeal(notifier, mailing_address=None)
    [event] = await notifier.publish(notice(case, NoticeKind.ACKNOWLEDGMENT, "We have your appeal."))

    async def stored() -> str | None:
        found = await letters_of(notifier, case)
        return found[letter_id(event.id)][1] if found else None
    html = await wait_until(stored, what="the letter")
    assert f'Jane Q. Doe<br><span class="no-address">{NO_ADDRESS}</span>' in html
    await wait_until(lambda: _announced(notifier, case, 1), what="LetterReady")


async def _announced(harness: Harness, case: uuid.UUID, n: int) -> bool:
    return len(await ready_of(harness, case)) == n


async def test_an_appeal_resolution_notice_waits_for_the_resolution_to_know_the_hearing_right(
        notifier: Harness) -> None:
    case = await an_appeal(notifier)
    [issued] = await notifier.publish(notice(case, NoticeKind.RESOLUTION, "We reversed the denial."))
    await wait_until(lambda: notifier.processed(issued), what="the notice processed")
    assert await letters_of(notifier, case) == {}, "not yet: is it in the enrollee's favour?"
    await notifier.publish(InquiryResolvedV1(inquiry_id=case, resolved_by="state", resolution_code="overturned",
                                             summary="We reversed the denial.", actor=ACTOR, at=AT))

    async def stored() -> str | None:
        found = await letters_of(notifier, case)
        return found[letter_id(issued.id)][1] if found else None
    html = await wait_until(stored, what="the resolution letter")
    assert "We reversed the denial." in html and "Decision on your appeal" in html
    assert "State fair hearing" not in html, "wholly in the enrollee's favour"
    await wait_until(lambda: _announced(notifier, case, 1), what="LetterReady")
    assert [r.notice for r in await ready_of(notifier, case)] == [NoticeKind.RESOLUTION]


async def test_two_failed_calls_tell_the_queue_a_letter_is_due_and_render_nothing(notifier: Harness) -> None:
    case = received()
    known = await notifier.publish(case, assigned(inquiry_id=case.inquiry_id))
    await wait_until(lambda: notifier.processed(*known), what="the case known to the notifier")
    [requested] = await notifier.publish(
        LetterRequestedV1(inquiry_id=case.inquiry_id, party="member", failed_attempts=2, at=AT))

    async def mailed() -> list[Any]:
        return [m for m in notifier.inbox.messages if m["Subject"].startswith("[Liaison] Letter due")]
    [message] = await wait_until(mailed, what="the letter-due e-mail")
    assert message["To"] == "member-escalations@ime.test"
    assert message["Subject"].startswith("[Liaison] Letter due (member_liaison): [URGENT] Member")
    assert message["Subject"].endswith("ID ***321B"), "the masked subject line"
    body = message.get_payload(decode=True).decode()
    assert "notice of kind answer" in body and f"http://liaison.test/v1/inquiries/{case.inquiry_id}" in body
    assert "Jane" not in body and "Elm" not in body
    await wait_until(lambda: notifier.processed(requested), what="the request processed")
    assert await letters_of(notifier, case.inquiry_id) == {}
    assert await ready_of(notifier, case.inquiry_id) == []
