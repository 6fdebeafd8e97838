"""The company workflow's vocabulary: its spec, the state it carries across continue-as-new,
its input and result, the updates that hire and create tasks, and the snapshot it answers."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from paperclip.idempotency import Answered
from paperclip.models.agents import AgentSpec
from paperclip.models.budgets import Budget, BudgetRequest, Cap, CapState, Reservation, Spend, Unconfirmed
from paperclip.models.conversation import Usage
from paperclip.models.governance import Approval, Goal, GoalInput
from paperclip.models.names import NOT_BLANK, CompanyId, Prefix
from paperclip.models.pipeline_steps import PipelineStepRef, PipelineTaskLink
from paperclip.models.projects import LabelName, Project, ProjectKey
from paperclip.models.records import ActivityEntry, TaskRecord
from paperclip.models.review import ReviewPolicy
from paperclip.models.tooling import RepositoryConfig, ToolRule
from paperclip.models.webhooks import Notification
from paperclip.vocabulary import AgentStatus, Priority


class CompanySpec(BaseModel):
    id: CompanyId
    name: str = Field(min_length=1, max_length=200)
    mission: str = ""
    prefix: Prefix
    require_hire_approval: bool = False
    """Agents hired by agents wait (`pending_approval`) until the board approves."""
    require_strategy_approval: bool = False
    """The CEO's plan for each of its tasks needs the board's approval before it delegates."""
    approval_timeout_seconds: int | None = Field(default=None, ge=60)
    """An approval undecided this long is escalated (flagged for the board, in the activity log)."""
    budget: Budget = Field(default_factory=Budget)
    """The company's monthly cap, over every agent."""
    soft_limit: float = Field(default=0.8, gt=0, le=1)
    """The share of a budget at which the board is warned."""
    repository: RepositoryConfig | None = None
    """The repository its agents' tasks work in, unless an agent names its own."""
    tool_policy: list[ToolRule] = Field(default_factory=list, max_length=200)
    """Tool rules over every agent's (a company's rule wins over an agent's of the same tool)."""
    review: ReviewPolicy | None = None
    """Its tasks are reviewed before they are done (a project's or a task's policy wins; docs/review.md)."""


class AgentState(BaseModel):
    spec: AgentSpec
    status: AgentStatus = AgentStatus.ACTIVE
    running: int = 0
    """Top-level tasks dispatched to it and not finished."""
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    wakes: int = 0
    """Heartbeat wakes that found work."""
    skipped_wakes: int = 0
    """Heartbeat wakes that found none and spent nothing."""
    last_wake: datetime | None = None
    awake: bool = False
    spend: Spend = Field(default_factory=Spend)
    """This month's spend (see `CompanyState.month`)."""
    unconfirmed: Unconfirmed = Field(default_factory=Unconfirmed)
    """Its tasks' unconfirmed attempts (in `spend`, not in `usage`)."""
    pause_reason: str | None = None
    """`budget` when its budget stopped it (a new month resumes it)."""
    """Woken with tasks waiting for it (`wake_on_assignment` off): dispatch may start them."""
    unanswered: list[str] = Field(default_factory=list)
    """Its tasks with comments it has not been woken for (`wake_on_comment` off)."""
    revision: int = Field(default=0, ge=0)
    """Its spec's revision: 1 as hired, one more for each configure or rollback; 0 for an agent
    hired before revisions were kept (its first configure keeps its spec as revision 1 first)."""


