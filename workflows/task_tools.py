"""The handlers of the tools that run inside the task workflow, dispatched by tool name.

A call is checked against its tool's argument model (`paperclip.tools`) first: arguments that
do not fit are the tool's answer (an error the model reads), never coerced. A handler
orchestrates (a subtask, a signal to the company, a wait for the board); side effects run as
activities named by `paperclip.constants.Activity`. Every answer is the tool result the model
reads next turn (texts from `paperclip.prompts`).

Registry tools that run in the workflow (`RegisteredTool.runs == "workflow"`: `comment`,
`read_task`, the document tools of `workflows.task_documents`) are decided by the tool policy like
any registry tool (`workflows.task_acting`), then run here by `run_in_workflow`.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from paperclip import prompts
    from paperclip.constants import Activity, CompanySignal
    from paperclip.models import (
        AgentFromTemplateInput,
        AgentSpec,
        ApprovalKind,
        ApprovalRequest,
        ApprovalStatus,
        ApprovalTimedOut,
        CommentInput,
        Escalation,
        Message,
        TaskStatus,
        ToolCall,
    )
    from paperclip.models.dependencies import AddBlockerAnswer, AddBlockerCall, AddBlockerInput
    from paperclip.models.review import ReviewVerdict
    from paperclip.org import subtree
    from paperclip.tools import (
        COMPLETE_TASK,
        DELEGATE_TASK,
        ESCALATE,
        HIRE_AGENT,
        REQUEST_APPROVAL,
        CompleteTaskArguments,
        DelegateTaskArguments,
        EscalateArguments,
        HireAgentArguments,
        RequestApprovalArguments,
        ToolArgumentsError,
        arguments_of,
    )
    from paperclip.tools.add_blocker import ADD_BLOCKER, AddBlockerArguments
    from paperclip.tools.comment import COMMENT, CommentArguments
    from paperclip.tools.read_document import READ_DOCUMENT
    from paperclip.tools.read_task import READ_TASK, ReadTaskArguments, ReadTaskInput, TaskReading
    from paperclip.tools.review_verdict import REVIEW_VERDICT, ReviewVerdictArguments
    from paperclip.tools.write_document import WRITE_DOCUMENT
    from workflows import task_documents
    from workflows.patches import ADD_BLOCKER_TOOL, REVIEW, TASK_TOOLS, WORK_PRODUCTS
    from workflows.signals import signal_company
    from workflows.task_core import TaskCore, start_subtask
    from workflows.task_products import record_declared
    from workflows.task_review import nothing_to_review
    from workflows.task_schema import refused_result

MAX_DELEGATION_DEPTH = 5
"""A subtask of a subtask … at most this deep: delegation loops end."""

READ_RETRIES = RetryPolicy(maximum_attempts=3)
"""A store that does not answer is the model's to read after a few attempts, not a task stuck retrying."""

Handler = Callable[[TaskCore, Any], Awaitable[str]]
"""Runs one checked call (the tool's argument model) for a task; answers what the model reads."""


async def act(task: TaskCore, call: ToolCall) -> Message:
    """Run the model's (or the API's) tool call; its answer is a tool message."""
    handler = HANDLERS.get(call.name)
    if handler is None or (call.name == HIRE_AGENT and not task.input.agent.permissions.can_hire):
        return reply(call, prompts.unknown_tool(call.name))
    try:
        arguments = arguments_of(call.name, call.arguments)
    except ToolArgumentsError as err:
        return reply(call, prompts.error(str(err)))
    return reply(call, await handler(task, arguments))


def reply(call: ToolCall, content: str) -> Message:
    return Message(role="tool", tool_call_id=call.id, content=content, author=call.name)


async def complete(task: TaskCore, args: CompleteTaskArguments) -> str:
    """Finish the task with its result, unless subtasks are still open, it does not fit the
    task's output schema (`workflows.task_schema`), or a declared work product is refused
    (`workflows.task_products`)."""
    if task.carry.open_children:
        return prompts.subtasks_open(list(task.carry.open_children))
    if (sent_back := refused_result(task, args.result)) is not None:
        return sent_back
    if task.input.reviewing is not None:
        return prompts.error(f"a review task ends with {REVIEW_VERDICT}: approve, or request changes with notes.")
    if args.work_products and workflow.patched(WORK_PRODUCTS):
        refused = await record_declared(task, args.work_products)
        if refused is not None:
            return refused
    if (empty := await nothing_to_review(task, declared=bool(args.work_products))) is not None:
        return empty
    task.result = args.result
    return prompts.COMPLETED


async def give_verdict(task: TaskCore, args: ReviewVerdictArguments) -> str:
    """A review task's agent decides (`review_verdict`): its task ends, and the verdict goes to the
    task it reviews with its end."""
    if task.input.reviewing is None or not workflow.patched(REVIEW):
        return prompts.unknown_tool(REVIEW_VERDICT)
    verdict = ReviewVerdict(decision=args.decision, notes=args.notes.strip(), reviewer=task.input.agent.name)
    task.carry.verdict_given = verdict
    said = "approved" if verdict.decision == "approve" else "changes requested"
    task.result = f"{task.input.reviewing} {said}" + (f": {verdict.notes}" if verdict.notes else "")
    return prompts.COMPLETED


