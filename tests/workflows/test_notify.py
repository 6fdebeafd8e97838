"""The company hands its events to `notify` (a stand-in here; the real one is tested over HTTP in
tests/api/test_webhooks.py): a budget that stops the company and the override approval it opens
are each handed over once, named by their activity-log entry, and the turns before them (ordinary
work) hand over nothing."""

import asyncio

from temporalio.testing import WorkflowEnvironment

from paperclip.models import AgentSpec, Budget, CompanySpec, CreateTaskInput, ModelConfig
from paperclip.models.webhooks import WebhookEvent
from tests.workflows.helpers import start_company, wait_for
from tests.workflows.stand_ins import RecordingStore, ScriptedModel, stand_in_workers
from workflows.company import CompanyWorkflow


async def test_a_budget_incident_and_its_approval_are_handed_to_notify_once(dev_env: WorkflowEnvironment) -> None:
    store = RecordingStore()
    spec = CompanySpec(id="x", name="Acme", prefix="ACME", budget=Budget(monthly_tokens=1_000))
    agent = AgentSpec(name="ana", model=ModelConfig(max_tokens=50), max_turns=10_000)
    async with stand_in_workers(dev_env.client, ScriptedModel(talk_turns=10_000), store) as queue:
        company = await start_company(dev_env.client, queue, [agent], spec=spec)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Talk", assignee="ana"))
        snap = await wait_for(company, lambda s: s.paused and not s.spend.reserved_tokens, timeout=60)
        await asyncio.sleep(1)  # a second handing-over would come now
    notifications = [n for sent in store.notified for n in sent.notifications]
    assert sorted(n.event for n in notifications) == [WebhookEvent.APPROVAL_PENDING, WebhookEvent.BUDGET_INCIDENT]
    assert {sent.company_id for sent in store.notified} == {snap.spec.id}
    logged = {e.id: e.kind for batch in store.batches for e in batch.activity}
    assert {logged[n.id] for n in notifications} == {"approval.requested", "budget.exhausted"}
    assert all(n.company_id == snap.spec.id and n.summary for n in notifications)
