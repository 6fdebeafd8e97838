"""`paperclip.models` is a package of topic modules; its `__init__` re-exports every public name of
them, so `from paperclip.models import X` works for the whole vocabulary. These tests pin the
exported names (a name that goes is a break for every importer, one that comes must be listed)
and check that the vocabulary stays pure (the dashboard imports it without Temporal or FastAPI).

Modules in `BY_PATH` came after `__init__` reached its 500 lines: their names are imported from
the module itself (`from paperclip.models.projects import Project`), and never re-exported."""

import ast
import subprocess
import sys
from pathlib import Path

import paperclip.models

BY_PATH = {"attachments.py", "dependencies.py", "documents.py", "projects.py", "review.py", "work_products.py"}
"""Topic modules imported by their own path, not through `paperclip.models`."""
OUTSIDE = ("vocabulary.py", "terms.py")
"""Modules of the kernel beside the package whose names it re-exports where they were (the enums,
prices and rate limits), kept outside so that the CLI reads them without building every model."""

EXPORTS = [
    "AGENT_TRANSITIONS",
    "ActivityEntry",
    "ActivityPublic",
    "Adapter",
    "AgentActionInput",
    "AgentBrief",
    "AgentCall",
    "AgentCallAnswer",
    "AgentChanged",
    "AgentDetail",
    "AgentFromTemplateInput",
    "AgentName",
    "AgentRevision",
    "AgentSpec",
    "AgentState",
    "AgentStatus",
    "ApiKeyInfo",
    "Approval",
    "ApprovalAnswer",
    "ApprovalKind",
    "ApprovalRecord",
    "ApprovalRequest",
    "ApprovalStatus",
    "ApprovalTimedOut",
    "AttemptRef",
    "Budget",
    "BudgetDecision",
    "BudgetLine",
    "BudgetReport",
    "BudgetRequest",
    "BudgetStatus",
    "COMPANY_SCOPE",
    "CRON_FIELD",
    "CRON_MACROS",
    "CRON_PATTERN",
    "CancelTask",
    "Cap",
    "CapLine",
    "CapState",
    "CatchupSeconds",
    "Checked",
    "ChildFinished",
    "CliConfig",
    "CliGrant",
    "CliPermissions",
    "CliSessionTotal",
    "CliTurnInput",
    "CliTurnResult",
    "Comment",
    "CommentInput",
    "CommentPosted",
    "CompanyActionInput",
    "CompanyId",
    "CompanyInput",
    "CompanyResult",
    "CompanySnapshot",
    "CompanySpec",
    "CompanyState",
    "ConfigureAgentInput",
    "ConfigureAgentResult",
    "CostEvent",
    "CostGroup",
    "CostLine",
    "CostReport",
    "CreateTaskInput",
    "CreateTasksInput",
    "DEFAULT_CATCHUP_SECONDS",
    "DEFAULT_CREDENTIALS",
    "DURATION_PATTERN",
    "DecideApprovalInput",
    "Endpoint",
    "EndpointKind",
    "EndpointName",
    "Escalation",
    "EverySeconds",
    "GOAL_TRANSITIONS",
    "Goal",
    "GoalInput",
    "GoalLevel",
    "GoalStatus",
    "GoalUpdateInput",
    "HOST",
    "HTTP_PLACEHOLDERS",
    "HeartbeatPolicy",
    "HireAgentInput",
    "Hold",
    "HookAnswer",
    "HookCreated",
    "HookDelivery",
    "HookKind",
    "HookList",
    "HookPublic",
    "HookSpec",
    "HookTarget",
    "Host",
    "HttpConfig",
    "HttpTurnInput",
    "HttpTurnResult",
    "INLINE_LIMIT",
    "InputType",
    "InvalidTransition",
    "LostAttempt",
    "MAX_CATCHUP_SECONDS",
    "MCP_SERVER_NAME",
    "MIN_EVERY_SECONDS",
    "McpListing",
    "McpServerConfig",
    "McpServerName",
    "McpToolSpec",
    "McpToolsInput",
    "McpToolsResult",
    "McpTransport",
    "Message",
    "ModelConfig",
    "ModelPrice",
    "ModelQueueInput",
    "ModelTurnInput",
    "ModelTurnResult",
    "NOT_BLANK",
    "Notification",
    "NotifyInput",
    "NotifyResult",
    "OUTPUT_EXCERPT",
    "PREFIX",
    "Permissions",
    "PipelineBudget",
    "PipelineCancel",
    "PipelineInputSpec",
    "PipelineNotice",
    "PipelineRecordInput",
    "PipelineRunInput",
    "PipelineRunRecord",
    "PipelineRunState",
    "PipelineSpec",
    "PipelineStep",
    "PipelineStepRef",
    "PipelineStepRequest",
    "PipelineSummary",
    "PipelineTarget",
    "PipelineTaskLink",
    "PipelineVersion",
    "Prefix",
    "PrepareWorkspaceInput",
    "PreparedWorkspace",
    "Priority",
    "Provider",
    "RateLimit",
    "Reassign",
    "ReassignTaskInput",
    "RecordInput",
    "RepositoryConfig",
    "Reservation",
    "RetryState",
    "ReviewTarget",
    "Role",
    "RoutineFire",
    "RoutineInfo",
    "RoutineInput",
    "RoutineName",
    "RoutineRun",
    "RoutineRunResult",
    "RoutineSpec",
    "RunStatus",
    "SLUG",
    "SessionRef",
    "SetBudgetInput",
    "SetCapInput",
    "SetToolingInput",
    "SettledAttempt",
    "Slug",
    "SpecChange",
    "Spend",
    "Standing",
    "StandingInput",
    "StepApproval",
    "StepNews",
    "StepState",
    "StepStatus",
    "TASK_TRANSITIONS",
    "TERMINAL_STATUSES",
    "TaskActionInput",
    "TaskCarry",
    "TaskDetail",
    "TaskEvent",
    "TaskInput",
    "TaskList",
    "TaskRecord",
    "TaskResult",
    "TaskStatus",
    "TaskTarget",
    "TeamRole",
    "TemplateName",
    "ToolCall",
    "ToolCallRequest",
    "ToolDecision",
    "ToolDenial",
    "ToolPolicy",
    "ToolRule",
    "ToolRunInput",
    "ToolRunResult",
    "ToolSpec",
    "ToolState",
    "ToolStep",
    "Trace",
    "TraceEvent",
    "TraceKind",
    "Unconfirmed",
    "Usage",
    "WebhookCreated",
    "WebhookEvent",
    "WebhookFormat",
    "WebhookList",
    "WebhookPublic",
    "WebhookSpec",
    "WorkspaceRef",
    "WorkspaceRelease",
    "WorstCase",
    "check_agent_transition",
    "check_goal_transition",
    "check_host",
    "check_prefix",
    "check_server_name",
    "check_slug",
    "check_transition",
    "parse_duration",
    "slug",
]