async def delegate(task: TaskCore, args: DelegateTaskArguments) -> str:
    """Start a subtask for someone in the team; its result arrives later by signal."""
    input, carry = task.input, task.carry
    team = {s.name: s for s in subtree(input.team, input.agent.name)}
    if args.agent not in team:
        return prompts.not_in_team(args.agent, list(team))
    if input.depth + 1 > MAX_DELEGATION_DEPTH:
        return prompts.too_deep(MAX_DELEGATION_DEPTH)
    if input.require_strategy_approval and not carry.strategy_approved:
        return prompts.STRATEGY_FIRST
    carry.child_counter += 1
    child = f"{input.identifier}.{carry.child_counter}"
    spec: AgentSpec = team[args.agent]
    carry.open_children[child] = args.agent
    await start_subtask(
        task,
        child,
        spec,
        args.title,
        args.brief,
        team=subtree(input.team, args.agent),
        goals=prompts.goal_chain(input.goals, input.goal),
        # A subtask works in its agent's repository, else its parent's, under the same rules.
        repository=spec.repository or input.repository,
    )
    return prompts.delegated(child, args.agent, args.title)


async def escalate(task: TaskCore, args: EscalateArguments) -> str:
    """Ask the company to hand this task to the agent's manager; no turn until it has."""
    manager = task.input.agent.reports_to
    if manager is None:
        return prompts.NO_MANAGER
    if task.carry.handing_over:
        return prompts.already_escalated(manager)
    task.carry.handing_over = True
    escalation = Escalation(identifier=task.input.identifier, agent=task.input.agent.name, reason=args.reason)
    await signal_company(task.input.company_id, CompanySignal.TASK_ESCALATED, escalation)
    return prompts.escalated(manager, args.reason)


async def request_approval(task: TaskCore, args: RequestApprovalArguments) -> str:
    """Ask the board; no turn until the decision comes (see `await_decision`)."""
    if task.carry.waiting_for is not None:
        return prompts.ALREADY_WAITING
    request_id = task.next_request()
    await task.ask(
        ApprovalRequest(
            request_id=request_id,
            kind=ApprovalKind(args.kind),
            title=args.title,
            details=args.details,
            requested_by=task.input.agent.name,
            task=task.input.identifier,
        )
    )
    task.carry.waiting_for = request_id
    task.carry.waiting_since = workflow.now()
    task.carry.wait_escalated = False
    return prompts.SENT_TO_BOARD


async def await_decision(task: TaskCore) -> None:
    """Hold, at no cost, until the board decides (escalating once past the company's timeout);
    the decision is the next turn's input."""
    carry = task.carry
    request_id = carry.waiting_for
    assert request_id is not None and carry.waiting_since is not None
    if carry.status is not TaskStatus.BLOCKED:
        await task.set_status(TaskStatus.BLOCKED)

    def woken() -> bool:
        return task.decided(request_id) or carry.cancel is not None or task.should_continue_as_new()

    limit = task.input.approval_timeout_seconds
    if limit is not None and not carry.wait_escalated:
        left = carry.waiting_since + timedelta(seconds=limit) - workflow.now()
        try:
            await workflow.wait_condition(woken, timeout=max(left, timedelta(seconds=1)))
        except TimeoutError:
            carry.wait_escalated = True
            timed_out = ApprovalTimedOut(request_id=request_id)
            await signal_company(task.input.company_id, CompanySignal.APPROVAL_TIMED_OUT, timed_out)
            return
    else:
        await workflow.wait_condition(woken)
    if not task.decided(request_id):
        return  # cancelled, or continue-as-new first
    answer = carry.answers[request_id]
    carry.waiting_for = carry.waiting_since = None
    carry.announced.append(request_id)
    approval = answer.approval
    if approval is not None and approval.kind is ApprovalKind.STRATEGY and approval.status is ApprovalStatus.APPROVED:
        carry.strategy_approved = True
    carry.pending.append(Message(role="user", author="board", content=prompts.describe_answer(answer)))
    await task.set_status(TaskStatus.RUNNING)


async def hire(task: TaskCore, args: HireAgentArguments) -> str:
    """Hire from a template into this agent's team; the company may hold the hire for the board."""
    me = task.input.agent.name
    reports_to = args.reports_to or me
    team = {s.name for s in subtree(task.input.team, me)}
    if reports_to != me and reports_to not in team:
        return prompts.not_a_manager(reports_to)
    try:
        spec: AgentSpec = await workflow.execute_activity(
            Activity.AGENT_FROM_TEMPLATE,
            AgentFromTemplateInput(
                template=args.template,
                name=args.name,
                title=args.title,
                reports_to=reports_to,
                fallback=task.input.agent.model,
            ),
            result_type=AgentSpec,
            start_to_close_timeout=timedelta(seconds=30),
        )
    except ActivityError as err:
        return prompts.error(err.cause.message if isinstance(err.cause, FailureError) else str(err))
    request_id = task.next_request()
    await task.ask(
        ApprovalRequest(
            request_id=request_id,
            kind=ApprovalKind.HIRE_AGENT,
            title=f"hire {spec.name} ({spec.template}) reporting to {reports_to}",
            details=args.reason,
            requested_by=me,
            task=task.input.identifier,
            agent=spec,
        )
    )
    await workflow.wait_condition(lambda: request_id in task.carry.answers or task.carry.cancel is not None)
    answer = task.carry.answers.get(request_id)
    if answer is None:
        return prompts.CANCELLED_BEFORE_ANSWER
    if not answer.ok:
        return prompts.error(answer.message)
    task.input = task.input.model_copy(update={"team": [*task.input.team, spec]})
    return prompts.hired(spec, answer.approval.id if answer.approval is not None else None)


