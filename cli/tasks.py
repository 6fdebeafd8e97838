"""`paperclip task show`: one task as the company sees it now, over the API."""

import time
from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, fail
from cli.output import JsonOption, Table, print_json
from cli.resources import status_markup, task_table
from paperclip.money import cost
from paperclip.vocabulary import TERMINAL_STATUSES, TaskStatus


def task_show(
    identifier: Annotated[str, typer.Argument(help="Task identifier, e.g. ACME-1.")],
    company: Company,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """Show a task: its status (why it holds, or that it is trying a failed turn again, with the
    attempt and the last failure), assignee, spend, result and subtasks."""
    with api(api_url) as client:
        task = client.get(f"/api/companies/{company}/tasks/{identifier}")
    if as_json:
        print_json(task)
        return
    console.print(f"[bold]{escape(task['identifier'])}[/bold] {escape(task['title'])}", highlight=False)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim")
    grid.add_column()
    for label, value in _rows(task):
        grid.add_row(label, value)
    console.print(grid, highlight=False)
    if task.get("subtasks"):
        console.print(task_table(task["subtasks"]))


def _rows(task: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [("status", status_markup(task["status"]))]
    if task.get("held"):
        rows.append(("held", f"[yellow]{escape(task['held'])}[/yellow] (before its next turn)"))
    if task.get("retry"):
        from paperclip.models import RetryState  # the models only for a task that is retrying

        retry = RetryState.model_validate(task["retry"])
        rows.append(("retrying", f"[yellow]{escape(retry.model)}: {escape(retry.describe())}[/yellow]"))
    if task.get("blocked_reason"):
        rows.append(("blocked", f"[red]{escape(task['blocked_reason'])}[/red] (it never started)"))
    if task.get("blocked_by"):
        inputs = set(task.get("inputs") or [])
        waits = ", ".join(b + (" (input)" if b in inputs else "") for b in task["blocked_by"])
        rows.append(("waits on", escape(waits)))
    rows.append(("assignee", escape(task["assignee"])))
    rows += [("parent", escape(task["parent"]))] if task.get("parent") else []
    rows.append(("priority", task.get("priority", "")))
    rows += [("goal", escape(task["goal"]))] if task.get("goal") else []
    if review := task.get("review"):
        rows.append(("review", f"{escape(review['reviewer'])}, at most {review['max_cycles']} review(s)"))
    usage = task.get("usage") or {}
    tokens = f"{usage.get('input_tokens', 0):,} in / {usage.get('output_tokens', 0):,} out"
    rows.append(("turns", f"{task.get('turns', 0)} · {tokens} tokens · {cost(task.get('cost_usd') or 0.0)}"))
    lost = task.get("unconfirmed") or {}
    if lost.get("attempts"):
        rows.append(("unconfirmed", f"{lost['attempts']} call(s) lost with their worker, charged at their worst case"))
    if task.get("result"):
        rows.append(("result", escape(task["result"])))
    return rows


def task_wait(
    identifier: Annotated[str, typer.Argument(help="Task identifier, e.g. ACME-1.")],
    company: Company,
    status: Annotated[
        list[TaskStatus] | None,
        typer.Option("--status", help="Wait for this status (repeatable); default: until it ends."),
    ] = None,
    timeout: Annotated[float, typer.Option(min=0, help="Give up after this many seconds.")] = 300.0,
    api_url: ApiUrl = None,
) -> None:
    """Wait until a task reaches a status (by default until it is done, failed or cancelled),
    then print it. Exit 1 when it ends in another status or the timeout passes first."""
    wanted = set(status or TERMINAL_STATUSES)
    deadline = time.monotonic() + timeout
    with api(api_url) as client:
        while True:
            task = client.get(f"/api/companies/{company}/tasks/{identifier}")
            now = TaskStatus(task["status"])
            if now in wanted:
                if status is None and now != TaskStatus.DONE:
                    fail(f"{identifier} ended {now.value}" + (f": {task['result']}" if task.get("result") else ""))
                console.print(f"{escape(identifier)}: {status_markup(now)}", highlight=False)
                return
            if now.is_terminal:
                fail(f"{identifier} ended {now.value} before reaching {', '.join(sorted(wanted))}")
            if time.monotonic() >= deadline:
                fail(f"{identifier} is still {now.value} after {timeout:g} s")
            time.sleep(0.5)
