"""A fake GitHub REST API for the pull-request reviewer, speaking GitHub's wire formats.

One repository's pull requests (GitHub's JSON shapes: `number`, `head.sha`, `base.ref`,
`html_url`, `draft`…), their files (paginated with a `Link: <…>; rel="next"` header, at most
`page_size` a page whatever `per_page` asks), their diff (`Accept: application/vnd.github.diff`)
and their reviews (`POST …/reviews` answers 200 with `id`, `html_url`, `state: COMMENTED`,
`commit_id`). Every request without `Authorization: Bearer <token>` (or `token <token>`) is a 401
`Bad credentials`, as GitHub answers. It records every request it received (`received`), so a
test can say where the token went and what was posted. Serve `app()` with `tests.api.conftest.serve`.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

DIFF_MEDIA = "application/vnd.github.diff"


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakePull:
    number: int
    head_sha: str
    files: list[str]
    base: str = "main"
    title: str = "Retry uploads on 503"
    state: str = "open"
    draft: bool = False

    def diff(self) -> str:
        parts = []
        for path in self.files:
            parts.append(
                f"diff --git a/{path} b/{path}\nindex 3b18e51..a9c2f7d 100644\n--- a/{path}\n+++ b/{path}\n"
                f"@@ -1,2 +1,3 @@\n import time\n+# head {self.head_sha[:7]}\n def upload():\n"
            )
        return "".join(parts)


@dataclass
class FakeGitHub:
    token: str = "ghp_fakeToken0123456789abcdefABCDEF0123"
    owner: str = "myorg"
    name: str = "myapp"
    page_size: int = 2
    pulls: dict[int, FakePull] = field(default_factory=dict)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    _next_review: int = 80_000_001

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def add_pull(self, number: int, head_sha: str, files: list[str], **fields: Any) -> FakePull:
        pull = FakePull(number=number, head_sha=head_sha, files=files, **fields)
        self.pulls[number] = pull
        return pull

    def posted(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST" and r.path.endswith("/reviews")]

    def _user(self) -> dict[str, Any]:
        return {"login": "octocat", "id": 583231, "type": "User", "html_url": "https://github.com/octocat"}

    def _repo(self) -> dict[str, Any]:
        return {
            "id": 1296269,
            "name": self.name,
            "full_name": self.full_name,
            "private": False,
            "owner": {"login": self.owner, "id": 9919, "type": "Organization"},
            "html_url": f"https://github.com/{self.full_name}",
            "default_branch": "main",
        }

    def pull_json(self, pull: FakePull, base_url: str) -> dict[str, Any]:
        api = f"{base_url}/repos/{self.full_name}/pulls/{pull.number}"
        html = f"https://github.com/{self.full_name}/pull/{pull.number}"
        return {
            "url": api,
            "id": 1_934_000_000 + pull.number,
            "node_id": f"PR_kwDOAAABc{pull.number}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "number": pull.number,
            "state": pull.state,
            "locked": False,
            "title": pull.title,
            "user": self._user(),
            "body": "Uploads now back off and retry on a 503 from the bucket.",
            "created_at": "2026-12-01T10:00:00Z",
            "updated_at": "2026-12-01T10:00:00Z",
            "draft": pull.draft,
            "head": {"label": f"octocat:pr-{pull.number}", "ref": f"pr-{pull.number}", "sha": pull.head_sha,
                     "user": self._user(), "repo": self._repo()},
            "base": {"label": f"{self.owner}:{pull.base}", "ref": pull.base,
                     "sha": "9049f1265b7d61be4a8904a9a27120d2064dab3b", "user": self._user(), "repo": self._repo()},
        }  # fmt: skip

    def _page(self, request: Request, items: list[Any]) -> JSONResponse:
        """One page of `items`, with GitHub's `Link` header when more follow."""
        per_page = min(int(request.query_params.get("per_page", 30)), self.page_size)
        page = int(request.query_params.get("page", 1))
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            params = dict(request.query_params) | {"page": str(page + 1)}
            query = "&".join(f"{k}={v}" for k, v in params.items())
            last = (len(items) + per_page - 1) // per_page
            base = str(request.url).split("?")[0]
            headers["Link"] = f'<{base}?{query}>; rel="next", <{base}?page={last}>; rel="last"'
        return JSONResponse(chunk, headers=headers)

    def app(self) -> FastAPI:
        app = FastAPI()
        prefix = "/repos/{owner}/{repo}/pulls"

        @app.middleware("http")
        async def authenticate(request: Request, call_next: Any) -> Response:
            body = await request.body()
            self.received.append(
                Received(request.method, request.url.path, request.url.query, dict(request.headers), body)
            )
            auth = request.headers.get("authorization", "")
            if auth not in (f"Bearer {self.token}", f"token {self.token}"):
                doc = "https://docs.github.com/rest"
                return JSONResponse({"message": "Bad credentials", "documentation_url": doc, "status": "401"}, 401)
            owner, _, repo = request.url.path.removeprefix("/repos/").partition("/")
            if f"{owner}/{repo.split('/')[0]}".lower() != self.full_name.lower():
                return JSONResponse({"message": "Not Found", "status": "404"}, 404)
            response: Response = await call_next(request)
            return response

        def base_url(request: Request) -> str:
            return str(request.base_url).rstrip("/")

        @app.get(prefix)
        async def list_pulls(owner: str, repo: str, request: Request) -> JSONResponse:
            state, base = request.query_params.get("state", "open"), request.query_params.get("base")
            found = [
                self.pull_json(p, base_url(request))
                for p in sorted(self.pulls.values(), key=lambda p: -p.number)
                if (state == "all" or p.state == state) and (base is None or p.base == base)
            ]
            return self._page(request, found)

        @app.get(prefix + "/{number}")
        async def get_pull(owner: str, repo: str, number: int, request: Request) -> Response:
            pull = self.pulls.get(number)
            if pull is None:
                return JSONResponse({"message": "Not Found", "status": "404"}, 404)
            if request.headers.get("accept", "") == DIFF_MEDIA:
                return PlainTextResponse(pull.diff(), media_type=DIFF_MEDIA)
            return JSONResponse(self.pull_json(pull, base_url(request)))

        @app.get(prefix + "/{number}/files")
        async def pull_files(owner: str, repo: str, number: int, request: Request) -> JSONResponse:
            pull = self.pulls[number]
            files = [
                {"sha": "bbcd538c8e72b8c175046e27cc8f907076331401", "filename": path, "status": "modified",
                 "additions": 1, "deletions": 0, "changes": 1, "patch": "@@ -1,2 +1,3 @@"}
                for path in pull.files
            ]  # fmt: skip
            return self._page(request, files)

        @app.get(prefix + "/{number}/reviews")
        async def list_reviews(owner: str, repo: str, number: int, request: Request) -> JSONResponse:
            return self._page(request, self.reviews.get(number, []))

        @app.post(prefix + "/{number}/reviews")
        async def create_review(owner: str, repo: str, number: int, request: Request) -> JSONResponse:
            body = await request.json()
            if body.get("event") not in ("COMMENT", "APPROVE", "REQUEST_CHANGES", None):
                return JSONResponse({"message": "Validation Failed", "status": "422"}, 422)
            review_id, self._next_review = self._next_review, self._next_review + 1
            html = f"https://github.com/{self.full_name}/pull/{number}#pullrequestreview-{review_id}"
            review = {
                "id": review_id,
                "node_id": f"PRR_kwDOAAABc{review_id}",
                "user": {"login": "paperclip-bot", "id": 9_000_001, "type": "Bot"},
                "body": body.get("body", ""),
                "state": "COMMENTED",
                "html_url": html,
                "pull_request_url": f"{base_url(request)}/repos/{self.full_name}/pulls/{number}",
                "submitted_at": "2026-12-01T10:05:00Z",
                "commit_id": body.get("commit_id") or self.pulls[number].head_sha,
                "author_association": "NONE",
            }
            self.reviews.setdefault(number, []).append(review)
            return JSONResponse(review)

        return app
