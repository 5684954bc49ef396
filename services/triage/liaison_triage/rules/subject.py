"""The ticket subject line: always populated, informative, and never revealing an identifier.

The first release of the seed's system shipped tickets with empty subject
lines and triage broke; here every part has a fallback, so the line is never
empty, e.g. `[URGENT] Member · Pharmacy · MCO IA-TC · ID ***4321`.
"""

from __future__ import annotations

from liaison_shared.payloads import InquiryReceivedV1
from liaison_shared.vocabulary import CaseKind, Category, Party, Priority

MAX_SUBJECT_LENGTH = 200
SEPARATOR = " · "
# Enough for any MCO code (payloads allow 16 characters) while bounding the line's length.
_MAX_MCO_LENGTH = 40
_VISIBLE_ID_CHARACTERS = 4

CATEGORY_WORDS: dict[Category, str] = {
    Category.ACCESS_TO_CARE: "Access to care",
    Category.PHARMACY: "Pharmacy",
    Category.DURABLE_MEDICAL_EQUIPMENT: "Durable medical equipment",
    Category.TRANSPORTATION: "Transportation",
    Category.PRIOR_AUTHORIZATION: "Prior authorization",
    Category.CLAIMS_BILLING: "Claims/billing",
    Category.ELIGIBILITY_ENROLLMENT: "Eligibility/enrollment",
    Category.PCP_ASSIGNMENT: "PCP assignment",
    Category.QUALITY_OF_CARE: "Quality of care",
    Category.FRAUD_WASTE_ABUSE: "Fraud, waste and abuse",
    Category.CARE_TRANSITION: "Care transition",
    Category.OTHER: "Other",
}


KIND_WORDS: dict[CaseKind, str] = {
    CaseKind.GRIEVANCE: "Grievance",
    CaseKind.APPEAL: "Appeal",
    CaseKind.PROVIDER_OUTREACH: "Provider outreach",
    CaseKind.FWA_REFERRAL: "FWA referral",
}


def subject_line(
    priority: Priority, party: Party, category: Category, mco: str | None, identifier: str | None,
    kind: CaseKind = CaseKind.INQUIRY,
) -> str:
    """`[PRIORITY] Party · Category · MCO <code> · ID ***<last 4>`, at most 200 characters; a grievance,
    an appeal or a survey outcome's case says what it is instead of the party (`[STANDARD] Grievance · ...`).

    `mco` is the MCO code ("No MCO" when missing or blank). `identifier` is the
    member's Medicaid ID, the NPI or the provider number: only its last 4
    characters are shown; "ID none" when it is missing or blank, and "ID ***"
    alone when it has fewer than 5 characters, because its last 4 would then
    be all of it.
    """
    # A category added to the enum before this table must still give words, not an error.
    words = CATEGORY_WORDS.get(category) or category.value.replace("_", " ").capitalize()
    label = KIND_WORDS.get(kind) or party.value.capitalize()
    parts = (f"[{priority.value.upper()}] {label}", words, _mco(mco), _masked(identifier))
    return SEPARATOR.join(parts)[:MAX_SUBJECT_LENGTH]


def inquiry_subject(received: InquiryReceivedV1, priority: Priority, mco: str | None) -> str:
    """The subject line of an inquiry at `priority`, naming `mco`, with its member's or provider's identifier."""
    return subject_line(priority, received.party, received.category, mco, _identifier(received), received.kind)


def _identifier(received: InquiryReceivedV1) -> str | None:
    if received.member is not None:
        return str(received.member.medicaid_id) if received.member.medicaid_id else None
    if received.provider is not None:
        found = received.provider.npi or received.provider.provider_number
        return str(found) if found else None
    return None


def _printable_words(text: str) -> list[str]:
    # Subjects end up in e-mail headers and ticket titles: no line breaks or control characters.
    return "".join(ch if ch.isprintable() else " " for ch in text).split()


def _mco(mco: str | None) -> str:
    code = " ".join(_printable_words(mco or ""))[:_MAX_MCO_LENGTH].rstrip()
    return f"MCO {code}" if code else "No MCO"


def _masked(identifier: str | None) -> str:
    compact = "".join(_printable_words(identifier or ""))
    if not compact:
        return "ID none"
    if len(compact) <= _VISIBLE_ID_CHARACTERS:
        return "ID ***"
    return f"ID ***{compact[-_VISIBLE_ID_CHARACTERS:]}"
