"""Replay scenarios of events: outgoing webhooks and a pipeline run."""

import asyncio
import json

import httpx

from paperclip.constants import pipeline_workflow_id
from paperclip.models import (
    AgentSpec,
    Budget,
    Role,
    SetBudgetInput,
)
from paperclip.models.pipelines import PipelineRunInput, PipelineSpec, PipelineStep, RunStatus
from paperclip.models.webhooks import WebhookEvent, WebhookSpec
from paperclip.pipeline_runs import named
from paperclip.secrets import SecretBox, load_key
from paperclip.store.hooks import webhook_secret_name
from tests.api.conftest import serve
from tests.fakes.http_agent import FakeHttpAgent
from tests.histories.base import TIMEOUT, all_done, create_task, org
from tests.histories.stage import Company, Stage
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow
from workflows.pipeline import PipelineWorkflow


async def webhooks(stage: Stage) -> Company:
    """A company with a webhook subscription (at a fake receiver that answers 503 first) and a
    budget too small for the CEO's first call: the budget incident and the override approval it
    opens are handed to `notify` (`outgoing-webhooks`), retried after the 503 and taken; the
    board raises the budget and the tree finishes."""
    receiver = FakeHttpAgent(statuses={"ops": [503]})
    async with serve(receiver.app()) as url:
        await stage.stop_workers()  # the receiver is on this machine: the deployment allows it
        stage.settings = stage.settings.model_copy(update={"allow_private_hosts": [httpx.URL(url).netloc.decode()]})
        await stage.start_workers()
        events = [WebhookEvent.BUDGET_INCIDENT, WebhookEvent.APPROVAL_PENDING, WebhookEvent.TASK_FAILED]
        box = SecretBox(load_key(stage.settings.home_dir, stage.settings.secret_key))
        subscription = WebhookSpec(name="ops", url=f"{url}/agents/ops", events=events)
        stage.store.add_webhook("webhooks", subscription, box.seal(webhook_secret_name("webhooks", "ops"), "s3cret"))
        company = await stage.start_company("webhooks", org(), budget=Budget(monthly_tokens=100))
        await create_task(company, "Launch", "ceo", goal="G1")
        await wait_for(company, lambda s: s.paused and s.pause_reason == "budget", timeout=TIMEOUT)
        await receiver.until("ops", 3)  # the 503, then both events
        await company.execute_update(CompanyWorkflow.set_budget, SetBudgetInput(monthly_tokens=1_000_000))
        await wait_for(company, all_done(3), timeout=TIMEOUT)
    taken = sorted(json.loads(r.body)["event"] for r in receiver.of("ops")[1:])
    assert taken == ["approval.pending", "budget.incident"], taken
    return company


async def pipeline(stage: Stage) -> Company:
    """A pipeline run of two steps: the first's task must give JSON fitting its output schema, and
    its agent's first result does not (sent back with the error), its second does; the second
    step reads the first's output by reference. The company queues both steps and tells the run."""
    agent = AgentSpec(name="rev", role=Role.GENERAL, model=stage.fake_model())
    stage.server.call_next("complete_task", json.dumps({"result": "Looks fine to me."}))
    stage.server.call_next("complete_task", json.dumps({"result": '{"verdict": "approve"}'}))
    company = await stage.start_company("pipeline", [agent])
    spec = PipelineSpec(
        name="review",
        steps=[
            PipelineStep(
                id="review",
                agent="rev",
                task="Review the change.",
                output="verdict",
                output_schema={"type": "object", "required": ["verdict"]},
            ),
            PipelineStep(id="post", agent="rev", task="Post ${verdict}.", input=["verdict"]),
        ],
    )
    run = PipelineRunInput(
        company_id="pipeline", run_id="r1", pipeline="review", version=1, digest="0" * 64, spec=named(spec)
    )
    handle = await stage.client.start_workflow(
        PipelineWorkflow.run, run, id=pipeline_workflow_id("pipeline", "r1"), task_queue=stage.queue
    )
    state = await asyncio.wait_for(handle.result(), TIMEOUT)
    assert state.status is RunStatus.DONE, state
    await wait_for(company, all_done(2), timeout=TIMEOUT)
    return company
