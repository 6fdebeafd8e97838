"""The task workflow's tool loop on real Temporal: registry tools decided by policy, asked about
through the company, run as activities on the workspace's host, and answered in call order."""

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import tools_queue
from paperclip.models import (
    ApprovalKind,
    ApprovalStatus,
    RepositoryConfig,
    TaskStatus,
    ToolCall,
    ToolDecision,
    ToolPolicy,
    ToolRule,
)
from tests.workflows.helpers import wait_for
from tests.workflows.stand_ins import ScriptedModel
from tests.workflows.tool_helpers import (
    REPO,
    assign,
    company_with,
    decide,
    history_bytes_per_tool_call,
    pending_tool_calls,
    read,
    run,
    scheduled,
    task_is,
    tool_answers,
    workers,
)
from tests.workflows.tool_stand_ins import (
    HOST,
    PROBE_FETCH,
    PROBE_READ,
    PROBE_RUN,
    ToolHost,
    fresh_queue,
    worker_agent,
)
from workflows.company import CompanyWorkflow
from workflows.task_acting import CALLS_PER_TURN

# ------------------------------------------------------------------ allow, deny


async def test_an_allowed_call_runs_in_the_tasks_workspace_and_the_model_reads_its_result(
    dev_env: WorkflowEnvironment,
) -> None:
    client, queue = dev_env.client, fresh_queue()
    model, host = ScriptedModel(plans={"dev": [[read("c1", "src/app.py")], [read("c2", "src/lib.py")]]}), ToolHost()
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent())
        await assign(company)
        snap = await wait_for(company, task_is(TaskStatus.DONE))
        per_call = await history_bytes_per_tool_call(client, company, "ACME-1")
        activities = await scheduled(client, company, "ACME-1")
    assert snap.tasks[0].result == "dev finished"
    # The workspace was made once, from the company's repository, then both calls ran on its host.
    assert [p.repository for p in host.prepared] == [REPO]
    assert [(r.tool, r.arguments["path"], r.workspace and r.workspace.queue) for r in host.runs] == [
        (PROBE_READ, "src/app.py", tools_queue(queue, HOST)),
        (PROBE_READ, "src/lib.py", tools_queue(queue, HOST)),
    ]
    assert [(m.tool_call_id, m.content) for m in tool_answers(model, 2)] == [
        ("c1", "probe_read src/app.py in /work/ACME-1")
    ]
    assert model.calls[0].tools[-3:] and {t.name for t in model.calls[0].tools} >= {PROBE_READ, PROBE_RUN}
    assert per_call < 3_000  # the call and its answer, not the conversation
    # The system prompt and the tools were stored once; each model call passed their hash.
    assert activities.count("model_turn") == 3 and activities.count("store_standing") == 1
    assert activities.index("store_standing") < activities.index("model_turn")


async def test_a_denied_call_is_refused_and_the_model_is_told_why(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    model, host = ScriptedModel(plans={"dev": [[run("c1", "rm -rf /")]]}), ToolHost()
    deny = [ToolRule(tool=PROBE_RUN, policy=ToolPolicy.DENY, pattern="rm *")]
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent(), tool_policy=deny)
        await assign(company)
        await wait_for(company, task_is(TaskStatus.DONE))
    assert host.runs == [] and host.prepared == []
    [answer] = tool_answers(model, 2)
    assert answer.content.startswith("Error: probe_run may not be called here")
    assert "the company's rule for probe_run on 'rm *' says deny" in answer.content


async def test_without_a_repository_workspace_tools_are_refused_and_others_run(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    fetch = ToolCall(id="c2", name=PROBE_FETCH, arguments={"url": "https://example.com"})
    model, host = ScriptedModel(plans={"dev": [[read("c1", "a.py"), fetch]]}), ToolHost()
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent(), repository=None)
        await assign(company)
        snap = await wait_for(company, task_is(TaskStatus.DONE))
    first, second = tool_answers(model, 2)
    assert "this task has none" in first.content
    assert second.content == "page of https://example.com"
    assert [(r.tool, r.workspace) for r in host.runs] == [(PROBE_FETCH, None)]
    assert snap.tasks[0].cost_usd == pytest.approx(0.002 + 0.01)  # two model turns and the paid fetch


