"""Names shared by every layer: task queues, workflow id prefixes, search attributes."""

from temporalio.common import SearchAttributeKey

TASK_QUEUE = "paperclip"
"""Workflows and light activities (store writes)."""


def llm_queue(base: str = TASK_QUEUE, credential: str | None = None) -> str:
    """The model-call queue that goes with a workflow queue (`paperclip` → `paperclip-llm`), or
    the one of a rate-limited credential (`paperclip-llm@OPENAI_API_KEY`).

    Workflows derive it from their own queue, so a test's uuid queue gets its own model queue.
    """
    return f"{base}-llm" if credential is None else f"{base}-llm@{credential}"


def cli_queue(base: str = TASK_QUEUE, host: str | None = None) -> str:
    """The CLI-agent queue that goes with a workflow queue (`paperclip` → `paperclip-cli`), or one
    worker host's own (`paperclip-cli@host`), where the later turns of a CLI agent's task run: its
    tool's session (in the agent's HOME) and its workspace are on that host's disk."""
    return f"{base}-cli" if host is None else f"{base}-cli@{host}"


def tools_queue(base: str = TASK_QUEUE, host: str | None = None) -> str:
    """The tool-call queue that goes with a workflow queue (`paperclip` → `paperclip-tools`), or
    one worker host's own (`paperclip-tools@host`), where the tools of a task whose workspace that
    host holds run."""
    return f"{base}-tools" if host is None else f"{base}-tools@{host}"


LLM_TASK_QUEUE = llm_queue()
"""Model calls; its slots are the provider concurrency."""
CLI_TASK_QUEUE = cli_queue()
"""Subprocess agents; few slots."""


MAX_OPEN_CHILDREN = 500
"""Temporal fails a workflow task past 2,000 pending children; stay well below."""

SA_COMPANY = SearchAttributeKey.for_keyword("PaperclipCompany")
SA_AGENT = SearchAttributeKey.for_keyword("PaperclipAgent")
SA_STATUS = SearchAttributeKey.for_keyword("PaperclipStatus")
SEARCH_ATTRIBUTES = (SA_COMPANY, SA_AGENT, SA_STATUS)
"""Custom search attributes; stored unencrypted, so never any content in them."""


def company_workflow_id(company_id: str) -> str:
    return f"company:{company_id}"


def task_workflow_id(company_id: str, identifier: str) -> str:
    return f"task:{company_id}:{identifier}"


def pipeline_workflow_id(company_id: str, run_id: str) -> str:
    return f"pipeline:{company_id}:{run_id}"


def routine_schedule_id(company_id: str, name: str) -> str:
    return f"routine:{company_id}:{name}"


def review_workflow_id(company_id: str, repo: str, number: int, head_sha: str) -> str:
    """A pull request's head's review: one workflow per head, so Temporal dedupes the starts too."""
    return f"review:{company_id}:{repo.lower()}#{number}@{head_sha}"


def monitor_schedule_id(company_id: str, name: str) -> str:
    """A polling GitHub monitor's schedule (its polls' workflow ids start the same)."""
    return f"github-monitor:{company_id}:{name}"


