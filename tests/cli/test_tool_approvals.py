"""`paperclip approval approve|reject` of tool calls: for the rest of the task, with edited
arguments, several at once (against the real API and company workflow); `list` and `show` of a
tool call (against a canned API answer)."""

import httpx
from temporalio.testing import WorkflowEnvironment

from cli import app
from paperclip.models import ToolDecision
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.api.tool_approvals import ask_tool_call, decisions_given, wait_for_approvals
from tests.cli.fake_api import NOW, FakeApi, serve
from tests.cli.test_governance import failed, ok, run, runner


async def test_approve_for_the_task_with_edited_arguments_and_in_a_batch(
    api: httpx.AsyncClient,  # noqa: F811
    dev_env: WorkflowEnvironment,
) -> None:
    company = (await create_company(api))["id"]
    for command in ("pytest", "ruff check", "mypy", "make"):
        await ask_tool_call(dev_env.client, company, command)
    await wait_for_approvals(api, company, 4)

    out = ok(
        await run(
            api, "approval", "approve", "AP-1", "-c", company, "--for-task", "--arguments", '{"command": "pytest -q"}'
        )
    )
    assert "Approved AP-1 (tool_call: stand_in_run: pytest) for the rest of the task" in out
    out = ok(await run(api, "approval", "approve", "AP-2", "AP-3", "-c", company, "-n", "fine"))
    assert "Approved AP-2 (tool_call: stand_in_run: ruff check): fine" in out
    assert "Approved AP-3 (tool_call: stand_in_run: mypy): fine" in out
    result = await run(api, "approval", "reject", "AP-4", "AP-1", "-c", company)
    assert result.exit_code == 1
    assert "Rejected AP-4" in result.output and "Not decided AP-1: approval 'AP-1' is already approved" in result.output

    given = await decisions_given(dev_env.client, company)
    assert [(d.id, d.decision, d.tool) for d in given] == [
        ("AP-1", "approved", ToolDecision(scope="task", arguments={"command": "pytest -q"})),
        ("AP-2", "approved", None),
        ("AP-3", "approved", None),
        ("AP-4", "rejected", None),
    ]
    listed = ok(await run(api, "approval", "list", "-c", company))
    assert "tool_call" in listed and "AP-4" in listed


async def test_bad_arguments_are_one_line(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    assert failed(await run(api, "approval", "approve", "AP-1", "-c", company, "--arguments", "pytest")).startswith(
        "error: --arguments is not JSON: "
    )
    assert failed(await run(api, "approval", "approve", "AP-1", "-c", company, "--arguments", "[1]")) == (
        'error: --arguments must be a JSON object, e.g. \'{"command": "pytest -q"}\''
    )
    assert failed(await run(api, "approval", "approve", "AP-1", "AP-2", "-c", company, "--arguments", "{}")) == (
        "error: --arguments edit one tool call: give one approval id"
    )


TOOL_APPROVAL = {
    "id": "AP-3",
    "request_id": "r3",
    "kind": "tool_call",
    "title": "stand_in_run: git push",
    "details": "",
    "requested_by": "eng",
    "task": "ACME-2",
    "status": "approved",
    "created_at": NOW,
    "decided_at": NOW,
    "decided_by": "board",
    "note": "",
    "tool_call": {
        "call_id": "c9",
        "tool": "git",
        "arguments": {"subcommand": "push"},
        "subject": "push",
        "reason": "Ready for review.",
        "why_asked": "the task read untrusted content",
    },
    "decision": {"scope": "task", "arguments": {"subcommand": "push", "branch": "feature"}},
}


def test_show_and_list_of_a_tool_call() -> None:
    routes = {
        "GET /api/companies/acme/approvals/AP-3": (200, TOOL_APPROVAL),
        "GET /api/companies/acme/approvals": (200, {"data": [TOOL_APPROVAL], "count": 1, "total": 1}),
    }
    with serve(FakeApi(routes=routes)) as fake:
        shown = runner.invoke(
            app, ["approval", "show", "AP-3", "-c", "acme", "--api-url", fake.url], env={"COLUMNS": "200"}
        )
        listed = runner.invoke(app, ["approval", "list", "-c", "acme", "--api-url", fake.url], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    for line in (
        "Tool: git on push",
        'Arguments: {"subcommand": "push"}',
        "Reason: Ready for review.",
        "Why asked: the task read untrusted content",
        'Allowed for the rest of the task, with arguments {"subcommand": "push", "branch": "feature"}',
    ):
        assert line in shown.output
    assert listed.exit_code == 0 and "tool_call (git)" in listed.output
