"""The company document: what it holds, and how a company becomes one (`company_export`)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from paperclip.models import (
    ActivityEntry,
    AgentSpec,
    AgentState,
    AgentStatus,
    CapState,
    CompanySnapshot,
    CompanySpec,
    CostEvent,
    Goal,
    Message,
    RoutineSpec,
    SessionRef,
    TaskRecord,
)
from paperclip.models.attachments import Attachment
from paperclip.models.documents import DocumentRevision
from paperclip.models.projects import Label, Project
from paperclip.models.work_products import WorkProduct
from paperclip.org import subtree
from paperclip.store.costs import CostSummary

FORMAT = "paperclip-company"
VERSION = 1
ACTIVITY_LIMIT = 1_000
"""The latest activity entries an export carries (the log grows without end)."""
MAX_COUNT = 10**15
"""The largest token count, turn count or sequence number a document may hold."""

Conversation = list[tuple[SessionRef, int, datetime, list[Message]]]
"""Turns as the store keeps them: (session, seq, when it was kept, its messages)."""


class ExportedAgent(BaseModel):
    """An agent as hired (its spec names its credentials and holds its budget), and its status."""

    spec: AgentSpec
    status: AgentStatus


class Turn(BaseModel):
    """One agent turn of a task's conversation: the messages it added, its reply last."""

    seq: int = Field(ge=0, le=MAX_COUNT)
    agent: str
    at: datetime
    """When the store kept it."""
    messages: list[Message] = Field(min_length=1)


class ExportedAttachment(Attachment):
    """A file of a task, its bytes in base64 (an import checks them against `size` and `sha256`)."""

    content: str = Field(description="The file's bytes, base64.")


class ExportedTask(TaskRecord):
    """A task's record with its conversation, from the store."""

    conversation: list[Turn] = Field(default_factory=list)
    documents: list[DocumentRevision] = Field(default_factory=list)
    """Every revision of each of its documents, by key and number."""


class CompanyExport(BaseModel):
    """A company, exported (`GET /api/companies/{company}/export`) or to import."""

    format: Literal["paperclip-company"]
    version: Literal[1]
    exported_at: datetime
    company: CompanySpec
    """With the company's monthly budget."""
    agents: list[ExportedAgent]
    """Managers before their reports: with each spec's `reports_to` (and budget), the org chart."""
    goals: list[Goal]
    """Each goal before the goals under it."""
    caps: list[CapState] = Field(default_factory=list)
    """Lifetime caps on goals (`goal:G2`) and projects (`project:WEB`), with what was spent under
    them. (A task's cap goes with its task, and an import carries no open task.)"""
    projects: list[Project] = Field(default_factory=list)
    """The company's projects (lead, goals, default workspace, status, target date; the lifetime
    budget is the cap `project:<key>`). A task names its project (`project`)."""
    labels: list[Label] = Field(default_factory=list)
    """The company's labels (name, colour). A task names the labels it carries (`labels`)."""
    routines: list[RoutineSpec] = Field(default_factory=list)
    tasks: list[ExportedTask] = Field(default_factory=list)
    """Oldest first; open tasks as they were at the export (an import carries finished ones only)."""
    costs: list[CostEvent] = Field(default_factory=list)
    """The cost ledger: one event per model call, oldest first."""
    cost_summary: CostSummary | None = None
    """The ledger summed by agent (an import ignores it: it sums the ledger again)."""
    activity: list[ActivityEntry] = Field(default_factory=list)
    """The latest entries of the activity log (at most `ACTIVITY_LIMIT`), oldest first."""
    activity_truncated: bool = False
    """Older entries were left out."""
    attachments: list[ExportedAttachment] = Field(default_factory=list)
    """The tasks' files, with their bytes (an import carries those of the finished tasks it carries)."""
    work_products: list[WorkProduct] = Field(default_factory=list)
    """What the tasks produced, oldest first (an import carries those of the tasks it carries)."""

    @model_validator(mode="before")
    @classmethod
    def _ours(cls, data: Any) -> Any:
        """Say plainly when a document is not an export, or one of another version."""
        if isinstance(data, dict):
            if data.get("format") != FORMAT:
                raise ValueError(f"not a Paperclip company export: `format` must be '{FORMAT}'")
            if data.get("version") != VERSION:
                raise ValueError(f"export version {data.get('version')!r} is not supported: this API reads {VERSION}")
        return data


def company_export(
    *,
    snapshot: CompanySnapshot,
    goals: list[Goal],
    routines: list[RoutineSpec],
    tasks: list[TaskRecord],
    turns: Conversation,
    costs: list[CostEvent],
    cost_summary: CostSummary,
    activity: list[ActivityEntry],
    activity_truncated: bool,
    now: datetime,
    documents: list[DocumentRevision] | None = None,
    attachments: list[ExportedAttachment] | None = None,
    labels: list[Label] | None = None,
    work_products: list[WorkProduct] | None = None,
) -> CompanyExport:
    """The document of a company, from its snapshot and what the store keeps of it."""
    conversations: dict[str, list[Turn]] = {}
    for session, seq, at, messages in turns:
        conversations.setdefault(session.task, []).append(Turn(seq=seq, agent=session.agent, at=at, messages=messages))
    revisions: dict[str, list[DocumentRevision]] = {}
    for revision in documents or []:
        revisions.setdefault(revision.task, []).append(revision)
    return CompanyExport(
        format=FORMAT,
        version=VERSION,
        exported_at=now,
        company=snapshot.spec,
        agents=[ExportedAgent(spec=a.spec, status=a.status) for a in _chart_order(snapshot.agents)],
        goals=goals,
        caps=[c for c in snapshot.caps if c.scope.startswith(("goal:", "project:"))],
        projects=snapshot.projects,
        labels=labels or [],
        work_products=work_products or [],
        routines=routines,
        tasks=[
            ExportedTask(
                **t.model_dump(),
                conversation=conversations.get(t.identifier, []),
                documents=revisions.get(t.identifier, []),
            )
            for t in tasks
        ],
        costs=costs,
        cost_summary=cost_summary,
        activity=activity,
        activity_truncated=activity_truncated,
        attachments=attachments or [],
    )


def _chart_order(agents: list[AgentState]) -> list[AgentState]:
    """Each head of the chart (hiring order) followed by everyone below it, managers first."""
    names = {a.spec.name for a in agents}
    by_name = {a.spec.name: a for a in agents}
    specs = [a.spec for a in agents]
    ordered: list[AgentState] = []
    for head in (a for a in agents if a.spec.reports_to not in names):
        ordered += [head, *(by_name[s.name] for s in subtree(specs, head.spec.name))]
    return ordered
