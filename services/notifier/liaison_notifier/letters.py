"""The letter that answers an inquiry when two phone attempts failed: printable HTML.

Every value is HTML-escaped. The letter is the one place a member's name appears:
the rendered text must be stored, never logged.
"""

from __future__ import annotations

import re
from html import escape

__all__ = ["render_letter"]

_STYLE = """\
@page { size: letter; margin: 1in; }
body { font-family: Georgia, "Times New Roman", serif; font-size: 12pt; line-height: 1.45; color: #000;
       max-width: 6.5in; margin: 0 auto; }
.letterhead { border-bottom: 2px solid #000; margin-bottom: 2em; padding-bottom: 0.5em; }
.letterhead .program { font-size: 18pt; font-weight: bold; margin: 0; }
.letterhead .unit { margin: 0; }
.date, .recipient { margin: 0 0 1.5em 0; }
.regarding { font-weight: bold; }
.answer { margin: 0 0 1em 0; }
.closing { margin-top: 2em; page-break-inside: avoid; }
@media print {
  body { margin: 0; max-width: none; }
  a { color: inherit; text-decoration: none; }
}
"""

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def _humanize(code: str) -> str:
    return code.replace("_", " ")


def _paragraphs(text: str) -> str:
    parts = [part.strip() for part in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n"))]
    return "\n".join(
        f'<p class="answer">{"<br>".join(escape(line) for line in part.splitlines())}</p>' for part in parts if part
    )


def render_letter(
    *,
    recipient_name: str,
    party: str,
    inquiry_id: str,
    category: str,
    answer: str,
    program_name: str,
    program_phone: str,
    date_local: str,
) -> str:
    """A complete HTML document, styled for printing on letter paper.

    `party` and `category` may be vocabulary codes (`member`, `prior_authorization`):
    underscores are shown as spaces. `answer` may hold several paragraphs separated by
    blank lines. `program_phone` is the number the closing asks the reader to call.
    """
    program, phone = escape(program_name), escape(program_phone)
    name, reference = escape(recipient_name), escape(inquiry_id)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{program}: letter about inquiry {reference}</title>
<style>
{_STYLE}</style>
</head>
<body>
<header class="letterhead">
<p class="program">{program}</p>
<p class="unit">Managed Care Liaison</p>
</header>
<p class="date">{escape(date_local)}</p>
<p class="recipient">{name}</p>
<p class="regarding">Re: your {escape(_humanize(party))} inquiry about {escape(_humanize(category))},
reference {reference}</p>
<p>Dear {name},</p>
<p>We tried twice to reach you by telephone about your inquiry and could not. This letter gives you our answer.</p>
{_paragraphs(answer)}
<div class="closing">
<p>If you have questions, please call {program} at {phone} and give the reference number {reference}.</p>
<p>Sincerely,</p>
<p>Managed Care Liaison Team<br>{program}</p>
</div>
</body>
</html>
"""
