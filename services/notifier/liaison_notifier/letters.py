"""The letters the program mails: one printable HTML document per notice, from the template of
its kind, with the liaison's own text as its body.

Each kind is a row of `TEMPLATES`: its heading, what it is about, and the fixed paragraphs the
notice needs around the liaison's text (42 CFR 438.406, 438.408, 438.410). Every value is
HTML-escaped. A letter holds PHI (the recipient's name and address, the text): the rendered
HTML is stored, never logged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from liaison_shared.vocabulary import AppealResolution, CaseKind, NoticeKind

__all__ = ["NO_ADDRESS", "TEMPLATES", "Case", "Recipient", "render_letter"]

NO_ADDRESS = "No mailing address on record"

_STYLE = """\
@page { size: letter; margin: 1in; }
body { font-family: Georgia, "Times New Roman", serif; font-size: 12pt; line-height: 1.45; color: #000;
       max-width: 6.5in; margin: 0 auto; }
.letterhead { border-bottom: 2px solid #000; margin-bottom: 2em; padding-bottom: 0.5em; }
.letterhead .program { font-size: 18pt; font-weight: bold; margin: 0; }
.letterhead .unit { margin: 0; }
.date, .recipient { margin: 0 0 1.5em 0; }
.recipient .no-address { font-weight: bold; border: 2px solid #000; padding: 0.1em 0.3em; }
.regarding { font-weight: bold; }
h1 { font-size: 14pt; margin: 0 0 1em 0; }
.answer { margin: 0 0 1em 0; }
.closing { margin-top: 2em; page-break-inside: avoid; }
@media print {
  body { margin: 0; max-width: none; }
  a { color: inherit; text-decoration: none; }
}
"""

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_FILINGS: Mapping[str, str] = {CaseKind.GRIEVANCE: "grievance", CaseKind.APPEAL: "appeal"}


@dataclass(frozen=True)
class Recipient:
    """Who the letter goes to: a name and the lines of the mailing address (none: not on record)."""

    name: str
    address: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    """What a letter says about its case. `received` is the local date of receipt ('' if unknown);
    `expedited`: an appeal on the expedited timeframe; `resolution`: the appeal's resolution code."""

    reference: str
    kind: str = CaseKind.INQUIRY
    party: str = "member"
    category: str = "other"
    received: str = ""
    expedited: bool = False
    resolution: str | None = None

    @property
    def filing(self) -> str:
        """What the enrollee filed, in the letter's words."""
        return _FILINGS.get(self.kind, "inquiry")

    @property
    def timeframe(self) -> str:
        """The time the plan has to decide (438.408(b)); '' for a case with no federal timeframe."""
        if self.kind == CaseKind.GRIEVANCE:
            return "90 calendar days of the day we received it"
        if self.kind == CaseKind.APPEAL:
            return "72 hours of the time we received it" if self.expedited else \
                "30 calendar days of the day we received it"
        return ""

    @property
    def unfavourable_appeal(self) -> bool:
        """An appeal not resolved wholly in the enrollee's favour (438.408(e)(2)): unknown counts as not."""
        return self.kind == CaseKind.APPEAL and self.resolution != AppealResolution.OVERTURNED


@dataclass(frozen=True)
class Template:
    """One notice kind: its heading, what it is about, and the fixed paragraphs around the liaison's
    text. Paragraphs are trusted text with `{filing}`, `{received}`, `{timeframe}`, `{program}` and
    `{phone}` (escaped values). `opening` lists alternatives: the first whose values are all known
    opens the letter. `after` follows the text (a paragraph naming an unknown value is left out),
    then `after_unfavourable` for an appeal not resolved wholly in the enrollee's favour."""

    heading: str
    regarding: str
    opening: tuple[str, ...]
    after: tuple[str, ...] = ()
    after_unfavourable: tuple[str, ...] = ()


TEMPLATES: Mapping[NoticeKind, Template] = {
    NoticeKind.ANSWER: Template(
        "Answer to your inquiry", "Re: your {party} inquiry about {category}, reference {reference}",
        ("We tried twice to reach you by telephone about your inquiry and could not. "
         "This letter gives you our answer.",)),
    NoticeKind.ACKNOWLEDGMENT: Template(  # 438.406(b)(1)
        "We received your {filing}", "Re: your {filing}, reference {reference}",
        ("We received your {filing} on {received}. This letter confirms that we have it and are reviewing it.",
         "We received your {filing}. This letter confirms that we have it and are reviewing it."),
        ("We will decide your {filing} and send you our decision in writing within {timeframe}.",)),
    NoticeKind.RESOLUTION: Template(  # 438.408(d)-(f)
        "Decision on your {filing}", "Re: your {filing}, reference {reference}",
        ("We have finished reviewing your {filing}, which we received on {received}. This is our decision:",
         "We have finished reviewing your {filing}. This is our decision:"),
        after_unfavourable=(
            "Your right to a State fair hearing: if you do not agree with this decision, you or someone you "
            "choose to act for you can ask for a State fair hearing. You must ask within 120 calendar days of "
            "the date of this letter. To ask, or for help asking, call {program} at {phone}.",)),
    NoticeKind.EXTENSION: Template(  # 438.408(c)(2)
        "We are taking more time to decide your {filing}", "Re: your {filing}, reference {reference}",
        ("We need more time to decide your {filing}, which we received on {received}. We are taking up to "
         "14 more calendar days to decide it. This is why:",
         "We need more time to decide your {filing}. We are taking up to 14 more calendar days to decide it. "
         "This is why:"),
        ("We will decide as quickly as your health condition requires, and no later than the end of these "
         "14 days.",
         "If you do not agree with our decision to take more time, you have the right to file a grievance. "
         "You can file it by calling {program} at {phone}.")),
    NoticeKind.EXPEDITED_DENIAL: Template(  # 438.410(c)
        "Your appeal will be decided in the standard timeframe", "Re: your appeal, reference {reference}",
        ("You asked us for a fast (expedited) decision on your appeal, which we received on {received}. Your "
         "appeal does not qualify for an expedited decision, for this reason:",
         "You asked us for a fast (expedited) decision on your appeal. Your appeal does not qualify for an "
         "expedited decision, for this reason:"),
        ("We will decide your appeal within the standard timeframe: 30 calendar days of the day we received "
         "it.",
         "If you do not agree with our decision not to expedite your appeal, you have the right to file a "
         "grievance. You can file it by calling {program} at {phone}.")),
}


def _paragraphs(text: str) -> str:
    parts = [part.strip() for part in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n"))]
    return "\n".join(
        f'<p class="answer">{"<br>".join(escape(line) for line in part.splitlines())}</p>' for part in parts if part
    )


def _known(paragraphs: tuple[str, ...], values: Mapping[str, str]) -> list[str]:
    """The paragraphs naming no unknown value, filled in."""
    return [p.format_map(values) for p in paragraphs
            if not any(f"{{{key}}}" in p and not values[key] for key in ("received", "timeframe"))]


def _fixed(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{p}</p>" for p in paragraphs)


def _address_block(recipient: Recipient) -> str:
    lines = [escape(recipient.name)]
    if recipient.address:
        lines += [escape(line) for line in recipient.address]
    else:
        lines.append(f'<span class="no-address">{NO_ADDRESS}</span>')
    return f'<p class="recipient">{"<br>".join(lines)}</p>'


def render_letter(*, notice: NoticeKind, text: str, recipient: Recipient, case: Case, program_name: str,
                  program_phone: str, date_local: str) -> str:
    """A complete HTML document of a notice of kind `notice`, styled for printing on letter paper.

    `text` (the liaison's own words) may hold several paragraphs separated by blank lines. Codes
    in `case.party` and `case.category` are shown with spaces for underscores. `program_phone` is
    the number the letter asks the reader to call.
    """
    template = TEMPLATES[notice]
    values = {"filing": escape(case.filing), "received": escape(case.received), "timeframe": escape(case.timeframe),
              "program": escape(program_name), "phone": escape(program_phone),
              "party": escape(case.party.replace("_", " ")), "category": escape(case.category.replace("_", " ")),
              "reference": escape(case.reference)}
    program, phone, reference, name = values["program"], values["phone"], values["reference"], escape(recipient.name)
    heading = template.heading.format_map(values)
    after = template.after + (template.after_unfavourable if case.unfavourable_appeal else ())
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{program}: {heading}, reference {reference}</title>
<style>
{_STYLE}</style>
</head>
<body>
<header class="letterhead">
<p class="program">{program}</p>
<p class="unit">Managed Care Liaison</p>
</header>
<p class="date">{escape(date_local)}</p>
{_address_block(recipient)}
<p class="regarding">{template.regarding.format_map(values)}</p>
<h1>{heading}</h1>
<p>Dear {name},</p>
{_fixed(_known(template.opening, values)[:1])}
{_paragraphs(text)}
{_fixed(_known(after, values))}
<div class="closing">
<p>If you have questions, please call {program} at {phone} and give the reference number {reference}.</p>
<p>Sincerely,</p>
<p>Managed Care Liaison Team<br>{program}</p>
</div>
</body>
</html>
"""
