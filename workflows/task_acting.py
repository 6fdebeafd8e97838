"""The tools that act: how a task runs its agent's registry tools (`AgentSpec.tools`).

Each call of a turn is checked against its tool's argument model, then decided by the tool
policy (`paperclip.tools.policy`): refused (the model is told), asked (an approval of kind
`tool_call`, through the company), or run. A turn's calls are its `ToolStep`s, carried across
continue-as-new: while any waits for a person, the task is blocked and takes no turn (it holds
no worker slot and spends no tokens); once all are decided, those approved or allowed run — in
parallel where their tool touches only its subject and the subjects differ, else in call order —
as the `run_tool` activity on the queue of the worker host that holds the task's workspace, and
their answers go back to the model in call order.

The workspace is made once per task (`prepare_workspace`, from `TaskInput.repository`); if its
host no longer picks up calls, it is made again on another host and the agent is told what was
lost.

An agent's MCP servers' tools go the same way (`workflows.task_mcp`): listed before a turn,
decided by the same policy, run as `run_tool`.
"""

import asyncio
import json
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError, TimeoutType
from temporalio.exceptions import TimeoutError as ActivityTimeout

with workflow.unsafe.imports_passed_through():
    from paperclip import prompts
    from paperclip.constants import Activity, CompanySignal, tools_queue
    from paperclip.models import (
        ApprovalKind,
        ApprovalRequest,
        ApprovalStatus,
        ApprovalTimedOut,
        Message,
        PreparedWorkspace,
        PrepareWorkspaceInput,
        Standing,
        StandingInput,
        TaskStatus,
        ToolCallRequest,
        ToolDecision,
        ToolPolicy,
        ToolRule,
        ToolRunInput,
        ToolRunResult,
        ToolStep,
        WorkspaceRef,
    )
    from paperclip.tools import COMPLETE_TASK, ToolArguments, ToolArgumentsError, registry_tools
    from paperclip.tools.base import parse
    from paperclip.tools.policy import decide, literal
    from paperclip.tools.registry import RegisteredTool
    from workflows.cli_asks import grant
    from workflows.patches import COMPLETE_TO_END, REGISTRY_TOOLS, STANDING_BY_HASH
    from workflows.signals import signal_company
    from workflows.task_core import TaskCore
    from workflows.task_mcp import approved as mcp_approved
    from workflows.task_mcp import is_mcp, list_servers, mcp_tools, unavailable, uses_mcp
    from workflows.task_mcp import verdict as mcp_verdict
    from workflows.task_tools import act, reply, run_in_workflow

CALLS_PER_TURN = 32
"""Registry-tool calls of one turn acted on at most (each may be an approval for a person); the
rest are answered with an error."""
TEXT_REPLIES_CAP = 3
"""Plain replies in a row (each answered with a reminder) before an agent with tools is stopped."""
IDLE_TURNS_CAP = 5
"""Turns in a row whose calls all failed, were refused, or repeated the turn before's, before the
agent is stopped."""
WORKSPACE_PICKUP = timedelta(minutes=2)
"""How long a call waits for the workspace's host to pick it up before the host counts as gone."""
TOOL_HEARTBEAT = timedelta(seconds=60)
"""A tool's activity beats at least this often (a lost worker is noticed within it)."""
PREPARE_TIMEOUT = timedelta(minutes=15)
"""A clone of a large repository can take minutes."""
TOOL_RETRIES = RetryPolicy(maximum_attempts=3, non_retryable_error_types=["ToolFailed", "InvalidInput"])
"""A call lost with its worker runs again (a runner's failure the model should read is its answer,
not an error); a call that keeps failing is the model's to read."""


def activity_tools(task: TaskCore) -> dict[str, RegisteredTool]:
    """The agent's tools that run as the `run_tool` activity or in the workflow (its registry
    tools, `runs == "workflow"` ones by `workflows.task_tools.run_in_workflow`), then those of its
    MCP servers it is offered, by name."""
    registered = {t.name: t for t in registry_tools(task.input.agent.tools)}
    return registered | mcp_tools(task)


