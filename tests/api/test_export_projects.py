"""Export and import of how a company groups and links its work, over real HTTP on SQLite and
PostgreSQL: projects (with their lifetime budgets), labels, dependencies, documents, attachments
and work products round-trip into a company with another prefix; a document whose references do
not hold is refused with the reason; label and attachment changes are in the activity log."""

import copy
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.models.work_products import DeclaredProduct, WorkProductKind
from paperclip.settings import Settings
from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.api.helpers import create_company, wait_for_task

NOTES = b"launch notes: fuel at 98%\n" * 20
PR = "https://git.example.com/acme/rocket/pull/7"


@pytest.fixture
def settings(tmp_path: Path, dev_env: WorkflowEnvironment) -> Settings:
    """The API's settings, with one workspace root (`repos/`)."""
    (tmp_path / "repos" / "web").mkdir(parents=True)
    return Settings(
        home=tmp_path / "home",
        temporal_address=dev_env.client.service_client.config.target_host,
        workspace_roots=[tmp_path / "repos"],
    )


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def kinds(api: httpx.AsyncClient, company: str) -> list[tuple[str, str, str | None]]:
    """The activity log as (kind, actor, task), oldest first."""
    log = await ok(await api.get(f"/api/companies/{company}/activity", params={"limit": 500}))
    return [(e["kind"], e["actor"], e["task"]) for e in log["data"]]


async def linked_company(api: httpx.AsyncClient, store: Store, settings: Settings) -> str:
    """A company with two projects, two labels, and two finished tasks in a project, the second
    blocked by (and given the result of) the first, with a document, a file and a work product."""
    company = (await create_company(api))["id"]
    base = f"/api/companies/{company}"
    eng = {
        "key": "ENG",
        "name": "Engine",
        "description": "The first stage",
        "lead": "cto",
        "goals": ["G1"],
        "target_date": "2027-01-31",
        "budget": {"usd": 5},
    }
    await ok(await api.post(f"{base}/projects", json=eng), 201)
    web = {
        "key": "WEB",
        "name": "Website",
        "status": "planned",
        "workspace": {"source": str(settings.workspace_roots[0] / "web")},
    }
    await ok(await api.post(f"{base}/projects", json=web), 201)
    await ok(await api.patch(f"{base}/projects/WEB", json={"description": "Launch page"}))
    await ok(await api.post(f"{base}/labels", json={"name": "bug", "colour": "#FF0000"}), 201)
    await ok(await api.post(f"{base}/labels", json={"name": "ui", "description": "What people see"}), 201)
    first = {"title": "Research", "assignee": "cmo", "project": "ENG", "labels": ["bug"]}
    await ok(await api.post(f"{base}/tasks", json=first), 201)
    second = {"title": "Write", "assignee": "cmo", "project": "ENG", "labels": ["ui", "bug"]}
    await ok(await api.post(f"{base}/tasks", json=second | {"blocked_by": ["ACME-1"], "inputs": ["ACME-1"]}), 201)
    await wait_for_task(api, company, "ACME-2")
    await ok(await api.put(f"{base}/tasks/ACME-1/documents/plan", json={"body": "# Plan\n\nfuel", "base_revision": 0}))
    files = {"files": {"file": ("notes.txt", NOTES, "text/plain")}}
    await ok(await api.post(f"{base}/tasks/ACME-2/attachments", **files), 201)
    pull = DeclaredProduct(kind=WorkProductKind.PULL_REQUEST, value=PR, title="The launch page")
    store.record_work_products(company, "ACME-2", [pull], recorded_by="create_pull_request", actor="cmo")
    return company


