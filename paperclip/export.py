"""A company as one document: JSON to move it to a new company, Markdown to read it.

The document holds what defines a company (its spec, agents, goals, budgets, routines) and what
it did (its tasks with their conversations, the cost ledger, the latest activity). It holds no
secret: an agent names the credential it uses, and credentials stay in the store that keeps them.

An import founds a new company (`import_plan`): the same agents, goals, budgets and routines, and
the finished tasks with their conversations and costs as history records of the new company. Its
workflow starts from a carried state, the way a continue-as-new run does, so goals keep their ids
and its next task is numbered after the imported ones: no new task takes an old one's identifier.
"""

import math
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from paperclip import money
from paperclip.constants import task_workflow_id
from paperclip.models import (
    SLUG,
    ActivityEntry,
    AgentSpec,
    AgentState,
    AgentStatus,
    CapState,
    CompanySnapshot,
    CompanySpec,
    CompanyState,
    CostEvent,
    Goal,
    GoalLevel,
    GoalStatus,
    Message,
    RoutineSpec,
    SessionRef,
    TaskRecord,
    Trace,
    TraceEvent,
    TraceKind,
    Usage,
)
from paperclip.org import OrgError, check_hire, direct_reports, subtree
from paperclip.store.costs import CostLine, CostSummary
from paperclip.tools import DELEGATE_TASK
from paperclip.traces import message_fields, task_section, tokens_text, tree_lines

FORMAT = "paperclip-company"
VERSION = 1
ACTIVITY_LIMIT = 1_000
"""The latest activity entries an export carries (the log grows without end)."""
MAX_COUNT = 10**15
"""The largest token count, turn count or sequence number a document may hold."""

Conversation = list[tuple[SessionRef, int, datetime, list[Message]]]
"""Turns as the store keeps them: (session, seq, when it was kept, its messages)."""


class ExportedAgent(BaseModel):
    """An agent as hired (its spec names its credentials and holds its budget), and its status."""

    spec: AgentSpec
    status: AgentStatus


class Turn(BaseModel):
    """One agent turn of a task's conversation: the messages it added, its reply last."""

    seq: int = Field(ge=0, le=MAX_COUNT)
    agent: str
    at: datetime
    """When the store kept it."""
    messages: list[Message] = Field(min_length=1)


class ExportedTask(TaskRecord):
    """A task's record with its conversation, from the store."""

    conversation: list[Turn] = Field(default_factory=list)


class CompanyExport(BaseModel):
    """A company, exported (`GET /api/companies/{company}/export`) or to import."""

    format: Literal["paperclip-company"]
    version: Literal[1]
    exported_at: datetime
    company: CompanySpec
    """With the company's monthly budget."""
    agents: list[ExportedAgent]
    """Managers before their reports: with each spec's `reports_to` (and budget), the org chart."""
    goals: list[Goal]
    """Each goal before the goals under it."""
    caps: list[CapState] = Field(default_factory=list)
    """Lifetime caps on goals (`goal:G2`), with what was spent under them. (A task's cap goes with
    its task, and an import carries no open task.)"""
    routines: list[RoutineSpec] = Field(default_factory=list)
    tasks: list[ExportedTask] = Field(default_factory=list)
    """Oldest first; open tasks as they were at the export (an import carries finished ones only)."""
    costs: list[CostEvent] = Field(default_factory=list)
    """The cost ledger: one event per model call, oldest first."""
    cost_summary: CostSummary | None = None
    """The ledger summed by agent (an import ignores it: it sums the ledger again)."""
    activity: list[ActivityEntry] = Field(default_factory=list)
    """The latest entries of the activity log (at most `ACTIVITY_LIMIT`), oldest first."""
    activity_truncated: bool = False
    """Older entries were left out."""

    @model_validator(mode="before")
    @classmethod
    def _ours(cls, data: Any) -> Any:
        """Say plainly when a document is not an export, or one of another version."""
        if isinstance(data, dict):
            if data.get("format") != FORMAT:
                raise ValueError(f"not a Paperclip company export: `format` must be '{FORMAT}'")
            if data.get("version") != VERSION:
                raise ValueError(f"export version {data.get('version')!r} is not supported: this API reads {VERSION}")
        return data