def acts(task: TaskCore) -> bool:
    """Whether this task acts on registry tools (its agent has some, since `REGISTRY_TOOLS`), or
    on MCP tools (since `MCP_TOOLS_LOOP`)."""
    return (bool(registry_tools(task.input.agent.tools)) and workflow.patched(REGISTRY_TOOLS)) or uses_mcp(task)


async def store_standing(task: TaskCore) -> str | None:
    """Before a model turn: its agent's MCP servers listed when due (`task_mcp.list_servers`);
    then, for an agent with registry (or MCP) tools since `STANDING_BY_HASH`, the hash its model
    calls pass their system prompt and tools by, stored first when it changed; None: they travel
    as before."""
    await list_servers(task)
    if not (registry_tools(task.input.agent.tools) or uses_mcp(task)) or not workflow.patched(STANDING_BY_HASH):
        return None
    standing = Standing(system_prompt=prompts.system_prompt(task.input), tools=task.tools())
    digest = standing.digest()
    if digest != task.carry.standing:
        await workflow.execute_activity(
            Activity.STORE_STANDING,
            StandingInput(digest=digest, standing=standing),
            start_to_close_timeout=timedelta(seconds=30),
        )
        task.carry.standing = digest
    return digest


# ------------------------------------------------------------------ a turn's calls


async def take_calls(task: TaskCore, answer: Message) -> None:
    """Act on a reply's calls: a task tool's at once, a registry tool's decided (and asked about);
    the turn's answers are the next input once nothing waits (else `await_tool_decisions`)."""
    tools = activity_tools(task)
    state = task.carry.tools
    state.steps = []
    asked: list[ApprovalRequest] = []
    taken = 0
    for call in answer.tool_calls:
        step = ToolStep(call=call, reason=answer.content[:2_000])
        state.steps.append(step)
        tool = tools.get(call.name)
        if tool is None:
            step.result = unavailable(task, call) or await act(task, call)
            continue
        taken += 1
        if taken > CALLS_PER_TURN:
            step.result = reply(call, prompts.too_many_calls(CALLS_PER_TURN))
            continue
        request = decide_step(task, step, tool)
        if request is not None:
            asked.append(request)
    if asked and task.result is not None:
        # The turn both completed and asked: the task ends only once the asked calls are
        # answered, and the agent has read their answers.
        task.result = None
        for step in state.steps:
            if step.call.name == COMPLETE_TASK and step.result is not None:
                step.result = reply(step.call, prompts.COMPLETE_AFTER_ASKED)
    await asyncio.gather(*(task.ask(r) for r in asked))
    await settle(task)


def decide_step(task: TaskCore, step: ToolStep, tool: RegisteredTool) -> ApprovalRequest | None:
    """Check a call and decide it: answered (refused), marked to run, or the approval to ask."""
    checked = check(task, step, tool)
    if checked is None:
        return None
    _, verdict = checked
    if verdict.policy is ToolPolicy.ALLOW:
        step.run = True
        return None
    step.request_id = task.next_request()
    step.asked_at = workflow.now()
    step.pattern = verdict.pattern
    call = step.call
    return ApprovalRequest(
        request_id=step.request_id,
        kind=ApprovalKind.TOOL_CALL,
        title=prompts.tool_asked(call.name, step.subject),
        details=step.reason,
        requested_by=task.input.agent.name,
        task=task.input.identifier,
        tool_call=ToolCallRequest(
            call_id=call.id,
            tool=call.name,
            arguments=call.arguments,
            subject=step.subject,
            reason=step.reason,
            why_asked=verdict.why,
        ),
    )


