"""`create_pull_request`: `POST /repos/{owner}/{repo}/pulls` on GitHub's REST API, from the
task's branch into the repository's base branch, with the repository's bound credential.

The repository is the one the workspace was made from (`RepositoryConfig`: its `push_url`, else
its `source`, must be a GitHub URL). The credential is resolved by name and sent only when it is
bound to the API's URL (`paperclip.keys`), and no redirect is followed: the key goes nowhere
else. Opening it twice (a retry after a lost answer) answers the pull request already open.
"""

import asyncio
from urllib.parse import quote, urlsplit

import httpx
from temporalio.exceptions import ApplicationError

from activities.tools.base import ToolContext, ToolFailed, ToolOutput
from paperclip.keys import not_bound_message
from paperclip.models.work_products import DeclaredProduct, WorkProductKind
from paperclip.settings import get_settings
from paperclip.tools.create_pull_request import CreatePullRequestArguments

GITHUB_UNAVAILABLE = "GitHubUnavailable"
TIMEOUT_SECONDS = 30.0


def github_repository(url: str) -> tuple[str, str, str] | None:
    """(host, owner, name) of a repository URL such as `https://github.com/acme/widgets.git`."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme != "https" or not parts.hostname or len(segments) != 2:
        return None
    return parts.hostname.lower(), segments[0], segments[1].removesuffix(".git")


def api_url(host: str, github_api_url: str) -> str:
    """The REST API of a GitHub host: the setting's for github.com, GitHub Enterprise Server's otherwise."""
    return github_api_url.rstrip("/") if host == "github.com" else f"https://{host}/api/v3"


async def run(ctx: ToolContext, args: CreatePullRequestArguments) -> ToolOutput:
    repository = ctx.repository
    if repository is None or not ctx.branch:
        raise ToolFailed("this task's workspace is not a repository's worktree: there is no branch to propose")
    url = repository.push_url or repository.source
    found = github_repository(url)
    if found is None:
        raise ToolFailed(f"the task's repository ({url}) is not a GitHub repository URL: no pull request can be opened")
    host, owner, name = found
    api = api_url(host, (ctx.settings or get_settings()).github_api_url)
    pulls = f"{api}/repos/{quote(owner)}/{quote(name)}/pulls"
    if not repository.credential or ctx.keys is None:
        raise ToolFailed("the task's repository names no credential: GitHub needs one to open a pull request")
    key = await asyncio.to_thread(ctx.keys, ctx.session.company_id, repository.credential)
    if key is None or not key.secret:
        raise ToolFailed(f"credential '{repository.credential}' is not found")
    if not key.allows(pulls):
        raise ToolFailed(not_bound_message(repository.credential, key.urls, api, "GitHub's API"))
    headers = {
        "Authorization": f"Bearer {key.secret}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "paperclip",
    }
    async with httpx.AsyncClient(headers=headers, timeout=TIMEOUT_SECONDS, follow_redirects=False) as http:
        base = repository.base or await _default_branch(http, pulls.removesuffix("/pulls"), key.secret)
        body = {"title": args.title, "body": args.body, "head": ctx.branch, "base": base, "draft": args.draft}
        answer = await http.post(pulls, json=body)
        if answer.status_code == 422 and "already exists" in answer.text:
            listed = await http.get(pulls, params={"head": f"{owner}:{ctx.branch}", "state": "open"})
            if listed.status_code == 200 and listed.json():
                return _opened(listed.json()[0], "already open")
        if answer.status_code != 201:
            raise _failure(answer, key.secret)
        return _opened(answer.json(), "opened")


def _opened(pull: dict[str, object], how: str) -> ToolOutput:
    """The answer, and the pull request as the task's work product (when GitHub gave a web URL)."""
    url, title = pull.get("html_url"), str(pull.get("title") or "")[:300]
    try:
        products = [DeclaredProduct(kind=WorkProductKind.PULL_REQUEST, value=str(url), title=title)] if url else []
    except ValueError:
        products = []  # not an http(s) URL: answered, not kept
    return ToolOutput(content=f"{how}: pull request #{pull.get('number')} {url}", products=products)


async def _default_branch(http: httpx.AsyncClient, repo_url: str, secret: str) -> str:
    answer = await http.get(repo_url)
    if answer.status_code != 200:
        raise _failure(answer, secret)
    branch = answer.json().get("default_branch")
    if not isinstance(branch, str) or not branch:
        raise ToolFailed("GitHub did not say the repository's default branch: set the repository's base")
    return branch


def _failure(answer: httpx.Response, secret: str) -> Exception:
    """A failed answer: GitHub's own words for the model (4xx), a retry for 5xx and 429."""
    try:
        detail = answer.json()
        message = str(detail.get("message", "")) if isinstance(detail, dict) else ""
        errors = detail.get("errors") if isinstance(detail, dict) else None
        if errors:
            message += ": " + "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
    except ValueError:
        message = answer.text
    message = " ".join(message.replace(secret, "***").split())[:500] or answer.reason_phrase
    if answer.status_code == 429 or answer.status_code >= 500:
        return ApplicationError(f"GitHub answered {answer.status_code}: {message}", type=GITHUB_UNAVAILABLE)
    if 300 <= answer.status_code < 400:
        return ToolFailed(
            f"GitHub answered a redirect ({answer.status_code}): not followed, the key goes only where it is bound"
        )
    return ToolFailed(f"GitHub refused the pull request ({answer.status_code}): {message}")
