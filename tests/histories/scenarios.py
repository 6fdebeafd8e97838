"""The companies the replay corpus is recorded from (`python -m tests.histories.record`).

Each brings the workflows, on the real workers, down a path that a `workflow.patched` id
guards, as a deployment would meet it. A model call is held in flight by the fake model
server (`hang_next`, then `release_hangs`), so what the board does "during a call" happens
during it every time; agents on the simulated model need no server.
"""

import asyncio
import json

from paperclip.idempotency import RequestKey
from paperclip.models import (
    Adapter,
    AgentActionInput,
    AgentSpec,
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Budget,
    BudgetRequest,
    CliConfig,
    CommentInput,
    CompanyActionInput,
    ConfigureAgentInput,
    CreateTaskInput,
    DecideApprovalInput,
    HeartbeatPolicy,
    RateLimit,
    ReassignTaskInput,
    RepositoryConfig,
    Role,
    SetBudgetInput,
    TaskStatus,
    ToolDecision,
    ToolPolicy,
    ToolRule,
    Usage,
)
from tests.histories.base import TIMEOUT, all_done, create_task, org
from tests.histories.pipeline_scenarios import pipelinetemplate
from tests.histories.scenarios_agents import cliaffinity, cliask, clisession, httpretry
from tests.histories.scenarios_deps import deps
from tests.histories.scenarios_documents import documents
from tests.histories.scenarios_events import pipeline, webhooks
from tests.histories.scenarios_pipelines import pipelinenotify, routinepipeline
from tests.histories.scenarios_projects import projects
from tests.histories.scenarios_review import review
from tests.histories.scenarios_task_review import taskreview
from tests.histories.scenarios_work_products import workproducts
from tests.histories.stage import KEY, Company, Scenario, Stage, settled
from tests.mcp.conftest import ALLOW as MCP_ALLOW
from tests.mcp.conftest import stdio as mcp_stdio
from tests.workflows.helpers import wait_for
from tests.workflows.tool_stand_ins import PROBE_READ, PROBE_RUN, TOOLS, ToolHost, tool_workers
from workflows.company import CompanyWorkflow
from workflows.patches import (
    ADD_BLOCKER_TOOL,
    ADMISSION,
    APPROVALS_IN_STORE,
    BUDGET_RESERVATION,
    CACHE_WRITE_WORST_CASE,
    CLI_ASKS,
    CLI_HOST_AFFINITY,
    CLI_SESSION_PER_AGENT,
    COMPACTION,
    COMPLETE_TO_END,
    CREDENTIAL_QUEUES,
    DEPENDENCIES,
    EMERGENCY_BRAKE,
    HEARTBEATS,
    HTTP_TURN_RETRIES,
    IDEMPOTENT_UPDATES,
    MCP_TOOLS_LOOP,
    OUTGOING_WEBHOOKS,
    OUTPUT_SCHEMA,
    OWN_COMMENTS,
    PIPELINE_NOTIFY,
    PIPELINE_STEPS,
    PIPELINE_TEMPLATES,
    RECORDS_AS_ACTIVITY,
    REFUSAL_RECHECK,
    REGISTRY_TOOLS,
    REVIEW,
    STANDING_BY_HASH,
    TASK_TOOLS,
    TEXTS_IN_STORE,
    USAGE_BEFORE_HOLD,
    WORK_PRODUCTS,
    WORKFLOW_RETRIES,
)


async def demo(stage: Stage) -> Company:
    """The demo company: the CEO delegates to both reports, they finish, the CEO completes."""
    company = await stage.start_company("acme", org())
    await create_task(company, "Launch", "ceo", goal="G1")
    await wait_for(company, all_done(3), timeout=TIMEOUT)
    return company