async def test_export_import_round_trips_projects_labels_dependencies_documents_files_and_products(
    api: httpx.AsyncClient, store: Store, settings: Settings
) -> None:
    company = await linked_company(api, store, settings)
    doc = await ok(await api.get(f"/api/companies/{company}/export"))
    assert [(p["key"], p["lead"], p["status"]) for p in doc["projects"]] == [
        ("ENG", "cto", "active"),
        ("WEB", None, "planned"),
    ]
    assert [(lb["name"], lb["colour"]) for lb in doc["labels"]] == [("bug", "#ff0000"), ("ui", "#888888")]
    assert [c["scope"] for c in doc["caps"]] == ["project:ENG"]
    assert [(w["task"], w["kind"], w["value"]) for w in doc["work_products"]] == [("ACME-2", "pull_request", PR)]
    text = (await api.get(f"/api/companies/{company}/export", params={"format": "md"})).text
    assert "- **ENG** Engine — active, led by cto, for G1, due 2027-01-31" in text
    assert "- `ui` (#888888) What people see" in text and "| project:ENG | $5.00 |" in text

    new = f"rock-{uuid.uuid4().hex[:8]}"
    made = await ok(await api.post("/api/companies/import", json=doc, params={"id": new, "prefix": "ROCK"}), 201)
    assert (made["projects"], made["labels"], made["tasks"], made["work_products"]) == (2, 2, 2, 1)
    base = f"/api/companies/{new}"
    projects = {p["key"]: p for p in (await ok(await api.get(f"{base}/projects")))["data"]}
    strip = ("created_at", "updated_at")
    for old in doc["projects"]:
        assert {k: v for k, v in projects[old["key"]].items() if k not in strip} == {
            k: v for k, v in old.items() if k not in strip
        }
    assert projects["ENG"]["description"] == "The first stage" and projects["ENG"]["target_date"] == "2027-01-31"
    assert projects["WEB"]["workspace"]["source"] == str(settings.workspace_roots[0] / "web")
    caps = (await ok(await api.get(f"{base}/budgets")))["caps"]
    assert [(c["scope"], c["usd"]) for c in caps] == [("project:ENG", 5.0)]
    labels = (await ok(await api.get(f"{base}/labels")))["data"]
    assert [(lb["name"], lb["colour"], lb["description"]) for lb in labels] == [
        ("bug", "#ff0000", ""),
        ("ui", "#888888", "What people see"),
    ]
    write = await ok(await api.get(f"{base}/tasks/ROCK-2"))
    assert (write["project"], write["labels"], write["blocked_by"], write["inputs"]) == (
        "ENG",
        ["ui", "bug"],
        ["ROCK-1"],
        ["ROCK-1"],
    )
    research = await ok(await api.get(f"{base}/tasks/ROCK-1"))
    assert (research["project"], research["labels"], research["blocked_by"]) == ("ENG", ["bug"], [])
    plan = await ok(await api.get(f"{base}/tasks/ROCK-1/documents/plan"))
    assert (plan["task"], plan["body"], plan["revision"]) == ("ROCK-1", "# Plan\n\nfuel", 1)
    [file] = (await ok(await api.get(f"{base}/tasks/ROCK-2/attachments")))["data"]
    assert (file["filename"], file["size"]) == ("notes.txt", len(NOTES))
    assert (await api.get(f"{base}/tasks/ROCK-2/attachments/{file['id']}")).content == NOTES
    [product] = (await ok(await api.get(f"{base}/tasks/ROCK-2/work-products")))["data"]
    assert (product["company_id"], product["kind"], product["value"], product["recorded_by"]) == (
        new,
        "pull_request",
        PR,
        "create_pull_request",
    )
    assert (await ok(await api.get(f"{base}/work-products")))["count"] == 1

    # The imported tasks are finished: a new task waiting for one of them runs at once.
    later = {"title": "Follow up", "assignee": "cmo", "project": "ENG", "blocked_by": ["ROCK-2"], "inputs": ["ROCK-2"]}
    await ok(await api.post(f"{base}/tasks", json=later), 201)
    assert (await wait_for_task(api, new, "ROCK-3"))["blocked_by"] == ["ROCK-2"]
    # The source's log, carried, says who made each thing; the import adds what it did.
    log = await kinds(api, new)
    assert ("project.created", "board", None) in log and ("project.updated", "board", None) in log
    assert ("label.added", "board", None) in log
    assert ("work_product.recorded", "cmo", "ROCK-2") in log
    assert ("attachment.added", "board", "ROCK-2") in log and ("document.saved", "board", "ROCK-1") in log
    imported = await ok(await api.get(f"{base}/activity", params={"kind": "company.imported"}))
    assert imported["data"][0]["summary"].endswith(": 3 agents, 1 goals, 2 finished tasks, 2 projects, 2 labels")


