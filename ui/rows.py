"""Table rows for the dashboard's pages, from the shared models (pure functions, no Streamlit)."""

from typing import Any

from paperclip.constants import task_workflow_id
from paperclip.models import CompanySnapshot, TaskRecord

SIMULATED_LABEL = "⚠ simulated"


def workflow_url(temporal_ui_url: str, namespace: str, company_id: str, identifier: str) -> str:
    """The task's workflow page in the Temporal Web UI."""
    return f"{temporal_ui_url}/namespaces/{namespace}/workflows/{task_workflow_id(company_id, identifier)}"


def agent_rows(snapshot: CompanySnapshot) -> list[dict[str, Any]]:
    simulated = set(snapshot.simulated_agents)
    rows = []
    for agent in snapshot.agents:
        spec = agent.spec
        is_simulated = spec.name in simulated or spec.model.is_simulated
        rows.append(
            {
                "agent": spec.name,
                "title": spec.title,
                "role": spec.role,
                "reports to": spec.reports_to or "",
                "model": SIMULATED_LABEL if is_simulated else f"{spec.model.provider}:{spec.model.model}",
                "status": agent.status.value,
                "running": agent.running,
                "cost (USD)": round(agent.cost_usd, 4),
            }
        )
    return rows


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
                "status": task.status.value,
                "priority": task.priority.value,
                "turns": task.turns,
                "cost (USD)": round(task.cost_usd, 4),
                "workflow": workflow_url(temporal_ui_url, namespace, company_id, task.identifier),
            }
        )
    return rows
