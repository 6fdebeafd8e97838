"""`paperclip monitor github|list|reviews|remove`: the pull-request reviewer, over the API.

`monitor github` watches a repository's pull requests into a branch: each new head is reviewed
by the company's pipeline and the summary posted as a review. By polling (every `--every`) or,
with `--webhook`, by GitHub's deliveries to a hook whose URL and secret it prints once.
"""

import re
from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, fail
from cli.output import JsonOption, Table, print_json
from paperclip.github.models import DEFAULT_API_URL, DEFAULT_PIPELINE, REPO_PATTERN
from paperclip.models.routines import parse_duration

Name = Annotated[str, typer.Argument(help="The monitor's name in the company.")]


def default_name(repo: str) -> str:
    """A monitor's name from its repository's: `Acme/Widgets.js` → `widgets-js`."""
    name = re.sub(r"[^a-z0-9_-]+", "-", repo.rpartition("/")[2].lower()).strip("-_")
    return (name or "repo")[:63]


def github(
    company: Company,
    repo: Annotated[str, typer.Option(help="The repository, OWNER/NAME.")],
    branch: Annotated[str, typer.Option(help="Review the pull requests into this branch.")],
    name: Annotated[str | None, typer.Option(help="The monitor's name (default: the repository's).")] = None,
    pipeline: Annotated[str, typer.Option(help="The company's pipeline that reviews.")] = DEFAULT_PIPELINE,
    every: Annotated[str, typer.Option(help="How often to poll, e.g. 5m, 1h (at least 1m).")] = "5m",
    webhook: Annotated[
        bool, typer.Option("--webhook", help="Take GitHub's deliveries instead of polling: prints a URL and a secret.")
    ] = False,
    github_api: Annotated[
        str, typer.Option("--github-api", help="GitHub's REST API (GitHub Enterprise: https://HOST/api/v3).")
    ] = DEFAULT_API_URL,
    credential: Annotated[
        str | None, typer.Option(help="The credential holding the token (default: the one bound to the API's URL).")
    ] = None,
    api_url: ApiUrl = None,
) -> None:
    """Review each new head of the repository's pull requests into BRANCH with the pipeline,
    and post its summary as a review."""
    if not re.fullmatch(REPO_PATTERN, repo):
        fail(f"--repo {repo!r}: give OWNER/NAME, e.g. octocat/hello-world")
    try:
        seconds = parse_duration(every)
    except ValueError as err:
        fail(f"--every: {err}")
    if seconds < 60:
        fail(f"--every {every}: poll at most once a minute (GitHub limits the calls a token makes)")
    body: dict[str, Any] = {
        "name": name or default_name(repo),
        "repo": repo,
        "branch": branch,
        "pipeline": pipeline,
        "api_url": github_api,
        "mode": "webhook" if webhook else "poll",
        "every_seconds": seconds,
    }
    if credential is not None:
        body["credential"] = credential
    with api(api_url) as client:
        made = client.post(f"/api/companies/{company}/monitors", body)
        hook_url = client.base_url + made["hook_path"] if made.get("hook_path") else None
    what = f"monitor {escape(made['name'])} of {escape(company)}: {escape(repo)} into {escape(branch)}"
    console.print(
        f"{what}, reviewed by pipeline {escape(made['pipeline'])} with credential {escape(made['credential'])}"
    )
    if hook_url is None:
        console.print(f"Polling every {every}; the first poll runs now.", highlight=False)
        return
    console.print(f"GitHub webhook: Payload URL {escape(hook_url)}", highlight=False, soft_wrap=True)
    console.print(f"secret (shown once): {made['secret']}", highlight=False, soft_wrap=True)
    console.print("In GitHub: Content type application/json, the secret above, events: Pull requests.")


def list_monitors(company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """The company's monitors."""
    with api(api_url) as client:
        answer = client.get(f"/api/companies/{company}/monitors")
    if as_json:
        print_json(answer)
        return
    found = answer["data"]
    if not found:
        console.print("No monitors.")
        return
    table = Table("Name", "Repository", "Branch", "Pipeline", "How", "Credential")
    for m in found:
        how = f"every {m['every_seconds'] // 60}m" if m["mode"] == "poll" else f"webhook {m['hook_path']}"
        table.add_row(m["name"], m["repo"], escape(m["branch"]), m["pipeline"], escape(how), escape(m["credential"]))
    console.print(table)


def reviews(name: Name, company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """The monitor's reviews, newest first: each pull request's head once."""
    with api(api_url) as client:
        answer = client.get(f"/api/companies/{company}/monitors/{name}/reviews")
    if as_json:
        print_json(answer)
        return
    found = answer["data"]
    if not found:
        console.print("No reviews yet.")
        return
    table = Table("PR", "Head", "State", "Run", "Review or error")
    for r in found:
        table.add_row(
            f"#{r['number']}",
            r["head_sha"][:7],
            r["state"],
            r["run_id"],
            escape(r.get("review_url") or r.get("error") or ""),
        )
    console.print(table)


def remove(name: Name, company: Company, api_url: ApiUrl = None) -> None:
    """Stop watching (its polls stop, or its hook refuses deliveries); its reviews are kept."""
    with api(api_url) as client:
        client.delete(f"/api/companies/{company}/monitors/{name}")
    console.print(f"removed monitor {escape(name)}", highlight=False)


def register_github(group: typer.Typer) -> None:
    """Add the reviewer's commands to `paperclip monitor`."""
    group.command("github")(github)
    group.command("list")(list_monitors)
    group.command("reviews")(reviews)
    group.command("remove")(remove)