async def test_the_agents_repository_goes_before_the_companys_and_a_turns_calls_are_capped(
    dev_env: WorkflowEnvironment,
) -> None:
    client, queue = dev_env.client, fresh_queue()
    own = RepositoryConfig(source="/repos/own")
    reads = [read(f"c{i}", f"f{i}") for i in range(CALLS_PER_TURN + 2)]
    model, host = ScriptedModel(plans={"dev": [reads]}), ToolHost()
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent().model_copy(update={"repository": own}))
        await assign(company)
        await wait_for(company, task_is(TaskStatus.DONE))
    assert [p.repository for p in host.prepared] == [own]
    answers = tool_answers(model, 2)
    assert [m.tool_call_id for m in answers] == [c.id for c in reads]
    assert len(host.runs) == CALLS_PER_TURN
    assert answers[-1].content.startswith(f"Error: at most {CALLS_PER_TURN} tool calls")


# ------------------------------------------------------------------ ask


async def test_an_asked_call_waits_across_a_worker_restart_and_runs_only_once_approved(
    dev_env: WorkflowEnvironment,
) -> None:
    client, queue = dev_env.client, fresh_queue()
    model, host = ScriptedModel(plans={"dev": [[run("c1", "pytest -q")]]}), ToolHost()
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent(policy=ToolPolicy.ASK))
        await assign(company)
        snap = await wait_for(company, lambda s: bool(pending_tool_calls(s)) and task_is(TaskStatus.BLOCKED)(s))
    [approval] = pending_tool_calls(snap)
    assert approval.tool_call is not None
    assert (approval.tool_call.tool, approval.tool_call.subject, approval.tool_call.call_id) == (
        PROBE_RUN,
        "pytest -q",
        "c1",
    )
    assert "the agent's rule for probe_run says ask" in approval.tool_call.why_asked
    assert host.runs == [] and len(model.calls) == 1
    async with workers(client, model, host, queue):  # new workers: the task waited in Temporal
        assert (await company.query(CompanyWorkflow.snapshot)).tasks[0].status is TaskStatus.BLOCKED
        decided = await decide(company, approval.id, ApprovalStatus.APPROVED, note="go")
        assert decided.decision is None or decided.decision == ToolDecision()
        await wait_for(company, task_is(TaskStatus.DONE))
    assert [r.arguments["command"] for r in host.runs] == ["pytest -q"]
    assert [m.content for m in tool_answers(model, 2)] == ["probe_run pytest -q in /work/ACME-1"]
    assert len(model.calls) == 2  # no turn while it waited


async def test_a_rejected_call_does_not_run_and_the_model_reads_the_note(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    model, host = ScriptedModel(plans={"dev": [[run("c1", "make deploy")]]}), ToolHost()
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent(policy=ToolPolicy.ASK))
        await assign(company)
        snap = await wait_for(company, lambda s: bool(pending_tool_calls(s)))
        await decide(company, pending_tool_calls(snap)[0].id, ApprovalStatus.REJECTED, note="not on a Friday")
        await wait_for(company, task_is(TaskStatus.DONE))
    assert host.runs == []
    [answer] = tool_answers(model, 2)
    assert answer.content == "Error: board rejected this call of probe_run; it did not run. Their note: not on a Friday"


