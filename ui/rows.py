"""Table rows and figures for the dashboard's pages, from the shared models (pure functions, no
Streamlit)."""

from collections import Counter
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from paperclip.constants import task_workflow_id
from paperclip.models import (
    ActivityEntry,
    Adapter,
    AgentSpec,
    AgentState,
    AgentStatus,
    Approval,
    ApprovalStatus,
    Budget,
    CompanySnapshot,
    ModelConfig,
    Spend,
    TaskRecord,
    TaskStatus,
)

SIMULATED_LABEL = "⚠ simulated"

AGENT_COLOURS: dict[AgentStatus, str] = {
    AgentStatus.RUNNING: "#86efac",
    AgentStatus.ACTIVE: "#bfdbfe",
    AgentStatus.IDLE: "#e5e7eb",
    AgentStatus.PENDING_APPROVAL: "#ddd6fe",
    AgentStatus.PAUSED: "#fde68a",
    AgentStatus.ERROR: "#fca5a5",
    AgentStatus.TERMINATED: "#ffffff",
}
"""The org chart's fill colour of each agent status (and its legend's)."""
RETRYING_COLOUR = "#fdba74"
"""The fill of an agent one of whose tasks is trying a failed turn again, whatever its status
(a model endpoint that is down is not "running" well)."""
RETRYING = "retrying"


def model_label(model: ModelConfig, *, simulated: bool = False) -> str:
    """`provider:model`, or the simulated label for the offline model or when `simulated` (the
    company runs the agent simulated): never taken for a real model."""
    return SIMULATED_LABEL if simulated or model.is_simulated else f"{model.provider}:{model.model}"


def runs_on_label(spec: AgentSpec, *, simulated: bool = False) -> str:
    """What answers an agent's turns: its model (`model_label`), or a CLI or HTTP agent's tool
    (`claude`, `codex (gpt-5)`, `http (URL)`), which is never the simulated model."""
    if spec.adapter is Adapter.MODEL:
        return model_label(spec.model, simulated=simulated)
    if spec.adapter is Adapter.HTTP and spec.http is not None:
        return f"http ({spec.http.url})"
    return f"{spec.adapter.label} ({spec.cli.model})" if spec.cli.model else spec.adapter.label


def workflow_url(temporal_ui_url: str, namespace: str, company_id: str, identifier: str) -> str:
    """The task's workflow page in the Temporal Web UI."""
    return f"{temporal_ui_url}/namespaces/{namespace}/workflows/{task_workflow_id(company_id, identifier)}"


def agent_rows(snapshot: CompanySnapshot) -> list[dict[str, Any]]:
    rows = []
    for agent in snapshot.agents:
        spec = agent.spec
        rows.append(
            {
                "agent": spec.name,
                "title": spec.title,
                "role": spec.role,
                "reports to": spec.reports_to or "",
                "model": runs_on_label(spec, simulated=_is_simulated(snapshot, agent)),
                "status": agent.status.value,
                "running": agent.running,
                "cost (USD)": round(agent.cost_usd, 4),
            }
        )
    return rows


def waiting_note(task: TaskRecord) -> str:
    """` (waiting on ACME-2)` for a queued task with blockers, ` (ACME-2 failed)`-like reason for
    one blocked before it started, else nothing."""
    if task.blocked_reason:
        return f" ({task.blocked_reason})"
    if task.blocked_by and task.status is TaskStatus.QUEUED:
        return f" (waiting on {', '.join(task.blocked_by)})"
    return ""


def task_rows(
    tasks: list[TaskRecord], *, company_id: str, temporal_ui_url: str, namespace: str = "default"
) -> list[dict[str, Any]]:
    """Newest first."""
    rows = []
    for task in sorted(tasks, key=lambda t: t.created_at, reverse=True):
        rows.append(
            {
                "task": task.identifier,
                "title": task.title,
                "assignee": task.assignee,
                "status": task.status.value + waiting_note(task) + (f" (held: {task.held})" if task.held else ""),
                "priority": task.priority.value,
                "turns": task.turns,
                "cost (USD)": round(task.cost_usd, 4),
                "workflow": workflow_url(temporal_ui_url, namespace, company_id, task.identifier),
            }
        )
    return rows


def _is_simulated(snapshot: CompanySnapshot, agent: AgentState) -> bool:
    return agent.spec.is_simulated or (
        agent.spec.adapter is Adapter.MODEL and agent.spec.name in snapshot.simulated_agents
    )


def status_counts(statuses: Iterable[StrEnum], *, order: Iterable[StrEnum], counted: str) -> list[dict[str, Any]]:
    """How many of each status, in `order`, leaving out statuses none has (`counted` names the count)."""
    counts = Counter(statuses)
    return [{"status": status.value, counted: counts[status]} for status in order if counts[status]]


def agents_by_status(snapshot: CompanySnapshot) -> list[dict[str, Any]]:
    return status_counts((agent.status for agent in snapshot.agents), order=AgentStatus, counted="agents")


def tasks_by_status(tasks: Iterable[TaskRecord]) -> list[dict[str, Any]]:
    return status_counts((task.status for task in tasks), order=TaskStatus, counted="tasks")


NO_CAP = "no cap"
"""A budget cell with no cap of that kind (never a bare `None`)."""


