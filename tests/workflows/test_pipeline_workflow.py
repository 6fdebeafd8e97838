"""PipelineWorkflow on the dev server with the real company and task workflows: steps are the
company's tasks, outputs reach the steps that name them, independent steps overlap, and the run
fails, skips, continues and cancels as its document says."""

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.models import ApprovalKind, ApprovalStatus, DecideApprovalInput, TaskStatus
from paperclip.models.pipeline_steps import PipelineCancel
from paperclip.models.pipelines import (
    PipelineBudget,
    PipelineInputSpec,
    PipelineSpec,
    PipelineStep,
    RunStatus,
    StepApproval,
    StepStatus,
)
from tests.workflows.helpers import start_company, wait_for
from tests.workflows.pipeline_helpers import (
    MemoryRuns,
    StepModel,
    at,
    finished,
    pipeline_workers,
    start_run,
    step,
    team,
    wait_run,
)
from workflows.company import CompanyWorkflow
from workflows.pipeline import PipelineWorkflow

DIFF = "diff --git a/app.py b/app.py\n+password = 'hunter2'\n"

CODE_REVIEW = PipelineSpec(
    name="code-review",
    inputs=[PipelineInputSpec(name="git_diff")],
    steps=[
        PipelineStep(agent="linter", task="Lint the change.", input=["git_diff"], output="lint_results"),
        PipelineStep(
            agent="security", task="Find security problems.", input=["git_diff", "lint_results"], output="security"
        ),
        PipelineStep(
            agent="reviewer",
            task="Review, given the linter's ${lint_results} and ${steps.security.output}.",
            input=["lint_results", "security"],
            output="review",
        ),
        PipelineStep(agent="summarizer", task="Summarise the review.", input="review", output="summary"),
    ],
)


async def test_a_linear_pipeline_runs_each_step_as_a_company_task_seeing_the_outputs_it_names(
    dev_env: WorkflowEnvironment,
) -> None:
    model = StepModel(
        results={
            "linter": ["LINT: 2 warnings"],
            "security": ["SEC: hard-coded password at app.py:1"],
            "reviewer": ["REVIEW: request changes " + "x" * 5_000],
            "summarizer": ["SUMMARY: fix the password"],
        }
    )
    runs = MemoryRuns()
    async with pipeline_workers(dev_env.client, model, runs) as queue:
        company = await start_company(dev_env.client, queue, team("linter", "security", "reviewer", "summarizer"))
        run = await start_run(dev_env.client, queue, company, CODE_REVIEW, {"git_diff": DIFF})
        state = await run.result()
        snap = await company.query(CompanyWorkflow.snapshot)

    assert state.status is RunStatus.DONE, state
    assert [s.id for s in state.steps] == ["lint_results", "security", "review", "summary"]
    assert all(s.status is StepStatus.DONE for s in state.steps)
    # Each step is a task of the company, numbered by its counter, for the step's agent.
    tasks = {t.identifier: t for t in snap.tasks}
    assert [s.task for s in state.steps] == ["ACME-1", "ACME-2", "ACME-3", "ACME-4"]
    assert [tasks[s.task].assignee for s in state.steps] == ["linter", "security", "reviewer", "summarizer"]
    assert all(tasks[i].status is TaskStatus.DONE for i in tasks)
    assert step(state, "summary").excerpt == "SUMMARY: fix the password"
    # Linear: each starts after the one before it ended.
    for before, after in zip(state.steps, state.steps[1:], strict=False):
        assert at(after.started_at) >= at(before.finished_at)
    # Each task saw what it names: the run input, earlier outputs by excerpt and reference.
    seen = model.assignments
    assert "hunter2" in seen["ACME-1"] and "LINT" not in seen["ACME-1"]
    assert "hunter2" in seen["ACME-2"] and "LINT: 2 warnings" in seen["ACME-2"] and "ACME-1" in seen["ACME-2"]
    assert "linter's LINT: 2 warnings and SEC: hard-coded password" in seen["ACME-3"]
    assert "hunter2" not in seen["ACME-3"]  # it did not name the diff
    assert "REVIEW: request changes" in seen["ACME-4"] and "SEC:" not in seen["ACME-4"]
    # The long review went by reference: an excerpt, its size, and the task that holds it whole.
    assert "read_task ACME-3" in seen["ACME-4"] and "5024 characters" in seen["ACME-4"]
    assert "x" * 4_100 not in seen["ACME-4"]
    review = step(state, "review")
    assert review.size == 5_024 and len(review.excerpt) == 4_000 and review.output_ref == "task:ACME-3"
    # Spend is counted per step and in all; the store got the run as it started and as it ended.
    assert state.cost_usd == pytest.approx(0.004) and state.tokens == 440
    assert [r[0].status for r in runs.records] == [RunStatus.RUNNING, RunStatus.DONE]
    assert runs.records[0][1]["inputs"] == {"git_diff": DIFF} and runs.records[1][1]["inputs"] == {"git_diff": DIFF}


