"""A small client of GitHub's REST API: the calls the pull-request reviewer makes.

It is given the key and the API's base URL it is bound to, and refuses any request outside that
URL (`paperclip.keys.url_allowed`): pagination's `Link` URLs come from the server, so each is
checked before the key goes with it. It follows no redirect. Errors are `GitHubError`s whose
message says what failed and what GitHub answered.
"""

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx

from paperclip.errors import PaperclipError
from paperclip.keys import BoundKey

TIMEOUT_SECONDS = 30.0
DIFF_LIMIT = 120_000
"""Characters of a diff the reviewing steps get at most (a run's inputs are capped at 200,000)."""
FILES_LIMIT = 3_000
"""Changed files listed at most (GitHub's own limit for a pull request's files)."""
API_VERSION = "2022-11-28"
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


class GitHubError(PaperclipError):
    """A GitHub call failed; `status` is GitHub's answer (0: none)."""

    kind = "unavailable"

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status

    @property
    def retryable(self) -> bool:
        """Worth another try: no answer, a rate limit or a server error."""
        return self.status in (0, 403, 429) or self.status >= 500


def truncate_diff(diff: str, limit: int = DIFF_LIMIT) -> str:
    """The diff, cut at `limit` characters on a line's end, with a note saying so."""
    if len(diff) <= limit:
        return diff
    cut = diff.rfind("\n", 0, limit)
    kept = diff[: cut + 1 if cut > 0 else limit]
    return kept + f"\n[the diff was cut here: {len(diff):,} characters in all, {len(kept):,} shown]\n"


class GitHubClient:
    """Calls on one repository through `api_url` with `key` (its bound URLs are checked).

    Args:
        api_url: the REST API's base (`https://api.github.com`, `https://host/api/v3`).
        key: the token, and where it may go.
        repo: `OWNER/NAME`.
    """

    def __init__(self, api_url: str, key: BoundKey, repo: str, *, transport: httpx.AsyncBaseTransport | None = None):
        self.base = api_url.rstrip("/")
        self.key = key
        owner, _, name = repo.partition("/")
        self.repo_path = f"{self.base}/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        self._http = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False, transport=transport)

    async def __aenter__(self) -> "GitHubClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    async def _get(self, url: str, *, accept: str = "application/vnd.github+json", **params: Any) -> httpx.Response:
        return await self._send("GET", url, accept=accept, params=params or None)

    async def _send(
        self, method: str, url: str, *, accept: str = "application/vnd.github+json", **kwargs: Any
    ) -> httpx.Response:
        where = url.split("?", 1)[0]  # a bound URL has no query; the path decides
        if not self.key.allows(where):
            raise GitHubError(f"credential '{self.key.name}' is not bound to {where}: not sent")
        headers = {
            "Authorization": f"Bearer {self.key.secret}",
            "Accept": accept,
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "paperclip-reviewer",
        }
        try:
            response = await self._http.request(method, url, headers=headers, **kwargs)
        except httpx.TimeoutException:
            raise GitHubError(f"{method} {url}: no answer within {TIMEOUT_SECONDS:g} s") from None
        except httpx.HTTPError as err:
            raise GitHubError(f"{method} {url}: {err or type(err).__name__}") from None
        if response.status_code >= 300:
            raise GitHubError(_describe(method, url, response), response.status_code)
        return response

    async def _pages(self, url: str, **params: Any) -> AsyncIterator[Any]:
        """Every item of a listing, page by page (`Link: <…>; rel="next"`)."""
        next_url: str | None = url
        query: dict[str, Any] | None = {"per_page": 100, **params}
        while next_url is not None:
            response = await self._send("GET", next_url, params=query)
            page = response.json()
            if not isinstance(page, list):
                raise GitHubError(f"GET {next_url}: expected a list, got {type(page).__name__}")
            for item in page:
                yield item
            found = _NEXT.search(response.headers.get("link", ""))
            next_url, query = (found.group(1), None) if found else (None, None)

    async def open_pulls(self, base: str) -> list[dict[str, Any]]:
        """The open pull requests into `base`, as GitHub lists them."""
        return [p async for p in self._pages(f"{self.repo_path}/pulls", state="open", base=base)]

    async def pull(self, number: int) -> dict[str, Any]:
        response = await self._get(f"{self.repo_path}/pulls/{number}")
        found: dict[str, Any] = response.json()
        return found

    async def pull_diff(self, number: int) -> str:
        """The pull request's unified diff (`application/vnd.github.diff`)."""
        return (await self._get(f"{self.repo_path}/pulls/{number}", accept="application/vnd.github.diff")).text

    async def pull_files(self, number: int) -> list[str]:
        """The paths the pull request changes, in GitHub's order (at most `FILES_LIMIT`)."""
        files: list[str] = []
        async for item in self._pages(f"{self.repo_path}/pulls/{number}/files"):
            files.append(str(item.get("filename", "")))
            if len(files) >= FILES_LIMIT:
                break
        return files

    async def reviews(self, number: int) -> list[dict[str, Any]]:
        return [r async for r in self._pages(f"{self.repo_path}/pulls/{number}/reviews")]

    async def create_review(self, number: int, *, body: str, commit_id: str) -> dict[str, Any]:
        """A review of event COMMENT on `commit_id`: GitHub's answer (`id`, `html_url`…)."""
        payload = {"body": body, "event": "COMMENT", "commit_id": commit_id}
        response = await self._send("POST", f"{self.repo_path}/pulls/{number}/reviews", json=payload)
        made: dict[str, Any] = response.json()
        return made


def _describe(method: str, url: str, response: httpx.Response) -> str:
    try:
        message = str(response.json().get("message", ""))
    except (ValueError, AttributeError):
        message = response.text[:200]
    hint = {
        401: "the token is wrong or expired",
        403: "the token may not do this, or a rate limit was hit",
        404: "no such repository or pull request, or the token cannot see it",
        422: "GitHub refused the request",
    }.get(response.status_code, "")
    said = f": {message}" if message else ""
    return f"{method} {url}: GitHub answered {response.status_code}{said}" + (f" ({hint})" if hint else "")