def company_export(
    *,
    snapshot: CompanySnapshot,
    goals: list[Goal],
    routines: list[RoutineSpec],
    tasks: list[TaskRecord],
    turns: Conversation,
    costs: list[CostEvent],
    cost_summary: CostSummary,
    activity: list[ActivityEntry],
    activity_truncated: bool,
    now: datetime,
) -> CompanyExport:
    """The document of a company, from its snapshot and what the store keeps of it."""
    conversations: dict[str, list[Turn]] = {}
    for session, seq, at, messages in turns:
        conversations.setdefault(session.task, []).append(Turn(seq=seq, agent=session.agent, at=at, messages=messages))
    return CompanyExport(
        format=FORMAT,
        version=VERSION,
        exported_at=now,
        company=snapshot.spec,
        agents=[ExportedAgent(spec=a.spec, status=a.status) for a in _chart_order(snapshot.agents)],
        goals=goals,
        caps=[c for c in snapshot.caps if c.scope.startswith("goal:")],
        routines=routines,
        tasks=[ExportedTask(**t.model_dump(), conversation=conversations.get(t.identifier, [])) for t in tasks],
        costs=costs,
        cost_summary=cost_summary,
        activity=activity,
        activity_truncated=activity_truncated,
    )


def _chart_order(agents: list[AgentState]) -> list[AgentState]:
    """Each head of the chart (hiring order) followed by everyone below it, managers first."""
    names = {a.spec.name for a in agents}
    by_name = {a.spec.name: a for a in agents}
    specs = [a.spec for a in agents]
    ordered: list[AgentState] = []
    for head in (a for a in agents if a.spec.reports_to not in names):
        ordered += [head, *(by_name[s.name] for s in subtree(specs, head.spec.name))]
    return ordered


# ---------------------------------------------------------------------- import


