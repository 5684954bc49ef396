"""The PCP-attribution escalation survey: its questions, and answers walked to one outcome."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from liaison_attribution.api.deps import Reader, Surveys, Uses, Work, Writer
from liaison_attribution.api.schemas import SurveyAnswers
from liaison_attribution.survey import SurveyAnswerError
from liaison_shared.openapi import NOT_FOUND
from liaison_shared.problems import Problem

router = APIRouter(prefix="/v1", tags=["attribution"])


@router.get("/survey", summary="The PCP-attribution escalation survey's questions")
async def survey_questions(_: Reader, survey: Surveys) -> dict[str, Any]:
    return {"version": survey.version, "root": survey.root,
            "questions": [q.model_dump(mode="json") for q in survey.questions()]}


@router.post("/survey-responses", summary="Answers to the survey: one outcome, and the event that starts it",
             responses=NOT_FOUND)
async def answer_survey(body: SurveyAnswers, principal: Writer, survey: Surveys, uses: Uses, work: Work
                        ) -> dict[str, Any]:
    try:
        result = survey.walk(body.answers)
    except SurveyAnswerError as refused:
        raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                      errors=[{"field": f"answers.{refused.node_id}", "reason": refused.reason}]) from None
    response_id = await uses.survey_answered(work.session, result, inquiry_id=body.inquiry_id,
                                             member_id=body.member_id, principal=principal)
    await work.commit()
    return {"response_id": str(response_id), "outcome": result.outcome,
            "path": [{"question": q, "answer": a} for q, a in result.path]}
