"""The offline provider: deterministic, no network, every reply labelled `[simulated]`.

Its `decide` is the "brain" shared with the fake provider server in the tests, so a whole
company runs the same way with no keys and against real wire formats:

* a manager (offered `delegate_task`) that has not delegated yet gives one subtask to each
  member of its team (the tool's `agent` enum); where the company wants the plan approved first
  (`request_approval` offers kind `strategy`), it asks for that once, and delegates after the
  board's answer;
* after delegating, it is called again only once its subtasks have finished, so it completes
  with a summary naming their results;
* a leaf (no `delegate_task`) does its work with the workspace tools it is offered, one step a
  turn (`simulated_work`: an engineer writes a function and its test, runs it, commits and pushes; a
  reviewer reads the diff), then completes; with none, it completes at once.

The moves are the same for every caller. What the texts say is not: the fakes in the tests want
short results they can compare whole (`Done: <task>.`), the offline provider writes content a
person can read (`writes=True`: a plan, a tagline and a post, a summary of the parts; see
`simulated_text`). Either way no text is cut mid-word.
"""

import json
import re
from dataclasses import dataclass

from activities.providers.base import OnChunk, ProviderReply, ProviderRequest
from activities.providers.simulated_text import Assignment, Report, clip, plan_details, sentence, summary, write
from activities.providers.simulated_work import work
from paperclip.context import conversation_text as conversation_text
from paperclip.context import estimate_tokens as estimate_tokens
from paperclip.models import Message, Provider, ToolCall, ToolSpec, Usage
from paperclip.tools import COMPLETE_TASK, DELEGATE_TASK, REQUEST_APPROVAL

LABEL = "[simulated]"
_FINISHED = re.compile(r"Subtask\s+(\S+)[^\n]*?\bfinished\b[ \t:.,-]*([^\n]*)", re.IGNORECASE)
# How `paperclip.prompts.child_finished` says it, whole: the result may run over many lines (up
# to the next report, where a wire format joined the messages).
_CHILD_FINISHED = re.compile(
    r"^Subtask (\S+) \(([^)\n]*)\) finished: (\w+)\. (?:Result: (.*?)|No result was given\.)\s*"
    r"(?=^Subtask \S+ \([^)\n]*\) finished: |\Z)",
    re.DOTALL | re.MULTILINE,
)


@dataclass(frozen=True)
class Decision:
    content: str
    tool_calls: list[ToolCall]


_TASK_HEADER = re.compile(r"^Task\s+\S+:\s*")


def _first_message(messages: list[Message]) -> str:
    return next((m.content for m in messages if m.role == "user" and m.content.strip()), "")


def _task_line(messages: list[Message]) -> str:
    """The first line of the first user message, without its `Task <ID>:` header."""
    first = _first_message(messages)
    if not first:
        return "the task"
    return clip(_TASK_HEADER.sub("", first.strip().splitlines()[0].strip()), 120) or "the task"


def _team(tools: list[ToolSpec]) -> list[tuple[str, str]]:
    """(name, role) of each member of the `delegate_task` enum; the role read from its description."""
    for t in tools:
        if t.name == DELEGATE_TASK:
            agent = t.parameters.get("properties", {}).get("agent", {})
            team = []
            for name in map(str, agent.get("enum", [])):
                role = re.search(rf"\b{re.escape(name)} \(([^,)]+)", t.description)
                team.append((name, role.group(1).strip() if role else name))
            return team
    return []


def _finished_reports(messages: list[Message], after: int) -> list[Report]:
    """The subtasks later user messages report finished, in order: each message as
    `child_finished` words it, else each line that says `Subtask <ID> … finished`."""
    reports: list[Report] = []
    for m in messages[after + 1 :]:
        if m.role != "user":
            continue
        whole = [Report(*(g or "" for g in found.groups())) for found in _CHILD_FINISHED.finditer(m.content)]
        if whole:
            reports.extend(whole)
            continue
        for match in _FINISHED.finditer(m.content):
            reports.append(Report(match.group(1).rstrip(":,."), "", "done", match.group(2)))
    return reports


def _report_line(report: Report) -> str:
    """`<ID>: <first words>` of a report, for the short results (at most 80 characters of words)."""
    if report.assignee:  # read whole: put back the words the line form reads
        rest = f"{report.status}. " + (f"Result: {report.result}" if report.result else "No result was given.")
    else:
        rest = report.result
    return f"{report.identifier}: {clip(' '.join(rest.splitlines()[0].split()) if rest else '', 80) or 'done'}"