def problems(doc: CompanyExport) -> list[str]:
    """What keeps `doc` from founding a company, one line each; none when it can.

    Everything a document names must be in it (agents, goals, tasks), identifiers must be the
    company's (`ACME-12.3`), and text and numbers must fit the store's columns.
    """
    found: list[str] = []

    def check(ok: bool, where: str, what: str) -> None:
        if not ok:
            found.append(f"{where}: {what}")

    chart: dict[str, AgentState] = {}
    for i, agent in enumerate(doc.agents):
        try:
            check_hire(chart, agent.spec)
        except OrgError as err:
            found.append(f"agents[{i}]: {err}")
        chart[agent.spec.name] = AgentState(spec=agent.spec, status=agent.status)

    goal_ids = Counter(g.id for g in doc.goals)
    for i, goal in enumerate(doc.goals):
        where = f"goals[{i}]"
        check(_GOAL_ID.fullmatch(goal.id) is not None, where, f"'{goal.id}' is not a goal id (G1, G2, …)")
        check(goal_ids[goal.id] == 1, where, f"goal '{goal.id}' is there twice")
        check(goal.parent is None or goal.parent in goal_ids, where, f"parent goal '{goal.parent}' is not there")
        check(goal.owner is None or goal.owner in chart, where, f"owner '{goal.owner}' is not an agent of it")
    for i, cap in enumerate(doc.caps):
        capped = cap.scope.removeprefix("goal:")
        check(cap.scope.startswith("goal:") and capped in goal_ids, f"caps[{i}]", f"'{cap.scope}' names no goal there")
        check(_fits(Usage(), cap.spend.tokens, cap.spend.usd), f"caps[{i}]", "the spend is out of range")
    if not any(g.level is GoalLevel.COMPANY and g.status is not GoalStatus.CANCELLED for g in doc.goals):
        found.append("goals: a company needs a company goal that is not cancelled")

    identifier = re.compile(rf"^{re.escape(doc.company.prefix)}-\d{{1,9}}(\.\d{{1,9}})*$")
    identifiers = Counter(t.identifier for t in doc.tasks)
    for i, task in enumerate(doc.tasks):
        where = f"tasks[{i}]"
        name = task.identifier
        check(identifier.match(name) is not None and len(name) <= 200, where, f"'{name}' is not a task of the company")
        check(identifiers[name] == 1, where, f"task '{name}' is there twice")
        check(task.parent is None or task.parent in identifiers, where, f"parent task '{task.parent}' is not there")
        check(task.assignee in chart, where, f"assignee '{task.assignee}' is not an agent of it")
        check(task.goal is None or task.goal in goal_ids, where, f"goal '{task.goal}' is not there")
        check(
            task.routine is None or SLUG.fullmatch(task.routine) is not None, where, "`routine` is not a routine name"
        )
        check(_fits(task.usage, task.turns, task.cost_usd), where, "a count or cost is out of range")
        seqs = Counter(turn.seq for turn in task.conversation)
        for j, turn in enumerate(task.conversation):
            at = f"{where}.conversation[{j}]"
            check(seqs[turn.seq] == 1, at, f"turn {turn.seq} is there twice")
            check(turn.agent in chart, at, f"agent '{turn.agent}' is not an agent of it")
            long = [m for m in turn.messages if len(m.author or "") > 200 or len(m.tool_call_id or "") > 200]
            check(not long, at, "an author or a tool call id is longer than 200 characters")

    calls = Counter((c.task, c.seq) for c in doc.costs)
    for i, cost in enumerate(doc.costs):
        where = f"costs[{i}]"
        check(calls[cost.task, cost.seq] == 1, where, f"call {cost.seq} of {cost.task} is there twice")
        check(cost.task in identifiers, where, f"task '{cost.task}' is not there")
        check(cost.agent in chart, where, f"agent '{cost.agent}' is not an agent of it")
        check(cost.goal is None or cost.goal in goal_ids, where, f"goal '{cost.goal}' is not there")
        check(len(cost.provider) <= 32 and len(cost.model) <= 200, where, "the provider or model name is too long")
        check(_fits(cost.usage, cost.seq, cost.cost_usd or 0.0), where, "a count or cost is out of range")

    for i, entry in enumerate(doc.activity):
        fits = len(entry.kind) <= 64 and len(entry.actor) <= 200 and len(entry.agent or "") <= 63
        check(fits and len(entry.task or "") <= 200, f"activity[{i}]", "a kind, actor, agent or task is too long")
    return found


_GOAL_ID = re.compile(r"^G\d{1,9}$")


def _fits(usage: Usage, count: int, usd: float) -> bool:
    tokens = (usage.input_tokens, usage.output_tokens, usage.cached_input_tokens, count)
    return all(0 <= n <= MAX_COUNT for n in tokens) and math.isfinite(usd) and usd >= 0


@dataclass(frozen=True)
class ImportPlan:
    """What founding a company from a document takes: its workflow's first state, the history
    its store keeps, its routines (to create paused), and what was left out and why."""

    state: CompanyState
    records: list[TaskRecord]
    turns: Conversation
    costs: list[CostEvent]
    activity: list[ActivityEntry]
    routines: list[RoutineSpec]
    notes: list[str]


