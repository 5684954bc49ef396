"""The printable letters, one per notice, from the template of its kind: the liaison's text, the
recipient's name and address, the case reference, the date and the paragraphs each notice needs."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from liaison_notifier.letters import NO_ADDRESS, TEMPLATES, Case, Recipient, render_letter
from liaison_shared.vocabulary import NoticeKind

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictParser(HTMLParser):
    """Collects text and checks that every element is closed in order (html.parser itself never complains)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unexpected </{tag}> with open {self.stack}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(html)
    parser.close()
    assert parser.problems == []
    assert parser.stack == [], "every element is closed"
    assert parser.doctype.lower() == "doctype html"
    return parser


REFERENCE = "0b6f2c4e-8d1a-4f5e-9c3b-2a7d6e5f4c3b"
ADDRESS = ("12 Elm Street", "Apt 3", "Des Moines, IA 50309")


def letter(notice: NoticeKind = NoticeKind.ANSWER, *, text: str | None = None, name: str = "Jane Q. Doe",
           address: tuple[str, ...] = ADDRESS, **case: object) -> str:
    values: dict[str, object] = {"reference": REFERENCE, "party": "member", "category": "prior_authorization",
                                 "received": "March 1, 2025", **case}
    return render_letter(
        notice=notice, recipient=Recipient(name, address), case=Case(**values),  # type: ignore[arg-type]
        text=text if text is not None else
        "Your plan approved the prior authorization on March 3.\n\nYour pharmacy can fill it now.",
        program_name="State Medicaid Managed Care Program", program_phone="1-800-555-0199",
        date_local="March 4, 2025")


def words(html: str) -> str:
    return " ".join(" ".join(parse(html).text).split())


def test_the_letter_is_well_formed_printable_html_with_the_answer_and_date() -> None:
    html = letter()
    parser = parse(html)
    text = " ".join(" ".join(parser.text).split())
    assert "State Medicaid Managed Care Program" in text  # letterhead
    assert "March 4, 2025" in text
    assert "Dear Jane Q. Doe," in text
    assert "Your plan approved the prior authorization on March 3." in text
    assert "Your pharmacy can fill it now." in text
    assert "member inquiry about prior authorization" in text
    assert "We tried twice to reach you by telephone" in text  # the answer letter's own wording
    assert "please call State Medicaid Managed Care Program at 1-800-555-0199" in text
    assert REFERENCE in text
    assert "@media print" in html and "@page" in html
    assert html.count('<p class="answer">') == 2, "blank lines separate paragraphs"
    assert {"html", "head", "style", "body", "header"} <= set(parser.tags)


@pytest.mark.parametrize("notice", list(NoticeKind))
def test_every_kind_carries_the_text_the_name_the_address_the_reference_and_the_date(notice: NoticeKind) -> None:
    text = words(letter(notice, kind="appeal", text="The liaison's own words.\n\nA second paragraph."))
    for expected in ("The liaison's own words.", "A second paragraph.", "Jane Q. Doe 12 Elm Street Apt 3 "
                     "Des Moines, IA 50309", REFERENCE, "March 4, 2025"):
        assert expected in text, (notice, expected)
    assert NO_ADDRESS not in text


def test_every_notice_kind_has_a_template() -> None:
    assert set(TEMPLATES) == set(NoticeKind)


@pytest.mark.parametrize("notice", list(NoticeKind))
def test_no_address_on_record_is_said_in_the_address_block(notice: NoticeKind) -> None:
    html = letter(notice, kind="grievance", address=())
    assert f'<p class="recipient">Jane Q. Doe<br><span class="no-address">{NO_ADDRESS}</span></p>' in html


@pytest.mark.parametrize(("kind", "expedited", "timeframe"), [
    ("grievance", False, "within 90 calendar days of the day we received it"),
    ("appeal", False, "within 30 calendar days of the day we received it"),
    ("appeal", True, "within 72 hours of the time we received it")])
