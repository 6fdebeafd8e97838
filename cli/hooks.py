"""`paperclip hook add|list|remove` (incoming webhooks: a signed delivery makes a task or starts a
pipeline run) and
`paperclip webhook add|list|remove` (outgoing: the company's events sent to a URL), over the API.
A secret is printed once, when it is made."""

from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, fail
from cli.output import JsonOption, Table, print_json
from paperclip.vocabulary import HookKind, Priority, WebhookEvent, WebhookFormat

hook_app = typer.Typer(
    help="Incoming webhooks (GitHub's or signed generic deliveries) that make tasks or start pipeline runs: "
    "add, list, remove.",
    no_args_is_help=True,
)
webhook_app = typer.Typer(
    help="Outgoing webhooks: the company's events (approvals, budget incidents, failed tasks) sent to a URL.",
    no_args_is_help=True,
)
Name = Annotated[str, typer.Argument(help="Its name in the company.")]


def _inputs(pairs: list[str]) -> dict[str, str]:
    inputs: dict[str, str] = {}
    for pair in pairs:
        name, sep, expression = pair.partition("=")
        if not sep or not name.strip() or not expression.strip():
            fail(f"--input {pair!r}: give NAME=EXPRESSION (a JMESPath expression, e.g. number=body.number)")
        inputs[name.strip()] = expression.strip()
    return inputs


@hook_app.command("add")
def hook_add(
    name: Name,
    company: Company,
    agent: Annotated[str | None, typer.Option(help="The agent each delivery's task is for.")] = None,
    title: Annotated[str | None, typer.Option(help="The task's title; ${inputs.NAME} is an input's value.")] = None,
    pipeline: Annotated[
        str | None,
        typer.Option(help="Or: the pipeline each delivery starts a run of, its inputs the hook's (--input)."),
    ] = None,
    brief: Annotated[str, typer.Option(help="The task's brief, with ${inputs.NAME} as in the title.")] = "",
    kind: Annotated[HookKind, typer.Option(help="github: X-Hub-Signature-256; generic: timestamp + body.")] = (
        HookKind.GITHUB
    ),
    input: Annotated[
        list[str] | None,
        typer.Option("--input", help="NAME=EXPRESSION: a JMESPath expression over {headers, body, event} (repeat)."),
    ] = None,
    when: Annotated[
        str | None, typer.Option(help="Act only when this JMESPath expression is true, e.g. \"event == 'push'\".")
    ] = None,
    priority: Annotated[Priority, typer.Option(help="The tasks' priority.")] = Priority.MEDIUM,
    api_url: ApiUrl = None,
) -> None:
    """Make a hook that makes a task (--agent, --title) or starts a pipeline run (--pipeline);
    prints its URL and its secret (shown this once)."""
    target: dict[str, Any]
    if pipeline is not None:
        if agent is not None or title is not None:
            fail("give --pipeline, or --agent and --title (a task), not both")
        target = {"kind": "pipeline", "pipeline": pipeline}
    elif agent is None or title is None:
        fail("give --agent and --title (each delivery makes a task), or --pipeline (it starts a run)")
    else:
        target = {"kind": "task", "assignee": agent, "title": title, "brief": brief, "priority": priority.value}
    body: dict[str, Any] = {"name": name, "kind": kind.value, "target": target, "inputs": _inputs(input or [])}
    if when is not None:
        body["when"] = when
    with api(api_url) as client:
        made = client.post(f"/api/companies/{company}/hooks", body)
        url = client.base_url + made["path"]
    console.print(f"hook {escape(name)} of {escape(company)}: POST {escape(url)}", highlight=False, soft_wrap=True)
    console.print(f"secret (shown once): {made['secret']}", highlight=False, soft_wrap=True)
    if kind is HookKind.GITHUB:
        console.print("In GitHub: Payload URL = the URL above, Content type application/json, Secret = the secret.")


@hook_app.command("list")
def hook_list(company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """The company's hooks."""
    with api(api_url) as client:
        answer = client.get(f"/api/companies/{company}/hooks")
    if as_json:
        print_json(answer)
        return
    found = answer["data"]
    if not found:
        console.print("No hooks.")
        return
    table = Table("Name", "Kind", "Makes", "When", "Inputs")
    for h in found:
        target = h["target"]
        if target["kind"] == "pipeline":
            makes = f"a run of pipeline {target['pipeline']}"
        elif target["kind"] == "review":
            makes = f"a review by monitor {target['monitor']}"
        else:
            makes = f"a task for {target['assignee']}: {target['title']}"
        inputs = ", ".join(f"{k}={v}" for k, v in h["inputs"].items())
        table.add_row(h["name"], h["kind"], escape(makes), escape(h.get("when") or "always"), escape(inputs))
    console.print(table)


@hook_app.command("remove")
def hook_remove(name: Name, company: Company, api_url: ApiUrl = None) -> None:
    """Remove a hook: its deliveries are refused from now on."""
    with api(api_url) as client:
        client.delete(f"/api/companies/{company}/hooks/{name}")
    console.print(f"removed hook {escape(name)}", highlight=False)


@webhook_app.command("add")
def webhook_add(
    name: Name,
    company: Company,
    url: Annotated[str, typer.Option(help="Where the events are POSTed.")],
    event: Annotated[list[WebhookEvent], typer.Option("--event", help="An event to send (repeat).")],
    format: Annotated[WebhookFormat, typer.Option(help="json, or slack for a Slack incoming webhook.")] = (
        WebhookFormat.JSON
    ),
    api_url: ApiUrl = None,
) -> None:
    """Send the company's events to a URL, signed; prints the signing secret (shown this once)."""
    body = {"name": name, "url": url, "events": [e.value for e in event], "format": format.value}
    with api(api_url) as client:
        made = client.post(f"/api/companies/{company}/webhooks", body)
    console.print(f"webhook {escape(name)} of {escape(company)}: {', '.join(made['events'])} to {escape(url)}")
    console.print(f"secret (shown once): {made['secret']}", highlight=False, soft_wrap=True)


@webhook_app.command("list")
def webhook_list(company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """The company's webhooks."""
    with api(api_url) as client:
        answer = client.get(f"/api/companies/{company}/webhooks")
    if as_json:
        print_json(answer)
        return
    found = answer["data"]
    if not found:
        console.print("No webhooks.")
        return
    table = Table("Name", "URL", "Events", "Format")
    for w in found:
        table.add_row(w["name"], escape(w["url"]), ", ".join(w["events"]), w["format"])
    console.print(table)


@webhook_app.command("remove")
def webhook_remove(name: Name, company: Company, api_url: ApiUrl = None) -> None:
    """Stop sending events to a webhook."""
    with api(api_url) as client:
        client.delete(f"/api/companies/{company}/webhooks/{name}")
    console.print(f"removed webhook {escape(name)}", highlight=False)
