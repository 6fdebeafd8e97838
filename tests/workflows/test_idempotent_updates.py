"""Updates sent with an idempotency key: a repeat answers the first answer, within a run and after
a continue-as-new, a reuse of the key with another request is refused, the remembered keys stay
bounded, and the histories replay."""

import pytest
from temporalio.client import WorkflowHistory, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from paperclip.idempotency import RequestKey
from paperclip.models import AgentSpec, CompanySpec, CompanyState, CreateTaskInput, HireAgentInput
from tests.workflows.helpers import org, start_company, wait_for
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from workflows.company import CompanyWorkflow
from workflows.company.idempotency import REMEMBERED_ANSWER_CHARS, REMEMBERED_KEYS, _known, _remember
from workflows.task import TaskWorkflow

KEY = RequestKey(scope="a" * 32, request="b" * 32)
OTHER_REQUEST = RequestKey(scope="a" * 32, request="c" * 32)


async def test_a_repeat_within_a_run_is_answered_once(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel(gated={"r1"})
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, org(reports=1))
        task = CreateTaskInput(title="Build the engine", assignee="r1")
        first = await company.execute_update(CompanyWorkflow.create_task, task, id=KEY.update_id("create_task"))
        again = await company.execute_update(CompanyWorkflow.create_task, task, id=KEY.update_id("create_task"))
        assert first == again and first.identifier == "ACME-1"
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await company.execute_update(CompanyWorkflow.create_task, task, id=OTHER_REQUEST.update_id("create_task"))
        assert isinstance(refused.value.cause, ApplicationError)
        assert refused.value.cause.type == "IdempotencyKeyReused"
        snap = await company.query(CompanyWorkflow.snapshot)
        assert [t.identifier for t in snap.tasks] == ["ACME-1"]
        model.gate.set()


async def test_a_repeat_after_continue_as_new_answers_the_first_answer(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel()
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, org(reports=1), continue_as_new_after_events=3)
        task = CreateTaskInput(title="Build the engine", assignee="r1")
        hire = HireAgentInput(agent=AgentSpec(name="dev", role="engineer", reports_to="ceo"))
        first_task = await company.execute_update(CompanyWorkflow.create_task, task, id=KEY.update_id("create_task"))
        first_hire = await company.execute_update(CompanyWorkflow.hire_agent, hire, id=KEY.update_id("hire_agent"))
        await wait_for(company, lambda s: s.generation >= 1 and all(t.status.is_terminal for t in s.tasks))

        # A new run: Temporal has not seen these update ids, the company has.
        again_task = await company.execute_update(CompanyWorkflow.create_task, task, id=KEY.update_id("create_task"))
        again_hire = await company.execute_update(CompanyWorkflow.hire_agent, hire, id=KEY.update_id("hire_agent"))
        assert again_task == first_task and again_task.status.value == "queued"  # as first answered
        assert again_hire == first_hire  # not refused because `dev` now exists
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await company.execute_update(CompanyWorkflow.create_task, task, id=OTHER_REQUEST.update_id("create_task"))
        assert isinstance(refused.value.cause, ApplicationError)
        assert refused.value.cause.type == "IdempotencyKeyReused"
        snap = await company.query(CompanyWorkflow.snapshot)
        assert [t.identifier for t in snap.tasks] == ["ACME-1"] and snap.generation >= 1
        assert len(model.calls) == 1

        # Every run of the company, the repeats included, replays on this code.
        runs = [
            await dev_env.client.get_workflow_handle(company.id, run_id=execution.run_id).fetch_history()
            async for execution in dev_env.client.list_workflows(f"WorkflowId = '{company.id}'")
        ]
    assert len(runs) >= 2
    replayer = Replayer(workflows=[CompanyWorkflow, TaskWorkflow], data_converter=pydantic_data_converter)
    for history in runs:
        result = await replayer.replay_workflow(
            WorkflowHistory(company.id, history.events), raise_on_replay_failure=False
        )
        assert result.replay_failure is None


def test_the_remembered_keys_and_answers_stay_bounded() -> None:
    state = CompanyState(spec=CompanySpec(id="acme", name="Acme", prefix="ACME"))
    big = "x" * (REMEMBERED_ANSWER_CHARS // 4)
    for i in range(REMEMBERED_KEYS + 5):
        key = f"create_task:{i:032}"
        state.answered[key] = state.answered.get(key) or _answered(f"{i:032}")
        _remember(state, key, {"n": i, "brief": big if i >= REMEMBERED_KEYS else ""})
    keys = list(state.answered)
    assert len(keys) == REMEMBERED_KEYS and keys[0] == f"create_task:{5:032}"  # the oldest went first
    kept = [k for k, a in state.answered.items() if a.answer is not None]
    assert sum(len(state.answered[k].answer or "") for k in kept) <= REMEMBERED_ANSWER_CHARS
    assert keys[-1] in kept and keys[-2] in kept  # the newest answers stay
    dropped = next(k for k, a in state.answered.items() if a.answer is None)
    with pytest.raises(ApplicationError) as refused:
        _known(state, dropped, state.answered[dropped].request)
    assert refused.value.type == "Conflict" and "no longer kept" in refused.value.message


def _answered(request: str):  # type: ignore[no-untyped-def]
    from paperclip.idempotency import Answered

    return Answered(request=request)
