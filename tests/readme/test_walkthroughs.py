"""The README's walk-throughs run as written, in bash, on a fresh `paperclip up` (the real stack
on free ports, the offline simulated model): each test runs one block and checks what it left."""

import subprocess

import httpx
import pytest

from tests.readme.blocks import ran, run

pytestmark = pytest.mark.long


def git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout


def test_an_agent_that_edits_a_repository(tmp_path) -> None:
    ran = run("An agent that edits a repository", tmp_path / "home")
    assert ran.code == 0, ran.output + ran.up_log.read_text()
    assert "AP-1 tool_call (task ACME-1): " in ran.output and "ACME-1: done" in ran.output
    # The pushed branch holds the agent's commit, and the history names both approved calls.
    assert "engineer: Add slugify_helper with its test" in ran.output
    origin = ran.home / "repos" / "origin.git"
    assert "slugify_helper.py" in git("-C", str(origin), "show", "--stat", "paperclip/acme/ACME-1")


def test_a_project_from_plan_to_review(tmp_path) -> None:
    with ran("Walk-through: a project from plan to review", tmp_path / "home") as done:
        assert done.code == 0, done.output + done.up_log.read_text()
        api = httpx.Client(base_url=f"{done.api}/api/companies/acme", headers=done.board, timeout=30)
        tasks = {t["identifier"]: t for t in api.get("/tasks").json()["data"]}
        first, second = tasks["ACME-1"], tasks["ACME-2"]
        # The dependency: ACME-2 waited for ACME-1 and was given its result.
        assert (first["status"], second["status"]) == ("done", "done")
        assert second["blocked_by"] == ["ACME-1"] and second["inputs"] == ["ACME-1"]
        assert (first["project"], second["project"]) == ("WEB", "WEB")
        approvals = {a["id"]: a for a in api.get("/approvals").json()["data"]}
        assert [approvals[a]["task"] for a in ("AP-1", "AP-2", "AP-3")] == ["ACME-1", "ACME-1", "ACME-2"]
        assert approvals["AP-2"]["decided_at"] <= approvals["AP-3"]["created_at"]
        assert first["result"] in str(api.get("/tasks/ACME-2/trace").json())
        # The plan document, shown by the CLI.
        assert "# Plan: Add a slugify helper" in done.output
        # The review: sent back once with the note, which the agent's next turn read; then approved.
        assert [approvals[a]["kind"] for a in ("AP-1", "AP-2", "AP-3")] == ["review"] * 3
        assert [approvals[a]["status"] for a in ("AP-1", "AP-2", "AP-3")] == ["rejected", "approved", "approved"]
        trace = api.get("/tasks/ACME-1/trace").json()
        assert "Say what the helper returns for an empty string" in str(trace)
        # The commits, pushed, and the work products the dashboard lists.
        assert "engineer: Add title_helper with its test" in done.output
        products = api.get("/work-products").json()["data"]
        kinds = {(p["task"], p["kind"]) for p in products}
        assert {("ACME-1", "commit"), ("ACME-2", "commit"), ("ACME-1", "document")} <= kinds, kinds
