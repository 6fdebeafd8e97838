"""The README's walk-through of a project from plan to review, run as written in bash on a fresh
`paperclip up` (tests/readme/blocks.py), then looked at through the API and in the dashboard."""

import httpx
import pytest

from tests.readme.blocks import ran

pytestmark = pytest.mark.long


def test_a_project_from_plan_to_review(tmp_path, browser) -> None:
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

        # The dashboard: the Artifacts page lists the six products and links both tasks.
        page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{done.dashboard}/artifacts?company=acme")
        page.get_by_text("6 newest first").wait_for()
        for task in ("ACME-1", "ACME-2"):
            page.get_by_role("link", name=task, exact=True).wait_for()
        page.close()
