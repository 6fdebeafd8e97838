"""`paperclip agent register` and `paperclip agent test`: model endpoints by name (a team's or the
deployment's), over the API."""

from typing import Annotated

import typer

from cli.common import ApiUrl, api, console, fail
from cli.credentials import Team, owned
from paperclip.vocabulary import EndpointKind


def agent_register(
    name: Annotated[str, typer.Option("--name", help="The endpoint's name (slug), e.g. my-llm.")],
    kind: Annotated[EndpointKind, typer.Option("--type", help="What it speaks.")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="Its base URL, e.g. http://localhost:11434/v1.")],
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key", envvar="PAPERCLIP_ENDPOINT_KEY", help="Its key (or PAPERCLIP_ENDPOINT_KEY); kept encrypted."
        ),
    ] = None,
    model: Annotated[str | None, typer.Option(help="The model agents on it use by default.")] = None,
    team: Team = None,
    api_url: ApiUrl = None,
) -> None:
    """Register a model endpoint (an OpenAI-compatible server, or Anthropic's API) by name, for a
    team or the deployment; its key is sent to its URL only. Hire agents on it with
    `paperclip agent hire … --endpoint NAME`."""
    body = {"name": name, "type": kind.value, "url": endpoint, "model": model, "api_key": api_key, "team": team}
    with api(api_url) as client:
        registered = client.post("/api/endpoints", body)
    key = "its key kept encrypted" if registered["has_key"] else "no key"
    console.print(f"registered {registered['name']} ({registered['type']}, {registered['url']}, {key})")


def agent_test(
    name: Annotated[str, typer.Argument(help="A registered endpoint's name.")],
    team: Team = None,
    api_url: ApiUrl = None,
) -> None:
    """Ask a registered endpoint for its models: `OK (latency: …, model: …)` or why not (exit 1)."""
    with api(api_url) as client:
        answer = client.post(owned(f"/api/endpoints/{name}/test", team), {})
    if not answer["ok"]:
        fail(f"{name}: {answer['reason']}")
    console.print(answer["line"], highlight=False)
