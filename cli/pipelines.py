"""`paperclip pipeline`: validate, add, list and show pipeline documents (YAML), over the API.

A document is a file, or the name of a built-in one (`code-review`). A document that does not
validate ends the command with one line, then each problem as `FILE:LINE:COLUMN: field: message`.
Without `--company`, `validate` checks the file here (every agent name passes); with it, the API
checks the steps' agents against the company's.
"""

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, err_console, fail
from cli.output import JsonOption, Table, print_json
from paperclip.pipelines.builtin import BUILTINS, builtin_text

pipeline_app = typer.Typer(
    help="Pipelines: YAML documents of steps, each a task for an agent (validate, add, list, show).",
    no_args_is_help=True,
)

Document = Annotated[str, typer.Argument(help=f"A YAML file, or a built-in pipeline ({', '.join(BUILTINS)}).")]


def _read(document: str) -> tuple[str, str]:
    """The text of `document` (a file, else a built-in's name) and what to call it in messages."""
    path = Path(document)
    if path.is_file():
        try:
            return path.read_text("utf-8"), document
        except (OSError, UnicodeDecodeError) as error:
            fail(f"cannot read {document}: {error}")
    text = builtin_text(document)
    if text is None:
        fail(f"no file {document}, and no built-in pipeline of that name (built-in: {', '.join(BUILTINS)})")
    return text, f"built-in:{document}"


def _problems(where: str, problems: list[dict[str, Any]], summary: str) -> NoReturn:
    """One line saying the document is invalid, then each problem at its place; exit 1."""
    err_console.print(f"[red]error:[/red] {escape(where)}: {escape(summary)}", highlight=False, soft_wrap=True)
    for p in problems:
        at = f"{where}:{p['line']}:{p['column']}" if p.get("line") else where
        field = f"{p['field']}: " if p.get("field") else ""
        err_console.print(f"  {escape(at)}: {escape(field + str(p['message']))}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _summary(count: int) -> str:
    return f"invalid pipeline ({count} problem{'s' if count != 1 else ''})"


def _call(where: str, call: Any) -> Any:
    """`call()`; a 422 listing a document's problems ends the command with them."""
    from paperclip.client import ApiError

    try:
        return call()
    except ApiError as error:
        if error.status == 422 and isinstance(error.details, list) and error.details:
            _problems(where, error.details, _summary(len(error.details)))
        raise


def _steps(spec: dict[str, Any]) -> str:
    return " → ".join(s.get("agent") or f"({s.get('template')})" for s in spec["steps"])


@pipeline_app.command("validate")
def pipeline_validate(
    document: Document,
    company: Annotated[
        str | None, typer.Option("--company", "-c", help="Check the steps' agents against this company's (by the API).")
    ] = None,
    api_url: ApiUrl = None,
) -> None:
    """Check a pipeline document: every problem with its line."""
    text, where = _read(document)
    if company is None:
        from paperclip.pipelines import PipelineInvalid, parse
        from paperclip.templates import TemplateError, load_registry

        try:
            templates = load_registry().agents.keys()
        except TemplateError as error:
            fail(str(error))
        try:
            spec = parse(text, templates=templates).model_dump(mode="json")
        except PipelineInvalid as error:
            _problems(where, [p.model_dump() for p in error.problems], _summary(len(error.problems)))
        checked = " (agents not checked: give --company)"
    else:
        with api(api_url) as client:
            answer = _call(where, lambda: client.post("/api/pipelines/validate", {"yaml": text, "company": company}))
        spec, checked = answer["spec"], f" (agents of {company} checked)"
    inputs = ", ".join(i["name"] for i in spec["inputs"]) or "none"
    console.print(
        f"OK: pipeline {spec['name']}, {len(spec['steps'])} steps ({_steps(spec)}), inputs: {inputs}{checked}",
        highlight=False,
        soft_wrap=True,
    )


@pipeline_app.command("add")
def pipeline_add(document: Document, company: Company, api_url: ApiUrl = None) -> None:
    """Store a pipeline in the company: a new version when its text differs from the latest."""
    text, where = _read(document)
    with api(api_url) as client:
        answer = _call(where, lambda: client.post(f"/api/companies/{company}/pipelines", {"yaml": text}))
    version = answer["version"]
    what = f"pipeline {version['name']} version {version['version']}"
    if answer["added"]:
        console.print(f"Added {what} to {company} (sha256 {version['digest'][:12]})", highlight=False)
    else:
        console.print(f"Unchanged: {what} of {company} has this text already", highlight=False)


@pipeline_app.command("list")
def pipeline_list(company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """The company's pipelines, each at its latest version."""
    with api(api_url) as client:
        answer = client.get(f"/api/companies/{company}/pipelines")
    if as_json:
        print_json(answer)
        return
    found = answer["data"]
    if not found:
        console.print(f"No pipelines in {company}: add one with `paperclip pipeline add FILE --company {company}`")
        return
    table = Table("Name", "Version", "Versions", "Added", "By", "sha256")
    for item in found:
        added = str(item["created_at"])[:16].replace("T", " ")
        table.add_row(
            item["name"], str(item["version"]), str(item["versions"]), added, item["created_by"], item["digest"][:12]
        )
    console.print(table)


@pipeline_app.command("show")
def pipeline_show(
    name: Annotated[str, typer.Argument(help="Pipeline name.")],
    company: Company,
    version: Annotated[int | None, typer.Option(help="A version (default: the latest).", min=1)] = None,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """A version of a pipeline: its steps, then its document."""
    with api(api_url) as client:
        answer = client.get(f"/api/companies/{company}/pipelines/{name}", version=version)
    if as_json:
        print_json(answer)
        return
    stored, spec = answer["version"], answer["spec"]
    console.print(
        f"[bold]{escape(stored['name'])}[/bold] version {stored['version']} of {escape(company)}"
        f" (sha256 {stored['digest'][:12]}, added {str(stored['created_at'])[:16].replace('T', ' ')}"
        f" by {escape(stored['created_by'] or '-')})",
        highlight=False,
    )
    if spec is None:
        console.print("[yellow]It no longer validates here (validate its text for the reasons).[/yellow]")
    else:
        table = Table("Step", "Agent", "Reads", "Output", "Needs")
        for step in spec["steps"]:
            agent = step["agent"] or f"(template {step['template']})"
            table.add_row(step["id"], agent, ", ".join(step["input"]), step["output"] or "", ", ".join(step["needs"]))
        console.print(table)
    console.print(stored["content"], markup=False, highlight=False, soft_wrap=True)