async def budget(stage: Stage) -> Company:
    """A company budget too small for the CEO's first call: the company refuses it and pauses (a
    budget_override approval opens); the board raises the budget and the tree finishes.

    Then the race `budget-refusal-recheck` is for, made as tests/workflows/test_budgets.py
    makes it: with the workers stopped, a request of cto's over its own budget and the board's
    raise of that budget reach the company in one workflow task, the request first, so the
    raise lands while the refusal is on its way and the refusal stops nothing. cto's task
    (queued: cto is paused) then runs once the board resumes cto.
    """
    company = await stage.start_company("budget", org(), budget=Budget(monthly_tokens=100))
    await create_task(company, "Launch", "ceo", goal="G1")
    await wait_for(company, lambda s: s.paused and s.pause_reason == "budget", timeout=TIMEOUT)
    await company.execute_update(CompanyWorkflow.set_budget, SetBudgetInput(monthly_tokens=1_000_000))
    await wait_for(company, all_done(3), timeout=TIMEOUT)

    await company.execute_update(CompanyWorkflow.set_budget, SetBudgetInput(scope="cto", monthly_tokens=1_000))
    await company.execute_update(CompanyWorkflow.pause_agent, AgentActionInput(agent="cto", reason="review"))
    audit = await create_task(company, "Audit the firmware", "cto")
    await settled(company)
    await stage.stop_workers()
    request = BudgetRequest(identifier=audit, seq=1, agent="cto", usd=0.0, tokens=5_000, used=Usage(), used_usd=0.0)
    await company.signal(CompanyWorkflow.request_budget, request)
    raising = asyncio.create_task(
        company.execute_update(CompanyWorkflow.set_budget, SetBudgetInput(scope="cto", monthly_tokens=100_000))
    )
    await asyncio.sleep(0.5)
    await stage.start_workers()
    await raising
    await settled(company)  # the refusal has reached its end before the board resumes cto
    await company.execute_update(CompanyWorkflow.resume_agent, AgentActionInput(agent="cto"))
    snap = await wait_for(company, all_done(4), timeout=TIMEOUT)
    overrides = [a for a in snap.approvals if a.kind is ApprovalKind.BUDGET_OVERRIDE]
    assert len(overrides) == 1, f"the outdated refusal asked for an override: {overrides}"
    return company


RATE_LIMITS = {KEY: RateLimit(requests_per_minute=600)}


async def ratelimit(stage: Stage) -> Company:
    """The chart on a provider credential with a requests-a-minute limit: every call goes to the
    credential's own model queue; the provider refuses the first (429, retry-after 1 s) and the
    call is tried again."""
    stage.server.fail_next(1, status=429, retry_after=1)
    company = await stage.start_company("ratelimit", org(stage.fake_model()))
    await create_task(company, "Launch", "ceo", goal="G1")
    await wait_for(company, all_done(3), timeout=TIMEOUT)
    assert stage.server.calls == 5, f"{stage.server.calls} model requests (4 calls, one refused once)"
    return company


def pair(stage: Stage) -> list[AgentSpec]:
    """A lead and two writers, on the fake model server."""
    model = stage.fake_model()
    return [
        AgentSpec(name="lead", role=Role.CEO, model=model),
        AgentSpec(name="ana", role=Role.GENERAL, reports_to="lead", model=model),
        AgentSpec(name="ben", role=Role.GENERAL, reports_to="lead", model=model),
    ]


async def comments(stage: Stage) -> Company:
    """While ana's first call is in flight, ana comments on her own task (an agent's note through
    the API: on record, never her input) and the board comments (her next turn's input)."""
    stage.server.work_turns = 2  # a progress turn, then the brain's move (complete)
    company = await stage.start_company("comments", pair(stage))
    stage.server.hang_next(1)
    task = await create_task(company, "Write the release notes", "ana")
    await stage.model_calls(1)
    await company.execute_update(
        CompanyWorkflow.post_comment, CommentInput(identifier=task, author="ana", body="Note to self: check the dates.")
    )
    await company.execute_update(
        CompanyWorkflow.post_comment, CommentInput(identifier=task, author="board", body="Keep it under a page.")
    )
    stage.server.release_hangs()
    await wait_for(company, all_done(1), timeout=TIMEOUT)
    second = str(stage.server.requests[-1]["messages"])
    assert "Keep it under a page." in second and "Note to self" not in second, "the comments reached ana wrongly"
    return company


