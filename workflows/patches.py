"""Every `workflow.patched` id of the workflows, in one place.

A patch id is written into a running workflow's history the first time the new code path
runs, and replay takes the old path for histories without it: an id never changes and never
goes away while a history that holds it may still run. Each id here is in some recorded
history (`tests/histories`), which the replay test checks.
"""

# ------------------------------------------------------------------ the task workflow

WORKFLOW_RETRIES = "workflow-retries"
"""A turn's activity runs once; the task retries it, reserving each attempt, and charges an
attempt lost with its worker at its worst case as unconfirmed (`workflows.retries`)."""
BUDGET_RESERVATION = "budget-reservation"
"""Each model call is reserved from the company's budgets first."""
CREDENTIAL_QUEUES = "credential-queues"
"""Calls on a rate-limited credential go to its own model queue (`activities.limits`)."""
TEAM_CREDENTIAL_QUEUES = "team-credential-queues"
"""The model queue is the one of the company's credential's bucket (`<team>/<name>` or the
deployment's `<name>`), asked with the company (`model_queue`), not of the name alone."""
ADMISSION = "delegated-task-admission"
"""Delegated tasks wait for the company's admission (histories before it do not); the company
admits them."""
OWN_COMMENTS = "own-comments-are-not-input"
"""An agent's comment on its own task (a CLI or HTTP agent, through the API) neither wakes it
nor is its next input."""
USAGE_BEFORE_HOLD = "usage-before-hold"
"""A task that holds tells the company first what its last turn spent (a hold that came during
the call would otherwise keep the call's reservation and leave its spend uncounted)."""

REGISTRY_TOOLS = "registry-tools"
"""An agent's registry tools (`AgentSpec.tools`) are acted on: each call checked, decided by the
tool policy (run, ask a person, or refuse), and run as the `run_tool` activity in the task's
workspace; a turn's answers wait for every approval it asked (`workflows.task_acting`)."""
COMPLETE_TO_END = "complete-to-end"
"""An agent with registry tools ends its task by `complete_task` only: a plain reply is answered
with a reminder, and runaways (too many plain replies, or idle tool turns, in a row) fail."""
STANDING_BY_HASH = "standing-by-hash"
"""The model calls of an agent with registry tools pass its system prompt and tools by content
hash: stored once (`store_standing`) when they change, read back by the activity."""
MCP_TOOLS_LOOP = "mcp-tools-loop"
"""An agent whose `tools` name MCP servers' tools (`server__tool`, `server__*`) is offered them:
the task lists each server with `mcp_tools` (carried by digest, asked again every few minutes)
and acts on their calls as on registry tools' — decided by the policy, asked about, run as
`run_tool`, their answers untrusted (`workflows.task_mcp`); such an agent ends by
`complete_task` and passes its tools by hash, as one with registry tools does."""

TASK_TOOLS = "agent-task-tools"
"""The registry tools that run in the task workflow (`comment`, `read_task`) are run: a comment
goes to the company (`task_commented`), a read to the store (`read_task` activity); before it,
a call of one is answered as an unknown tool."""
COMPACTION = "compaction"
"""A model agent's task whose last prompt passed `AgentSpec.compaction_share` of its model's
context window runs a compaction turn before its next turn (`workflows.task_compaction`):
reserved, recorded and priced like a turn, its summary replaces the older messages in later
requests."""
CLI_SESSION_PER_AGENT = "cli-session-per-agent"
"""A CLI agent's session is resumed only by the agent (and tool) that started it: a task
reassigned or escalated to another agent starts a session of its own there, where before the new
agent's tool was handed the old one's session id (`workflows.task_sessions`)."""
CLI_ASKS = "cli-asks"
"""A call a CLI agent's tool refused because a rule of its tool policy asks of it is asked
about (`workflows.cli_asks`), and the tool's next turn is given the decision; before, the
refusal was only reported."""
CLI_HOST_AFFINITY = "cli-host-affinity"
"""A CLI agent's later turns on a task run on the worker host that ran its last one (its result
names the host's queue, `<task_queue>-cli@<host>`), where its tool's session and its workspace
are; a turn no worker of that host takes within `task_sessions.HOST_WAIT` runs again on any host,
with a new session (`workflows.task_sessions`). Before, every turn went to the shared CLI queue."""
HTTP_TURN_RETRIES = "http-turn-retries"
"""An HTTP agent's POST is retried by the task, as model and CLI turns are (one attempt an
activity, a backoff or the agent's `retry-after` between, `retry` told to the company), so the
board sees it retrying; before, Temporal retried it unseen."""
ADD_BLOCKER_TOOL = "deps-add-blocker-tool"
"""An agent's `add_blocker` call is run (the `add_blocker` activity asks the company's update); before
it, a call of it is answered as an unknown tool."""
OUTPUT_SCHEMA = "output-schema"
"""A task given an output schema (a pipeline step's) checks its result against it: a result that
does not fit is answered with the error so the agent fixes it, and after `schema_tries` of them
the task fails (`workflows.task_schema`)."""

