"""A dependency chain of three on the real workers: real store, real model activity and SDK against
the fake provider server. Each task's first model request comes after its blocker finished, and
carries the blocker's result as the assignment's input."""

import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.models import CreateTaskInput, CreateTasksInput, Provider, TaskStatus
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.test_end_to_end import (  # noqa: F401 — the fixtures
    TEST_KEY,
    all_done,
    bound_settings,
    company_of,
    in_process_workers,
    model_server,
    start_company,
    store,
)
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow


async def test_a_chain_of_three_runs_in_order_on_real_model_turns(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,  # noqa: F811
    store: Store,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model_server.openai_key = "sk-chain"
    monkeypatch.setenv(TEST_KEY, "sk-chain")
    chain = CreateTasksInput(
        tasks=[
            CreateTaskInput(title="Ship the arm", assignee="cto", blocked_by=["ACME-2"], inputs=["ACME-2"]),
            CreateTaskInput(title="Build the arm", assignee="cmo", blocked_by=["ACME-3"], inputs=["ACME-3"]),
            CreateTaskInput(title="Design the arm", assignee="cto"),
        ]
    )
    async with in_process_workers(dev_env.client, store, settings=bound_settings(model_server)) as queue:
        _, company = await start_company(dev_env.client, queue, company_of(model_server, Provider.OPENAI))
        await company.execute_update(CompanyWorkflow.create_tasks, chain)
        snap = await wait_for(company, all_done(3), timeout=60)
    tasks = {t.identifier: t for t in snap.tasks}
    assert all(t.status is TaskStatus.DONE for t in tasks.values())
    firsts = [str(r["messages"]) for r in model_server.requests]
    order = [
        next(i for i, text in enumerate(firsts) if f"Task {ident}:" in text) for ident in ("ACME-3", "ACME-2", "ACME-1")
    ]
    assert order == sorted(order) and len(model_server.requests) == 3
    design, build = tasks["ACME-3"].result, tasks["ACME-2"].result
    assert design and build
    assert f"- ACME-3 'Design the arm': {design}" in firsts[order[1]]
    assert f"- ACME-2 'Build the arm': {build}" in firsts[order[2]]
