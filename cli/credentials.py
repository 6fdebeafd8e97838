"""`paperclip credential add|list|remove`: stored provider keys, each bound to the URLs it may be
sent to, over the API. The key is read from `PAPERCLIP_CREDENTIAL_KEY` or a hidden prompt, never
from an argument (which would stay in the shell's history)."""

import os
from typing import Annotated
from urllib.parse import urlencode

import typer

from cli.common import ApiUrl, api, console, fail
from cli.output import JsonOption, Table, print_json

KEY_VARIABLE = "PAPERCLIP_CREDENTIAL_KEY"

credential_app = typer.Typer(
    help="Stored provider keys, each bound to the URLs it may be sent to.", no_args_is_help=True
)
Team = Annotated[
    str | None, typer.Option("--team", help="The team it belongs to (its owners manage it); absent: the deployment's.")
]


def owned(path: str, team: str | None) -> str:
    """`path` for the team's resource (`?team=`), or the deployment's."""
    return f"{path}?{urlencode({'team': team})}" if team else path


@credential_app.command("add")
def credential_add(
    name: Annotated[str, typer.Argument(help="Its name, as agents' models name it (`model.credential`).")],
    url: Annotated[
        list[str], typer.Option("--url", help="A base URL it may be sent to (repeat for more), e.g. https://host/v1.")
    ],
    team: Team = None,
    api_url: ApiUrl = None,
) -> None:
    """Store (or replace) a key, bound to `--url`: it is sent nowhere else. The key comes from
    PAPERCLIP_CREDENTIAL_KEY, else a prompt that does not echo it."""
    key = os.environ.get(KEY_VARIABLE) or typer.prompt("Key", hide_input=True, default="", show_default=False)
    if not key:
        fail(f"no key: set {KEY_VARIABLE} or type it at the prompt")
    with api(api_url) as client:
        stored = client.post("/api/credentials", {"name": name, "urls": url, "api_key": key, "team": team})
    owner = f"team {stored['team']}" if stored["team"] else "the deployment"
    console.print(f"stored {stored['name']} for {owner}, bound to {', '.join(stored['urls'])}", highlight=False)


@credential_app.command("list")
def credential_list(team: Team = None, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """The credentials you may see (your teams' and the deployment's), never their keys."""
    with api(api_url) as client:
        answer = client.get("/api/credentials", team=team)
    if as_json:
        print_json(answer)
        return
    found = answer["data"]
    if not found:
        console.print("No credentials.")
        return
    table = Table("Name", "Owner", "Bound to", "Key", "Endpoint")
    for c in found:
        table.add_row(
            c["name"],
            c["team"] or "(deployment)",
            "\n".join(c["urls"]) or "(nowhere)",
            "yes" if c["has_key"] else "no",
            "yes" if c["endpoint"] else "",
        )
    console.print(table)


@credential_app.command("remove")
def credential_remove(
    name: Annotated[str, typer.Argument(help="The credential.")], team: Team = None, api_url: ApiUrl = None
) -> None:
    """Delete a credential (an endpoint's goes with its endpoint)."""
    with api(api_url) as client:
        client.delete(owned(f"/api/credentials/{name}", team))
    console.print(f"removed {name}")