def check(task: TaskCore, step: ToolStep, tool: RegisteredTool) -> tuple[ToolArguments, Any] | None:
    """The call's checked arguments and the policy's verdict; None when it is answered already
    (arguments that do not fit, a workspace tool of a task with no repository, or a refusal)."""
    try:
        arguments = parse(tool.arguments, step.call.arguments)
    except ToolArgumentsError as err:
        step.result = reply(step.call, prompts.error(str(err)))
        return None
    step.subject = tool.subject(arguments)
    if tool.workspace and task.input.repository is None and not is_mcp(tool):
        step.result = reply(step.call, prompts.no_workspace(tool.name))  # nothing to ask anyone about
        return None
    state = task.carry.tools
    verdict = (
        mcp_verdict(task, tool, step.subject)
        if is_mcp(tool)
        else decide(
            tool,
            step.subject,
            task.input.agent.tool_policy,
            task.input.company_tool_policy,
            untrusted_read=state.untrusted_read,
            allowed_for_task=state.allowed,
            risky=tool.risky_call(arguments) if tool.risky_call is not None else None,
            default=ToolPolicy.ASK if tool.ask_when is not None and tool.ask_when(arguments) else None,
        )
    )
    if verdict.policy is ToolPolicy.DENY:
        step.result = reply(step.call, prompts.tool_denied(tool.name, verdict.why))
        return None
    return arguments, verdict


def waiting(task: TaskCore) -> list[ToolStep]:
    """The calls of the turn that wait for a person's decision."""
    return [s for s in task.carry.tools.steps if s.request_id is not None and s.result is None and not s.run]


def is_tool_request(task: TaskCore, request_id: str) -> bool:
    return any(s.request_id == request_id for s in task.carry.tools.steps)


async def await_tool_decisions(task: TaskCore) -> None:
    """Hold, blocked and at no cost, until every call of the turn that asked is decided (telling
    the company of each still undecided past its approval timeout); then run what may run and
    answer the turn."""
    carry = task.carry
    if waiting(task) and carry.status is not TaskStatus.BLOCKED:
        await task.set_status(TaskStatus.BLOCKED)

    def woken() -> bool:
        return (
            all(task.decided(s.request_id or "") for s in waiting(task))
            or carry.cancel is not None
            or task.should_continue_as_new()
        )

    limit = task.input.approval_timeout_seconds
    due = [s for s in waiting(task) if not s.escalated and s.asked_at is not None]
    if limit is not None and due:
        first = min(s.asked_at for s in due if s.asked_at is not None) + timedelta(seconds=limit)
        try:
            await workflow.wait_condition(woken, timeout=max(first - workflow.now(), timedelta(seconds=1)))
        except TimeoutError:
            late = [s for s in due if s.asked_at is not None and s.asked_at + timedelta(seconds=limit) <= first]
            for step in late:
                step.escalated = True
            await asyncio.gather(
                *(
                    signal_company(
                        task.input.company_id,
                        CompanySignal.APPROVAL_TIMED_OUT,
                        ApprovalTimedOut(request_id=s.request_id or ""),
                    )
                    for s in late
                )
            )
            return
    else:
        await workflow.wait_condition(woken)
    if not all(task.decided(s.request_id or "") for s in waiting(task)):
        return  # cancelled, or continue-as-new first
    for step in waiting(task):
        resolve(task, step)
    await settle(task)
    if carry.status is TaskStatus.BLOCKED:
        await task.set_status(TaskStatus.RUNNING)


def resolve(task: TaskCore, step: ToolStep) -> None:
    """A person decided a call: it runs (edited arguments checked again), or the model is told."""
    assert step.request_id is not None
    answer = task.carry.answers[step.request_id]
    task.carry.announced.append(step.request_id)
    call, approval = step.call, answer.approval
    if not answer.ok or approval is None:
        step.result = reply(call, prompts.error(f"the call could not be asked about: {answer.message}"))
        return
    actor = approval.decided_by or "the board"
    if approval.status is ApprovalStatus.REJECTED:
        step.result = reply(call, prompts.tool_rejected(call.name, actor, approval.note))
        return
    if approval.status is not ApprovalStatus.APPROVED:
        step.result = reply(call, prompts.tool_revise(call.name, actor, approval.note))
        return
    decision = approval.decision or ToolDecision()
    if step.cli:  # its tool makes it, in its next turn
        grant(task, step, actor, decision)
        return
    tool = activity_tools(task).get(call.name)
    if tool is None:  # reassigned meanwhile to an agent without it, or its MCP server is down
        step.result = unavailable(task, call) or reply(call, prompts.unknown_tool(call.name))
        return
    if decision.arguments is not None:
        # What the person wrote is checked as a call of the model's would be; they approved
        # these arguments, so only a refusal of the rules stops them.
        step.call = call.model_copy(update={"arguments": decision.arguments})
        if check(task, step, tool) is None:
            return
    if decision.scope == "task":
        pattern = step.pattern if step.pattern is not None else literal(step.subject)
        task.carry.tools.allowed.append(
            ToolRule(
                tool=call.name, policy=ToolPolicy.ALLOW, pattern=pattern, untrusted=task.carry.tools.untrusted_read
            )
        )
    if is_mcp(tool):
        mcp_approved(task, call.name)
    step.run = True


