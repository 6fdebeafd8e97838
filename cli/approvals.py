"""`paperclip approval`: what agents asked the board, and the board's decisions, over the API."""

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, fail
from cli.output import JsonOption, Table, print_json
from paperclip.vocabulary import ApprovalStatus

approval_app = typer.Typer(
    help="Approvals agents asked for: list, show, approve, reject, revise.", no_args_is_help=True
)

STATUS_STYLE = {"pending": "yellow", "approved": "green", "rejected": "red", "revision_requested": "magenta"}
ApprovalId = Annotated[str, typer.Argument(help="Approval id, e.g. AP-1.")]
ApprovalIds = Annotated[list[str], typer.Argument(help="Approval ids, e.g. AP-3 AP-4 (several: one decision for all).")]
ForTask = Annotated[
    bool, typer.Option("--for-task", help="A tool call: allow the same tool (and pattern) for the rest of the task.")
]
Arguments = Annotated[
    str | None, typer.Option("--arguments", help="A tool call: run it with these arguments instead (a JSON object).")
]
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
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """List approvals: pending ones first (escalated ones first), then decided ones, latest first."""
    with api(api_url) as client:
        answer = client.get(_path(company), status=status.value if status else None)
    if as_json:
        print_json(answer)
        return
    approvals = answer.get("data", [])
    if not approvals:
        console.print(f"No approvals in {company} match." if status else f"No approvals in {company} yet.")
        return
    table = Table("Approval", "Kind", "Title", "Asked by", "Task", "Asked at", "Status", "Note")
    for approval in approvals:
        call = approval.get("tool_call")
        table.add_row(
            approval["id"],
            approval["kind"] + (f" ({escape(call['tool'])})" if call else ""),
            escape(approval["title"]),
            escape(approval["requested_by"]),
            approval.get("task") or "-",
            _time(approval.get("created_at")),
            _status(approval),
            escape(approval.get("note") or ""),
        )
    console.print(table)


@approval_app.command("show")
def approval_show(
    approval_id: ApprovalId,
    company: Company,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """Show an approval: what was asked, by whom, and the decision."""
    with api(api_url) as client:
        approval = client.get(_path(company, approval_id))
    if as_json:
        print_json(approval)
        return
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
    call = approval.get("tool_call")
    if call:
        _show_call(call, approval.get("decision"))
    if approval.get("decided_at"):
        note = f": {escape(approval['note'])}" if approval.get("note") else ""
        console.print(
            f"Decided by {escape(approval.get('decided_by') or '?')} at {_time(approval['decided_at'])}{note}",
            highlight=False,
        )


def _show_call(call: dict[str, Any], decision: dict[str, Any] | None) -> None:
    subject = f" on {escape(call['subject'])}" if call.get("subject") else ""
    console.print(f"Tool: [bold]{escape(call['tool'])}[/bold]{subject}", highlight=False)
    console.print(f"Arguments: {escape(json.dumps(call.get('arguments', {})))}", highlight=False)
    for label, key in (("Reason", "reason"), ("Why asked", "why_asked")):
        if call.get(key):
            console.print(f"{label}: {escape(call[key])}", highlight=False)
    if decision:
        scope = "for the rest of the task" if decision.get("scope") == "task" else "once"
        edited = f", with arguments {escape(json.dumps(decision['arguments']))}" if decision.get("arguments") else ""
        console.print(f"Allowed {scope}{edited}", highlight=False)


def _tool(for_task: bool, arguments: str | None) -> dict[str, Any] | None:
    """The `tool` part of a decision: its scope and edited arguments (None: neither given)."""
    if not for_task and arguments is None:
        return None
    tool: dict[str, Any] = {"scope": "task" if for_task else "once"}
    if arguments is not None:
        try:
            edited = json.loads(arguments)
        except json.JSONDecodeError as error:
            fail(f"--arguments is not JSON: {error}")
        if not isinstance(edited, dict):
            fail('--arguments must be a JSON object, e.g. \'{"command": "pytest -q"}\'')
        tool["arguments"] = edited
    return tool


def _decide(
    approval_ids: list[str],
    company: str,
    decision: ApprovalStatus,
    note: str | None,
    api_url: str | None,
    tool: dict[str, Any] | None = None,
) -> None:
    body = {"decision": decision.value} | ({"note": note} if note else {}) | ({"tool": tool} if tool else {})
    with api(api_url) as client:
        if len(approval_ids) == 1:
            decided, failed = [client.post(f"{_path(company, approval_ids[0])}/decision", body)], []
        else:
            answer = client.post(f"{_path(company)}/decisions", body | {"ids": approval_ids})
            decided, failed = answer["decided"], answer["failed"]
    why = f": {escape(note)}" if note else ""
    for approval in decided:
        verb = {"approved": "Approved", "rejected": "Rejected"}.get(approval["status"], "Asked to revise")
        scope = " for the rest of the task" if (approval.get("decision") or tool or {}).get("scope") == "task" else ""
        console.print(
            f"{verb} [bold]{approval['id']}[/bold] ({approval['kind']}: {escape(approval['title'])}){scope}{why}",
            highlight=False,
        )
    for failure in failed:
        console.print(f"[red]Not decided[/red] {failure['id']}: {escape(failure['message'])}", highlight=False)
    if failed:
        raise typer.Exit(1)


@approval_app.command("approve")
def approval_approve(
    approval_ids: ApprovalIds,
    company: Company,
    note: Note = None,
    for_task: ForTask = False,
    arguments: Arguments = None,
    api_url: ApiUrl = None,
) -> None:
    """Approve: the asking agent carries on (a tool call runs). Several ids: the same for each."""
    if arguments is not None and len(approval_ids) > 1:
        fail("--arguments edit one tool call: give one approval id")
    _decide(approval_ids, company, ApprovalStatus.APPROVED, note, api_url, _tool(for_task, arguments))


@approval_app.command("reject")
def approval_reject(approval_ids: ApprovalIds, company: Company, note: Note = None, api_url: ApiUrl = None) -> None:
    """Reject: the asking agent is told (a rejected hire is terminated). Several ids: each rejected."""
    _decide(approval_ids, company, ApprovalStatus.REJECTED, note, api_url)


@approval_app.command("revise")
def approval_revise(approval_id: ApprovalId, company: Company, note: Note = None, api_url: ApiUrl = None) -> None:
    """Ask for a revision: the agent revises and asks again (say what to change in --note)."""
    _decide([approval_id], company, ApprovalStatus.REVISION_REQUESTED, note, api_url)
