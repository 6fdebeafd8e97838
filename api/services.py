"""What the routes do, as functions with keyword-only arguments.

Running state is read from the company workflow (updates and queries); what outlives it (the
company list, finished tasks, the activity log) from the store. Store calls are synchronous, so
they run in a thread.
"""

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import timedelta

from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import TemporalConnection
from api.errors import ApiError
from api.recent import RECENT
from api.schemas import (
    CompanyCreate,
    CompanyCreated,
    CompanyPublic,
    Health,
    StoreHealth,
    TemporalHealth,
    prefix_from_name,
    slug_from_name,
)
from api.texts import with_stored_texts
from api.traces import build_trace
from paperclip.constants import SA_COMPANY, company_workflow_id, task_workflow_id
from paperclip.demo import demo_model
from paperclip.idempotency import HEADER, RequestKey
from paperclip.keyring import Keyring
from paperclip.keys import KeyRefused
from paperclip.models import (
    ActivityEntry,
    AgentCall,
    AgentCallAnswer,
    AgentSpec,
    AgentState,
    AgentStatus,
    Budget,
    CompanyInput,
    CompanySnapshot,
    CompanySpec,
    CreateTaskInput,
    GoalInput,
    HireAgentInput,
    ModelPrice,
    TaskDetail,
    TaskRecord,
    TaskStatus,
    Trace,
)
from paperclip.org import OrgError, check_hire, check_turn_budget
from paperclip.pricing import priced
from paperclip.store import Store
from paperclip.templates import (
    TemplateError,
    TemplateInvalid,
    TemplateNotFound,
    TemplateRegistry,
    hire_from_template,
    load_registry,
    runnable,
    unset_credential,
)
from workflows.company import CompanyWorkflow
from workflows.task import TaskWorkflow

HEALTH_TIMEOUT_SECONDS = 2.0
STARTED_FOR = "paperclip_request"
"""Memo of a company workflow started for a request with an idempotency key: the key's marker."""
STORE_SCAN_LIMIT = 10_000
"""Most store rows one task listing merges (pagination over merged rows is done here)."""


# ---------------------------------------------------------------------- health


async def check_health(*, temporal: TemporalConnection, store: Store) -> Health:
    """Both dependencies, each checked within a bounded time."""
    temporal_health = TemporalHealth(ok=False, address=temporal.address)
    try:
        client = await temporal.get(timeout=HEALTH_TIMEOUT_SECONDS)
        serving = await client.service_client.check_health(timeout=timedelta(seconds=HEALTH_TIMEOUT_SECONDS))
        temporal_health.ok = serving
        temporal_health.error = None if serving else "the workflow service is not serving"
    except ApiError as err:
        temporal_health.error = err.message
    except Exception as err:  # noqa: BLE001 — any failure to answer is "not ok", with its reason
        temporal_health.error = str(err) or type(err).__name__
    store_health = StoreHealth(ok=False)
    try:
        await asyncio.wait_for(asyncio.to_thread(store.ping), HEALTH_TIMEOUT_SECONDS)
        store_health.ok = True
    except TimeoutError:
        store_health.error = f"no answer within {HEALTH_TIMEOUT_SECONDS:g} s"
    except Exception as err:  # noqa: BLE001 — idem
        store_health.error = str(err) or type(err).__name__
    ok = temporal_health.ok and store_health.ok
    return Health(status="ok" if ok else "degraded", temporal=temporal_health, store=store_health)


# ---------------------------------------------------------------------- companies


def _company_handle(client: Client, company_id: str) -> WorkflowHandle[CompanyWorkflow, object]:
    return client.get_workflow_handle_for(CompanyWorkflow.run, company_workflow_id(company_id))


def check_initial_agents(agents: list[AgentSpec], *, budgeted: bool = False) -> None:
    """Apply the org-chart rules to a founding team, in order (managers before their reports), and
    the budget rule: under a budget (`budgeted`: the company's), a CLI agent needs a per-turn budget.

    Raises:
        ApiError: 400 naming the first agent that cannot join.
    """
    chart: dict[str, AgentState] = {}
    for index, spec in enumerate(agents):
        try:
            check_hire(chart, spec)
            check_turn_budget(spec, budgeted=budgeted)
        except OrgError as err:
            raise ApiError(400, "invalid_input", f"agents[{index}]: {err}", {"agent": spec.name}) from None
        chart[spec.name] = AgentState(spec=spec)


async def check_keys(*, keyring: Keyring, team: str | None, agents: Iterable[AgentSpec]) -> None:
    """Refuse agents (of a company of `team`) that would send a key where it is not bound.

    Raises:
        ApiError: 400 naming the agent, the field, the credential and both URLs.
    """
    for spec in agents:
        try:
            await asyncio.to_thread(keyring.check_agent, team, spec)
        except KeyRefused as err:
            raise ApiError(400, err.code, err.message, {"agent": spec.name}) from None


