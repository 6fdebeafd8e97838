"""A pipeline run's history grows with its steps, not with the size of their outputs."""

from temporalio.testing import WorkflowEnvironment

from paperclip.models.pipelines import PipelineSpec, PipelineStep, RunStatus
from tests.workflows.helpers import start_company
from tests.workflows.pipeline_helpers import StepModel, pipeline_workers, start_run, team


def chain(steps: int) -> PipelineSpec:
    return PipelineSpec(
        name="chain",
        steps=[PipelineStep(id="s1", agent="a", task="start")]
        + [
            PipelineStep(id=f"s{n}", agent="a", task=f"go on from ${{steps.s{n - 1}.output}}")
            for n in range(2, steps + 1)
        ],
    )


async def events_of_a_run(env: WorkflowEnvironment, steps: int, output: str) -> tuple[int, int]:
    model = StepModel(results={"a": [output] * steps})
    async with pipeline_workers(env.client, model) as queue:
        company = await start_company(env.client, queue, team("a"))
        run = await start_run(env.client, queue, company, chain(steps))
        assert (await run.result()).status is RunStatus.DONE
        history = await run.fetch_history()
    return len(history.events), history.to_json().__len__()


async def test_history_is_linear_in_steps_and_outputs_pass_by_reference(dev_env: WorkflowEnvironment) -> None:
    events_5, _ = await events_of_a_run(dev_env, 5, "ok")
    events_20, _ = await events_of_a_run(dev_env, 20, "ok")
    per_step = (events_20 - events_5) / 15
    assert per_step <= 15, (events_5, events_20)  # measured: 13
    assert events_20 <= events_5 * 4.5
    # Outputs pass by reference: past the excerpt, an output's size does not reach the run's
    # history (10,000 or 90,000 characters a step: the same history but for the sizes' digits).
    _, ten = await events_of_a_run(dev_env, 3, "z" * 10_000)
    _, ninety = await events_of_a_run(dev_env, 3, "z" * 90_000)
    assert abs(ninety - ten) < 200, (ten, ninety)
    print(f"pipeline run history: {events_5} events for 5 steps, {events_20} for 20 ({per_step:.1f} a step)")
