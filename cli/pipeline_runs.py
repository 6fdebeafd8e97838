"""`paperclip run pipeline` and `paperclip pipeline runs`: start a company's pipeline and watch
its runs, over the API."""

import time
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Column

from cli.common import ApiUrl, Company, api, console, fail
from cli.output import JsonOption, Table, print_json
from cli.pipelines import pipeline_app  # `pipeline runs` beside validate, add, list and show

run_app = typer.Typer(help="Start work: a pipeline run.", no_args_is_help=True)

FOLLOW_SECONDS = 1.0
"""How often `--follow` reads the run again."""
FINISHED = ("done", "failed", "cancelled")
COLOURS = {"done": "green", "failed": "red", "cancelled": "yellow", "skipped": "dim", "running": "cyan"}


def parse_inputs(pairs: list[str]) -> dict[str, str]:
    """`k=v` pairs as the run's inputs (the API types each value by the pipeline's inputs)."""
    inputs: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            fail(f"--input takes NAME=VALUE, not {pair!r}")
        if name.strip() in inputs:
            fail(f"input '{name.strip()}' is given twice")
        inputs[name.strip()] = value
    return inputs


def _status(status: str) -> str:
    return f"[{COLOURS.get(status, 'white')}]{status}[/]"


def show_run(run: dict[str, Any]) -> None:
    """A run's status, steps (task, spend, excerpt or error) and spend, as a table."""
    console.print(
        f"run [bold]{run['run_id']}[/bold] of {escape(run['pipeline'])} v{run['version']}: {_status(run['status'])}"
        f" · {run['tokens']:,} tokens · ${run['cost_usd']:.4f}"
        + (f"\n{escape(run['error'])}" if run.get("error") else "")
    )
    table = Table("step", "status", "task", "cost", "output / error")
    for step in run["steps"]:
        said = step.get("error") or step.get("excerpt") or ""
        said = said.replace("\n", " ")
        table.add_row(
            step["id"],
            _status(step["status"]),
            step.get("task") or "-",
            f"${step['cost_usd']:.4f}",
            escape(said[:100] + ("…" if len(said) > 100 else "")),
        )
    console.print(table)


@run_app.command("pipeline")
def run_pipeline(
    name: Annotated[str, typer.Argument(help="The pipeline's name in the company.")],
    company: Company,
    input: Annotated[
        list[str] | None, typer.Option("--input", "-i", help="An input as NAME=VALUE (repeat for each).")
    ] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Watch the run until it ends.")] = False,
    api_url: ApiUrl = None,
) -> None:
    """Start a run of a pipeline with its inputs (`--input git_diff="$(git diff)"`)."""
    inputs = parse_inputs(input or [])
    with api(api_url) as client:
        run = client.post(f"/api/companies/{company}/pipelines/{name}/runs", {"inputs": inputs})
        console.print(f"started run [bold]{run['run_id']}[/bold] of {escape(name)}")
        if not follow:
            return
        seen: dict[str, str] = {}
        while True:
            run = client.get(f"/api/companies/{company}/pipeline-runs/{run['run_id']}")
            for step in run["steps"]:
                if seen.get(step["id"]) != step["status"]:
                    seen[step["id"]] = step["status"]
                    task = f" ({step['task']})" if step.get("task") else ""
                    console.print(f"  {step['id']}{task}: {_status(step['status'])}")
            if run["status"] in FINISHED:
                break
            time.sleep(FOLLOW_SECONDS)
    show_run(run)
    if run["status"] != "done":
        raise typer.Exit(1)


@pipeline_app.command("runs")
def pipeline_runs(
    name: Annotated[str, typer.Argument(help="The pipeline's name in the company.")],
    company: Company,
    limit: Annotated[int, typer.Option(help="How many runs to show (the newest).")] = 50,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """List a pipeline's runs, newest first, as the store keeps them (those Temporal forgot too):
    status, steps done, spend, and the latest output or error."""
    with api(api_url) as client:
        found = client.get(f"/api/companies/{company}/pipelines/{name}/runs?limit={limit}")
    if as_json:
        print_json(found)
        return
    if not found["data"]:
        console.print(f"no runs of {escape(name)} yet")
        return
    run_column = Column("run", no_wrap=True)  # whole on a narrow terminal, to be copied
    table = Table(run_column, "status", "steps done", "tokens", "cost", "started", "output / error")
    for run in found["data"]:
        done = sum(s["status"] == "done" for s in run["steps"])
        started = (run.get("started_at") or "-")[:19].replace("T", " ")
        last = next((s for s in reversed(run["steps"]) if s.get("excerpt") or s.get("error")), None)
        said = (run.get("error") or (last and (last.get("error") or last.get("excerpt"))) or "").replace("\n", " ")
        table.add_row(
            run["run_id"],
            _status(run["status"]),
            f"{done}/{len(run['steps'])}",
            f"{run['tokens']:,}",
            f"${run['cost_usd']:.4f}",
            started,
            escape(said[:60] + ("…" if len(said) > 60 else "")),
        )
    console.print(table)
    if found["count"] > len(found["data"]):
        console.print(f"the newest {len(found['data'])} of {found['count']} runs (--limit for more)")