async def held(stage: Stage) -> Company:
    """A budgeted task held (the company paused) while its call is in flight: once the call
    ends, the task reports its usage before it waits, so the call's reservation goes back; it
    goes on when the company resumes.

    The task asks `usage-before-hold` only when the call ends within `USAGE_REPORT_INTERVAL`
    (2 s) of its start (else it reports the turn at once): the call is held only as long as
    the pause takes.
    """
    stage.server.work_turns = 2
    company = await stage.start_company("held", pair(stage), budget=Budget(monthly_tokens=1_000_000))
    stage.server.hang_next(1)
    await create_task(company, "Draft the launch plan", "ana")
    await stage.model_calls(1)
    await company.execute_update(CompanyWorkflow.pause_company, CompanyActionInput(reason="audit"))
    stage.server.release_hangs()
    await wait_for(company, lambda s: s.tasks[0].turns == 1 and not s.spend.reserved_tokens, timeout=TIMEOUT)
    await company.execute_update(CompanyWorkflow.resume_company, CompanyActionInput())
    await wait_for(company, all_done(1), timeout=TIMEOUT)
    return company


async def reassign(stage: Stage) -> Company:
    """ana's task is reassigned to ben while her first call is in flight: ben carries on from
    the conversation so far and completes it."""
    stage.server.work_turns = 2
    company = await stage.start_company("reassign", pair(stage))
    stage.server.hang_next(1)
    task = await create_task(company, "Fix the onboarding guide", "ana")
    await stage.model_calls(1)
    await company.execute_update(CompanyWorkflow.reassign_task, ReassignTaskInput(identifier=task, assignee="ben"))
    stage.server.release_hangs()
    snap = await wait_for(company, all_done(1), timeout=TIMEOUT)
    assert snap.tasks[0].assignee == "ben"
    return company


async def heartbeat(stage: Stage) -> Company:
    """A CEO that wakes every minute and takes new work only when it wakes: its task waits in
    the queue for the company's heartbeat timer, then runs (delegating to both reports)."""
    policy = HeartbeatPolicy(interval_seconds=60, wake_on_assignment=False)
    company = await stage.start_company("heartbeat", org(heartbeat=policy))
    await create_task(company, "Weekly review", "ceo", goal="G1")
    snap = await company.query(CompanyWorkflow.snapshot)
    assert snap.tasks[0].status is TaskStatus.QUEUED, "the task started before the CEO woke"
    await wait_for(company, all_done(3), timeout=TIMEOUT + 60)
    return company


async def retries(stage: Stage) -> Company:
    """The task owns its retries: the lead's first call is refused (503) and tried again after a
    backoff; the next hangs past its timeout (an attempt lost, charged unconfirmed) and is tried
    again, its ledger row read; then it delegates to ops, a `process` agent whose command fails
    once and succeeds when the task runs it again."""
    model = stage.fake_model().model_copy(update={"turn_timeout_seconds": 2})
    script = "if [ -e tried ]; then echo done; else touch tried; exit 3; fi"
    agents = [
        AgentSpec(name="lead", role=Role.CEO, model=model),
        AgentSpec(
            name="ops",
            role=Role.GENERAL,
            reports_to="lead",
            adapter=Adapter.PROCESS,
            cli=CliConfig(command=["sh", "-c", script]),
        ),
    ]
    company = await stage.start_company("retries", agents, budget=Budget(monthly_tokens=1_000_000))
    stage.server.fail_next(1, status=503)
    stage.server.hang_next(1)
    await create_task(company, "Ship the fix", "lead")
    snap = await wait_for(company, all_done(2), timeout=TIMEOUT)
    assert snap.unconfirmed.attempts == 1, f"{snap.unconfirmed} (one attempt lost)"
    assert stage.server.calls == 4, f"{stage.server.calls} model requests (2 calls, one refused, one lost)"
    return company


async def brake(stage: Stage) -> Company:
    """A task created by an update sent with an Idempotency-Key and sent again (answered once),
    then the emergency brake pulled (the company paused, marked as the brake's) and lifted."""
    company = await stage.start_company("brake", org())
    key = RequestKey(scope="a" * 32, request="b" * 32)
    launch = CreateTaskInput(title="Launch", assignee="ceo", goal="G1")
    for _ in range(2):
        await company.execute_update(CompanyWorkflow.create_task, launch, id=key.update_id("create_task"))
    await company.execute_update(CompanyWorkflow.pause_company, CompanyActionInput(reason="incident", brake=True))
    await company.execute_update(CompanyWorkflow.resume_company, CompanyActionInput(brake=True))
    snap = await wait_for(company, all_done(3), timeout=TIMEOUT)
    assert [t.identifier for t in snap.tasks if t.parent is None] == ["ACME-1"], "the repeat made a second task"
    return company


