"""`paperclip approval`: what agents asked the board, and the board's decisions, over the API."""

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import ApiUrl, Company, api, console
from paperclip.models import ApprovalStatus

approval_app = typer.Typer(
    help="Approvals agents asked for: list, show, approve, reject, revise.", no_args_is_help=True
)

STATUS_STYLE = {"pending": "yellow", "approved": "green", "rejected": "red", "revision_requested": "magenta"}
ApprovalId = Annotated[str, typer.Argument(help="Approval id, e.g. AP-1.")]
Note = Annotated[str | None, typer.Option("--note", "-n", help="Why, or what to change (the agent reads it).")]


def _path(company: str, approval: str | None = None) -> str:
    base = f"/api/companies/{company}/approvals"
    return base if approval is None else f"{base}/{approval}"


def _status(approval: dict[str, Any]) -> str:
    status = approval["status"]
    escalated = " [bold red]escalated[/]" if approval.get("escalated") and status == "pending" else ""
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]{escalated}"


def _time(value: str | None) -> str:
    return "-" if not value else datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")


@approval_app.command("list")
def approval_list(
    company: Company,
    status: Annotated[ApprovalStatus | None, typer.Option(help="Only approvals with this status.")] = None,
    api_url: ApiUrl = None,
) -> None:
    """List approvals: pending ones first (escalated ones first), then decided ones, latest first."""
    with api(api_url) as client:
        approvals = client.get(_path(company), status=status.value if status else None).get("data", [])
    if not approvals:
        console.print(f"No approvals in {company} match." if status else f"No approvals in {company} yet.")
        return
    table = Table("Approval", "Kind", "Title", "Asked by", "Task", "Asked at", "Status", "Note")
    for approval in approvals:
        table.add_row(
            approval["id"],
            approval["kind"],
            escape(approval["title"]),
            escape(approval["requested_by"]),
            approval.get("task") or "-",
            _time(approval.get("created_at")),
            _status(approval),
            escape(approval.get("note") or ""),
        )
    console.print(table)


@approval_app.command("show")
def approval_show(approval_id: ApprovalId, company: Company, api_url: ApiUrl = None) -> None:
    """Show an approval: what was asked, by whom, and the decision."""
    with api(api_url) as client:
        approval = client.get(_path(company, approval_id))
    task = f" on {approval['task']}" if approval.get("task") else ""
    console.print(f"[bold]{approval['id']}[/bold] ({approval['kind']}) {_status(approval)}", highlight=False)
    console.print(escape(approval["title"]), style="bold", highlight=False)
    console.print(f"Asked by {escape(approval['requested_by'])}{task} at {_time(approval['created_at'])}")
    if approval.get("details"):
        console.print(escape(approval["details"]), highlight=False)
    agent = approval.get("agent")
    if agent:
        template = f" from template {escape(agent['template'])}" if agent.get("template") else ""
        manager = f", reporting to {escape(agent['reports_to'])}" if agent.get("reports_to") else ""
        console.print(f"Hire: {escape(agent['name'])} ({agent.get('role', 'general')}){template}{manager}")
    if approval.get("decided_at"):
        note = f": {escape(approval['note'])}" if approval.get("note") else ""
        console.print(
            f"Decided by {escape(approval.get('decided_by') or '?')} at {_time(approval['decided_at'])}{note}",
            highlight=False,
        )


def _decide(approval_id: str, company: str, decision: ApprovalStatus, note: str | None, api_url: str | None) -> None:
    body = {"decision": decision.value} | ({"note": note} if note else {})
    with api(api_url) as client:
        approval = client.post(f"{_path(company, approval_id)}/decision", body)
    why = f": {escape(note)}" if note else ""
    verb = {"approved": "Approved", "rejected": "Rejected"}.get(approval["status"], "Asked to revise")
    console.print(
        f"{verb} [bold]{approval['id']}[/bold] ({approval['kind']}: {escape(approval['title'])}){why}",
        highlight=False,
    )


@approval_app.command("approve")
def approval_approve(approval_id: ApprovalId, company: Company, note: Note = None, api_url: ApiUrl = None) -> None:
    """Approve: the asking agent carries on."""
    _decide(approval_id, company, ApprovalStatus.APPROVED, note, api_url)


@approval_app.command("reject")
def approval_reject(approval_id: ApprovalId, company: Company, note: Note = None, api_url: ApiUrl = None) -> None:
    """Reject: the asking agent is told (a rejected hire is terminated)."""
    _decide(approval_id, company, ApprovalStatus.REJECTED, note, api_url)


@approval_app.command("revise")
def approval_revise(approval_id: ApprovalId, company: Company, note: Note = None, api_url: ApiUrl = None) -> None:
    """Ask for a revision: the agent revises and asks again (say what to change in --note)."""
    _decide(approval_id, company, ApprovalStatus.REVISION_REQUESTED, note, api_url)