HANDLERS: dict[str, Handler] = {
    COMPLETE_TASK: complete,
    DELEGATE_TASK: delegate,
    ESCALATE: escalate,
    REQUEST_APPROVAL: request_approval,
    HIRE_AGENT: hire,
    REVIEW_VERDICT: give_verdict,
}
"""Tool name → its handler: every tool of `paperclip.tools.ARGUMENTS`."""


# ------------------------------------------------------------------ registry tools run here


async def run_in_workflow(task: TaskCore, call: ToolCall) -> Message:
    """Run a registry tool that runs in the workflow (its call allowed or approved already)."""
    handler = REGISTRY_HANDLERS.get(call.name)
    if handler is None or not workflow.patched(TASK_TOOLS):
        return reply(call, prompts.unknown_tool(call.name))
    try:
        arguments = arguments_of(call.name, call.arguments)
    except ToolArgumentsError as err:
        return reply(call, prompts.error(str(err)))
    return reply(call, await handler(task, arguments))


def related(task: TaskCore) -> list[str]:
    """The tasks the agent may comment on: its own, its parent, and the subtasks it delegated."""
    me = task.input.identifier
    children = [f"{me}.{n}" for n in range(1, task.carry.child_counter + 1)]
    return [me, *([task.input.parent] if task.input.parent else []), *children]


async def comment(task: TaskCore, args: CommentArguments) -> str:
    """Post a comment through the company, on the agent's own task, its parent or a subtask; a
    subtask that finished takes no more."""
    me, target = task.input.identifier, args.task or task.input.identifier
    if target not in related(task):
        return prompts.not_related(target, related(task))
    if target.startswith(me + ".") and target not in task.carry.open_children:
        return prompts.task_closed(target)
    posted = CommentInput(identifier=target, body=args.body, author=task.input.agent.name)
    await signal_company(task.input.company_id, CompanySignal.TASK_COMMENTED, posted)
    return prompts.commented(target, own=target == me)


async def read_task(task: TaskCore, args: ReadTaskArguments) -> str:
    """Read a task of the company from the store; what others wrote there marks the task as
    having read untrusted content."""
    target = args.task or task.input.identifier
    try:
        reading: TaskReading = await workflow.execute_activity(
            Activity.READ_TASK,
            ReadTaskInput(
                company_id=task.input.company_id,
                identifier=target,
                reader=task.input.agent.name,
                own=target == task.input.identifier,
            ),
            result_type=TaskReading,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=READ_RETRIES,
        )
    except ActivityError as err:
        return prompts.tool_failed(READ_TASK, err.cause.message if isinstance(err.cause, FailureError) else str(err))
    if not reading.found:
        return prompts.no_such_task(target)
    if reading.untrusted:
        task.carry.tools.untrusted_read = True
    return reading.text


async def add_blocker(task: TaskCore, args: AddBlockerArguments) -> str:
    """Ask the company to make a queued task of the agent's team (itself and everyone below it)
    wait for another; the company's refusal is the answer."""
    if not workflow.patched(ADD_BLOCKER_TOOL):
        return prompts.unknown_tool(ADD_BLOCKER)
    me = task.input.agent.name
    request = AddBlockerInput(
        identifier=args.task,
        blocked_by=args.blocked_by,
        input=args.input,
        actor=me,
        within=[me, *(s.name for s in subtree(task.input.team, me))],
    )
    try:
        answer: AddBlockerAnswer = await workflow.execute_activity(
            Activity.ADD_BLOCKER,
            AddBlockerCall(company_id=task.input.company_id, request=request),
            result_type=AddBlockerAnswer,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=READ_RETRIES,
        )
    except ActivityError as err:
        return prompts.tool_failed(ADD_BLOCKER, err.cause.message if isinstance(err.cause, FailureError) else str(err))
    if not answer.ok:
        return prompts.error(answer.message)
    return prompts.blocker_added(args.task, answer.blocked_by)


REGISTRY_HANDLERS: dict[str, Handler] = {
    COMMENT: comment,
    READ_TASK: read_task,
    ADD_BLOCKER: add_blocker,
    READ_DOCUMENT: lambda task, args: task_documents.read_document(task, args, related(task)),
    WRITE_DOCUMENT: task_documents.write_document,
}
"""Registry tool name → its handler: every registry tool with `runs == "workflow"`."""