async def texts(stage: Stage) -> Company:
    """A task with a long brief queued for a paused agent when the company continues as new: the
    next run carries it without its brief, which dispatch reads back from the store once the
    board resumes the agent."""
    company = await stage.start_company("texts", org(), continue_after=3)
    await company.execute_update(CompanyWorkflow.pause_agent, AgentActionInput(agent="cto", reason="review"))
    brief = "Port the firmware to the new board. " * 100
    await company.execute_update(
        CompanyWorkflow.create_task, CreateTaskInput(title="Port", assignee="cto", brief=brief)
    )
    run = (await company.describe()).run_id
    await create_task(company, "Plan", "cmo")
    await wait_for(company, lambda s: s.generation == 1 and bool(s.stored_texts), timeout=TIMEOUT)
    await company.execute_update(CompanyWorkflow.resume_agent, AgentActionInput(agent="cto"))
    await wait_for(company, all_done(2), timeout=TIMEOUT)
    # The first run is the one that continued as new (and asked the patch): its history is kept.
    assert run is not None and (await company.describe()).run_id != run
    return stage.client.get_workflow_handle_for(CompanyWorkflow.run, company.id, run_id=run)


async def approvals(stage: Stage) -> Company:
    """A question with long details asked for a task queued for a paused agent when the company
    continues as new: the record batch writes the details to the store, the answer and the next
    run carry the approval without them, and the board decides it in the next run."""
    company = await stage.start_company("approvals", org(), continue_after=3)
    run = (await company.describe()).run_id
    await company.execute_update(CompanyWorkflow.pause_agent, AgentActionInput(agent="cto", reason="review"))
    task = await create_task(company, "Port", "cto")
    request = ApprovalRequest(
        request_id="ask-1",
        kind=ApprovalKind.BOARD,
        title="Sign the vendor's contract",
        details="The vendor's terms, clause by clause. " * 100,
        requested_by="cto",
        task=task,
    )
    await company.signal(CompanyWorkflow.approval_requested, request)
    await wait_for(company, lambda s: s.generation >= 1 and s.stored_approvals == ["AP-1"], timeout=TIMEOUT)
    decision = DecideApprovalInput(id="AP-1", decision=ApprovalStatus.APPROVED, note="signed")
    await company.execute_update(CompanyWorkflow.decide_approval, decision)
    await company.execute_update(CompanyWorkflow.resume_agent, AgentActionInput(agent="cto"))
    await wait_for(company, all_done(1), timeout=TIMEOUT)
    # The first run is the one that continued as new (and asked the patch): its history is kept.
    assert run is not None and (await company.describe()).run_id != run
    return stage.client.get_workflow_handle_for(CompanyWorkflow.run, company.id, run_id=run)


async def tools(stage: Stage) -> Company:
    """A model agent with registry tools (the test tools of `tests.workflows.tool_stand_ins`, run
    by their stand-in activities): it reads a file (allowed: its workspace is made, and the call
    runs on the workspace's host), runs a command its company asks about (the board approves it
    for the task), replies in plain text (and is reminded to complete), then completes; its model
    calls pass its system prompt and tools by hash."""
    agent = AgentSpec(name="dev", role=Role.GENERAL, model=stage.fake_model(), tools=TOOLS)
    ask = [ToolRule(tool=PROBE_RUN, policy=ToolPolicy.ASK)]
    async with tool_workers(stage.client, ToolHost(), stage.queue) as host:
        stage.server.call_next(PROBE_READ, '{"path": "README.md"}')
        stage.server.call_next(PROBE_RUN, '{"command": "pytest -q"}')
        stage.server.say_next("The tests pass.")
        company = await stage.start_company(
            "tools", [agent], repository=RepositoryConfig(source="/repos/app"), tool_policy=ask
        )
        await create_task(company, "Fix the build", "dev")
        snap = await wait_for(company, lambda s: any(a.kind is ApprovalKind.TOOL_CALL for a in s.approvals))
        asked = next(a for a in snap.approvals if a.kind is ApprovalKind.TOOL_CALL)
        decision = DecideApprovalInput(id=asked.id, decision=ApprovalStatus.APPROVED, tool=ToolDecision(scope="task"))
        await company.execute_update(CompanyWorkflow.decide_approval, decision)
        await wait_for(company, all_done(1), timeout=TIMEOUT)
        assert [r.tool for r in host.runs] == [PROBE_READ, PROBE_RUN], host.runs
        assert stage.server.calls == 4, f"{stage.server.calls} model requests (read, run, text, complete)"
    return company


