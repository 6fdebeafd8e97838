"""`paperclip monitor`: the company's activity, one line per event, from the API's SSE stream;
its subcommands watch a GitHub repository's pull requests (`cli.monitor_github`)."""

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, api, console, fail
from cli.monitor_github import register_github


def format_entry(entry: dict[str, Any]) -> str:
    """One activity entry as one line: time, kind, actor, task, summary (rich markup)."""
    at = entry.get("at", "")
    try:
        at = datetime.fromisoformat(at).astimezone().strftime("%H:%M:%S")
    except (TypeError, ValueError):
        pass
    task = entry.get("task") or ""
    summary = str(entry.get("summary", ""))
    if summary.startswith(task):
        task = ""  # the summary names it already
    parts = [
        f"[dim]{escape(str(at))}[/dim]",
        f"[cyan]{escape(str(entry.get('kind', '?'))):<16}[/cyan]",
        f"{escape(str(entry.get('actor', ''))):<10}",
        f"[bold]{escape(task)}[/bold]" if task else "",
        escape(summary),
    ]
    return " ".join(part for part in parts if part)


monitor_app = typer.Typer(
    help="The company's activity as it happens; or watch a GitHub repository's pull requests (github, list, remove).",
    invoke_without_command=True,
)


@monitor_app.callback()
def monitor(
    ctx: typer.Context,
    company: Annotated[
        str | None,
        typer.Option("--company", "-c", envvar="PAPERCLIP_COMPANY", help="Company id (or PAPERCLIP_COMPANY)."),
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new events until Ctrl-C, from the last --tail.")
    ] = False,
    tail: Annotated[
        int, typer.Option(min=0, max=1000, help="With --follow: start with the last N events (0: only new ones).")
    ] = 10,
    replay: Annotated[
        bool, typer.Option(help="With --follow: start with the whole log instead of the last --tail.")
    ] = False,
    after: Annotated[int | None, typer.Option(help="Only events after this sequence number.")] = None,
    api_url: ApiUrl = None,
) -> None:
    """Print the company's activity log (agent turns, task status, approvals, budget alerts…);
    with --follow, its last few events and then each as it happens (the whole log first with
    --replay), reconnecting where it left off if the API goes away."""
    if ctx.invoked_subcommand is not None:
        return
    if company is None:
        fail("give the company: --company C (or PAPERCLIP_COMPANY)")
    # Following starts at the log's tail, as `tail -f` does, unless asked for all or a point in it.
    start = {"tail": tail} if follow and not replay and after is None else {"after": after}
    with api(api_url) as client:
        try:
            events = client.events(
                f"/api/companies/{company}/events", resume=follow, follow=str(follow).lower(), **start
            )
            for event in events:
                if isinstance(event.data, dict):
                    console.print(format_entry(event.data), highlight=False, soft_wrap=True)
                else:
                    console.print(f"{escape(event.event)}: {escape(str(event.data))}", highlight=False)
        except KeyboardInterrupt:
            pass


register_github(monitor_app)