async def test_independent_steps_run_together(dev_env: WorkflowEnvironment) -> None:
    both = asyncio.Event()
    model = StepModel(gates={"a": both, "b": both})
    spec = PipelineSpec(
        name="fan",
        steps=[
            PipelineStep(id="one", agent="a", task="first half"),
            PipelineStep(id="two", agent="b", task="second half"),
            PipelineStep(id="join", agent="c", task="join ${steps.one.output} and ${steps.two.output}"),
        ],
    )
    async with pipeline_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, team("a", "b", "c"))
        run = await start_run(dev_env.client, queue, company, spec)
        # Both are running at once, neither finished: they overlap.
        state = await wait_run(run, lambda s: all(model.agents.get(t) for t in ("ACME-1", "ACME-2")))
        assert step(state, "join").status is StepStatus.PENDING
        both.set()
        state = await run.result()
    assert state.status is RunStatus.DONE
    (a0, a1), (b0, b1) = model.spans["a"], model.spans["b"]
    assert a0 < b1 and b0 < a1
    assert at(step(state, "join").started_at) >= max(
        at(step(state, "one").finished_at), at(step(state, "two").finished_at)
    )
    assert "a done" in model.assignments["ACME-3"] and "b done" in model.assignments["ACME-3"]


async def test_a_false_when_skips_the_step_and_later_steps_see_it_skipped(dev_env: WorkflowEnvironment) -> None:
    model = StepModel(results={"scan": ['{"severity": "low", "findings": []}']})
    spec = PipelineSpec(
        name="gated",
        inputs=[PipelineInputSpec(name="strict", type="boolean")],
        steps=[
            PipelineStep(id="scan", agent="scan", task="scan"),
            PipelineStep(id="escalate", agent="fix", task="fix it", when="steps.scan.output.severity == 'high'"),
            PipelineStep(id="strict", agent="fix", task="be strict", needs=["scan"], when="inputs.strict"),
            PipelineStep(id="report", agent="fix", task="report ${steps.escalate.output}", needs=["escalate"]),
        ],
    )
    async with pipeline_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, team("scan", "fix"))
        state = await (await start_run(dev_env.client, queue, company, spec, {"strict": True})).result()
    assert state.status is RunStatus.DONE
    assert step(state, "escalate").status is StepStatus.SKIPPED and step(state, "escalate").task is None
    assert "condition is false" in (step(state, "escalate").error or "")
    assert step(state, "strict").status is StepStatus.DONE
    assert step(state, "report").status is StepStatus.DONE
    report = model.assignments[step(state, "report").task]
    assert "step escalate gave no output: it skipped" in report


async def test_a_failed_step_fails_the_run_and_cancels_what_had_not_started(dev_env: WorkflowEnvironment) -> None:
    model = StepModel()
    spec = PipelineSpec(
        name="breaks",
        steps=[
            PipelineStep(id="bad", agent="ghost", task="nobody can do this"),
            PipelineStep(id="after", agent="a", task="then this", needs=["bad"]),
        ],
    )
    async with pipeline_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, team("a"))
        state = await (await start_run(dev_env.client, queue, company, spec)).result()
    assert state.status is RunStatus.FAILED
    bad = step(state, "bad")
    assert bad.status is StepStatus.FAILED and "unknown agent 'ghost'" in (bad.error or "")
    assert step(state, "after").status is StepStatus.CANCELLED
    assert state.error is not None and state.error.startswith("step bad failed")


async def test_continue_on_error_lets_the_run_go_on(dev_env: WorkflowEnvironment) -> None:
    model = StepModel()
    spec = PipelineSpec(
        name="tolerant",
        steps=[
            PipelineStep(id="bad", agent="ghost", task="nobody", continue_on_error=True),
            PipelineStep(id="after", agent="a", task="after ${steps.bad.output}", needs=["bad"]),
        ],
    )
    async with pipeline_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, team("a"))
        state = await (await start_run(dev_env.client, queue, company, spec)).result()
    assert state.status is RunStatus.DONE and state.error is None
    assert step(state, "bad").status is StepStatus.FAILED
    assert step(state, "after").status is StepStatus.DONE
    assert "step bad gave no output: it failed" in model.assignments[step(state, "after").task]