class Activity:
    """The names activities are registered by (`@activity.defn(name=...)`) and workflows call
    them by: a workflow names an activity, it never imports its code. A name is in every
    running workflow's history, so it never changes."""

    MODEL_TURN = "model_turn"
    COMPACTION = "compaction"
    """A model call that summarises a long conversation; later turns load from its summary."""
    CLI_TURN = "cli_turn"
    CLI_RELEASE_WORKSPACE = "cli_release_workspace"
    HTTP_TURN = "http_turn"
    AGENT_FROM_TEMPLATE = "agent_from_template"
    MODEL_QUEUE = "model_queue"
    CREDENTIAL_QUEUE = "credential_queue"
    """Asked by histories from before `model_queue` only."""
    RECORD = "record"
    RUN_TOOL = "run_tool"
    CREATE_BACKUP = "create_backup"
    """The scheduled backup (`paperclip.backup.schedule`), then the old archives pruned."""
    PURGE_EXPIRED = "purge_expired"
    """The daily purge of what the retention settings no longer keep (`paperclip.lifecycle.retention`)."""
    """One call of a tool that acts (a file, a command, git, a fetch, an MCP server's tool)."""
    PREPARE_WORKSPACE = "prepare_workspace"
    """A task's workspace made (or found) on a worker host; answers where its tools run."""
    MCP_TOOLS = "mcp_tools"
    """An MCP server's tools, namespaced `server__tool` (cached by the server's config hash)."""
    STORE_STANDING = "store_standing"
    """A task's system prompt and tools stored once under their hash (model calls pass the hash)."""
    TASK_BRIEF = "task_brief"
    """A task's brief read back from the store (the company carries long ones by reference)."""
    READ_TASK = "read_task"
    ADD_BLOCKER = "add_blocker"
    """An agent's `add_blocker` call asked of its company's update (`activities/dependencies.py`)."""
    """A task of the company as an agent's `read_task` tool shows it, read from the store."""
    READ_DOCUMENT = "read_document"
    """A document of a task (or the task's list of them) as an agent's `read_document` tool shows it."""
    WRITE_DOCUMENT = "write_document"
    """A revision of a document of an agent's own task, saved by its `write_document` tool."""
    NOTIFY = "notify"
    """A company's events sent to its webhook subscriptions, signed (`activities/webhooks.py`)."""
    RECORD_PIPELINE_RUN = "record_pipeline_run"
    """A pipeline run's state written to the store (its steps, outputs' references, spend)."""
    CLAIM_REVIEW = "claim_review"
    """A pull request's head claimed for one review (`activities/github.py`), its pipeline pinned."""
    FETCH_PULL_REQUEST = "fetch_pull_request"
    """A pull request's diff and changed files, fetched with the monitor's token (never returned)."""
    REVIEW_SUMMARY = "review_summary"
    """The final step's output: its task's result, read from the store."""
    POST_REVIEW = "post_review"
    """The summary posted as the pull request's review (event COMMENT) on its head commit."""
    SETTLE_REVIEW = "settle_review"
    """How a head's review ended, written to the store."""
    OPEN_PULLS = "open_pulls"
    """A monitor's open pull requests into its branch whose head has no review yet."""
    TASK_DELIVERIES = "task_deliveries"
    """What a task delivered (its work products and documents), read from the store for its review."""
    RECORD_WORK_PRODUCTS = "record_work_products"
    """The work products an agent declared on completing, checked (files: on its workspace's host) and kept."""
    ROUTINE_PIPELINE_RUN = "routine_pipeline_run"
    """The run a pipeline routine's fire starts, read from the store (`activities/routine_pipelines.py`)."""


class CompanySignal:
    """Signals a task or a routine sends its company (`CompanyWorkflow`'s handlers)."""

    TASK_EVENT = "task_event"
    REQUEST_BUDGET = "request_budget"
    APPROVAL_REQUESTED = "approval_requested"
    APPROVAL_TIMED_OUT = "approval_timed_out"
    TASK_ESCALATED = "task_escalated"
    TASK_COMMENTED = "task_commented"
    ROUTINE_FIRED = "routine_fired"
    PIPELINE_STEP = "pipeline_step"
    """A pipeline run asks for a step's task or gate, or cancels its open tasks."""


class PipelineSignal:
    """Signals a pipeline run (`PipelineWorkflow`) takes."""

    STEP_NEWS = "step_news"
    """From its company: a step's task, its spend, its end, its gate's decision."""
    CANCEL = "cancel"
    """From a person (the API): stop the run and cancel its steps."""


class TaskSignal:
    """Signals a task takes from its company, its parent and its subtasks (`TaskWorkflow`'s)."""

    CHILD_FINISHED = "child_finished"
    COMMENT = "comment"
    WAKE = "wake"
    APPROVAL_ANSWER = "approval_answer"
    BUDGETED = "budgeted"
    BUDGET_DECISION = "budget_decision"
    HOLD = "hold"
    CANCEL = "cancel"
    REASSIGN = "reassign"
    AGENT_CHANGED = "agent_changed"


REVIEW_WORKFLOW = "PullRequestReviewWorkflow"
"""One head of a pull request reviewed by a pipeline run (`workflows/review.py`)."""
POLL_WORKFLOW = "GitHubPollWorkflow"
"""One poll of a GitHub monitor, started by its schedule."""

PIPELINE_WORKFLOW = "PipelineWorkflow"
"""The pipeline run workflow's type."""

TASK_WORKFLOW = "TaskWorkflow"
"""The task workflow's type: what a parent starts a subtask by (a type name is in history)."""