async def test_a_document_whose_references_do_not_hold_is_refused_with_the_reason(
    api: httpx.AsyncClient, store: Store, settings: Settings
) -> None:
    company = await linked_company(api, store, settings)
    doc = await ok(await api.get(f"/api/companies/{company}/export"))
    cases: list[tuple[str, Any, str]] = [
        ("tasks.0.project", "NOPE", "tasks[0]: project 'NOPE' is not there"),
        ("tasks.1.blocked_by", ["ACME-99"], "tasks[1]: blocker 'ACME-99' is not another task there"),
        ("tasks.0.blocked_by", ["ACME-1"], "tasks[0]: blocker 'ACME-1' is not another task there"),
        ("tasks.1.inputs", ["ACME-2"], "tasks[1]: an input is not one of its blockers"),
        ("tasks.0.labels", ["Not A Label"], "tasks[0]: `labels` holds something that is not a label name"),
        ("projects.0.lead", "ghost", "projects[0]: lead 'ghost' is not an agent of it"),
        ("projects.0.goals", ["G9"], "projects[0]: a goal of it is not there"),
        ("projects.1.key", "ENG", "projects[1]: project 'ENG' is there twice"),
        ("projects.0.key", "../x", "projects[0]: '../x' is not a project key"),
        ("caps.0.scope", "project:NOPE", "caps[0]: 'project:NOPE' names no project there"),
        ("labels.1.name", "bug", "labels[1]: label 'bug' is there twice"),
        ("work_products.0.task", "ACME-99", "work_products[0]: task 'ACME-99' is not there"),
    ]
    for path, value, reason in cases:
        bad = copy.deepcopy(doc)
        *parents, last = path.split(".")
        target = bad
        for step in parents:
            target = target[int(step)] if step.isdigit() else target[step]
        target[last] = value
        error = assert_error(
            await api.post("/api/companies/import", json=bad, params={"id": f"bad-{uuid.uuid4().hex[:8]}"}), 400
        )
        assert reason in error["details"], (path, error["details"])

    # What a model could not have declared is not taken from a file either, nor a label the API
    # would refuse.
    bad = copy.deepcopy(doc)
    bad["work_products"][0] |= {"kind": "url", "value": "file:///etc/passwd"}
    error = assert_error(await api.post("/api/companies/import", json=bad, params={"id": "bad-url"}), 422)
    assert "not an http(s) URL" in error["message"]
    bad = copy.deepcopy(doc)
    bad["labels"][0]["colour"] = "red"
    error = assert_error(await api.post("/api/companies/import", json=bad, params={"id": "bad-colour"}), 422)
    assert "must be #rrggbb" in error["message"]
    # A project's workspace is checked as when it is made: under the roots.
    bad = copy.deepcopy(doc)
    bad["projects"][1]["workspace"] = {"source": "/etc"}
    error = assert_error(await api.post("/api/companies/import", json=bad, params={"id": "bad-root"}), 422)
    assert "workspace roots" in error["message"]
    # Nothing was founded by any of them.
    names = {c["id"] for c in (await ok(await api.get("/api/companies")))["data"]}
    assert not {n for n in names if n.startswith("bad-")}


async def test_label_and_attachment_changes_are_in_the_activity_log(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    base = f"/api/companies/{company}"
    await ok(await api.post(f"{base}/tasks", json={"title": "Ship", "assignee": "cmo"}), 201)
    await ok(await api.post(f"{base}/labels", json={"name": "bug"}), 201)
    await ok(await api.delete(f"{base}/labels/bug"), 204)
    files = {"files": {"file": ("notes.txt", NOTES, "text/plain")}}
    made = await ok(await api.post(f"{base}/tasks/ACME-1/attachments", **files), 201)
    await ok(await api.delete(f"{base}/tasks/ACME-1/attachments/{made['id']}"), 204)
    log = await kinds(api, company)
    changes = [entry for entry in log if entry[0].startswith(("label.", "attachment."))]
    assert changes == [
        ("label.added", "board", None),
        ("label.deleted", "board", None),
        ("attachment.added", "board", "ACME-1"),
        ("attachment.deleted", "board", "ACME-1"),
    ]
    attached = await ok(await api.get(f"{base}/activity", params={"kind": "attachment.added"}))
    assert attached["data"][0]["data"] == {"id": made["id"], "filename": "notes.txt", "size": len(NOTES)}
    # A removed label or file is gone once: a second removal is a 404 and writes nothing.
    assert_error(await api.delete(f"{base}/labels/bug"), 404)
    assert_error(await api.delete(f"{base}/tasks/ACME-1/attachments/{made['id']}"), 404)
    assert len(await kinds(api, company)) == len(log)
