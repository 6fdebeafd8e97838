"""Review before done (docs/review.md): a task under a review policy (`TaskInput.review`) that its
agent completes is `in_review` until its reviewer decides.

The board reviews through an approval of kind `review` (the one human gate approvals and tool
calls use: decided in the dashboard, the API or `paperclip approval decide`); an agent reviews in
a review task of its own (`Review: <title>`, a subtask of the reviewed one, given its result and
what it delivered by reference), which it ends with `review_verdict`. Approved, the task is done
with the result reviewed. Sent back, it runs again and the reviewer's notes are its agent's next
input. The reviews are bounded (`TaskReview.max_cycles`): the last one sending it back fails the
task, saying so. A review task that ends without a verdict (it failed, or was cancelled) hands the
review to the board. Everything is carried in `TaskCarry`, so a review waits across
continue-as-new.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from paperclip import prompts
    from paperclip.constants import Activity
    from paperclip.models import ApprovalKind, ApprovalRequest, ApprovalStatus, Message, TaskStatus
    from paperclip.models.review import BOARD, Deliveries, DeliveriesInput, ReviewVerdict
    from paperclip.tools.review_verdict import nothing_delivered, review_brief, sent_back
    from workflows.patches import REVIEW
    from workflows.task_core import TaskCore, start_subtask

READ_RETRIES = RetryPolicy(maximum_attempts=3)
"""A store that does not answer: the review goes on without the list of what was delivered."""


def reviewed(task: TaskCore) -> bool:
    """Whether the task's completion goes to a reviewer (its input has a policy, since `REVIEW`)."""
    return task.input.review is not None and workflow.patched(REVIEW)


async def deliveries(task: TaskCore) -> Deliveries | None:
    """What the task delivered so far (work products, documents); None: the store did not say."""
    try:
        found: Deliveries = await workflow.execute_activity(
            Activity.TASK_DELIVERIES,
            DeliveriesInput(company_id=task.input.company_id, task=task.input.identifier),
            result_type=Deliveries,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=READ_RETRIES,
        )
    except ActivityError as err:
        workflow.logger.warning("%s: what it delivered is unknown: %s", task.input.identifier, err.cause or err)
        return None
    return found


async def nothing_to_review(task: TaskCore, declared: bool) -> str | None:
    """`complete_task`'s refusal when the task is reviewed and has delivered nothing: no work
    product declared or recorded, no document, no subtask it delegated; None: it may complete
    (also when the store did not say)."""
    if not reviewed(task) or declared or task.carry.child_counter > task.carry.review_tasks:
        return None
    found = await deliveries(task)
    if found is None or found.lines:
        return None
    return prompts.error(nothing_delivered())


async def submit(task: TaskCore) -> bool:
    """The agent completed (`task.result`): under review, the result goes to the reviewer and the
    task is `in_review` (True); else (False) the task is done."""
    if task.result is None or not reviewed(task):
        return False
    review, carry = task.input.review, task.carry
    assert review is not None
    carry.under_review, task.result = task.result, None
    carry.review_cycles += 1
    carry.review_finished = None
    found = await deliveries(task)
    delivered = found.lines if found is not None else ["(the store did not say)"]
    if review.agent is None:
        await _ask_board(task, delivered)
    else:
        await _start_review_task(task, delivered)
    return True


async def _set(task: TaskCore, status: TaskStatus, note: str) -> None:
    """Take `status` and tell the company, with what the activity log says of it."""
    task.change_status(status)
    await task.emit("status", status=status, summary=note)


async def _ask_board(task: TaskCore, delivered: list[str]) -> None:
    carry, input = task.carry, task.input
    assert carry.under_review is not None
    request_id = task.next_request()
    carry.review_request = request_id
    carry.announced.append(request_id)  # its decision is the review's, not a message for the agent
    await _set(task, TaskStatus.IN_REVIEW, f"review {carry.review_cycles} asked of the board")
    await task.ask(
        ApprovalRequest(
            request_id=request_id,
            kind=ApprovalKind.REVIEW,
            title=f"review {input.identifier}: {input.title}",
            details=review_brief(input.title, input.brief, carry.under_review, delivered),
            requested_by=input.agent.name,
            task=input.identifier,
        )
    )


