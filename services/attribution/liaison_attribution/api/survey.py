"""The PCP-attribution escalation survey: its questions, and answers walked to one outcome."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from liaison_attribution.api.deps import Reader, Surveys, Uses, Work, Writer, today
from liaison_attribution.api.schemas import SurveyAnswers, SurveyResponse, new_assignment
from liaison_attribution.survey import SurveyAnswerError
from liaison_shared.openapi import CONFLICT, NOT_FOUND
from liaison_shared.problems import Problem

router = APIRouter(prefix="/v1", tags=["attribution"])


@router.get("/survey", summary="The PCP-attribution escalation survey's questions")
async def survey_questions(_: Reader, survey: Surveys) -> dict[str, Any]:
    return {"version": survey.version, "root": survey.root,
            "questions": [q.model_dump(mode="json") for q in survey.questions()]}


@router.post("/survey-responses", summary="Answers to the survey: one outcome, and the event that starts it",
             responses={**CONFLICT, **NOT_FOUND})
async def answer_survey(body: SurveyAnswers, principal: Writer, survey: Surveys, uses: Uses, work: Work
                        ) -> SurveyResponse:
    """Publishes attribution.survey-outcome with the member's PCP and MCO as they were. A simple PCP change
    is made at once, in the same transaction, as `POST /v1/members/{id}/pcp-change` makes it (409 if the
    PCP is not in the member's network)."""
    try:
        result = survey.walk(body.answers)
    except SurveyAnswerError as refused:
        raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                      errors=[{"field": f"answers.{refused.node_id}", "reason": refused.reason}]) from None
    answered = await uses.survey_answered(
        work.session, result, inquiry_id=body.inquiry_id, member_id=body.member_id,
        pcp_change=None if body.pcp_change is None else body.pcp_change.choice(), as_of=today(),
        principal=principal)
    await work.commit()
    return SurveyResponse(response_id=answered.response_id, outcome=result.outcome,
                          path=[{"question": q, "answer": a} for q, a in result.path],
                          assignment=None if answered.change is None else new_assignment(answered.change))