async def settle(task: TaskCore) -> None:
    """Once no call of the turn waits: run those to run, and answer the turn in call order."""
    state = task.carry.tools
    if waiting(task):
        return
    await run_steps(task, [s for s in state.steps if s.run])
    answers = [s.result for s in state.steps if s.result is not None]
    # Tool results answer the reply, so they come before anything that arrived meanwhile.
    task.carry.pending = answers + task.carry.pending
    calls = [json.dumps([s.call.name, s.call.arguments], sort_keys=True) for s in state.steps]
    failed = all(a.content.startswith(prompts.ERROR) for a in answers)
    state.idle_turns = state.idle_turns + 1 if failed or calls == state.last_calls else 0
    state.last_calls, state.steps = calls, []


# ------------------------------------------------------------------ running calls


def phases(steps: list[ToolStep], tools: dict[str, RegisteredTool]) -> list[list[ToolStep]]:
    """The calls in groups run one after another: a group is one call, or consecutive calls of
    tools that touch only their subject, on different subjects (those run in parallel)."""
    groups: list[list[ToolStep]] = []
    for step in steps:
        last = groups[-1] if groups else None
        alone = not tools[step.call.name].concurrent
        if (
            last is None
            or alone
            or not tools[last[0].call.name].concurrent
            or step.subject in {s.subject for s in last}
        ):
            groups.append([step])
        else:
            last.append(step)
    return groups


async def run_steps(task: TaskCore, steps: list[ToolStep]) -> None:
    tools = activity_tools(task)
    for step in [s for s in steps if s.call.name not in tools]:  # reassigned, or its MCP server is down
        step.result = unavailable(task, step.call) or reply(step.call, prompts.unknown_tool(step.call.name))
    steps = [s for s in steps if s.call.name in tools]
    # An MCP server works in the task's workspace too, when the task has a repository.
    if any(tools[s.call.name].workspace or is_mcp(tools[s.call.name]) for s in steps) and task.input.repository:
        note = await ensure_workspace(task)
        if note:
            task.carry.pending.append(Message(role="user", author="system", content=note))
    lock = asyncio.Lock()
    for group in phases(steps, tools):
        await asyncio.gather(*(run_step(task, s, tools[s.call.name], lock) for s in group))


async def ensure_workspace(task: TaskCore, previous: WorkspaceRef | None = None) -> str:
    """Make the task's workspace (again, when `previous` was lost with its host); answers what the
    agent should be told ("" when nothing, or it could not be made: its calls then say so)."""
    repository = task.input.repository
    state = task.carry.tools
    if repository is None or (state.workspace is not None and state.workspace != previous):
        return ""
    try:
        prepared: PreparedWorkspace = await workflow.execute_activity(
            Activity.PREPARE_WORKSPACE,
            PrepareWorkspaceInput(session=task.session(), repository=repository, previous=previous),
            result_type=PreparedWorkspace,
            task_queue=tools_queue(workflow.info().task_queue),
            start_to_close_timeout=PREPARE_TIMEOUT,
            retry_policy=RetryPolicy(maximum_attempts=3, non_retryable_error_types=["InvalidInput"]),
        )
    except ActivityError as err:
        workflow.logger.warning("%s: no workspace: %s", task.input.identifier, err.cause or err)
        state.workspace = None
        return ""
    state.workspace = prepared.workspace
    return prompts.workspace_lost(prepared.lost) if previous is not None else ""