def decide(
    tools: list[ToolSpec], messages: list[Message], *, id_prefix: str, label: str = LABEL, writes: bool = False
) -> Decision:
    """The deterministic next move for this conversation (see the module docstring).

    Tool-call ids are `{id_prefix}-{i}`; every text starts with `label`. With `writes`, a result,
    a plan for approval and a manager's summary carry written content, not only what was done.
    """
    names = {t.name for t in tools}
    task = _task_line(messages)
    assignment = Assignment.read(task, _first_message(messages))
    team = _team(tools)
    delegated_at = next(
        (
            i
            for i, m in enumerate(messages)
            if m.role == "assistant" and any(c.name == DELEGATE_TASK for c in m.tool_calls)
        ),
        None,
    )
    if team and delegated_at is None and _must_ask_strategy(tools, messages):
        plan = (
            plan_details(assignment, team)
            if writes
            else "; ".join(f"{name} ({role}): the {role} part" for name, role in team)
        )
        return Decision(
            f"{label} Asking the board to approve the plan for {task!r}.",
            [
                ToolCall(
                    id=f"{id_prefix}-0",
                    name=REQUEST_APPROVAL,
                    arguments={
                        "kind": "strategy",
                        "title": clip(f"Plan for: {task}", 200),
                        "details": f"{label} {plan}",
                    },
                )
            ],
        )
    if team and delegated_at is None:
        roles = [role for _, role in team]
        # Name each part by role, or by member when two share a role.
        team = [(name, role if roles.count(role) == 1 else name) for name, role in team]
        calls = [
            ToolCall(
                id=f"{id_prefix}-{i}",
                name=DELEGATE_TASK,
                arguments={
                    "agent": name,
                    "title": clip(f"{role} part of: {task}", 200),
                    "brief": f"Do the {role} part of this task and report the result: {task}",
                },
            )
            for i, (name, role) in enumerate(team)
        ]
        names_ = ", ".join(name for name, _ in team)
        return Decision(f"{label} Delegating {task!r} to {names_}.", calls)
    if delegated_at is not None:
        reports = _finished_reports(messages, delegated_at)
        if writes:
            result = f"{label} Done: {sentence(task)} {summary(assignment, reports, label)}"
        else:
            result = f"{label} Done: {task}. Subtask results: " + (
                "; ".join(map(_report_line, reports)) or "none reported"
            )
    else:
        step = work(tools, messages, task, id_prefix=id_prefix, label=label)
        if isinstance(step, tuple):
            return Decision(*step)
        if writes:
            said = step.removeprefix(label).strip() if step else write(assignment)
            result = f"{label} Done: {sentence(task)} {said}"
        else:
            result = f"{label} Done: {task}." + (f" {step.removeprefix(label).strip()}" if step else "")
    if COMPLETE_TASK not in names:
        return Decision(result, [])
    return Decision(
        f"{label} Completing the task.",
        [ToolCall(id=f"{id_prefix}-0", name=COMPLETE_TASK, arguments={"result": result})],
    )


def _must_ask_strategy(tools: list[ToolSpec], messages: list[Message]) -> bool:
    """The company wants the plan approved first, and it was not asked for yet."""
    approval = next((t for t in tools if t.name == REQUEST_APPROVAL), None)
    kinds = approval.parameters.get("properties", {}).get("kind", {}).get("enum", []) if approval else []
    asked = any(c.name == REQUEST_APPROVAL for m in messages if m.role == "assistant" for c in m.tool_calls)
    return "strategy" in kinds and not asked


def reply_text(decision: Decision) -> str:
    return "\n".join([decision.content] + [json.dumps(c.arguments, sort_keys=True) for c in decision.tool_calls])


class Simulated:
    """The offline provider; needs no credential and costs nothing."""

    name = Provider.SIMULATED

    async def aclose(self) -> None:
        return None

    async def count_tokens(self, request: ProviderRequest) -> int | None:
        return None

    async def complete(self, request: ProviderRequest, on_chunk: OnChunk) -> ProviderReply:
        decision = decide(request.tools, request.messages, id_prefix=f"sim-{request.seq}", writes=True)
        on_chunk(decision.content)
        usage = Usage(
            input_tokens=estimate_tokens(conversation_text(request.system_prompt, request.tools, request.messages)),
            output_tokens=estimate_tokens(reply_text(decision)),
        )
        return ProviderReply(
            content=decision.content,
            tool_calls=decision.tool_calls,
            usage=usage,
            stop_reason="tool_use" if decision.tool_calls else "end_turn",
        )
