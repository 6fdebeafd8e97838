"""`create_pull_request` against a local fake GitHub that speaks the REST API's shape: the request
it gets, the token reaching only the host it is bound to, and GitHub's refusals for the model."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from activities.tools.activity import ToolActivities
from activities.tools.ledger import save_repository
from paperclip.keys import BoundKey, normalise_url
from paperclip.models import RepositoryConfig, WorkspaceRef
from paperclip.store import Store
from tests.activities.tools.helpers import call, plain_workspace, worker_settings

TOKEN = "ghp_test_secret_token"


class FakeGitHub:
    """`GET /repos/{o}/{r}` and `POST /repos/{o}/{r}/pulls`, recording every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.pulls = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                fake.requests.append({"method": "GET", "path": self.path, "headers": dict(self.headers)})
                self._answer(200, {"full_name": "acme/widgets", "default_branch": "trunk"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "json": body})
                if body["head"] == "no-commits":
                    self._answer(422, {"message": "Validation Failed", "errors": [{"message": "No commits between"}]})
                    return
                fake.pulls += 1
                self._answer(
                    201, {"number": fake.pulls, "html_url": f"https://github.com/acme/widgets/pull/{fake.pulls}"}
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FakeGitHub":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        yield fake


def setup(tmp_path: Path, github_url: str, bound_to: str, *, base: str = "") -> tuple[ToolActivities, WorkspaceRef]:
    settings = worker_settings(tmp_path / "home", github_api_url=github_url)
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()

    def keys(company_id: str, name: str) -> BoundKey | None:
        found = company_id == "acme" and name == "GITHUB_TOKEN"
        return BoundKey(name, TOKEN, (normalise_url(bound_to),), name) if found else None

    ws = plain_workspace(settings).model_copy(update={"branch": "paperclip/acme/ACME-1"})
    repository = RepositoryConfig(source="https://github.com/acme/widgets.git", credential="GITHUB_TOKEN", base=base)
    save_repository(settings.home_dir, Path(ws.path), repository)
    return ToolActivities(store, settings=settings, keys=keys), ws


async def test_a_pull_request_of_the_tasks_branch_into_the_default_branch(tmp_path: Path, github: FakeGitHub) -> None:
    acts, ws = setup(tmp_path, github.url, github.url)
    result = await call(acts, ws, "create_pull_request", title="Add a function", body="With its test.")
    assert not result.error and result.content == "opened: pull request #1 https://github.com/acme/widgets/pull/1"
    get, post = github.requests
    assert get["path"] == "/repos/acme/widgets" and post["path"] == "/repos/acme/widgets/pulls"
    assert post["json"] == {
        "title": "Add a function",
        "body": "With its test.",
        "head": "paperclip/acme/ACME-1",
        "base": "trunk",
        "draft": False,
    }
    for request in github.requests:
        assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
        assert request["headers"]["Accept"] == "application/vnd.github+json"
    [product] = acts.store.list_work_products("acme", task="ACME-1")
    assert (product.kind.value, product.value, product.recorded_by) == (
        "pull_request",
        "https://github.com/acme/widgets/pull/1",
        "create_pull_request",
    )
    print(f"bytes of a create_pull_request ToolRunResult: {len(result.model_dump_json())}")


async def test_the_token_is_not_sent_to_a_host_it_is_not_bound_to(tmp_path: Path, github: FakeGitHub) -> None:
    acts, ws = setup(tmp_path, github.url, "https://api.github.com", base="main")
    result = await call(acts, ws, "create_pull_request", title="Add a function")
    assert result.error and "bound to https://api.github.com" in result.content
    assert github.requests == []


async def test_githubs_refusal_is_the_models_to_read(tmp_path: Path, github: FakeGitHub) -> None:
    acts, ws = setup(tmp_path, github.url, github.url, base="main")
    result = await call(acts, ws.model_copy(update={"branch": "no-commits"}), "create_pull_request", title="Nothing")
    assert result.error and "422" in result.content and "No commits between" in result.content
    assert TOKEN not in result.content
    assert acts.store.list_work_products("acme") == []