def spend_rows(snapshot: CompanySnapshot, *, top: int = 5) -> list[dict[str, Any]]:
    """This month's spend against the monthly budget: the company's, then its `top` agents by
    spend (terminated ones left out). `share` is the larger spent share of the caps, None with no cap."""
    working = [agent for agent in snapshot.agents if agent.status is not AgentStatus.TERMINATED]
    spenders = sorted(working, key=lambda agent: (agent.spend.usd, agent.spend.tokens), reverse=True)[:top]
    rows = [_spend_row("company", snapshot.spec.budget, snapshot.spend)]
    for agent in spenders:
        name = agent.spec.name
        rows.append(
            _spend_row(
                f"{name} ({SIMULATED_LABEL})" if _is_simulated(snapshot, agent) else name,
                agent.spec.budget,
                agent.spend,
            )
        )
    return rows


def _spend_row(scope: str, budget: Budget, spend: Spend) -> dict[str, Any]:
    return {
        "scope": scope,
        "spent (USD)": round(spend.usd, 4),
        "budget (USD)": NO_CAP if budget.monthly_usd is None else f"{budget.monthly_usd:,.2f}",
        "tokens": spend.tokens,
        "token budget": NO_CAP if budget.monthly_tokens is None else f"{budget.monthly_tokens:,}",
        "share": spend.share(budget) if budget.is_capped else None,
    }


def pending_approval_rows(approvals: Iterable[Approval]) -> list[dict[str, Any]]:
    """The pending ones, as the Approvals page orders them: escalated first, then oldest first."""
    pending = sorted(
        (approval for approval in approvals if approval.status is ApprovalStatus.PENDING),
        key=lambda approval: (not approval.escalated, approval.created_at),
    )
    return [
        {
            "approval": approval.id,
            "kind": approval.kind.value,
            "title": approval.title,
            "requested by": approval.requested_by,
            "task": approval.task or "",
            "escalated": approval.escalated,
            "asked at": approval.created_at,
        }
        for approval in pending
    ]


def activity_rows(entries: Sequence[ActivityEntry]) -> list[dict[str, Any]]:
    """One row per entry, in the order given."""
    return [
        {
            "at": entry.at,
            "kind": entry.kind,
            "actor": entry.actor,
            "agent": entry.agent or "",
            "task": entry.task or "",
            "summary": entry.summary,
        }
        for entry in entries
    ]


def org_dot(snapshot: CompanySnapshot) -> str:
    """The reporting tree as Graphviz DOT: a box per agent, filled by its status (`AGENT_COLOURS`),
    with its title and role, its running task and this month's spend; an edge from each manager
    to each report. A manager who is not in the company draws no edge (the agent is a root)."""
    running: dict[str, list[TaskRecord]] = {}
    retrying: dict[str, list[TaskRecord]] = {}
    for task in sorted(snapshot.tasks, key=lambda t: t.created_at):
        if task.status is TaskStatus.RUNNING:
            running.setdefault(task.assignee, []).append(task)
        if task.retry is not None and not task.status.is_terminal:
            retrying.setdefault(task.assignee, []).append(task)
    names = {agent.spec.name for agent in snapshot.agents}
    lines = [
        "digraph org {",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
        '  edge [arrowhead=none, color="#9ca3af"];',
    ]
    for agent in snapshot.agents:
        name = agent.spec.name
        failing = retrying.get(name, [])
        label = _agent_label(agent, running.get(name, []), failing, simulated=_is_simulated(snapshot, agent))
        style = _status_style(agent.status, retrying=bool(failing))
        lines.append(f"  {_quote(name)} [label={label}, {style}];")
    for agent in snapshot.agents:
        manager = agent.spec.reports_to
        if manager is not None and manager in names and manager != agent.spec.name:
            lines.append(f"  {_quote(manager)} -> {_quote(agent.spec.name)};")
    lines.append("}")
    return "\n".join(lines)


def legend_dot() -> str:
    """One box per agent status, in a row, filled as in `org_dot`, and the retrying one's."""
    nodes = [f"  {_quote(status.value)} [{_status_style(status)}];" for status in AGENT_COLOURS]
    nodes.append(f"  {_quote(RETRYING)} [fillcolor={_quote(RETRYING_COLOUR)}];")
    return "\n".join(
        [
            "digraph legend {",
            '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=9, height=0.2];',
            *nodes,
            "}",
        ]
    )


def _status_style(status: AgentStatus, *, retrying: bool = False) -> str:
    """A node's fill for its status (`RETRYING_COLOUR` while a task of its retries); a terminated
    agent's box is also dashed and its text grey."""
    colour = RETRYING_COLOUR if retrying and status is not AgentStatus.TERMINATED else AGENT_COLOURS[status]
    fill = f"fillcolor={_quote(colour)}"
    return fill + ', style="rounded,filled,dashed", fontcolor="#6b7280"' if status is AgentStatus.TERMINATED else fill


def _agent_label(agent: AgentState, tasks: list[TaskRecord], retrying: list[TaskRecord], *, simulated: bool) -> str:
    spec = agent.spec
    lines = [spec.name, f"{spec.title} · {spec.role.value}" if spec.title else spec.role.value]
    if tasks:
        more = f" (+{len(tasks) - 1} more)" if len(tasks) > 1 else ""
        lines.append(f"▶ {tasks[0].identifier}: {_short(tasks[0].title)}{more}")
    for task in retrying:
        assert task.retry is not None
        lines.append(f"↻ {task.identifier} retrying {task.retry.brief(32)}")
    lines.append(f"{agent.spend.usd:.4f} USD this month")
    if simulated:
        lines.append(SIMULATED_LABEL)
    return '"' + "\\n".join(_escape(line) for line in lines) + '"'


def _short(text: str, width: int = 32) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _escape(text: str) -> str:
    """`text` inside a DOT string: backslashes and quotes escaped, on one line."""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'
