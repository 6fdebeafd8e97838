"""Scenarios of pipeline runs for the replay corpus, beside `tests.histories.scenarios` (which
registers them in `SCENARIOS`)."""

import asyncio

import httpx
from temporalio.client import ScheduleActionStartWorkflow

from paperclip.constants import pipeline_workflow_id
from paperclip.models import AgentSpec, ModelConfig, Role
from paperclip.models.pipelines import PipelineRunInput, PipelineRunState, PipelineSpec, PipelineStep, RunStatus
from paperclip.models.routines import RoutineSpec
from paperclip.models.webhooks import WebhookEvent, WebhookSpec
from paperclip.pipeline_runs import named
from paperclip.routines import build_schedule
from paperclip.secrets import SecretBox, load_key
from paperclip.store.hooks import webhook_secret_name
from tests.api.conftest import serve
from tests.fakes.http_agent import FakeHttpAgent
from tests.histories.stage import Company, Stage
from tests.workflows.helpers import wait_for
from workflows.pipeline import PipelineWorkflow
from workflows.routine import RoutineWorkflow

TIMEOUT = 60


async def pipelinenotify(stage: Stage) -> Company:
    """A run of one step on the simulated model, whose company has a `pipeline.finished`
    subscription at a receiver that answers 503 first: the run, once its record is written,
    hands the event to `notify` (`pipeline-notify`), which is retried and taken; the run ends."""
    receiver = FakeHttpAgent(statuses={"ops": [503]})
    async with serve(receiver.app()) as url:
        await stage.stop_workers()  # the receiver is on this machine: the deployment allows it
        stage.settings = stage.settings.model_copy(update={"allow_private_hosts": [httpx.URL(url).netloc.decode()]})
        await stage.start_workers()
        box = SecretBox(load_key(stage.settings.home_dir, stage.settings.secret_key))
        subscription = WebhookSpec(name="ops", url=f"{url}/agents/ops", events=[WebhookEvent.PIPELINE_FINISHED])
        stage.store.add_webhook("notify", subscription, box.seal(webhook_secret_name("notify", "ops"), "s3cret"))
        agent = AgentSpec(name="rev", role=Role.GENERAL, model=ModelConfig())
        company = await stage.start_company("notify", [agent])
        spec = PipelineSpec(name="review", steps=[PipelineStep(id="review", agent="rev", task="Review it.")])
        run = PipelineRunInput(
            company_id="notify", run_id="r1", pipeline="review", version=1, digest="0" * 64, spec=named(spec)
        )
        handle = await stage.client.start_workflow(
            PipelineWorkflow.run, run, id=pipeline_workflow_id("notify", "r1"), task_queue=stage.queue
        )
        state = await asyncio.wait_for(handle.result(), TIMEOUT)
        assert state.status is RunStatus.DONE, state
        await wait_for(company, lambda s: len(s.tasks) == 1 and s.tasks[0].status.value == "done", timeout=TIMEOUT)
    taken = [r.json() for r in receiver.of("ops")]
    assert len(taken) == 2 and taken[1]["event"] == "pipeline.finished", taken
    assert taken[1]["pipeline"]["status"] == "done" and taken[1]["pipeline"]["run_id"] == "r1", taken
    return company


NIGHTLY = """\
workflow:
  name: nightly
  inputs:
    - name: scope
  steps:
    - id: check
      agent: rev
      task: Check ${inputs.scope}
"""


async def routinepipeline(stage: Stage) -> Company:
    """Two routine fires, as a routine's schedule starts them: a task routine's (the company
    queues its task) and a pipeline routine's (the `routine_pipeline_run` activity reads the stored
    pipeline and the fire starts its run as a child workflow, which runs and ends)."""
    agent = AgentSpec(name="rev", role=Role.GENERAL, model=ModelConfig())
    company = await stage.start_company("routines", [agent])
    stage.store.add_pipeline("routines", "nightly", NIGHTLY)
    task = RoutineSpec(name="standup", every=3600, agent="rev", title="Stand-up")
    pipeline = RoutineSpec(name="nightly", every=3600, pipeline="nightly", inputs={"scope": "billing"})
    results = []
    for spec in (task, pipeline):
        action = build_schedule("routines", spec, task_queue=stage.queue).action
        assert isinstance(action, ScheduleActionStartWorkflow)
        fire = f"routine-run:routines:{spec.name}-2026-12-03T09:00:00Z"
        handle = await stage.client.start_workflow(RoutineWorkflow.run, action.args[0], id=fire, task_queue=stage.queue)
        results.append(await asyncio.wait_for(handle.result(), TIMEOUT))
    run_id = results[1].run_id
    assert run_id is not None and results[0].run_id is None, results
    run = stage.client.get_workflow_handle(pipeline_workflow_id("routines", run_id), result_type=PipelineRunState)
    state = await asyncio.wait_for(run.result(), TIMEOUT)
    assert state.status is RunStatus.DONE and state.version == 1, state
    await wait_for(
        company, lambda s: len(s.tasks) == 2 and all(t.status.value == "done" for t in s.tasks), timeout=TIMEOUT
    )
    return company