async def run_step(task: TaskCore, step: ToolStep, tool: RegisteredTool, lock: asyncio.Lock) -> None:
    """Run one call as the `run_tool` activity (a tool that runs in the workflow, by its handler);
    its answer is the step's result."""
    call, state = step.call, task.carry.tools
    if tool.runs == "workflow":
        step.result = await run_in_workflow(task, call)
        return
    if tool.workspace and state.workspace is None:
        if task.input.repository is None:
            step.result = reply(call, prompts.no_workspace(call.name))
        else:
            step.result = reply(call, prompts.tool_failed(call.name, "the task's workspace could not be made"))
        return
    arguments, mcp = parse(tool.arguments, call.arguments), is_mcp(tool)
    given = None if mcp else getattr(arguments, "timeout_seconds", None)  # an MCP tool's own argument
    timeout = min(float(given or tool.timeout_seconds), 24 * 3600.0)
    for _ in range(2):  # once more on a rebuilt workspace, if its host is gone
        workspace = state.workspace if tool.workspace or mcp else None
        try:
            result: ToolRunResult = await workflow.execute_activity(
                Activity.RUN_TOOL,
                ToolRunInput(
                    session=task.session(),
                    call_id=call.id,
                    tool=call.name,
                    arguments=call.arguments if mcp else arguments.model_dump(mode="json"),
                    workspace=workspace,
                    timeout_seconds=timeout,
                    allow_hosts=list(task.input.agent.allow_hosts),
                ),
                result_type=ToolRunResult,
                task_queue=workspace.queue if workspace is not None else tools_queue(workflow.info().task_queue),
                schedule_to_start_timeout=pickup(task) if workspace is not None else None,
                start_to_close_timeout=timedelta(seconds=timeout + 60),
                heartbeat_timeout=TOOL_HEARTBEAT,
                retry_policy=TOOL_RETRIES,
            )
        except ActivityError as err:
            if workspace is not None and host_gone(err):
                async with lock:
                    note = await ensure_workspace(task, previous=workspace)
                if note:
                    task.carry.pending.append(Message(role="user", author="system", content=note))
                if state.workspace is not None:
                    continue
            cause = err.cause
            message = cause.message if isinstance(cause, FailureError) else str(err)
            step.result = reply(call, prompts.tool_failed(call.name, message))
            return
        break
    else:
        step.result = reply(call, prompts.tool_failed(call.name, "the task's workspace is gone"))
        return
    if result.untrusted or mcp:  # what an MCP server says, even of its failure, is from outside
        state.untrusted_read = True
    if result.cost_usd:
        task.carry.cost_usd += result.cost_usd
        task.report_turn(False)
    step.result = reply(call, prompts.tool_output(result))


def pickup(task: TaskCore) -> timedelta:
    seconds = task.input.workspace_pickup_seconds
    return WORKSPACE_PICKUP if seconds is None else timedelta(seconds=seconds)


def host_gone(err: ActivityError) -> bool:
    """Whether the call was never picked up by its workspace's host."""
    cause = err.cause
    return isinstance(cause, ActivityTimeout) and cause.type is TimeoutType.SCHEDULE_TO_START


# ------------------------------------------------------------------ the loop's end


def reminds(task: TaskCore) -> bool:
    """A plain reply: for an agent with tools (since `COMPLETE_TO_END`) it does not end the task;
    the agent is reminded to call complete_task, or, past `TEXT_REPLIES_CAP`, the task fails
    (`task.failure`). False: the reply is the task's result, as before."""
    if not (registry_tools(task.input.agent.tools) or uses_mcp(task)) or not workflow.patched(COMPLETE_TO_END):
        return False
    state = task.carry.tools
    state.text_turns += 1
    if state.text_turns > TEXT_REPLIES_CAP:
        task.failure = prompts.too_many_text_replies(state.text_turns)
    else:
        task.carry.pending.append(Message(role="user", author="system", content=prompts.COMPLETE_REMINDER))
    return True


def runaway(task: TaskCore, answer: Message) -> str | None:
    """After a turn with calls: why the task stops (too many idle turns in a row), if it does."""
    state = task.carry.tools
    if answer.tool_calls:
        state.text_turns = 0
    if state.idle_turns >= IDLE_TURNS_CAP:
        return prompts.too_many_idle_turns(state.idle_turns)
    return None


__all__ = ["acts", "await_tool_decisions", "is_tool_request", "reminds", "runaway", "take_calls", "waiting"]
