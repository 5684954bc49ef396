"""The event catalog: every event type, its topic, its key and its payload model.

This module is the single source of truth for what travels on the bus. The
AsyncAPI document (`liaison-asyncapi`) is generated from it, and both the
outbox and the consumer refuse event types that are not listed here.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from liaison_shared import care_payloads as care
from liaison_shared import payloads as p


@dataclass(frozen=True)
class EventSpec:
    """One versioned event type.

    `type` is the CloudEvents type; `topic` the Kafka topic (unversioned, so
    consumers of v1 and v2 can share it); `key` names the payload field whose
    value is the aggregate id and so the Kafka key, which keeps one
    aggregate's events ordered within the topic.
    """

    type: str
    topic: str
    key: str
    payload: builtins.type[p.Payload]
    summary: str


EVENTS: tuple[EventSpec, ...] = (
    EventSpec("liaison.inquiry.received.v1", "inquiry.received", "inquiry_id", p.InquiryReceivedV1,
              "An escalated member or provider issue was accepted at intake, or intake opened the case of a "
              "PCP's panel removal."),
    EventSpec("liaison.inquiry.hold-released.v1", "inquiry.received", "inquiry_id", p.HoldReleasedV1,
              "Compliance review released a held panel-removal case (on the case's topic, so it follows it)."),
    EventSpec("liaison.inquiry.priority-assigned.v1", "inquiry.priority-assigned", "inquiry_id",
              p.PriorityAssignedV1, "Triage or a liaison's override set track, priority, queue and subject."),
    EventSpec("liaison.inquiry.subject-changed.v1", "inquiry.priority-assigned", "inquiry_id", p.SubjectChangedV1,
              "Triage renamed a case: its subject line names the MCO it was referred to."),
    EventSpec("liaison.inquiry.priority-override-requested.v1", "inquiry.priority-override", "inquiry_id",
              p.PriorityOverrideRequestedV1, "A liaison overrode the priority, with a reason."),
    EventSpec("liaison.inquiry.updated.v1", "inquiry.updated", "inquiry_id", p.InquiryUpdatedV1,
              "A free-text update was added to the case."),
    EventSpec("liaison.inquiry.assigned.v1", "inquiry.assignment", "inquiry_id", p.InquiryAssignedV1,
              "A person claimed the case, or a unit lead assigned, reassigned or released it."),
    EventSpec("liaison.inquiry.letter-requested.v1", "inquiry.contact", "inquiry_id", p.LetterRequestedV1,
              "Two phone attempts failed; a letter must answer the caller."),
    EventSpec("liaison.inquiry.notice-issued.v1", "inquiry.contact", "inquiry_id", p.NoticeIssuedV1,
              "A liaison wrote a notice to the originator (an answer, or a grievance's or an appeal's "
              "acknowledgment, extension, expedited denial or resolution), to be sent as a letter."),
    EventSpec("liaison.inquiry.expedited-denied.v1", "inquiry.grievance-appeal", "inquiry_id", p.ExpeditedDeniedV1,
              "The plan denied an appeal's request for expedited resolution; it moves to the standard timeframe."),
    EventSpec("liaison.inquiry.deadline-extended.v1", "inquiry.grievance-appeal", "inquiry_id",
              p.DeadlineExtendedV1, "A grievance's or an appeal's resolution deadline was extended (once, up to 14 "
              "calendar days)."),
    EventSpec("liaison.inquiry.review-recorded.v1", "inquiry.grievance-appeal", "inquiry_id", p.ReviewRecordedV1,
              "A grievance or an appeal was reviewed at a level (plan, external review, state fair hearing)."),
    EventSpec("liaison.inquiry.contact-attempted.v1", "inquiry.contact", "inquiry_id",
              p.ContactAttemptedV1, "A liaison tried to reach the originator by phone or letter."),
    EventSpec("liaison.inquiry.mco-contacted.v1", "inquiry.mco-contacted", "inquiry_id",
              p.McoContactedV1, "The inquiry was referred to the member's MCO."),
    EventSpec("liaison.inquiry.mco-reported.v1", "inquiry.mco-reported", "inquiry_id",
              p.McoReportedV1, "The MCO reported contact, an update or its resolution."),
    EventSpec("liaison.inquiry.resolved.v1", "inquiry.resolved", "inquiry_id", p.InquiryResolvedV1,
              "The inquiry was resolved by the state or by the MCO."),
    EventSpec("liaison.inquiry.reopened.v1", "inquiry.reopened", "inquiry_id", p.InquiryReopenedV1,
              "A resolved inquiry was reopened."),
    EventSpec("liaison.sla.clock-started.v1", "sla.clock", "inquiry_id", p.ClockStartedV1,
              "A clock started (or restarted) with its warning and due instants."),
    EventSpec("liaison.sla.warning.v1", "sla.warning", "inquiry_id", p.SlaWarningV1,
              "A clock reached its warning point and is not met."),
    EventSpec("liaison.sla.breached.v1", "sla.breached", "inquiry_id", p.SlaBreachedV1,
              "A clock passed its deadline without being met."),
    EventSpec("liaison.sla.met.v1", "sla.met", "inquiry_id", p.SlaMetV1,
              "A clock was met, with the business time it took."),
    EventSpec("liaison.sla.clock-stopped.v1", "sla.clock", "inquiry_id", p.ClockStoppedV1,
              "A clock stopped without being met (resolved, off the track, or its breach withdrawn)."),
    EventSpec("liaison.sla.breach-withdrawn.v1", "sla.breached", "inquiry_id", p.BreachWithdrawnV1,
              "A breach was withdrawn: an action recorded late had been taken before the deadline."),
    EventSpec("liaison.sla.follow-up-due.v1", "sla.follow-up-due", "inquiry_id", p.FollowUpDueV1,
              "A breach created a follow-up task with its own clock."),
    EventSpec("liaison.attribution.panel-removal.v1", "attribution.panel-removal", "member_id",
              p.PanelRemovalRequestedV1, "A PCP asked to remove a member from its panel."),
    EventSpec("liaison.attribution.pcp-assigned.v1", "attribution.pcp-assigned", "member_id",
              p.PcpAssignedV1, "A member was attributed to a PCP (new or changed)."),
    EventSpec("liaison.attribution.member-enrolled.v1", "attribution.member-enrollment", "member_id",
              p.MemberEnrolledV1, "A member is enrolled with an MCO for a period."),
    EventSpec("liaison.attribution.member-disenrolled.v1", "attribution.member-enrollment", "member_id",
              p.MemberDisenrolledV1, "A member's MCO enrollment ended."),
    EventSpec("liaison.attribution.survey-outcome.v1", "attribution.survey-outcome", "response_id",
              p.SurveyOutcomeV1, "The PCP-attribution survey chose an outcome (no service consumes it yet)."),
    EventSpec("liaison.care.conference-held.v1", "care.conferences", "conference_id", care.ConferenceHeldV1,
              "A case conference of a plan and a practice took place; its summary is due."),
    EventSpec("liaison.care.summary-sent.v1", "care.conferences", "conference_id", care.SummarySentV1,
              "The plan sent a conference's summary to the practice."),
    EventSpec("liaison.care.next-step-agreed.v1", "care.next-steps", "step_id", care.NextStepAgreedV1,
              "A conference agreed a next step, its responsible party and its report-back date."),
    EventSpec("liaison.care.next-step-reported.v1", "care.next-steps", "step_id", care.NextStepReportedV1,
              "The responsible party reported back on a next step."),
    EventSpec("liaison.care.tracking-started.v1", "care.tracking", "tracking_id", care.TrackingStartedV1,
              "An unengaged patient went on the tracking list (six-month update)."),
    EventSpec("liaison.care.tracking-updated.v1", "care.tracking", "tracking_id", care.TrackingUpdatedV1,
              "The plan recorded a tracked patient's update (claims activity report)."),
    EventSpec("liaison.care.encounter-notified.v1", "care.transitions", "notice_id", care.EncounterNotifiedV1,
              "A hospital notified an admission or a discharge of an attributed patient."),
    EventSpec("liaison.care.callback-requested.v1", "care.transitions", "request_id", care.CallbackRequestedV1,
              "A patient asked to be called back."),
    EventSpec("liaison.care.follow-up-recorded.v1", "care.transitions", "item_id", care.FollowUpRecordedV1,
              "A care manager reached the patient after a discharge or a call-back request."),
    EventSpec("liaison.notification.sent.v1", "notification.delivery", "notification_id",
              p.NotificationSentV1, "A notification reached its channel."),
    EventSpec("liaison.notification.letter-ready.v1", "notification.letters", "letter_id", p.LetterReadyV1,
              "A letter to the originator is rendered and stored."),
    EventSpec("liaison.mco.inquiry-referred.v1", "mco.{mco}.inquiries", "inquiry_id", p.McoInquiryReferredV1,
              "On the MCO's own topic: one of its members' inquiries was referred to it."),
    EventSpec("liaison.mco.inquiry-updated.v1", "mco.{mco}.inquiries", "inquiry_id", p.McoInquiryUpdatedV1,
              "On the MCO's own topic: a referred inquiry changed."),
    EventSpec("liaison.notification.failed.v1", "notification.delivery", "notification_id",
              p.NotificationFailedV1, "A notification failed after its last retry."),
)

def per_mco(topic: str) -> bool:
    """Whether `topic` is a template with one topic per MCO (`mco.{mco}.inquiries`)."""
    return "{mco}" in topic


def mco_topic(topic: str, mco: str) -> str:
    """The concrete topic of one MCO."""
    return topic.replace("{mco}", mco)


BY_TYPE: dict[str, EventSpec] = {spec.type: spec for spec in EVENTS}
BY_PAYLOAD: dict[type[p.Payload], EventSpec] = {spec.payload: spec for spec in EVENTS}
TOPICS: tuple[str, ...] = tuple(dict.fromkeys(spec.topic for spec in EVENTS))

DEAD_LETTER_SUFFIX = ".dlq"


def spec_for(payload: p.Payload | type[p.Payload]) -> EventSpec:
    """The catalog entry of a payload (instance or model class)."""
    model = payload if isinstance(payload, type) else type(payload)
    try:
        return BY_PAYLOAD[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not in the event catalog") from None


def dead_letter_topic(topic: str) -> str:
    """Where poison events of `topic` go."""
    return topic + DEAD_LETTER_SUFFIX