def import_plan(doc: CompanyExport, spec: CompanySpec, *, actor: str, now: datetime) -> ImportPlan:
    """Found `spec` from `doc` (without `problems`).

    Finished tasks (with their subtasks) are carried, re-keyed to the new company (and prefix);
    open ones are not, since nothing would run them. Agents keep their specs and statuses (a
    running one is idle); an agent still waiting for the board's approval is left out.
    The activity log is carried with new entry ids, and a `company.imported` entry ends it.
    """
    old = doc.company.prefix

    def rename(identifier: str) -> str:
        return spec.prefix + identifier[len(old) :] if identifier.startswith(f"{old}-") else identifier

    notes: list[str] = []
    agents: dict[str, AgentState] = {}
    for agent in doc.agents:
        if agent.status is AgentStatus.PENDING_APPROVAL:
            notes.append(f"agent {agent.spec.name} was waiting for the board's approval: not imported")
            continue
        running = agent.status is AgentStatus.RUNNING  # nothing runs in the new company
        agents[agent.spec.name] = AgentState(spec=agent.spec, status=AgentStatus.IDLE if running else agent.status)

    carried: dict[str, ExportedTask] = {}
    for task in sorted(doc.tasks, key=lambda t: t.identifier.count(".")):
        if task.status.is_terminal and (task.parent is None or task.parent in carried):
            carried[task.identifier] = task
    left = [t.identifier for t in doc.tasks if t.identifier not in carried]
    if left:
        shown = ", ".join(left[:10]) + (", …" if len(left) > 10 else "")
        notes.append(f"{len(left)} unfinished tasks not imported (history is finished work): {shown}")
    records = [
        TaskRecord.model_validate(
            task.model_dump(exclude={"conversation"})
            | {
                "company_id": spec.id,
                "identifier": rename(task.identifier),
                "parent": task.parent and rename(task.parent),
            }
        )
        for task in carried.values()
    ]
    turns: Conversation = [
        (
            SessionRef(company_id=spec.id, task=rename(task.identifier), agent=turn.agent, goal=task.goal),
            turn.seq,
            turn.at,
            [m.model_copy(update={"author": m.author and rename(m.author)}) for m in turn.messages],
        )
        for task in carried.values()
        for turn in task.conversation
    ]
    costs = [
        c.model_copy(update={"company_id": spec.id, "task": rename(c.task)}) for c in doc.costs if c.task in carried
    ]

    routines = []
    for routine in doc.routines:
        agent_state = agents.get(routine.agent)
        if agent_state is None or agent_state.status is AgentStatus.TERMINATED:
            notes.append(f"routine {routine.name} not imported: its agent {routine.agent} is not working here")
        else:
            routines.append(routine)

    imported = ActivityEntry(
        id=_entry_id(spec.id, "company.imported"),
        company_id=spec.id,
        at=now,
        kind="company.imported",
        actor=actor,
        summary=f"{spec.name} imported from {doc.company.id} (exported {doc.exported_at:%Y-%m-%d %H:%M} UTC):"
        f" {len(agents)} agents, {len(doc.goals)} goals, {len(records)} finished tasks",
    )
    activity = [
        e.model_copy(update={"id": _entry_id(spec.id, e.id), "company_id": spec.id, "task": e.task and rename(e.task)})
        for e in doc.activity
    ]
    state = CompanyState(
        spec=spec,
        agents=agents,
        goals={g.id: g for g in doc.goals},
        caps={c.scope: c.model_copy(update={"spend": c.spend.model_copy(update=_UNRESERVED)}) for c in doc.caps},
        goal_counter=max((int(g.id[1:]) for g in doc.goals), default=0),
        counter=max((int(t.identifier[len(old) + 1 :].split(".")[0]) for t in doc.tasks), default=0),
        recent=[imported],
    )
    return ImportPlan(
        state=state,
        records=records,
        turns=turns,
        costs=costs,
        activity=[*activity, imported],
        routines=routines,
        notes=notes,
    )


_UNRESERVED = {"reserved_usd": 0.0, "reserved_tokens": 0}
"""Nothing runs in a new company, so nothing is reserved."""


