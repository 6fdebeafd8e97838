"""A CLI agent's calls its tool policy asks about.

A headless coding CLI cannot stop mid-turn to ask a person. So the policy's rules of what the
tool's own tools do (`paperclip.cli_rules.cli_tool_rules`: Claude Code's `Bash` stands for
`run_command`, its `Write` for `write_file`, …) go to its command line: the tool refuses a call
they deny or ask of, tells its model, finishes the turn, and reports the refusal
(`CliTurnResult.denials`). Commands can be asked about (Claude Code's file and fetch tools
are refused outright: `activities.cli.claude.permission_flags`). A refused command that a rule
asks of becomes a step waiting for a person (an approval of kind `tool_call`, as a model agent's call is asked about,
`workflows.task_acting`): the task holds, blocked and at no cost, until every one is decided.
Then the tool's next turn resumes its session with the decisions in its prompt: an approved
command is granted to it exactly (`CliGrant`, the command the person saw, or the one they
edited), for that turn or, allowed for the task, for every later one; a rejected one is told.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip import prompts
    from paperclip.cli_rules import ASKED_ARGUMENT, CLI_TOOLS, cli_tool_rules
    from paperclip.models import (
        ApprovalKind,
        ApprovalRequest,
        CliGrant,
        CliTurnResult,
        ToolCall,
        ToolCallRequest,
        ToolDecision,
        ToolPolicy,
        ToolRule,
        ToolStep,
    )
    from paperclip.tools.policy import decide
    from workflows.patches import CLI_ASKS
    from workflows.task_core import TaskCore
    from workflows.task_tools import reply

TASK_GRANTS = 50
"""At most this many calls allowed for the rest of a task (the oldest go first): each is a flag
of every later turn's command line."""


def turn_rules(task: TaskCore) -> list[ToolRule]:
    """The rules the agent's tool is started with: what it refuses, and allows by pattern."""
    agent = task.input.agent
    return cli_tool_rules(agent.adapter, agent.tool_policy, task.input.company_tool_policy)


def turn_grants(task: TaskCore) -> list[CliGrant]:
    """The approved calls the agent's tool is started allowing."""
    return list(task.carry.tools.cli_grants)


def turn_taken(task: TaskCore) -> None:
    """A turn ran with the grants: those given once are spent."""
    state = task.carry.tools
    state.cli_grants = [g for g in state.cli_grants if g.for_task]


async def ask_refused(task: TaskCore, result: CliTurnResult) -> None:
    """Ask a person about each call the turn's tool refused that a rule asks of (once each: the
    same command refused twice in a turn is one question). A call whose command, file or URL the
    tool reported cut short is not asked about: what was approved must be what runs."""
    agent = task.input.agent
    own = CLI_TOOLS.get(agent.adapter, {})
    refused = [
        (own[d.tool], d.detail)
        for d in result.denials
        if own.get(d.tool) in ASKED_ARGUMENT and d.detail and d.detail[-1] != "…"
    ]
    asked: list[ApprovalRequest] = []
    seen: set[tuple[str, str]] = set()
    for tool, subject in refused:
        if (tool, subject) in seen:
            continue
        seen.add((tool, subject))
        verdict = decide(
            tool, subject, agent.tool_policy, task.input.company_tool_policy, risky=False, default=ToolPolicy.ALLOW
        )
        if verdict.policy is not ToolPolicy.ASK or not workflow.patched(CLI_ASKS):
            continue
        call = ToolCall(id=f"cli-{task.carry.turn}-{len(seen)}", name=tool, arguments={ASKED_ARGUMENT[tool]: subject})
        step = ToolStep(
            call=call,
            subject=subject,
            reason=result.reply.content[:2_000],
            request_id=task.next_request(),
            asked_at=workflow.now(),
            pattern=verdict.pattern,
            cli=True,
        )
        task.carry.tools.steps.append(step)
        asked.append(
            ApprovalRequest(
                request_id=step.request_id or "",
                kind=ApprovalKind.TOOL_CALL,
                title=prompts.tool_asked(tool, subject),
                details=step.reason,
                requested_by=agent.name,
                task=task.input.identifier,
                tool_call=ToolCallRequest(
                    call_id=call.id,
                    tool=tool,
                    arguments=call.arguments,
                    subject=subject,
                    reason=step.reason,
                    why_asked=f"its tool refused it, and {verdict.why}",
                ),
            )
        )
    if asked and task.result is not None:
        task.result = None  # it completed through the API meanwhile: it ends once it read the answers
    for request in asked:
        await task.ask(request)


def grant(task: TaskCore, step: ToolStep, actor: str, decision: ToolDecision) -> None:
    """An asked call was approved: granted to the tool's next turn (edited, if the person edited
    its command, file or URL), and the agent told to make it again."""
    key = ASKED_ARGUMENT[step.call.name]
    edited = (decision.arguments or {}).get(key)
    subject = edited if isinstance(edited, str) and edited.strip() else step.subject
    state = task.carry.tools
    state.cli_grants.append(CliGrant(tool=step.call.name, subject=subject, for_task=decision.scope == "task"))
    kept = [g for g in state.cli_grants if g.for_task]
    if len(kept) > TASK_GRANTS:
        oldest = kept[0]
        state.cli_grants = [g for g in state.cli_grants if g is not oldest]
    step.result = reply(step.call, prompts.cli_granted(step.call.name, subject, actor, decision.scope == "task"))