def test_the_exported_names_are_pinned() -> None:
    assert paperclip.models.__all__ == EXPORTS
    assert EXPORTS == sorted(set(EXPORTS))


def test_every_exported_name_is_importable() -> None:
    namespace: dict[str, object] = {}
    exec("from paperclip.models import *", namespace)
    namespace.pop("__builtins__")
    assert sorted(namespace) == EXPORTS
    assert all(namespace[name] is getattr(paperclip.models, name) for name in EXPORTS)


def _defined(path: Path) -> set[str]:
    """The public names a module defines at its top level (classes, functions, constants, types)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if not name.startswith("_")}


def test_every_public_name_of_the_modules_is_exported_once() -> None:
    package = Path(paperclip.models.__file__).parent
    modules = sorted(path for path in package.glob("*.py") if path.name != "__init__.py")
    modules += [package.parent / name for name in OUTSIDE]
    seen: dict[str, str] = {}
    for path in modules:
        for name in _defined(path):
            assert name not in seen, f"{name} is defined in both {seen[name]} and {path.name}"
            seen[name] = path.name
    inside = {name for name, module in seen.items() if module not in BY_PATH and module not in OUTSIDE}
    assert sorted(inside | ({name for name, module in seen.items() if module in OUTSIDE} & set(EXPORTS))) == EXPORTS
    assert not {name for name, module in seen.items() if module in BY_PATH} & set(EXPORTS)


def test_the_vocabulary_imports_no_framework() -> None:
    """The dashboard and the workflows' sandbox import it: pydantic only, no Temporal, web or database."""
    code = (
        "import sys, paperclip.models; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'temporalio', 'fastapi', 'starlette', 'sqlalchemy', 'httpx', 'streamlit', 'api', 'workflows', 'activities'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
