"""What the Projects page shows and sends, as pure functions: one row per project (with its
lifetime budget and what its tasks spent), and the body of a new project."""

from datetime import date
from typing import Any

from paperclip.models import CapLine, CostLine
from paperclip.models.projects import Project
from paperclip.money import cap_text, usd


def project_rows(projects: list[Project], caps: list[CapLine], spend: list[CostLine]) -> list[dict[str, Any]]:
    """A row per project: who leads it, what it serves, where its tasks work, its budget and spend."""
    capped = {cap.scope.removeprefix("project:"): cap for cap in caps if cap.scope.startswith("project:")}
    spent = {line.key: line for line in spend}
    rows = []
    for project in projects:
        cap = capped.get(project.key)
        line = spent.get(project.key)
        budget = "no cap" if cap is None else cap_text(cap.usd, cap.tokens)
        if cap is not None and cap.status == "paused":
            budget += " (its tasks hold)"
        rows.append(
            {
                "key": project.key,
                "name": project.name,
                "status": project.status.value,
                "lead": project.lead or "-",
                "goals": ", ".join(project.goals) or "-",
                "target": project.target_date.isoformat() if project.target_date else "-",
                "workspace": project.workspace.source if project.workspace else "-",
                "budget": budget,
                "spent": usd(line.cost_usd) if line else usd(0.0),
            }
        )
    return rows


def project_body(
    *,
    key: str,
    name: str,
    description: str,
    lead: str | None,
    goals: list[str],
    workspace: str,
    target_date: date | None,
    budget_usd: float | None,
    budget_tokens: int | None,
) -> dict[str, Any]:
    """The JSON of `POST /api/companies/{c}/projects`, unvalidated: the API judges it, so its
    message is the one the reader sees."""
    body: dict[str, Any] = {"key": key, "name": name, "description": description}
    if lead:
        body["lead"] = lead
    if goals:
        body["goals"] = goals
    if workspace.strip():
        body["workspace"] = {"source": workspace.strip()}
    if target_date is not None:
        body["target_date"] = target_date.isoformat()
    if budget_usd is not None or budget_tokens is not None:
        body["budget"] = {"usd": budget_usd, "tokens": budget_tokens}
    return body