async def mcp(stage: Stage) -> Company:
    """A model agent given an MCP server's tools (`time__*`, the reference `mcp-server-time` from
    PyPI over stdio in the sandbox, attached to its company in the store): the task lists the
    server once, offers its tools, runs a call of one as `run_tool`, replies in plain text (and is
    reminded to complete), and completes."""
    await stage.stop_workers()  # the deployment's allow-list names the server
    stage.settings = stage.settings.model_copy(update={"mcp_stdio_allow": {"time": MCP_ALLOW["time"]}})
    await stage.start_workers()
    agent = AgentSpec(name="dev", role=Role.GENERAL, model=stage.fake_model(), tools=["time__*"])
    stage.server.call_next("time__get_current_time", '{"timezone": "Europe/Paris"}')
    stage.server.say_next("It is evening in Paris.")
    stage.server.call_next("complete_task", '{"result": "It is evening in Paris."}')
    company = await stage.start_company("mcp", [agent])
    assert stage.store.add_mcp_server("mcp", mcp_stdio("time"))
    await create_task(company, "What time is it in Paris?", "dev")
    snap = await wait_for(company, all_done(1), timeout=TIMEOUT)
    assert snap.tasks[0].status is TaskStatus.DONE, snap.tasks[0].result
    assert stage.server.calls == 3, f"{stage.server.calls} model requests (the call, text, complete)"
    return company


async def tasktools(stage: Stage) -> Company:
    """A model agent with the tools on tasks: it reads its task (from the store), comments on it
    (through the company: on record, not its own input), then completes."""
    agent = AgentSpec(name="dev", role=Role.GENERAL, model=stage.fake_model(), tools=["comment", "read_task"])
    stage.server.call_next("read_task", "{}")
    stage.server.call_next("comment", '{"body": "Reading the parser first."}')
    company = await stage.start_company("tasktools", [agent])
    await create_task(company, "Fix the parser", "dev")
    await wait_for(company, all_done(1), timeout=TIMEOUT)
    assert [e.actor for _, e in stage.store.list_activity("tasktools", kind="comment.posted")] == ["dev"]
    assert stage.server.calls == 3, f"{stage.server.calls} model requests (read, comment, complete)"
    return company


async def compaction(stage: Stage) -> Company:
    """A budgeted agent whose model has a small context window: its calls each add a long note,
    and once a prompt passes half of the window a compaction turn (on its cheaper model, reserved
    first) summarises the conversation; the task goes on from the summary and completes."""
    window = stage.fake_model().model_copy(update={"context_window": 10_000, "max_tokens": 256})
    cheap = stage.fake_model().model_copy(update={"model": "gpt-4.1-nano"})
    agent = AgentSpec(name="dev", role=Role.GENERAL, model=window, compaction_model=cheap, compaction_share=0.5)
    for n in range(14):
        stage.server.call_next("write_notes", json.dumps({"text": f"note {n} " + "lorem ipsum dolor sit amet " * 70}))
    company = await stage.start_company("compaction", [agent], budget=Budget(monthly_tokens=1_000_000))
    await create_task(company, "Keep notes", "dev")
    await wait_for(company, all_done(1), timeout=TIMEOUT)
    bodies = stage.server.requests
    assert any(body["model"] == "gpt-4.1-nano" for body in bodies), "no compaction request"
    return company


async def configure(stage: Stage) -> Company:
    """While the lead's first call is in flight, the board configures the lead (a monthly budget,
    which reaches its running task at once: its next calls are reserved) and ben (a new prompt, for
    his next task: the subtask the lead's running task then delegates to him starts with it)."""
    company = await stage.start_company("configure", pair(stage))
    stage.server.hang_next(1)
    await create_task(company, "Write the launch notes", "lead")
    await stage.model_calls(1)
    snap = await company.query(CompanyWorkflow.snapshot)
    specs = {a.spec.name: a.spec for a in snap.agents}
    for name, update in (("lead", {"budget": Budget(monthly_tokens=1_000_000)}), ("ben", {"system_prompt": "Brief."})):
        change = ConfigureAgentInput(agent=specs[name].model_copy(update=update), revision=1)
        await company.execute_update(CompanyWorkflow.configure_agent, change)
    stage.server.release_hangs()
    snap = await wait_for(company, all_done(3), timeout=TIMEOUT)
    ben = [b for b in stage.server.requests if "You are ben" in str(b["messages"][0])]
    assert ben and all("Brief." in str(b["messages"][0]) for b in ben), "ben's subtask missed his new prompt"
    assert snap.spend.tokens > 0 and [a.revision for a in snap.agents] == [2, 1, 2]
    return company


