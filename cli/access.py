"""`paperclip team create|member|assign` and `paperclip token create|list|revoke`, over the API."""

from typing import Annotated

import typer

from cli.common import ApiUrl, api, console, fail
from cli.output import JsonOption, Table, print_json
from paperclip.vocabulary import TeamRole

team_app = typer.Typer(help="Teams and their members' roles (owner, operator, viewer).", no_args_is_help=True)
token_app = typer.Typer(help="API keys: made for a user, shown once, revoked at once.", no_args_is_help=True)


@team_app.command("create")
def team_create(name: Annotated[str, typer.Argument(help="The team's name (slug).")], api_url: ApiUrl = None) -> None:
    """Make a team (the board only)."""
    with api(api_url) as client:
        team = client.post("/api/teams", {"name": name})
    console.print(f"team {team['name']} made")


@team_app.command("member")
def team_member(
    team: Annotated[str, typer.Argument(help="The team.")],
    user: Annotated[str, typer.Argument(help="The user (made if new).")],
    role: Annotated[TeamRole, typer.Option(help="What it may do in the team's companies.")] = TeamRole.OPERATOR,
    api_url: ApiUrl = None,
) -> None:
    """Add a user to a team, or change its role (the board, or the team's owner)."""
    with api(api_url) as client:
        member = client.put(f"/api/teams/{team}/members", {"user": user, "role": role.value})
    console.print(f"{member['user']} is {member['role']} in {member['team']}")


@team_app.command("assign")
def team_assign(
    team: Annotated[str, typer.Argument(help="The team.")],
    agents: Annotated[list[str] | None, typer.Argument(help="The agents the guide would give the team.")] = None,
    agents_flag: Annotated[
        bool, typer.Option("--agents", help="The guide's flag before the agents' names (they follow it).")
    ] = False,
    company: Annotated[str | None, typer.Option("--company", "-c", help="The company the agents are in.")] = None,
) -> None:
    """The guide's `team assign TEAM --agents A B`: teams own companies here, not agents (exit 1).

    An agent belongs to one company, and a company to one team: isolation is per company (another
    team's users get 404 for it), and a company's agents use its team's endpoints and credentials.
    So agents are not moved between teams; the command says what to run instead: found the
    company for the team (`paperclip company create NAME --team TEAM`, then `paperclip agent
    hire`), or copy a company, agents and all, into the team (`paperclip company export C -o
    c.json`, then `paperclip company import c.json --team TEAM --id NEW`).
    """
    named = f" ({', '.join(agents)})" if agents else ""
    source = company or "C"
    copy = f"{source}-{team}" if company else "NEW"
    fail(
        f"teams own whole companies here, not agents{named}: an agent belongs to one company and a company to "
        f"one team, whose users alone see it. Found a company for {team} (`paperclip company create NAME "
        f"--team {team}`, then `paperclip agent hire`), or copy one in with its agents (`paperclip company "
        f"export {source} -o {source}.json`, then `paperclip company import {source}.json --team {team} --id {copy}`)"
    )


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option(help="Whose key it is.")],
    label: Annotated[str, typer.Option(help="What it is for, e.g. laptop or ci.")] = "",
    api_url: ApiUrl = None,
) -> None:
    """Make an API key and print it, this once (the board, or a user for itself)."""
    with api(api_url) as client:
        key = client.post("/api/tokens", {"user": user, "label": label})
    console.print(f"API key {key['id']} for {key['user']} (shown once; set PAPERCLIP_API_KEY to use it):")
    print(key["token"])


@token_app.command("list")
def token_list(as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """The keys the caller may see (all for the board), never their secrets."""
    with api(api_url) as client:
        answer = client.get("/api/tokens")
    if as_json:
        print_json(answer)
        return
    keys = answer["data"]
    table = Table("Id", "User", "Label", "Created", "Revoked")
    for key in keys:
        table.add_row(key["id"], key["user"], key["label"], key["created_at"][:19], (key["revoked_at"] or "")[:19])
    console.print(table)


@token_app.command("revoke")
def token_revoke(key_id: Annotated[str, typer.Argument(help="The key's id.")], api_url: ApiUrl = None) -> None:
    """Revoke a key: every request with it fails from now on."""
    with api(api_url) as client:
        client.delete(f"/api/tokens/{key_id}")
    console.print(f"API key {key_id} revoked")
