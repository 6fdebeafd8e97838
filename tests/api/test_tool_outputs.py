"""Tools through a real worker (`build_workers`): a workspace prepared on the tools queue, calls
run on the host's own queue, and a 100 KB output cut to 64 KB inline and read whole through
`GET /api/companies/{id}/tool-outputs/{ref}`, which another company cannot."""

import uuid

import httpx
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from paperclip.models import INLINE_LIMIT, PrepareWorkspaceInput, RepositoryConfig
from paperclip.settings import Settings
from tests.activities.tools.helpers import SESSION, git, make_repository
from tests.activities.tools.probe import ProbeInput, ProbeResult, ToolsProbe
from tests.api.conftest import assert_error


async def test_a_long_output_is_stored_and_read_through_the_api(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment, task_queue: str, settings: Settings
) -> None:
    repo = make_repository(settings.home_dir / "workspaces" / "acme" / "widgets")
    long = "".join(f"{i:07} the same line again\n" for i in range(4_000))  # ~112 KB
    probe = ProbeInput(
        task_queue=task_queue,
        prepare=PrepareWorkspaceInput(session=SESSION, repository=RepositoryConfig(source=str(repo))),
        calls=[
            ("write_file", {"path": "big.txt", "content": long}),
            ("read_file", {"path": "big.txt", "limit": 5_000}),
            ("read_file", {"path": "README.md"}),
        ],
    )
    async with Worker(dev_env.client, task_queue=f"{task_queue}-probe", workflows=[ToolsProbe]):
        result = await dev_env.client.execute_workflow(
            ToolsProbe.run, probe, id=f"probe-{uuid.uuid4()}", task_queue=f"{task_queue}-probe", result_type=ProbeResult
        )
    ws = result.prepared.workspace
    assert ws.queue == f"{task_queue}-tools@{settings.worker_host}" and ws.branch == "paperclip/acme/ACME-1"
    assert git(settings.home_dir / "worktrees" / "acme" / "ACME-1", "status", "--porcelain") == "?? big.txt"
    wrote, big, small = result.results
    assert not wrote.error and wrote.ref is None
    assert big.ref is not None and big.size == len(long) and len(big.content) <= INLINE_LIMIT
    assert big.content.startswith(long[:1000]) and f"stored as tool output {big.ref}" in big.content
    assert not big.untrusted  # the task wrote it
    assert small.content == "hello\n" and small.untrusted  # the repository's, not the task's
    for name, call in (("write_file", wrote), ("read_file, 64 KB inline + reference", big), ("read_file", small)):
        print(f"bytes of a {name} ToolRunResult in history: {len(call.model_dump_json().encode())}")

    stored = await api.get(f"/api/companies/acme/tool-outputs/{big.ref}")
    assert stored.status_code == 200, stored.text
    body = stored.json()
    assert (body["content"], body["task"], body["call_id"], body["size"]) == (long, "ACME-1", "call-1", len(long))
    assert_error(await api.get(f"/api/companies/globex/tool-outputs/{big.ref}"), 404, "not_found")
    assert_error(await api.get("/api/companies/acme/tool-outputs/to-nothing"), 404, "not_found")