async def create_company(
    *,
    client: Client,
    store: Store,
    task_queue: str,
    body: CompanyCreate,
    prices: Mapping[str, ModelPrice],
    actor: str = "board",
    keyring: Keyring | None = None,
    team: str | None = None,
    key: RequestKey | None = None,
) -> CompanyCreated:
    """Found a company (of `team`): validate its agents, start its workflow, record it in the store.

    Each agent whose model sets no price of its own gets its price from `prices` (the settings');
    with a `keyring`, each agent's keys must be bound where its models are. A repeat of the
    request with the same idempotency `key` answers as the first did.
    """
    company_id = body.id or slug_from_name(body.name)
    if not company_id:
        raise ApiError(422, "invalid_input", "name: cannot derive an id from this name; give an id")
    notes: list[str] = []
    if body.template is not None:
        body, notes = await _company_from_template(body)
    body = body.model_copy(update={"agents": [priced(agent, prices) for agent in body.agents]})
    if not body.goals:
        raise ApiError(
            400, "invalid_input", "a company needs at least one goal: give goals or a template", {"field": "goals"}
        )
    spec = CompanySpec(
        id=company_id,
        name=body.name,
        mission=body.mission,
        prefix=body.prefix or prefix_from_name(body.name),
        require_hire_approval=body.require_hire_approval,
        require_strategy_approval=body.require_strategy_approval,
        approval_timeout_seconds=body.approval_timeout_seconds,
        budget=Budget(monthly_usd=body.budget_usd, monthly_tokens=body.budget_tokens),
        repository=body.repository,
        tool_policy=body.tool_policy,
        review=body.review,
    )
    check_initial_agents(body.agents, budgeted=spec.budget.is_capped)
    if keyring is not None:
        await check_keys(keyring=keyring, team=team, agents=body.agents)
    founding = CompanyInput(
        spec=spec, agents=body.agents, goals=[GoalInput(title=title, actor=actor) for title in body.goals], actor=actor
    )
    await start_company(client=client, store=store, task_queue=task_queue, spec=spec, input=founding, key=key)
    await asyncio.to_thread(store.upsert_company, spec)
    return CompanyCreated(
        **spec.model_dump(), workflow_id=company_workflow_id(spec.id), agents=body.agents, goals=body.goals, notes=notes
    )


async def start_company(
    *, client: Client, store: Store, task_queue: str, spec: CompanySpec, input: CompanyInput, key: RequestKey | None
) -> None:
    """Start the company's workflow (`company:{id}`), unless the id is taken: 409.

    With an idempotency `key`, the workflow keeps it in its memo, and a repeat of the request
    that finds the workflow its first attempt started goes on as if it had started it (so a
    retry after an answer that was lost founds one company, not a 409).
    """
    workflow_id = company_workflow_id(spec.id)
    taken = ApiError(409, "conflict", f"company '{spec.id}' already exists")
    if await asyncio.to_thread(store.get_company, spec.id) is not None:
        if not await _started_for(client, workflow_id, key):
            raise taken
        return
    try:
        await client.start_workflow(
            CompanyWorkflow.run,
            input,
            id=workflow_id,
            task_queue=task_queue,
            search_attributes=TypedSearchAttributes([SearchAttributePair(SA_COMPANY, spec.id)]),
            memo={STARTED_FOR: key.marker} if key is not None else None,
        )
    except WorkflowAlreadyStartedError:
        if not await _started_for(client, workflow_id, key):
            raise taken from None


async def _started_for(client: Client, workflow_id: str, key: RequestKey | None) -> bool:
    """Whether the workflow was started for the request with this key.

    Raises:
        ApiError: 422 when it was started for the same key with another request.
    """
    if key is None:
        return False
    try:
        marker = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    started = await marker.memo_value(STARTED_FOR, default=None)
    if not isinstance(started, str) or started.partition(":")[0] != key.scope:
        return False
    if started != key.marker:
        raise ApiError(422, "idempotency_key_reused", f"this {HEADER} was used with another request on this route")
    return True


async def list_companies(*, store: Store) -> list[CompanyPublic]:
    specs = await asyncio.to_thread(store.list_companies)
    return [CompanyPublic(**s.model_dump(), workflow_id=company_workflow_id(s.id)) for s in specs]


async def get_snapshot(*, client: Client, company_id: str, store: Store | None = None) -> CompanySnapshot:
    """The company's snapshot, answered by its worker from memory (bounded: `api.temporal_bounds`);
    with `store`, its tasks' long texts are filled in (`api.texts`)."""
    snapshot: CompanySnapshot = await _company_handle(client, company_id).query(CompanyWorkflow.snapshot)
    return snapshot if store is None else await with_stored_texts(store, snapshot)


