"""The printable letter answering an inquiry after two failed phone attempts."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from liaison_notifier.letters import render_letter

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


def letter(**overrides: str) -> str:
    values = {
        "recipient_name": "Jane Q. Doe", "party": "member", "inquiry_id": "0b6f2c4e-8d1a-4f5e-9c3b-2a7d6e5f4c3b",
        "category": "prior_authorization", "program_name": "State Medicaid Managed Care Program",
        "program_phone": "1-800-555-0199", "date_local": "March 4, 2025",
        "answer": "Your plan approved the prior authorization on March 3.\n\nYour pharmacy can fill it now.",
    }
    return render_letter(**{**values, **overrides})


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
    assert "please call State Medicaid Managed Care Program at 1-800-555-0199" in text
    assert "0b6f2c4e-8d1a-4f5e-9c3b-2a7d6e5f4c3b" in text
    assert "@media print" in html and "@page" in html
    assert html.count('<p class="answer">') == 2, "blank lines separate paragraphs"
    assert {"html", "head", "style", "body", "header"} <= set(parser.tags)


@pytest.mark.parametrize("field", ["recipient_name", "party", "inquiry_id", "category", "answer", "program_name",
                                   "program_phone", "date_local"])
def test_every_value_is_escaped(field: str) -> None:
    hostile = '<script>alert("x")</script> & \'quote\' <b onmouseover="y">'
    html = letter(**{field: hostile})
    assert "<script" not in html and "<b " not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quote&#x27;" in html
    parser = parse(html)
    assert "script" not in parser.tags and "b" not in parser.tags
    assert '<script>alert("x")</script>' in "".join(parser.text), "shown as text, not markup"


def test_the_answer_keeps_its_lines() -> None:
    html = letter(answer="Line one\nLine <two>\r\n\r\n\r\nNext paragraph")
    parse(html)
    assert '<p class="answer">Line one<br>Line &lt;two&gt;</p>' in html
    assert '<p class="answer">Next paragraph</p>' in html
