"""An agent's work products, end to end: a model agent (the fake provider server, scripted) writes
a file and commits it with the `git` tool, which records the commit and its branch; it then
completes declaring a URL and the file. Its hostile declarations first (a path out of its
workspace, a `file://` URL, a file that is not there) are refused with a message it reads, and
its task goes on. The products are read back through the real HTTP API.

Everything is real but the model: the API over HTTP, the workers on a Temporal dev server, git.
"""

import json
import uuid
from pathlib import Path

import httpx

from tests.fakes import FakeModelServer
from tests.test_agents_that_act_end_to_end import api, approve_until_done, git, model_server, repositories
from tests.test_end_to_end import TEST_KEY

__all__ = ["api", "model_server", "repositories"]  # fixtures shared with the acting agents' test

REPORT = "https://example.com/reports/q3"


def complete(*products: dict[str, str]) -> str:
    return json.dumps({"result": "The notes are in.", "work_products": list(products)})


async def test_a_commit_and_declared_products_are_listed_and_hostile_declarations_refused(
    api: httpx.AsyncClient, model_server: FakeModelServer, repositories: tuple[Path, Path], tmp_path: Path
) -> None:
    project, origin = repositories
    company = f"wp-{uuid.uuid4().hex[:8]}"
    model = {"provider": "openai", "model": "fake-1", "base_url": model_server.base_url_openai, "credential": TEST_KEY}
    writer = {"name": "writer", "role": "engineer", "tools": ["write_file", "git"], "model": model}
    founded = await api.post(
        "/api/companies",
        json={
            "id": company,
            "name": "Acme",
            "prefix": "ACME",
            "goals": ["Keep good notes"],
            "repository": {"source": str(project), "push_url": str(origin)},
            "agents": [writer],
        },
    )
    assert founded.status_code == 201, founded.text
    model_server.call_next("write_file", json.dumps({"path": "notes.md", "content": "# Notes\n"}))
    model_server.call_next("git", json.dumps({"subcommand": "add", "paths": ["notes.md"]}))
    model_server.call_next("git", json.dumps({"subcommand": "commit", "message": "Add the notes"}))
    model_server.call_next("complete_task", complete({"kind": "file", "value": "../../etc/passwd"}))
    model_server.call_next("complete_task", complete({"kind": "url", "value": "file:///etc/passwd"}))
    model_server.call_next("complete_task", complete({"kind": "file", "value": "missing.md"}))
    model_server.call_next(
        "complete_task",
        complete({"kind": "url", "value": REPORT, "title": "The Q3 report"}, {"kind": "file", "value": "notes.md"}),
    )
    made = await api.post(f"/api/companies/{company}/tasks", json={"title": "Write the notes", "assignee": "writer"})
    assert made.status_code == 201, made.text
    task = made.json()["identifier"]
    assert await approve_until_done(api, company, task) == []

    listed = await api.get(f"/api/companies/{company}/tasks/{task}/work-products")
    assert listed.status_code == 200, listed.text
    worktree = tmp_path / "home" / "worktrees" / company / task  # the `api` fixture's home
    sha = git(worktree, "rev-parse", "HEAD").strip()
    assert git(worktree, "log", "-1", "--format=%s").strip() == "Add the notes"
    found = sorted((p["kind"], p["value"], p["title"], p["recorded_by"]) for p in listed.json()["data"])
    assert found == [
        ("branch", f"paperclip/{company}/{task}", "", "git"),
        ("commit", sha, "Add the notes", "git"),
        ("file", "notes.md", "", "agent"),
        ("url", REPORT, "The Q3 report", "agent"),
    ]
    artifacts = (await api.get(f"/api/companies/{company}/work-products", params={"kind": "url"})).json()
    assert [p["value"] for p in artifacts["data"]] == [REPORT]

    # The model read why each hostile declaration was refused; none of them was kept.
    said = [m for body in model_server.requests for m in body.get("messages", []) if m.get("role") == "tool"]
    answers = [str(m.get("content")) for m in said]
    assert any("../../etc/passwd" in a and "without '..'" in a for a in answers), answers
    assert any("file:///etc/passwd" in a and "not an http(s) URL" in a for a in answers), answers
    assert any("missing.md: no such file in your workspace" in a for a in answers), answers
    record = (await api.get(f"/api/companies/{company}/tasks/{task}")).json()
    assert record["status"] == "done" and record["result"] == "The notes are in."