async def _start_review_task(task: TaskCore, delivered: list[str]) -> None:
    carry, input = task.carry, task.input
    assert carry.under_review is not None and input.review is not None and input.review.agent is not None
    reviewer = input.review.agent
    carry.child_counter += 1
    carry.review_tasks += 1
    child = f"{input.identifier}.{carry.child_counter}"
    carry.review_request = child
    carry.open_children[child] = reviewer.name  # cancelled with the task
    await _set(task, TaskStatus.IN_REVIEW, f"review {carry.review_cycles} asked of {reviewer.name} in {child}")
    brief = review_brief(input.title, input.brief, carry.under_review, delivered)
    await start_subtask(task, child, reviewer, f"Review: {input.title}"[:500], brief, reviewing=input.identifier)


def _verdict(task: TaskCore) -> ReviewVerdict | str | None:
    """The reviewer's verdict; a text: the review cannot go on (why); None: none yet."""
    carry = task.carry
    request = carry.review_request
    if request is None:
        return "no review was asked"
    if request.startswith(f"{task.input.identifier}."):  # a review task
        ended = carry.review_finished
        if ended is None:
            return None
        return ended.verdict or f"review task {ended.identifier} ended {ended.status} without a verdict"
    answer = carry.answers.get(request)
    if answer is None:
        return None
    if not answer.ok or answer.approval is None:
        return f"the review could not be asked: {answer.message}"
    approval = answer.approval
    if approval.status is ApprovalStatus.PENDING:
        return None
    decision = "approve" if approval.status is ApprovalStatus.APPROVED else "request_changes"
    return ReviewVerdict(decision=decision, notes=approval.note, reviewer=approval.decided_by or BOARD)


async def await_review(task: TaskCore) -> tuple[TaskStatus, str] | None:
    """Wait for the verdict. Approved: (done, the result); sent back the last time its policy
    allows, or not reviewable: (failed, why). Sent back: None, and the task runs again with the
    notes as its next input (so it is None, too, when cancelled or continuing as new first)."""
    carry, review = task.carry, task.input.review
    assert review is not None
    await workflow.wait_condition(
        lambda: _verdict(task) is not None or carry.cancel is not None or task.should_continue_as_new()
    )
    verdict = _verdict(task)
    if verdict is None or carry.cancel is not None:
        return None
    result = carry.under_review or ""
    if isinstance(verdict, str):
        if carry.review_request is not None and carry.review_request.startswith(f"{task.input.identifier}."):
            # The reviewing agent gave no verdict: the board reviews instead.
            workflow.logger.warning("%s: %s; the board reviews it", task.input.identifier, verdict)
            await _ask_board(task, [])
            return None
        return TaskStatus.FAILED, f"{verdict} (its result was: {result[:2_000]})"
    carry.review_request = None
    carry.review_finished = None
    if verdict.decision == "approve":
        carry.under_review = None
        return TaskStatus.DONE, result
    if carry.review_cycles >= review.max_cycles:
        return TaskStatus.FAILED, (
            f"sent back by {verdict.reviewer} in review {carry.review_cycles} of at most {review.max_cycles}: "
            f"{verdict.notes or '(no notes)'}"
        )
    carry.under_review = None
    carry.pending.append(
        Message(
            role="user",
            author=verdict.reviewer,
            content=sent_back(verdict.reviewer, verdict.notes, carry.review_cycles, review.max_cycles),
        )
    )
    await _set(task, TaskStatus.RUNNING, f"sent back by {verdict.reviewer}: {verdict.notes[:300]}")
    return None