def test_an_acknowledgment_says_what_was_received_when_and_the_timeframe(kind: str, expedited: bool,
                                                                          timeframe: str) -> None:
    text = words(letter(NoticeKind.ACKNOWLEDGMENT, kind=kind, expedited=expedited, text="We are on it."))
    assert f"We received your {kind} on March 1, 2025." in text
    assert f"send you our decision in writing {timeframe}." in text
    assert "We are on it." in text


def test_a_grievance_resolution_gives_the_resolution_and_no_hearing_right() -> None:
    text = words(letter(NoticeKind.RESOLUTION, kind="grievance", text="We spoke with the pharmacy."))
    assert "We have finished reviewing your grievance, which we received on March 1, 2025." in text
    assert "We spoke with the pharmacy." in text
    assert "State fair hearing" not in text


@pytest.mark.parametrize(("resolution", "hearing"), [
    ("upheld", True), ("partially_overturned", True), ("withdrawn", True), (None, True), ("overturned", False)])
def test_an_appeal_resolution_not_wholly_in_the_enrollee_s_favour_gives_the_hearing_right(
        resolution: str | None, hearing: bool) -> None:
    text = words(letter(NoticeKind.RESOLUTION, kind="appeal", resolution=resolution, text="The denial stands."))
    assert "Decision on your appeal" in text and "The denial stands." in text
    assert ("ask for a State fair hearing. You must ask within 120 calendar days of the date of this letter"
            in text) is hearing


def test_an_extension_says_up_to_14_more_days_why_and_the_right_to_grieve() -> None:
    text = words(letter(NoticeKind.EXTENSION, kind="appeal", text="We are waiting for your hospital records."))
    assert "We are taking up to 14 more calendar days to decide it. This is why: We are waiting for your " \
           "hospital records." in text
    assert "If you do not agree with our decision to take more time, you have the right to file a grievance." in text


def test_an_expedited_denial_gives_the_standard_timeframe_and_the_right_to_grieve() -> None:
    text = words(letter(NoticeKind.EXPEDITED_DENIAL, kind="appeal", expedited=False,
                        text="Waiting 30 days does not put your health at risk."))
    assert "does not qualify for an expedited decision, for this reason: Waiting 30 days" in text
    assert "within the standard timeframe: 30 calendar days" in text
    assert "If you do not agree with our decision not to expedite your appeal, you have the right to file a " \
           "grievance." in text


def test_an_unknown_receipt_date_leaves_out_the_sentence_that_names_it() -> None:
    text = words(letter(NoticeKind.ACKNOWLEDGMENT, kind="grievance", received=""))
    assert "We received your grievance. This letter confirms" in text and " on ." not in text


HOSTILE = '<script>alert("x")</script> & \'quote\' <b onmouseover="y">'


@pytest.mark.parametrize("field", ["name", "address", "text", "reference", "party", "category", "received"])
@pytest.mark.parametrize("notice", list(NoticeKind))
def test_every_value_is_escaped(field: str, notice: NoticeKind) -> None:
    values: dict[str, object] = {"kind": "appeal", field: (HOSTILE,) if field == "address" else HOSTILE}
    html = letter(notice, **values)  # type: ignore[arg-type]
    assert "<script" not in html and "<b " not in html
    if field in ({"received"} if notice is NoticeKind.ANSWER else {"party", "category"}):
        return  # not a value this kind's letter shows
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quote&#x27;" in html
    parser = parse(html)
    assert "script" not in parser.tags and "b" not in parser.tags
    assert '<script>alert("x")</script>' in "".join(parser.text), "shown as text, not markup"


def test_the_text_keeps_its_lines() -> None:
    html = letter(text="Line one\nLine <two>\r\n\r\n\r\nNext paragraph")
    parse(html)
    assert '<p class="answer">Line one<br>Line &lt;two&gt;</p>' in html
    assert '<p class="answer">Next paragraph</p>' in html