class CompanyState(BaseModel):
    """Everything the company carries across continue-as-new."""

    spec: CompanySpec
    agents: dict[str, AgentState] = Field(default_factory=dict)
    tasks: dict[str, TaskRecord] = Field(default_factory=dict)
    queue: list[str] = Field(default_factory=list)
    """Identifiers waiting for dispatch, in arrival order (dispatch sorts by priority)."""
    counter: int = 0
    recent: list[ActivityEntry] = Field(default_factory=list)
    seen_events: dict[str, int] = Field(default_factory=dict)
    """Highest event sequence handled per task: task signals are at-least-once."""
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    unconfirmed: Unconfirmed = Field(default_factory=Unconfirmed)
    """Unconfirmed attempts of its tasks (in `spend`, not in `usage`)."""
    archived: bool = False
    paused: bool = False
    """Paused by the board: nothing is dispatched and every task holds before its next turn."""
    routine_fires: dict[str, str] = Field(default_factory=dict)
    """The last scheduled run seen per routine (signals are at-least-once)."""
    generation: int = 0
    """How many times the company has continued-as-new."""
    goals: dict[str, Goal] = Field(default_factory=dict)
    goal_counter: int = 0
    approvals: dict[str, Approval] = Field(default_factory=dict)
    """Pending ones, and the last decided ones (older ones are in the activity log)."""
    approval_counter: int = 0
    month: str | None = None
    """The UTC month spend is counted in (`2026-11`)."""
    spend: Spend = Field(default_factory=Spend)
    reservations: dict[str, Reservation] = Field(default_factory=dict)
    """Per task: what its model call in flight may cost at most."""
    woken: list[str] = Field(default_factory=list)
    """Queued tasks its agent's heartbeat created: they run on the agent's `wake_model`, if any."""
    deferred: list[BudgetRequest] = Field(default_factory=list)
    """Requests that fit the budgets but not beside the calls in flight: granted as those settle."""
    pause_reason: str | None = None
    """`budget` (its budget stopped it) or `brake` (the emergency brake); None when paused by hand."""
    warned: list[str] = Field(default_factory=list)
    """Scopes (`company`, agent names, `task:…`, `goal:…`) warned this month for passing the soft limit."""
    stored_texts: list[str] = Field(default_factory=list)
    """Tasks carried without their brief and result (long ones, left at a continue-as-new): the
    store's `tasks` table holds them. Dispatch loads such a brief back; readers fill them in."""
    stored_approvals: list[str] = Field(default_factory=list)
    """Approvals carried without their details (long ones, left at a continue-as-new): the store's
    `approvals` table holds them; readers fill them in."""
    caps: dict[str, CapState] = Field(default_factory=dict)
    """Lifetime caps on tasks and goals, by scope."""
    answered: dict[str, Answered] = Field(default_factory=dict)
    """Updates sent with an idempotency key, oldest first (`workflows/company_idempotency.py`)."""
    notifications: list[Notification] = Field(default_factory=list)
    """Events for the company's webhook subscriptions not known to be sent when the last run
    continued as new: the next run sends them (again) first (`workflows/company/notify.py`)."""
    pipeline_tasks: dict[str, PipelineTaskLink] = Field(default_factory=dict)
    """Open tasks that are steps of pipeline runs, by identifier: the run hears when they end."""
    pipeline_gates: dict[str, PipelineStepRef] = Field(default_factory=dict)
    """Pending approvals that gate steps of pipeline runs, by approval id."""
    pipeline_agents: dict[str, str] = Field(default_factory=dict)
    """Temporary agents hired for pipeline runs' `template` steps → their run's id: retired
    (terminated) when the run ends (`release`)."""
    projects: dict[str, Project] = Field(default_factory=dict)
    """The company's projects, by key (`workflows/company/projects.py`)."""


class CompanyInput(BaseModel):
    spec: CompanySpec | None = None
    agents: list[AgentSpec] = Field(default_factory=list)
    state: CompanyState | None = None
    """Set when continuing-as-new."""
    goals: list[GoalInput] = Field(default_factory=list)
    """The founding goals (the API requires at least one company goal)."""
    continue_as_new_after_events: int | None = None
    """Continue-as-new after this many handled messages (tests); Temporal's suggestion always applies."""
    actor: str = "board"
    """Who founded it (the activity log says so)."""


class CompanyResult(BaseModel):
    company_id: str
    archived: bool


class HireAgentInput(BaseModel):
    agent: AgentSpec
    actor: str = "board"