async def hire_agent(
    *,
    client: Client,
    company_id: str,
    agent: AgentSpec,
    prices: Mapping[str, ModelPrice],
    actor: str = "board",
    keyring: Keyring | None = None,
) -> AgentState:
    """Hire `agent`; with `template` set, the template's fields fill in what the body leaves out.
    Its model, unless it sets a price of its own, gets its price from `prices` (the settings');
    with a `keyring`, its keys must be bound where its models are (`check_keys`)."""
    if agent.template is not None:
        agent = await _agent_from_template(client=client, company_id=company_id, request=agent)
    if keyring is not None:
        team = await asyncio.to_thread(keyring.store.company_team, company_id)
        await check_keys(keyring=keyring, team=team, agents=[agent])
    return await _company_handle(client, company_id).execute_update(
        CompanyWorkflow.hire_agent, HireAgentInput(agent=priced(agent, prices), actor=actor)
    )


async def create_task(*, client: Client, company_id: str, task: CreateTaskInput) -> TaskRecord:
    return await _company_handle(client, company_id).execute_update(CompanyWorkflow.create_task, task)


# ---------------------------------------------------------------------- tasks


def _merge(stored: list[TaskRecord], live: list[TaskRecord]) -> list[TaskRecord]:
    """Live records (the company's) override store rows; store rows fill in forgotten tasks."""
    merged = {r.identifier: r for r in stored}
    merged.update((r.identifier, r) for r in live)
    return sorted(merged.values(), key=lambda t: (t.created_at, _identifier_key(t.identifier)))


async def recent_snapshot(*, client: Client, company_id: str, store: Store | None = None) -> CompanySnapshot:
    """The snapshot for readers (its tasks' texts filled in with `store`): shared by the requests
    of the last half second (`api.recent`)."""
    snapshot: CompanySnapshot = await RECENT.get(
        (company_id, "snapshot", id(client), id(store)),
        lambda: get_snapshot(client=client, company_id=company_id, store=store),
    )
    return snapshot


async def _merged_tasks(*, client: Client, store: Store, company_id: str, assignee: str | None) -> list[TaskRecord]:
    async def merge() -> list[TaskRecord]:
        snapshot = await recent_snapshot(client=client, company_id=company_id, store=store)
        rows = await asyncio.to_thread(store.list_tasks, company_id, assignee=assignee, limit=STORE_SCAN_LIMIT)
        return _merge(rows, [t for t in snapshot.tasks if assignee is None or t.assignee == assignee])

    merged: list[TaskRecord] = await RECENT.get((company_id, "tasks", assignee, id(client), id(store)), merge)
    return merged


def _identifier_key(identifier: str) -> tuple[int | str, ...]:
    """`ACME-12.3` sorts after `ACME-2` and `ACME-12.2`: numbers compare as numbers."""
    head, _, tail = identifier.rpartition("-")
    return (head, *(int(p) if p.isdigit() else p for p in tail.split(".")))  # type: ignore[return-value]


async def list_tasks(
    *,
    client: Client,
    store: Store,
    company_id: str,
    status: TaskStatus | None = None,
    assignee: str | None = None,
    parent: str | None = None,
    project: str | None = None,
    label: str | None = None,
    limit: int = 100,
    offset: int = 0,
    newest_first: bool = False,
) -> tuple[list[TaskRecord], int]:
    """The company's tasks, oldest first (newest first with `newest_first`, so `offset` counts
    from the newest), filtered; returns (page, total matching)."""
    tasks = await _merged_tasks(client=client, store=store, company_id=company_id, assignee=assignee)
    if status is not None:
        tasks = [t for t in tasks if t.status == status]
    if parent is not None:
        tasks = [t for t in tasks if t.parent == parent]
    if project is not None:
        tasks = [t for t in tasks if t.project == project]
    if label is not None:
        tasks = [t for t in tasks if label in t.labels]
    if newest_first:
        tasks = tasks[::-1]
    return tasks[offset : offset + limit], len(tasks)


async def get_task(*, client: Client, store: Store, company_id: str, identifier: str) -> TaskDetail:
    """One task, as the company sees it if it still carries it, else as the store kept it."""
    snapshot = await get_snapshot(client=client, company_id=company_id, store=store)
    live = {t.identifier: t for t in snapshot.tasks}
    record = live.get(identifier) or await asyncio.to_thread(store.get_task, company_id, identifier)
    if record is None:
        raise ApiError(404, "not_found", f"task '{identifier}' not found in company '{company_id}'")
    stored = await asyncio.to_thread(store.list_tasks, company_id, parent=identifier, limit=STORE_SCAN_LIMIT)
    subtasks = _merge(stored, [t for t in live.values() if t.parent == identifier])
    return TaskDetail(**record.model_dump(), subtasks=subtasks)