# ------------------------------------------------------------------ the company workflow

DEPENDENCIES = "deps-blocked-by"
"""Tasks may wait for others of their company (`blocked_by`, `add_blocker`): dispatch passes a
queued one over until its blockers are done, and gives it its inputs' results; a blocker that fails
or is cancelled leaves it blocked (`workflows.company.dependencies`, `workflows.company.waiting`)."""

RECORDS_AS_ACTIVITY = "records-as-activity"
"""Runs record to the store through a regular activity and settle before they end."""
REFUSAL_RECHECK = "budget-refusal-recheck"
"""A refusal whose scope the board raised or dropped while it was being sent stops nothing."""
EMERGENCY_BRAKE = "emergency-brake"
"""A pause by the emergency brake is marked as such, so that lifting the brake resumes only it."""
HEARTBEATS = "agent-heartbeats"
"""Companies with heartbeat timers (histories before them have none)."""
IDEMPOTENT_UPDATES = "idempotent-updates"
"""Updates sent with an idempotency key are remembered, and a repeat answers the first answer."""
TEXTS_IN_STORE = "texts-in-store"
"""A continue-as-new leaves long briefs and results of written task records in the store,
and dispatch reads a brief back from there."""
APPROVALS_IN_STORE = "approvals-in-store"
"""New approvals are written to the store with the record batches (at most `RECORD_DETAILS_BUDGET`
characters of details in one: the rest go with the next, written at once); a task's answer
carries its approval without long details (the task asked with them), and a continue-as-new
leaves written long details in the store."""

CACHE_WRITE_WORST_CASE = "cache-write-worst-case"
"""A model turn's worst case prices its prompt at the dearer of the input and cache-write prices
(an Anthropic call may write its whole prompt to the cache, at 1.25x the input price); before
it, at the input price."""
OUTGOING_WEBHOOKS = "outgoing-webhooks"
"""The company's events (an approval asked for, a budget incident, a failed task) are handed to
the `notify` activity, which sends them to its webhook subscriptions; events not known to be sent
are carried across continue-as-new (`workflows/company/notify.py`)."""

PIPELINE_STEPS = "pipeline-steps"
"""Pipeline runs ask the company for their steps' tasks and approval gates (`pipeline_step`), and
the company tells a run what its steps' tasks spend and how they end (`workflows.company.pipelines`)."""
PIPELINE_TEMPLATES = "pipeline-templates"
"""A pipeline step with a `template` runs: its run builds the agent (`agent_from_template`) and asks
the company to hire it with the step's task (`PipelineStepRequest.hire`), for the run only; the run
asks the company to retire its temporary agents as it ends (`release`). A stopped run's pending
approval gates are cancelled (`ApprovalStatus.CANCELLED`), where before they stayed pending
(`workflows.company.pipeline_agents`, `workflows.pipeline_hires`)."""
PIPELINE_NOTIFY = "pipeline-notify"
"""A pipeline run that ends tells the company's `pipeline.finished` subscriptions itself, by the
`notify` activity, after its record is written (`workflows.pipeline_notify`)."""

WORK_PRODUCTS = "workproducts-complete-declared"
"""`complete_task` keeps the work products the agent declares (`record_work_products`, on the
workspace's host when a file is declared) before the task ends; a refused one is the model's to
read and the task goes on (`workflows.task_products`)."""
REVIEW = "review-before-done"
"""A task under a review policy (`TaskInput.review`) goes `in_review` when its agent completes: the
board decides an approval of kind `review`, or the reviewing agent a review task of its own; sent
back, the notes are its agent's next input; `complete_task` with nothing delivered is refused
(`workflows.task_review`)."""