async def test_a_call_undecided_past_the_approval_timeout_is_escalated(skipping_env: WorkflowEnvironment) -> None:
    client, queue = skipping_env.client, fresh_queue()
    model, host = ScriptedModel(plans={"dev": [[run("c1", "make")]]}), ToolHost()
    async with workers(client, model, host, queue):
        agent = worker_agent(policy=ToolPolicy.ASK)
        company = await company_with(client, queue, agent, approval_timeout_seconds=3600)
        await assign(company)
        snap = await wait_for(company, lambda s: bool(pending_tool_calls(s)))
        assert not pending_tool_calls(snap)[0].escalated
        await skipping_env.sleep(2 * 3600)
        snap = await wait_for(company, lambda s: pending_tool_calls(s)[0].escalated)
        assert snap.tasks[0].status is TaskStatus.BLOCKED and host.runs == [] and len(model.calls) == 1
        await decide(company, pending_tool_calls(snap)[0].id, ApprovalStatus.APPROVED)
        await wait_for(company, task_is(TaskStatus.DONE))
    assert [r.call_id for r in host.runs] == ["c1"]


async def test_a_turn_that_asks_and_completes_ends_only_after_the_answers(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    done = ToolCall(id="c2", name="complete_task", arguments={"result": "shipped"})
    model, host = ScriptedModel(plans={"dev": [[run("c1", "make deploy"), done]]}), ToolHost()
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent(policy=ToolPolicy.ASK))
        await assign(company)
        snap = await wait_for(company, lambda s: bool(pending_tool_calls(s)) and task_is(TaskStatus.BLOCKED)(s))
        await decide(company, pending_tool_calls(snap)[0].id, ApprovalStatus.APPROVED)
        snap = await wait_for(company, task_is(TaskStatus.DONE))
    assert snap.tasks[0].result == "dev finished"  # its second turn's, after reading the answers
    assert [m.content.split(";")[0] for m in tool_answers(model, 2)] == [
        "probe_run make deploy in /work/ACME-1",
        "Error: calls of this turn wait for a person's approval",
    ]


async def test_a_tool_decision_goes_with_tool_calls_only(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    ask = ToolCall(id="c1", name="request_approval", arguments={"title": "Buy a server"})
    model, host = ScriptedModel(plans={"dev": [[ask]]}), ToolHost()
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent())
        await assign(company)
        snap = await wait_for(company, lambda s: bool(s.approvals))
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await decide(company, snap.approvals[0].id, ApprovalStatus.APPROVED, tool=ToolDecision(scope="task"))
        assert "is not a tool call: it takes no tool decision" in str(refused.value.cause)
        await decide(company, snap.approvals[0].id, ApprovalStatus.APPROVED)
        await wait_for(company, task_is(TaskStatus.DONE))


async def test_allowed_for_the_task_the_same_call_is_not_asked_about_again(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    turns = [[run("c1", "pytest -q")], [run("c2", "pytest -q")], [run("c3", "pytest -x")]]
    model, host = ScriptedModel(plans={"dev": turns}), ToolHost()
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent(policy=ToolPolicy.ASK))
        await assign(company)
        snap = await wait_for(company, lambda s: bool(pending_tool_calls(s)))
        await decide(company, pending_tool_calls(snap)[0].id, ApprovalStatus.APPROVED, tool=ToolDecision(scope="task"))
        # The same command runs at once; another one is asked about.
        snap = await wait_for(company, lambda s: len([a for a in s.approvals if a.kind is ApprovalKind.TOOL_CALL]) == 2)
        assert [r.arguments["command"] for r in host.runs] == ["pytest -q", "pytest -q"]
        await decide(company, pending_tool_calls(snap)[0].id, ApprovalStatus.APPROVED)
        await wait_for(company, task_is(TaskStatus.DONE))
    assert [r.arguments["command"] for r in host.runs] == ["pytest -q", "pytest -q", "pytest -x"]