SCENARIOS: dict[str, Scenario] = {
    "demo": Scenario(demo, frozenset({ADMISSION, RECORDS_AS_ACTIVITY})),
    "budget": Scenario(budget, frozenset({BUDGET_RESERVATION, REFUSAL_RECHECK, ADMISSION, CACHE_WRITE_WORST_CASE})),
    "ratelimit": Scenario(ratelimit, frozenset({CREDENTIAL_QUEUES}), rate_limits=RATE_LIMITS),
    "comments": Scenario(comments, frozenset({OWN_COMMENTS})),
    "held": Scenario(held, frozenset({USAGE_BEFORE_HOLD, BUDGET_RESERVATION})),
    "reassign": Scenario(reassign, frozenset({RECORDS_AS_ACTIVITY})),
    "heartbeat": Scenario(heartbeat, frozenset({HEARTBEATS})),
    "retries": Scenario(retries, frozenset({WORKFLOW_RETRIES, BUDGET_RESERVATION})),
    "brake": Scenario(brake, frozenset({IDEMPOTENT_UPDATES, EMERGENCY_BRAKE})),
    "texts": Scenario(texts, frozenset({TEXTS_IN_STORE})),
    "approvals": Scenario(approvals, frozenset({APPROVALS_IN_STORE, TEXTS_IN_STORE})),
    "tools": Scenario(tools, frozenset({REGISTRY_TOOLS, COMPLETE_TO_END, STANDING_BY_HASH})),
    "mcp": Scenario(mcp, frozenset({MCP_TOOLS_LOOP, COMPLETE_TO_END, STANDING_BY_HASH})),
    "tasktools": Scenario(tasktools, frozenset({TASK_TOOLS, REGISTRY_TOOLS})),
    "compaction": Scenario(compaction, frozenset({COMPACTION, BUDGET_RESERVATION})),
    "configure": Scenario(configure, frozenset({BUDGET_RESERVATION})),
    "clisession": Scenario(clisession, frozenset({CLI_SESSION_PER_AGENT, WORKFLOW_RETRIES})),
    "httpretry": Scenario(httpretry, frozenset({HTTP_TURN_RETRIES})),
    "cliask": Scenario(cliask, frozenset({CLI_ASKS})),
    "cliaffinity": Scenario(cliaffinity, frozenset({CLI_HOST_AFFINITY, WORKFLOW_RETRIES})),
    "webhooks": Scenario(webhooks, frozenset({OUTGOING_WEBHOOKS})),
    "pipeline": Scenario(pipeline, frozenset({PIPELINE_STEPS, OUTPUT_SCHEMA})),
    "review": Scenario(review, frozenset()),
    "pipelinetemplate": Scenario(pipelinetemplate, frozenset({PIPELINE_STEPS, PIPELINE_TEMPLATES})),
    "pipelinenotify": Scenario(pipelinenotify, frozenset({PIPELINE_NOTIFY, PIPELINE_STEPS})),
    "routinepipeline": Scenario(routinepipeline, frozenset({PIPELINE_NOTIFY})),
    "deps": Scenario(deps, frozenset({DEPENDENCIES, ADD_BLOCKER_TOOL})),
    "documents": Scenario(documents, frozenset({TASK_TOOLS, REGISTRY_TOOLS})),
    "projects": Scenario(lambda stage: projects(stage, org()), frozenset({BUDGET_RESERVATION})),
    "workproducts": Scenario(workproducts, frozenset({WORK_PRODUCTS})),
    "taskreview": Scenario(taskreview, frozenset({REVIEW, WORK_PRODUCTS})),
}
"""Scenario name → how to record it; `record` runs all but `demo` unless told which."""