async def test_cancel_stops_every_running_step_and_starts_no_more(dev_env: WorkflowEnvironment) -> None:
    hold = asyncio.Event()
    model = StepModel(gates={"a": hold, "b": hold})
    spec = PipelineSpec(
        name="long",
        steps=[
            PipelineStep(id="one", agent="a", task="one"),
            PipelineStep(id="two", agent="b", task="two"),
            PipelineStep(id="three", agent="a", task="three", needs=["one", "two"]),
        ],
    )
    async with pipeline_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, team("a", "b"))
        run = await start_run(dev_env.client, queue, company, spec)
        await wait_run(run, lambda s: {"ACME-1", "ACME-2"} <= set(model.agents))
        await run.execute_update(PipelineWorkflow.cancel, PipelineCancel(reason="wrong branch", actor="ana"))
        state = await run.result()
        snap = await wait_for(company, lambda s: all(t.status.is_terminal for t in s.tasks))
    assert state.status is RunStatus.CANCELLED and state.error == "cancelled by ana: wrong branch"
    assert {s.id: s.status for s in state.steps} == {
        "one": StepStatus.CANCELLED,
        "two": StepStatus.CANCELLED,
        "three": StepStatus.CANCELLED,
    }
    assert sorted(model.cancelled) == ["ACME-1", "ACME-2"]
    assert {t.identifier: t.status for t in snap.tasks} == {
        "ACME-1": TaskStatus.CANCELLED,
        "ACME-2": TaskStatus.CANCELLED,
    }


async def test_the_budget_is_a_lifetime_cap_over_the_steps(dev_env: WorkflowEnvironment) -> None:
    model = StepModel(cost_usd=0.01)
    spec = PipelineSpec(
        name="thrifty",
        budget=PipelineBudget(usd=0.015),
        steps=[
            PipelineStep(id="one", agent="a", task="one"),
            PipelineStep(id="two", agent="a", task="two", needs=["one"]),
            PipelineStep(id="three", agent="a", task="three", needs=["two"]),
        ],
    )
    async with pipeline_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, team("a"))
        state = await (await start_run(dev_env.client, queue, company, spec)).result()
    assert state.status is RunStatus.FAILED
    assert [s.status for s in state.steps] == [StepStatus.DONE, StepStatus.DONE, StepStatus.CANCELLED]
    assert state.cost_usd == pytest.approx(0.02)
    assert state.error == "its budget is spent: $0.0200 of $0.0150"


SCHEMA = {
    "type": "object",
    "properties": {"verdict": {"enum": ["approve", "request_changes"]}, "issues": {"type": "integer"}},
    "required": ["verdict", "issues"],
}


async def test_a_result_that_does_not_fit_the_schema_is_sent_back_and_fixed(dev_env: WorkflowEnvironment) -> None:
    model = StepModel(
        results={
            "rev": [
                "Looks fine to me!",
                '{"verdict": "ok", "issues": 0}',
                '```json\n{"verdict": "approve", "issues": 0}\n```',
            ]
        }
    )
    spec = PipelineSpec(
        name="typed",
        steps=[
            PipelineStep(id="review", agent="rev", task="review", output_schema=SCHEMA),
            PipelineStep(id="act", agent="rev", task="act", when="steps.review.output.verdict == 'approve'"),
        ],
    )
    async with pipeline_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, team("rev"))
        state = await (await start_run(dev_env.client, queue, company, spec)).result()
    assert state.status is RunStatus.DONE
    review = step(state, "review")
    assert review.status is StepStatus.DONE and '"approve"' in review.excerpt
    assert "must be JSON that fits this JSON schema" in model.assignments[review.task]
    answers = model.answered[review.task]
    assert "the result is not JSON" in answers[0] and "2 tries left" in answers[0]
    assert (
        "at verdict: 'ok' is not one of ['approve', 'request_changes']" in answers[1] and "1 tries left" in answers[1]
    )
    assert step(state, "act").status is StepStatus.DONE  # the fixed result's JSON decided `when`