async def test_edited_arguments_are_checked_and_policy_checked_again(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    turns = [[run("c1", "pytest")], [run("c2", "pytest")]]
    model, host = ScriptedModel(plans={"dev": turns}), ToolHost()
    deny = [ToolRule(tool=PROBE_RUN, policy=ToolPolicy.DENY, pattern="rm *")]
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent(policy=ToolPolicy.ASK), tool_policy=deny)
        await assign(company)
        snap = await wait_for(company, lambda s: bool(pending_tool_calls(s)))
        first = pending_tool_calls(snap)[0].id
        # Arguments that do not fit the tool: the update is refused, the approval stays open.
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await decide(company, first, ApprovalStatus.APPROVED, tool=ToolDecision(arguments={"command": ""}))
        assert "the edited arguments do not fit" in str(refused.value.cause)
        await decide(company, first, ApprovalStatus.APPROVED, tool=ToolDecision(arguments={"command": "pytest -x"}))
        snap = await wait_for(
            company, lambda s: len(pending_tool_calls(s)) == 1 and pending_tool_calls(s)[0].id != first
        )
        # Edited into what the company denies: refused, though approved.
        await decide(
            company,
            pending_tool_calls(snap)[0].id,
            ApprovalStatus.APPROVED,
            tool=ToolDecision(arguments={"command": "rm -rf /"}),
        )
        await wait_for(company, task_is(TaskStatus.DONE))
    assert [r.arguments["command"] for r in host.runs] == ["pytest -x"]
    assert tool_answers(model, 2)[0].content == "probe_run pytest -x in /work/ACME-1"
    assert "says deny" in tool_answers(model, 3)[0].content


async def test_two_calls_of_a_turn_wait_at_once_and_answer_in_call_order(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    model, host = (
        ScriptedModel(plans={"dev": [[run("c1", "make a"), read("c2", "x"), run("c3", "make b")]]}),
        ToolHost(),
    )
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent(policy=ToolPolicy.ASK))
        await assign(company)
        snap = await wait_for(company, lambda s: len(pending_tool_calls(s)) == 2)
        a, b = sorted(pending_tool_calls(snap), key=lambda x: x.tool_call.call_id if x.tool_call else "")
        await decide(company, b.id, ApprovalStatus.APPROVED)
        snap = await wait_for(company, lambda s: len(pending_tool_calls(s)) == 1)
        assert snap.tasks[0].status is TaskStatus.BLOCKED and host.runs == [] and len(model.calls) == 1
        await decide(company, a.id, ApprovalStatus.REJECTED)
        await wait_for(company, task_is(TaskStatus.DONE))
    assert [m.tool_call_id for m in tool_answers(model, 2)] == ["c1", "c2", "c3"]
    assert tool_answers(model, 2)[0].content.startswith("Error: board rejected")
    assert [r.call_id for r in host.runs] == ["c2", "c3"]


async def test_after_untrusted_content_a_risky_call_is_asked_about(dev_env: WorkflowEnvironment) -> None:
    client, queue = dev_env.client, fresh_queue()
    fetch = ToolCall(id="c1", name=PROBE_FETCH, arguments={"url": "https://example.com/issue"})
    get = ToolCall(id="c3", name=PROBE_FETCH, arguments={"url": "https://example.com/page"})  # not risky: a read
    model, host = ScriptedModel(plans={"dev": [[run("c0", "ls")], [fetch], [get, run("c2", "ls")]]}), ToolHost()
    async with workers(client, model, host, queue):
        company = await company_with(client, queue, worker_agent())
        await assign(company)
        snap = await wait_for(company, lambda s: bool(pending_tool_calls(s)))
        [approval] = pending_tool_calls(snap)
        assert approval.tool_call is not None and approval.tool_call.call_id == "c2"
        assert "untrusted" in approval.tool_call.why_asked
        assert [r.call_id for r in host.runs] == ["c0", "c1"]  # the same command ran before the fetch
        await decide(company, approval.id, ApprovalStatus.APPROVED)
        snap = await wait_for(company, task_is(TaskStatus.DONE))
    assert [a.tool_call.call_id for a in snap.approvals if a.tool_call is not None] == ["c2"]
    assert [r.call_id for r in host.runs] == ["c0", "c1", "c3", "c2"]
