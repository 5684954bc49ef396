"""Ticket subject lines: always populated, informative, and masking identifiers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison_shared.payloads import MemberIdentity, ProviderIdentity
from liaison_shared.vocabulary import Category, Party, Priority
from liaison_triage.rules.subject import CATEGORY_WORDS, MAX_SUBJECT_LENGTH, SEPARATOR, inquiry_subject, subject_line

from .conftest import received


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ((Priority.URGENT, Party.MEMBER, Category.PHARMACY, "IA-TC", "123454321"),
         "[URGENT] Member · Pharmacy · MCO IA-TC · ID ***4321"),
        ((Priority.ESCALATED, Party.PROVIDER, Category.CLAIMS_BILLING, "IA-WM", "1234567893"),
         "[ESCALATED] Provider · Claims/billing · MCO IA-WM · ID ***7893"),
        ((Priority.STANDARD, Party.MEMBER, Category.ELIGIBILITY_ENROLLMENT, None, None),
         "[STANDARD] Member · Eligibility/enrollment · No MCO · ID none"),
        ((Priority.URGENT, Party.MEMBER, Category.DURABLE_MEDICAL_EQUIPMENT, "  ", "  "),
         "[URGENT] Member · Durable medical equipment · No MCO · ID none"),
        ((Priority.ESCALATED, Party.PROVIDER, Category.FRAUD_WASTE_ABUSE, "IA-MH", "P12"),
         "[ESCALATED] Provider · Fraud, waste and abuse · MCO IA-MH · ID ***"),
        ((Priority.STANDARD, Party.MEMBER, Category.PCP_ASSIGNMENT, "IA-TC", " 9876 5432\n"),
         "[STANDARD] Member · PCP assignment · MCO IA-TC · ID ***5432"),
        ((Priority.URGENT, Party.MEMBER, Category.ACCESS_TO_CARE, "IA-TC\r\nBcc: x@example.com", "12345"),
         "[URGENT] Member · Access to care · MCO IA-TC Bcc: x@example.com · ID ***2345"),
    ],
)
def test_subject_line_examples(arguments: tuple[Priority, Party, Category, str | None, str | None],
                               expected: str) -> None:
    assert subject_line(*arguments) == expected


def test_every_category_has_words() -> None:
    assert set(CATEGORY_WORDS) == set(Category)
    assert all(words and words[0].isupper() and "_" not in words for words in CATEGORY_WORDS.values())


def id_segment(subject: str) -> str:
    return subject.rsplit(SEPARATOR, 1)[-1]


@given(
    priority=st.sampled_from(Priority),
    party=st.sampled_from(Party),
    category=st.sampled_from(Category),
    mco=st.none() | st.text(max_size=300),
    identifier=st.none() | st.text(max_size=40),
)
def test_subject_line_is_never_empty_and_always_informative(
    priority: Priority, party: Party, category: Category, mco: str | None, identifier: str | None
) -> None:
    subject = subject_line(priority, party, category, mco, identifier)
    assert 0 < len(subject) <= MAX_SUBJECT_LENGTH
    assert subject.startswith(f"[{priority.value.upper()}] {party.value.capitalize()}{SEPARATOR}")
    assert f"{SEPARATOR}{CATEGORY_WORDS[category]}{SEPARATOR}" in subject
    assert "MCO " in subject or "No MCO" in subject
    assert subject.isprintable()
    assert id_segment(subject).startswith("ID ")


@given(identifier=st.text(min_size=1, max_size=40))
def test_the_identifier_never_shows_more_than_its_last_four_characters(identifier: str) -> None:
    segment = id_segment(subject_line(Priority.STANDARD, Party.MEMBER, Category.OTHER, "IA-TC", identifier))
    meaningful = "".join(ch for ch in identifier if ch.isprintable() and not ch.isspace())
    if not meaningful:
        assert segment == "ID none"
        return
    assert segment.startswith("ID ***")
    shown = segment.removeprefix("ID ***")
    assert len(shown) <= 4
    assert meaningful.endswith(shown)
    # An identifier of 4 characters or fewer would be shown whole: nothing of it is shown.
    assert shown == (meaningful[-4:] if len(meaningful) > 4 else "")


@given(digits=st.text(alphabet="0123456789", min_size=5, max_size=12))
def test_a_numeric_identifier_shows_exactly_its_last_four_digits(digits: str) -> None:
    subject = subject_line(Priority.URGENT, Party.PROVIDER, Category.OTHER, None, digits)
    assert id_segment(subject) == f"ID ***{digits[-4:]}"
    assert sum(ch.isdigit() for ch in subject) == 4


@pytest.mark.parametrize(
    ("fields", "identifier"),
    [
        ({"member": MemberIdentity(name="Jane Testmember", medicaid_id="7654321B")}, "ID ***321B"),
        ({"member": MemberIdentity(name="Al Testanon")}, "ID none"),
        ({"party": "provider", "member": None, "provider": ProviderIdentity(
            npi="1245319599", provider_number="P-000777", contact_name="Pat")}, "ID ***9599"),
        ({"party": "provider", "member": None,
          "provider": ProviderIdentity(provider_number="P-000777", contact_name="Pat")}, "ID ***0777"),
        ({"party": "provider", "member": None, "provider": ProviderIdentity(contact_name="Pat")}, "ID none"),
        ({"member": None}, "ID none"),
    ],
)
def test_an_inquirys_subject_masks_its_medicaid_id_else_its_npi_else_its_provider_number(
    fields: dict[str, Any], identifier: str
) -> None:
    subject = inquiry_subject(received(**fields), Priority.ESCALATED, "IA-WM")
    assert subject.startswith("[ESCALATED] ")
    assert subject.endswith(f"{SEPARATOR}MCO IA-WM{SEPARATOR}{identifier}")