async def test_a_result_that_never_fits_fails_the_step_with_a_clear_reason(dev_env: WorkflowEnvironment) -> None:
    model = StepModel(results={"rev": ['{"verdict": "approve"}', '{"verdict": "approve"}']})
    spec = PipelineSpec(
        name="typed",
        steps=[PipelineStep(id="review", agent="rev", task="review", output_schema=SCHEMA, schema_tries=2)],
    )
    async with pipeline_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, team("rev"))
        state = await (await start_run(dev_env.client, queue, company, spec)).result()
    assert state.status is RunStatus.FAILED
    review = step(state, "review")
    assert review.status is StepStatus.FAILED
    assert "its result did not fit the output schema after 2 tries; the last one at the top level:" in review.excerpt
    assert "'issues' is a required property" in review.excerpt
    assert state.error is not None and "did not fit the output schema" in state.error


async def test_an_approval_gate_waits_for_the_board(skipping_env: WorkflowEnvironment) -> None:
    model = StepModel()
    spec = PipelineSpec(
        name="careful",
        steps=[
            PipelineStep(id="draft", agent="a", task="draft"),
            PipelineStep(
                id="publish", agent="a", task="publish", needs=["draft"], approval=StepApproval(title="Publish?")
            ),
        ],
    )
    async with pipeline_workers(skipping_env.client, model) as queue:
        company = await start_company(skipping_env.client, queue, team("a"))
        run = await start_run(skipping_env.client, queue, company, spec)
        state = await wait_run(run, lambda s: step(s, "publish").approval is not None)
        await skipping_env.sleep(timedelta(days=3))  # a gate waits as long as it takes, at no cost
        state = await run.query(PipelineWorkflow.run_state)
        publish = step(state, "publish")
        assert publish.status is StepStatus.WAITING_APPROVAL and publish.task is None
        snap = await company.query(CompanyWorkflow.snapshot)
        approval = next(a for a in snap.approvals if a.id == publish.approval)
        assert approval.kind is ApprovalKind.BOARD and approval.title == "Publish?"
        assert approval.requested_by == "pipeline:careful" and approval.task is None
        assert [t.identifier for t in snap.tasks] == ["ACME-1"]  # no task before the decision
        await company.execute_update(
            CompanyWorkflow.decide_approval, DecideApprovalInput(id=approval.id, decision=ApprovalStatus.APPROVED)
        )
        state = await wait_run(run, finished)  # polled: awaiting the result would skip time
    assert state.status is RunStatus.DONE and step(state, "publish").task == "ACME-2"


async def test_a_rejected_gate_fails_its_step(dev_env: WorkflowEnvironment) -> None:
    spec = PipelineSpec(
        name="careful", steps=[PipelineStep(id="publish", agent="a", task="go", approval=StepApproval())]
    )
    async with pipeline_workers(dev_env.client, StepModel()) as queue:
        company = await start_company(dev_env.client, queue, team("a"))
        run = await start_run(dev_env.client, queue, company, spec)
        state = await wait_run(run, lambda s: step(s, "publish").approval is not None)
        decision = DecideApprovalInput(
            id=step(state, "publish").approval, decision=ApprovalStatus.REJECTED, note="not today"
        )
        await company.execute_update(CompanyWorkflow.decide_approval, decision)
        state = await run.result()
    assert state.status is RunStatus.FAILED
    assert step(state, "publish").error == f"its approval {decision.id} was rejected: not today"


async def test_a_run_survives_its_workers_being_replaced(dev_env: WorkflowEnvironment) -> None:
    model = StepModel()
    spec = PipelineSpec(
        name="durable",
        steps=[
            PipelineStep(id="one", agent="a", task="one", output="first"),
            PipelineStep(id="gate", agent="a", task="two ${first}", input=["first"], approval=StepApproval()),
            PipelineStep(id="three", agent="a", task="three ${steps.gate.output}"),
        ],
    )
    queue = f"test-{uuid.uuid4().hex}"
    async with pipeline_workers(dev_env.client, model, queue=queue, end=False):
        company = await start_company(dev_env.client, queue, team("a"))
        run = await start_run(dev_env.client, queue, company, spec)
        state = await wait_run(run, lambda s: step(s, "gate").approval is not None)
    # Every worker is gone; new ones (with nothing cached) carry the run and its company on.
    async with pipeline_workers(dev_env.client, model, queue=queue):
        decision = DecideApprovalInput(id=step(state, "gate").approval, decision=ApprovalStatus.APPROVED)
        await company.execute_update(CompanyWorkflow.decide_approval, decision)
        state = await run.result()
    assert state.status is RunStatus.DONE
    assert [s.task for s in state.steps] == ["ACME-1", "ACME-2", "ACME-3"]
    assert "a done" in model.assignments["ACME-2"] and "a done" in model.assignments["ACME-3"]
