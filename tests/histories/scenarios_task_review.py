"""The review-before-done recording scenario (`taskreview`), beside `tests.histories.scenarios`."""

import json

from paperclip.models import (
    AgentSpec,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    CreateTaskInput,
    DecideApprovalInput,
    Role,
)
from paperclip.models.review import ReviewPolicy
from tests.histories.stage import Company, Stage
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

TIMEOUT = 60


def _done(result: str) -> str:
    return json.dumps({"result": result, "work_products": [{"kind": "url", "value": f"https://example.com/{result}"}]})


async def _decide(company: Company, decision: ApprovalStatus, note: str = "") -> None:
    """Decide the pending review approval, once the task asked it."""

    def pending(approvals: list[Approval]) -> list[str]:
        return [a.id for a in approvals if a.kind is ApprovalKind.REVIEW and a.status is ApprovalStatus.PENDING]

    snap = await wait_for(company, lambda s: bool(pending(s.approvals)), timeout=TIMEOUT)
    await company.execute_update(
        CompanyWorkflow.decide_approval,
        DecideApprovalInput(id=pending(snap.approvals)[0], decision=decision, note=note),
    )


async def taskreview(stage: Stage) -> Company:
    """ACME-1, reviewed by the board: an empty completion is refused, the first result is sent back
    with a note, the second approved. ACME-2, reviewed by an agent: its review task ends with
    `review_verdict` approving it."""
    dev = AgentSpec(name="dev", role=Role.ENGINEER, model=stage.fake_model())
    checker = AgentSpec(name="checker", role=Role.QA, model=stage.fake_model())
    company = await stage.start_company("taskreview", [dev, checker])
    stage.server.call_next("complete_task", json.dumps({"result": "nothing"}))
    stage.server.call_next("complete_task", _done("draft-1"))
    stage.server.call_next("complete_task", _done("draft-2"))
    board = ReviewPolicy(reviewer="board")
    await company.execute_update(
        CompanyWorkflow.create_task, CreateTaskInput(title="Write the note", assignee="dev", review=board)
    )
    await _decide(company, ApprovalStatus.REVISION_REQUESTED, "Cite the sources")
    await _decide(company, ApprovalStatus.APPROVED)
    snap = await wait_for(company, lambda s: s.tasks[0].result is not None, timeout=TIMEOUT)
    assert snap.tasks[0].result == "draft-2", snap.tasks[0]

    stage.server.call_next("complete_task", _done("plan"))
    stage.server.call_next("review_verdict", json.dumps({"decision": "approve", "notes": "Good"}))
    by_agent = ReviewPolicy(reviewer="agent:checker")
    await company.execute_update(
        CompanyWorkflow.create_task, CreateTaskInput(title="Plan the release", assignee="dev", review=by_agent)
    )
    done = await wait_for(
        company, lambda s: any(t.identifier == "ACME-2" and t.result is not None for t in s.tasks), timeout=TIMEOUT
    )
    assert next(t for t in done.tasks if t.identifier == "ACME-2").result == "plan"
    return company