def _entry_id(company_id: str, key: str) -> str:
    """A new activity entry id per company and old id: unique, and the same if written again."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"paperclip:{company_id}:{key}"))


# ---------------------------------------------------------------------- markdown


def export_to_markdown(doc: CompanyExport) -> str:
    """The document for people: the company, its org chart, goals, budgets and costs, then each
    task with its conversation (read like a trace, subtasks nested), and the latest activity."""
    company = doc.company
    lines = [f"# {company.name} ({company.id})", ""]
    if company.mission:
        lines += [company.mission, ""]
    total = doc.cost_summary.total.cost_usd if doc.cost_summary else sum(c.cost_usd or 0.0 for c in doc.costs)
    lines += [
        f"Exported {doc.exported_at:%Y-%m-%d %H:%M:%S} UTC · prefix {company.prefix} · {len(doc.agents)} agents"
        f" · {len(doc.tasks)} tasks · {money.cost(total)} spent",
        "",
    ]
    lines += ["## Org chart", "", *_org_lines(doc.agents), ""]
    lines += ["## Goals", "", *_goal_lines(doc.goals), ""]
    lines += ["## Budgets", "", *_budget_lines(doc), ""]
    if doc.cost_summary is not None:
        lines += ["## Costs", "", *_cost_lines(doc.cost_summary), ""]
    if doc.routines:
        lines += ["## Routines", ""]
        for r in doc.routines:
            when = f"cron `{r.cron}`" if r.cron else f"every {r.every} s"
            lines.append(f"- **{r.name}** ({when}): {r.agent} — {r.title}")
        lines.append("")
    traces = _traces(doc)
    lines += ["## Tasks", "", *(line for trace in traces for line in tree_lines(trace, 0)), ""]
    for trace in traces:
        task_section(trace, lines, level=3)
    if doc.activity:
        older = " (older entries left out)" if doc.activity_truncated else ""
        lines += [f"## Activity{older}", ""]
        lines += [f"- {e.at:%Y-%m-%d %H:%M:%S} `{e.kind}` {e.actor}: {e.summary}" for e in doc.activity]
    return "\n".join(lines).rstrip() + "\n"


def _org_lines(agents: list[ExportedAgent]) -> list[str]:
    specs = [a.spec for a in agents]
    status = {a.spec.name: a.status for a in agents}
    names = set(status)

    def lines(spec: AgentSpec, depth: int) -> list[str]:
        model = "simulated" if spec.model.is_simulated else f"{spec.model.provider}/{spec.model.model}"
        title = f", {spec.title}" if spec.title else ""
        own = ["  " * depth + f"- **{spec.name}** ({spec.role}{title}) — {model}, {status[spec.name]}"]
        return own + [line for report in direct_reports(specs, spec.name) for line in lines(report, depth + 1)]

    return [line for spec in specs if spec.reports_to not in names for line in lines(spec, 0)]


def _goal_lines(goals: list[Goal]) -> list[str]:
    depth: dict[str, int] = {}
    lines = []
    for goal in goals:
        depth[goal.id] = depth.get(goal.parent or "", -1) + 1
        owner = f", owner {goal.owner}" if goal.owner else ""
        lines.append("  " * depth[goal.id] + f"- **{goal.id}** {goal.title} — {goal.level}, {goal.status}{owner}")
    return lines


def _budget_lines(doc: CompanyExport) -> list[str]:
    def row(scope: str, usd: float | None, tokens: int | None, over: str) -> str:
        usd_cell = "-" if usd is None else money.usd(usd)
        return f"| {scope} | {usd_cell} | {'-' if tokens is None else f'{tokens:,}'} | {over} |"

    rows = [row("company", *doc.company.budget.limits, "a month")]
    rows += [row(a.spec.name, *a.spec.budget.limits, "a month") for a in doc.agents if a.spec.budget.is_capped]
    rows += [row(c.scope, *c.cap.limits, f"its lifetime ({money.cost(c.spend.usd)} spent)") for c in doc.caps]
    return ["| Scope | USD | Tokens | Over |", "|---|---:|---:|---|", *rows]


def _cost_lines(summary: CostSummary) -> list[str]:
    def row(label: str, line: CostLine) -> str:
        priced = line.calls == 0 or line.unpriced_calls < line.calls
        usd = money.cost(line.cost_usd) if priced else "-"
        return f"| {label} | {line.calls} | {tokens_text(line.usage)} | {usd} | {line.unpriced_calls} |"

    head = [f"| {summary.group_by.capitalize()} | Calls | Tokens | USD | Unpriced calls |", "|---|---:|---:|---:|---:|"]
    return head + [row(line.key or "(none)", line) for line in summary.data] + [row("**Total**", summary.total)]


def _traces(doc: CompanyExport) -> list[Trace]:
    """Each top-level task as a trace built from the store's records (subtasks in `children`)."""
    costs = {(c.task, c.seq): c for c in doc.costs}
    subtasks: dict[str | None, list[ExportedTask]] = {}
    for task in doc.tasks:
        subtasks.setdefault(task.parent, []).append(task)
    traces = {t.identifier: _trace(doc.company.id, t, costs, subtasks.get(t.identifier, [])) for t in doc.tasks}
    for task in doc.tasks:
        if task.parent in traces:
            traces[task.parent].children.append(traces[task.identifier])
    return [traces[t.identifier] for t in doc.tasks if t.parent not in traces]