class CreateTaskInput(BaseModel):
    title: str = Field(max_length=500, json_schema_extra={"pattern": NOT_BLANK})
    """Not blank (the company refuses it, 400)."""
    brief: str = Field(default="", max_length=100_000)
    assignee: str
    priority: Priority = Priority.MEDIUM
    goal: str | None = None
    """The goal it serves (`G3`)."""
    budget: Cap | None = None
    """A lifetime cap on the task with its subtasks (on top of the monthly budgets)."""
    actor: str = "board"
    """Who asked for it (the API sets the caller; the activity log says so)."""
    pipeline: PipelineStepRef | None = None
    """The step of a pipeline run it is (set by the run, never by the API): the run is told when
    it ends."""
    blocked_by: list[str] = Field(default_factory=list, max_length=50)
    """Tasks of the company it waits for (`ACME-2`): it starts once they are all done. In a
    `create_tasks` batch, a task may name one created earlier or later in the same batch."""
    inputs: list[str] = Field(default_factory=list, max_length=50)
    """Those of `blocked_by` whose results it is given when it starts."""
    met: list[str] = Field(default_factory=list, max_length=50)
    """Blockers the API found done in the store, having left the company's index (set by the
    API from the store, never taken from a caller): met already."""
    project: ProjectKey | None = None
    """The project it belongs to (`WEB`): its workspace and lifetime cap apply; subtasks inherit it."""
    labels: list[LabelName] = Field(default_factory=list, max_length=20)
    """The company's labels it carries (the API checks they exist)."""
    review: ReviewPolicy | None = None
    """Review before done (wins over its project's and the company's policy; docs/review.md)."""


class CreateTasksInput(BaseModel):
    """Several tasks in one update (an import, a fan-out): one round trip, one workflow task."""

    tasks: list[CreateTaskInput] = Field(min_length=1, max_length=500)


class RoutineFire(BaseModel):
    """Signal from a routine's scheduled run to its company: create the routine's task now."""

    fire_id: str
    """The scheduled run's workflow id: a repeat of the same run is dropped."""
    routine: str
    task: CreateTaskInput
    skip_if_open: bool = True
    """Overlap policy: no new task while the routine's last one is still open."""


class PipelineStepRequest(BaseModel):
    """Signal from a pipeline run to its company (`pipeline_step`): queue a step's task (hiring its
    temporary agent first), open a step's approval gate, cancel every open task of the run, or
    retire the run's temporary agents as it ends (`release`). Answered by `StepNews`."""

    run_id: str
    step: str = ""
    kind: Literal["task", "gate", "cancel", "release"]
    task: CreateTaskInput | None = None
    """The step's task (`task`); its `pipeline` names the run and step."""
    hire: AgentSpec | None = None
    """The temporary agent to hire for the task first (`task` of a `template` step): the company
    hires it under its top agent, as the board's hire, or refuses the step."""
    output_schema: dict[str, Any] | None = None
    """The JSON schema the task's result must fit (`task`)."""
    schema_tries: int = 3
    title: str = ""
    """What the board is asked (`gate`)."""
    details: str = ""
    requested_by: str = "pipeline"
    """Who asks, in the activity log (`pipeline:<name>`)."""
    reason: str = ""
    """Why the run cancels (`cancel`)."""


class CompanySnapshot(BaseModel):
    """What the API and the dashboard read (a query, answered from memory)."""

    spec: CompanySpec
    agents: list[AgentState]
    tasks: list[TaskRecord]
    queue: list[str]
    recent: list[ActivityEntry]
    usage: Usage
    cost_usd: float
    unconfirmed: Unconfirmed = Field(default_factory=Unconfirmed)
    """Model calls lost with their worker, charged at their worst case (in `spend`, not `usage`)."""
    archived: bool
    paused: bool = False
    pause_reason: str | None = None
    """`budget` when the company's budget stopped it, `brake` when the emergency brake did."""
    generation: int
    goals: list[Goal] = Field(default_factory=list)
    approvals: list[Approval] = Field(default_factory=list)
    month: str | None = None
    spend: Spend = Field(default_factory=Spend)
    budget_warnings: list[str] = Field(default_factory=list)
    """Scopes past their soft limit or stopped by their budget this month, as sentences."""
    caps: list[CapState] = Field(default_factory=list)
    """Lifetime caps on tasks and goals, with their spend."""
    projects: list[Project] = Field(default_factory=list)
    simulated_agents: list[str]
    """Agents on the offline `simulated` model: shown as such wherever they appear."""
    stored_texts: list[str] = Field(default_factory=list)
    """Tasks shown without their brief and result: the store holds them (`CompanyState.stored_texts`);
    the API fills them in before anyone reads the snapshot."""
    stored_approvals: list[str] = Field(default_factory=list)
    """Approvals shown without their details: the store holds them (`CompanyState.stored_approvals`);
    the API fills them in before anyone reads the snapshot."""