async def agent_call(*, client: Client, company_id: str, identifier: str, call: AgentCall) -> AgentCallAnswer:
    """A tool call on an open task, by its agent (task token) or the board; 409 once it has finished."""
    handle = client.get_workflow_handle_for(TaskWorkflow.run, task_workflow_id(company_id, identifier))
    try:
        return await handle.execute_update(TaskWorkflow.agent_call, call)
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
        try:
            described = await handle.describe()
        except RPCError:
            raise ApiError(404, "not_found", f"task '{identifier}' not found in company '{company_id}'") from None
        state = described.status.name.lower() if described.status else "closed"
        raise ApiError(409, "conflict", f"task {identifier} has finished ({state}): it takes no more calls") from None


async def get_trace(*, client: Client, company_id: str, identifier: str, include_children: bool) -> Trace:
    return await build_trace(client, company_id, identifier, include_children=include_children)


# ---------------------------------------------------------------------- events


async def require_company(*, store: Store, company_id: str) -> CompanySpec:
    spec = await asyncio.to_thread(store.get_company, company_id)
    if spec is None:
        raise ApiError(404, "not_found", f"company '{company_id}' not found")
    return spec


async def activity_events(
    *, store: Store, company_id: str, after: int, follow: bool, poll_seconds: float, batch: int = 100
) -> AsyncIterator[tuple[int, ActivityEntry] | None]:
    """Activity entries after cursor `after`, in order; with `follow`, forever.

    Yields None when a poll found nothing (the caller may send a keep-alive).
    """
    cursor = after
    while True:
        rows = await asyncio.to_thread(store.list_activity, company_id, after=cursor, limit=batch)
        for row in rows:
            cursor = row[0]
            yield row
        if len(rows) == batch:
            continue
        if not follow:
            return
        if not rows:
            yield None
        await asyncio.sleep(poll_seconds)


# ---------------------------------------------------------------------- templates


def template_error(error: TemplateError) -> ApiError:
    """404 for an unknown template; 400 naming each problem for an invalid one."""
    if isinstance(error, TemplateNotFound):
        return ApiError(404, "not_found", str(error), {"kind": error.template_kind.value, "name": error.name})
    problems = error.problems if isinstance(error, TemplateInvalid) else [str(error)]
    return ApiError(400, "invalid_template", "invalid template", problems)


async def load_templates() -> TemplateRegistry:
    """Built-in and custom (`PAPERCLIP_TEMPLATES`) templates, custom files read afresh."""
    try:
        return await asyncio.to_thread(load_registry)
    except TemplateError as error:
        raise template_error(error) from None


def _runnable(spec: AgentSpec) -> tuple[AgentSpec, str | None]:
    return runnable(spec, missing_credential=unset_credential, fallback=demo_model())


async def _company_from_template(body: CompanyCreate) -> tuple[CompanyCreate, list[str]]:
    """`body` with the template's mission, prefix, goals and team filling in the fields it leaves out."""
    assert body.template is not None
    registry = await load_templates()
    given = body.model_fields_set
    notes: list[str] = []
    try:
        template = registry.company(body.template)
        agents = body.agents if "agents" in given else registry.company_agents(template)
    except TemplateError as error:
        raise template_error(error) from None
    if "agents" not in given:
        runnable_agents = []
        for spec in agents:
            spec, note = _runnable(spec)
            runnable_agents.append(spec)
            notes.extend([note] if note else [])
        agents = runnable_agents
    update = {
        "mission": body.mission if "mission" in given else template.mission,
        "prefix": body.prefix or template.prefix,
        "goals": body.goals or template.goals,
        "agents": agents,
    }
    return body.model_copy(update=update), notes


async def _agent_from_template(*, client: Client, company_id: str, request: AgentSpec) -> AgentSpec:
    """The agent a hire by template asks for; its manager defaults to the company's agent with
    the role the template reports to."""
    assert request.template is not None
    registry = await load_templates()
    try:
        template = registry.agent(request.template)
    except TemplateError as error:
        raise template_error(error) from None
    manager = request.reports_to
    if "reports_to" not in request.model_fields_set and template.reports_to is not None:
        snapshot = await get_snapshot(client=client, company_id=company_id)
        role = template.reports_to
        manager = next(
            (a.spec.name for a in snapshot.agents if a.spec.role == role and a.status is not AgentStatus.TERMINATED),
            None,
        )
        if manager is None:
            raise ApiError(
                400,
                "invalid_input",
                f"template '{template.name}' reports to a {role.value} by default and company '{company_id}'"
                " has none: give reports_to",
                {"field": "reports_to"},
            )
    try:
        spec = hire_from_template(template, request, manager=manager)
    except TemplateError as error:
        raise template_error(error) from None
    if "model" not in request.model_fields_set:
        spec, _ = _runnable(spec)
    return spec
