"""The board's levers from the command line: `agent pause|resume|terminate`,
`company pause|resume|archive`, `task cancel|reassign|comment`, and the emergency brake
`pause --all` / `resume --all` (registered in `__init__`)."""

from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, fail

Reason = Annotated[str | None, typer.Option("--reason", "-r", help="Why (shown in the activity log).")]
CompanyId = Annotated[str, typer.Argument(envvar="PAPERCLIP_COMPANY", help="Company id.")]
AgentName = Annotated[str, typer.Argument(help="Agent name, e.g. cto.")]
TaskId = Annotated[str, typer.Argument(help="Task identifier, e.g. ACME-1.")]


def _reason(reason: str | None) -> dict[str, Any]:
    return {"reason": reason} if reason else {}


def _why(reason: str | None) -> str:
    return f": {escape(reason)}" if reason else ""


# --------------------------------------------------------------------------- agent


def _agent_action(action: str, past: str, name: str, company: str, reason: str | None, api_url: str | None) -> None:
    with api(api_url) as client:
        agent = client.post(f"/api/companies/{company}/agents/{name}/{action}", _reason(reason))
    console.print(f"{past} [bold]{escape(name)}[/bold] in {company}, now {agent.get('status')}{_why(reason)}")


def agent_pause(name: AgentName, company: Company, reason: Reason = None, api_url: ApiUrl = None) -> None:
    """Pause an agent: its tasks hold before their next turn and it gets no new work."""
    _agent_action("pause", "Paused", name, company, reason, api_url)


def agent_resume(name: AgentName, company: Company, reason: Reason = None, api_url: ApiUrl = None) -> None:
    """Resume a paused agent (also clears an agent in error)."""
    _agent_action("resume", "Resumed", name, company, reason, api_url)


def agent_terminate(name: AgentName, company: Company, reason: Reason = None, api_url: ApiUrl = None) -> None:
    """Terminate an agent: its tasks are cancelled and its reports move to its manager."""
    _agent_action("terminate", "Terminated", name, company, reason, api_url)


# --------------------------------------------------------------------------- company


def _company_action(action: str, past: str, company: str, reason: str | None, api_url: str | None) -> None:
    with api(api_url) as client:
        client.post(f"/api/companies/{company}/{action}", _reason(reason))
    console.print(f"{past} company [bold]{company}[/bold]{_why(reason)}")


def company_pause(company: CompanyId, reason: Reason = None, api_url: ApiUrl = None) -> None:
    """Pause the company: nothing is dispatched and every task holds before its next turn."""
    _company_action("pause", "Paused", company, reason, api_url)


def company_resume(company: CompanyId, reason: Reason = None, api_url: ApiUrl = None) -> None:
    """Resume a paused company."""
    _company_action("resume", "Resumed", company, reason, api_url)


def company_archive(company: CompanyId, reason: Reason = None, api_url: ApiUrl = None) -> None:
    """Archive the company: its workflow ends (refused while tasks are open); it stays readable."""
    _company_action("archive", "Archived", company, reason, api_url)


# --------------------------------------------------------------------------- task


def task_cancel(identifier: TaskId, company: Company, reason: Reason = None, api_url: ApiUrl = None) -> None:
    """Cancel a task and the subtasks it delegated."""
    with api(api_url) as client:
        record = client.post(f"/api/companies/{company}/tasks/{identifier}/cancel", _reason(reason))
    if record.get("status") == "cancelled":
        console.print(f"Cancelled [bold]{identifier}[/bold]{_why(reason)}")
    else:
        console.print(
            f"Cancelling [bold]{identifier}[/bold] ({record.get('status')}): it stops at its next step,"
            f" with its subtasks{_why(reason)}"
        )


def task_reassign(
    identifier: TaskId,
    agent: Annotated[str, typer.Argument(help="The new assignee's agent name.")],
    company: Company,
    api_url: ApiUrl = None,
) -> None:
    """Hand a task to another agent; a running task carries on from its conversation so far."""
    with api(api_url) as client:
        record = client.post(f"/api/companies/{company}/tasks/{identifier}/reassign", {"assignee": agent})
    console.print(f"Reassigned [bold]{identifier}[/bold] to {escape(record.get('assignee', agent))}")


def task_comment(
    identifier: TaskId,
    text: Annotated[str, typer.Argument(help="The comment; `@name` wakes that agent too.")],
    company: Company,
    author: Annotated[str | None, typer.Option(help="Who is commenting (default: board).")] = None,
    api_url: ApiUrl = None,
) -> None:
    """Comment on an open task: its agent reads it on its next turn."""
    body = {"body": text} | ({"author": author} if author else {})
    with api(api_url) as client:
        posted = client.post(f"/api/companies/{company}/tasks/{identifier}/comments", body)
    console.print(f"Commented on [bold]{identifier}[/bold]; reached {', '.join(posted.get('reached', []))}")


# --------------------------------------------------------------------------- the emergency brake

All = Annotated[
    bool, typer.Option("--all", help="Every company you may brake: all (the board), your teams' (an owner).")
]


def _brake(action: str, every: bool, reason: str | None, api_url: str | None) -> None:
    if not every:
        fail(f"say --all to {action} every company (one company: paperclip company {action} ID)")
    with api(api_url) as client:
        report = client.post(f"/api/{action}-all", _reason(reason))
        key = client.idempotency_key
    changed, unchanged, failed, unknown = (report[k] for k in ("changed", "unchanged", "failed", "unknown"))
    past = {"pause": "Paused", "resume": "Resumed"}[action]
    console.print(f"{past} {_companies(len(changed))}: {', '.join(changed) or '-'}")
    for company, why in unchanged.items():
        console.print(f"  {escape(company)}: left as it was ({escape(why)})")
    for company, why in failed.items():
        console.print(f"  {escape(company)}: [red]failed[/red] ({escape(why)})")
    for company in unknown:
        console.print(f"  {escape(company)}: [yellow]no answer in time[/yellow] (it may still be {past.lower()})")
    if failed or unknown:
        retry = f"; run it again with PAPERCLIP_IDEMPOTENCY_KEY={key}" if unknown else ""
        fail(f"{_companies(len(failed) + len(unknown))} not {past.lower()}{retry}")


def _companies(n: int) -> str:
    return f"{n} compan{'y' if n == 1 else 'ies'}"


def pause(every: All = False, reason: Reason = None, api_url: ApiUrl = None) -> None:
    """The emergency brake: pause every company you may (--all); their tasks hold before their next turn."""
    _brake("pause", every, reason, api_url)


def resume(every: All = False, reason: Reason = None, api_url: ApiUrl = None) -> None:
    """Lift the emergency brake (--all): resume the companies it paused (not those paused by hand or for budget)."""
    _brake("resume", every, reason, api_url)