def _trace(
    company_id: str, task: ExportedTask, costs: dict[tuple[str, int], CostEvent], subtasks: list[ExportedTask]
) -> Trace:
    """The task's trace as its history would tell it, from what the store kept of its conversation."""
    trace = Trace(
        company_id=company_id,
        identifier=task.identifier,
        workflow_id=task_workflow_id(company_id, task.identifier),
        title=task.title,
        brief=task.brief,
        assignee=task.assignee,
        parent=task.parent,
        status=task.status,
        result=task.result,
        turns=task.turns,
        usage=task.usage,
        cost_usd=task.cost_usd,
    )

    def emit(at: datetime, kind: TraceKind, **fields: Any) -> None:
        trace.events.append(TraceEvent(at=at, task=task.identifier, kind=kind, **fields))

    brief = f"\n\n{task.brief}" if task.brief else ""
    emit(
        task.created_at, "task_started", actor=task.parent or "board", target=task.assignee, content=task.title + brief
    )
    undelegated = list(subtasks)
    for turn in task.conversation:
        *said, reply = turn.messages
        for message in said:
            emit(turn.at, "message", **message_fields(message, turn.agent), turn=turn.seq)
        cost = costs.get((task.identifier, turn.seq))
        if cost is not None and cost.simulated:
            trace.simulated = True
        emit(
            turn.at,
            "model_reply",
            **message_fields(reply, turn.agent),
            usage=cost.usage if cost else None,
            cost_usd=cost.cost_usd if cost else None,
            model=cost.model if cost else None,
            simulated=cost.simulated if cost else None,
            turn=turn.seq,
        )
        for call in reply.tool_calls:
            if call.name != DELEGATE_TASK:
                emit(turn.at, "tool_call", actor=turn.agent, tool=call.name, arguments=call.arguments, turn=turn.seq)
                continue
            target, title = str(call.arguments.get("agent", "")), str(call.arguments.get("title", ""))
            child = next((c for c in undelegated if (c.assignee, c.title) == (target, title)), None)
            if child is not None:
                undelegated.remove(child)
            emit(
                turn.at,
                "delegation",
                actor=turn.agent,
                target=target or None,
                content=title,
                tool=call.name,
                arguments=call.arguments,
                turn=turn.seq,
                child=child.identifier if child else None,
            )
    if task.status.is_terminal:
        emit(
            task.updated_at,
            "task_finished",
            actor=task.assignee,
            target=task.parent or "board",
            content=task.result or "",
            status=task.status,
            usage=task.usage,
            cost_usd=task.cost_usd,
        )
    return trace
