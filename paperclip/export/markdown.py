"""A company document as Markdown to read: org chart, goals, projects, labels, budgets, costs, and
every task's conversation as a trace."""

from datetime import datetime
from typing import Any

from paperclip import money
from paperclip.constants import task_workflow_id
from paperclip.export.document import CompanyExport, ExportedAgent, ExportedTask
from paperclip.models import (
    AgentSpec,
    CostEvent,
    Goal,
    Trace,
    TraceEvent,
    TraceKind,
)
from paperclip.org import direct_reports
from paperclip.store.costs import CostLine, CostSummary
from paperclip.tools import DELEGATE_TASK
from paperclip.traces import message_fields, task_section, tokens_text, tree_lines


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
    if doc.projects:
        lines += ["## Projects", ""]
        for p in doc.projects:
            lead = f", led by {p.lead}" if p.lead else ""
            due = f", due {p.target_date}" if p.target_date else ""
            serves = f", for {', '.join(p.goals)}" if p.goals else ""
            lines.append(f"- **{p.key}** {p.name} — {p.status}{lead}{serves}{due}")
        lines.append("")
    if doc.labels:
        lines += ["## Labels", "", *(f"- `{lb.name}` ({lb.colour}) {lb.description}".rstrip() for lb in doc.labels), ""]
    lines += ["## Budgets", "", *_budget_lines(doc), ""]
    if doc.cost_summary is not None:
        lines += ["## Costs", "", *_cost_lines(doc.cost_summary), ""]
    if doc.routines:
        lines += ["## Routines", ""]
        for r in doc.routines:
            when = f"cron `{r.cron}`" if r.cron else f"every {r.every} s"
            does = f"a run of pipeline {r.pipeline}" if r.pipeline is not None else f"{r.agent} — {r.title}"
            lines.append(f"- **{r.name}** ({when}): {does}")
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
        model = "simulated" if spec.is_simulated else spec.runs_on  # a CLI or HTTP agent: its tool
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
