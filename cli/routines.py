"""`paperclip routine`: recurring work (Temporal Schedules that give an agent a task or start a
pipeline run), over the API."""

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, fail
from cli.output import JsonOption, Table, print_json
from cli.pipeline_runs import parse_inputs
from paperclip.vocabulary import Priority

routine_app = typer.Typer(
    help="Recurring tasks or pipeline runs on a schedule: add, list, pause, resume, trigger, delete.",
    no_args_is_help=True,
)

Name = Annotated[str, typer.Argument(help="Routine name.")]


def _path(company: str, name: str | None = None) -> str:
    base = f"/api/companies/{company}/routines"
    return base if name is None else f"{base}/{name}"


def _when(routine: dict[str, Any]) -> str:
    timing = f"cron {routine['cron']}" if routine.get("cron") else f"every {_seconds(routine.get('every') or 0)}"
    return timing + (f" ({routine['time_zone']})" if routine.get("time_zone") else "")


def _seconds(value: int) -> str:
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if value >= size and value % size == 0:
            return f"{value // size}{unit}"
    return f"{value}s"


def _time(value: str | None) -> str:
    return "-" if not value else datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")


def _does(routine: dict[str, Any]) -> str:
    """What each fire does: `→ pm 'Stand-up'` or `→ pipeline nightly (k=v)`."""
    if routine.get("pipeline"):
        inputs = ", ".join(f"{k}={v}" for k, v in (routine.get("inputs") or {}).items())
        return f"→ pipeline {routine['pipeline']}" + (f" ({inputs})" if inputs else "")
    return f"→ {routine['agent']} '{routine['title']}'"


def _next_run(routine: dict[str, Any]) -> str:
    runs = routine.get("next_runs") or []
    return "-" if routine.get("paused") or not runs else _time(runs[0])


@routine_app.command("add")
def routine_add(
    company: Company,
    agent: Annotated[str | None, typer.Option(help="The agent who gets the task.")] = None,
    title: Annotated[str | None, typer.Option(help="The task's title.")] = None,
    pipeline: Annotated[
        str | None, typer.Option(help="Or: the pipeline each fire starts a run of (its latest version then).")
    ] = None,
    input: Annotated[
        list[str] | None, typer.Option("--input", "-i", help="A pipeline input as NAME=VALUE (repeat for each).")
    ] = None,
    name: Annotated[
        str | None, typer.Argument(help="Routine name (default: from the title, or the pipeline's name).")
    ] = None,
    cron: Annotated[str | None, typer.Option(help="Cron expression, e.g. '0 9 * * 1-5' (UTC unless --tz).")] = None,
    every: Annotated[str | None, typer.Option(help="Or an interval, e.g. 1h, 30m, 1d (at least 1m).")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="IANA time zone of the cron, e.g. Europe/Paris.")] = None,
    brief: Annotated[str | None, typer.Option(help="Details for the agent.")] = None,
    priority: Annotated[Priority, typer.Option(help="Priority of each task.")] = Priority.MEDIUM,
    allow_overlap: Annotated[
        bool,
        typer.Option("--allow-overlap", help="Create a task (start a run) even while the last one is still open."),
    ] = False,
    catchup: Annotated[
        str | None, typer.Option(help="Make up runs missed while Temporal was down, if at most this late (e.g. 1h).")
    ] = None,
    api_url: ApiUrl = None,
) -> None:
    """Give an agent a task (--agent, --title) or start a pipeline run (--pipeline, --input) on a schedule."""
    if pipeline is not None and (agent is not None or title is not None or brief is not None):
        fail("give --pipeline (a run), or --agent and --title (a task), not both")
    if pipeline is None and (agent is None or title is None):
        fail("give --agent and --title (each fire gives that task), or --pipeline (it starts a run)")
    if pipeline is None and input:
        fail("--input is a pipeline's: give --pipeline too")
    body: dict[str, Any] = {
        "name": name,
        "cron": cron,
        "every": every,
        "time_zone": tz,
        "agent": agent,
        "title": title,
        "brief": brief,
        "priority": None if pipeline is not None else priority.value,
        "pipeline": pipeline,
        "inputs": parse_inputs(input or []) if pipeline is not None else None,
        "skip_if_open": not allow_overlap,
        "catchup_seconds": catchup,
    }
    with api(api_url) as client:
        routine = client.post(_path(company), {k: v for k, v in body.items() if v is not None})
    console.print(
        f"Added routine [bold]{routine['name']}[/bold]: {escape(_when(routine))} {escape(_does(routine))}; "
        f"next run {_next_run(routine)}",
        highlight=False,
    )


@routine_app.command("list")
def routine_list(company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """List a company's routines with their next and last runs."""
    with api(api_url) as client:
        answer = client.get(_path(company))
    if as_json:
        print_json(answer)
        return
    routines = answer.get("data", [])
    if not routines:
        console.print(f"No routines in {company}: `paperclip routine add --company {company} --cron ... --agent ...`.")
        return
    table = Table("Routine", "When", "Does", "Overlap", "State", "Next run", "Last run", "Runs")
    for routine in routines:
        recent = routine.get("recent_actions") or []
        table.add_row(
            escape(routine["name"]),
            escape(_when(routine)),
            escape(_does(routine).removeprefix("→ ")),
            "skip if open" if routine.get("skip_if_open", True) else "allow",
            "[yellow]paused[/yellow]" if routine.get("paused") else "[green]active[/green]",
            _next_run(routine),
            _time(recent[-1]["scheduled_at"] if recent else None),
            str(routine.get("actions", 0)),
        )
    console.print(table)


@routine_app.command("pause")
def routine_pause(name: Name, company: Company, api_url: ApiUrl = None) -> None:
    """Stop a routine firing until resumed."""
    with api(api_url) as client:
        client.post(f"{_path(company, name)}/pause", {})
    console.print(f"Paused routine [bold]{escape(name)}[/bold]")


@routine_app.command("resume")
def routine_resume(name: Name, company: Company, api_url: ApiUrl = None) -> None:
    """Let a paused routine fire again."""
    with api(api_url) as client:
        routine = client.post(f"{_path(company, name)}/resume", {})
    console.print(
        f"Resumed routine [bold]{escape(name)}[/bold]; next run {_next_run(routine)}",
        highlight=False,
    )


@routine_app.command("trigger")
def routine_trigger(name: Name, company: Company, api_url: ApiUrl = None) -> None:
    """Fire a routine now (skipped while its last task is open, or its last run running)."""
    with api(api_url) as client:
        client.post(f"{_path(company, name)}/trigger", {})
    console.print(f"Triggered routine [bold]{escape(name)}[/bold]")


@routine_app.command("delete")
def routine_delete(name: Name, company: Company, api_url: ApiUrl = None) -> None:
    """Delete a routine (the tasks it created stay)."""
    with api(api_url) as client:
        client.delete(_path(company, name))
    console.print(f"Deleted routine [bold]{escape(name)}[/bold]")
