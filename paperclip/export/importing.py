"""A company document checked (`problems`) and turned into a new company (`import_plan`)."""

import base64
import hashlib
import math
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from paperclip.export.document import MAX_COUNT, CompanyExport, Conversation, ExportedAttachment, ExportedTask
from paperclip.models import (
    SLUG,
    ActivityEntry,
    AgentState,
    AgentStatus,
    CompanySpec,
    CompanyState,
    CostEvent,
    GoalLevel,
    GoalStatus,
    RoutineSpec,
    SessionRef,
    TaskRecord,
    Usage,
)
from paperclip.models.documents import DocumentRevision
from paperclip.models.projects import CONTROL, LABEL_NAME, PROJECT_KEY, Label, Project
from paperclip.models.work_products import WorkProduct
from paperclip.org import OrgError, check_hire


def problems(doc: CompanyExport) -> list[str]:
    """What keeps `doc` from founding a company, one line each; none when it can.

    Everything a document names must be in it (agents, goals, projects, tasks), identifiers must
    be the company's (`ACME-12.3`), and text and numbers must fit the store's columns.
    """
    found: list[str] = []

    def check(ok: bool, where: str, what: str) -> None:
        if not ok:
            found.append(f"{where}: {what}")

    chart: dict[str, AgentState] = {}
    for i, agent in enumerate(doc.agents):
        try:
            check_hire(chart, agent.spec)
        except OrgError as err:
            found.append(f"agents[{i}]: {err}")
        chart[agent.spec.name] = AgentState(spec=agent.spec, status=agent.status)

    goal_ids = Counter(g.id for g in doc.goals)
    for i, goal in enumerate(doc.goals):
        where = f"goals[{i}]"
        check(_GOAL_ID.fullmatch(goal.id) is not None, where, f"'{goal.id}' is not a goal id (G1, G2, …)")
        check(goal_ids[goal.id] == 1, where, f"goal '{goal.id}' is there twice")
        check(goal.parent is None or goal.parent in goal_ids, where, f"parent goal '{goal.parent}' is not there")
        check(goal.owner is None or goal.owner in chart, where, f"owner '{goal.owner}' is not an agent of it")
    project_keys = Counter(p.key for p in doc.projects)
    for i, project in enumerate(doc.projects):
        where = f"projects[{i}]"
        check(PROJECT_KEY.fullmatch(project.key) is not None, where, f"'{project.key[:20]}' is not a project key")
        check(project_keys[project.key] == 1, where, f"project '{project.key}' is there twice")
        check(project.lead is None or project.lead in chart, where, f"lead '{project.lead}' is not an agent of it")
        check(all(g in goal_ids for g in project.goals), where, "a goal of it is not there")
        plain = 0 < len(project.name) <= 200 and not CONTROL.search(project.name)
        check(plain and len(project.description) <= 5_000 and len(project.goals) <= 50, where, "a field is too long")
    for i, cap in enumerate(doc.caps):
        kind, _, capped = cap.scope.partition(":")
        named = (kind == "goal" and capped in goal_ids) or (kind == "project" and capped in project_keys)
        what = "project" if kind == "project" else "goal"
        check(named, f"caps[{i}]", f"'{cap.scope}' names no {what} there")
        check(_fits(Usage(), cap.spend.tokens, cap.spend.usd), f"caps[{i}]", "the spend is out of range")
    if not any(g.level is GoalLevel.COMPANY and g.status is not GoalStatus.CANCELLED for g in doc.goals):
        found.append("goals: a company needs a company goal that is not cancelled")

    label_names = Counter(label.name for label in doc.labels)
    for i, label in enumerate(doc.labels):
        where = f"labels[{i}]"
        # (The model checked its name, colour and description.)
        check(label_names[label.name] == 1, where, f"label '{label.name}' is there twice")

    identifier = re.compile(rf"^{re.escape(doc.company.prefix)}-\d{{1,9}}(\.\d{{1,9}})*$")
    identifiers = Counter(t.identifier for t in doc.tasks)
    for i, task in enumerate(doc.tasks):
        where = f"tasks[{i}]"
        name = task.identifier
        check(identifier.match(name) is not None and len(name) <= 200, where, f"'{name}' is not a task of the company")
        check(identifiers[name] == 1, where, f"task '{name}' is there twice")
        check(task.parent is None or task.parent in identifiers, where, f"parent task '{task.parent}' is not there")
        check(task.assignee in chart, where, f"assignee '{task.assignee}' is not an agent of it")
        check(task.goal is None or task.goal in goal_ids, where, f"goal '{task.goal}' is not there")
        check(
            task.routine is None or SLUG.fullmatch(task.routine) is not None, where, "`routine` is not a routine name"
        )
        check(_fits(task.usage, task.turns, task.cost_usd), where, "a count or cost is out of range")
        check(task.project is None or task.project in project_keys, where, f"project '{task.project}' is not there")
        # A label deleted since keeps its name on the tasks that carry it, so only its form is checked.
        named = all(LABEL_NAME.fullmatch(label) for label in task.labels)
        check(named and len(task.labels) <= MAX_LABELS, where, "`labels` holds something that is not a label name")
        missing = [b for b in task.blocked_by if b not in identifiers or b == name]
        check(not missing, where, f"blocker '{missing[0] if missing else ''}' is not another task there")
        check(set(task.inputs) <= set(task.blocked_by), where, "an input is not one of its blockers")
        seqs = Counter(turn.seq for turn in task.conversation)
        for j, turn in enumerate(task.conversation):
            at = f"{where}.conversation[{j}]"
            check(seqs[turn.seq] == 1, at, f"turn {turn.seq} is there twice")
            check(turn.agent in chart, at, f"agent '{turn.agent}' is not an agent of it")
            long = [m for m in turn.messages if len(m.author or "") > 200 or len(m.tool_call_id or "") > 200]
            check(not long, at, "an author or a tool call id is longer than 200 characters")

    # One row per attempt: a retried or fallen-back call has several rows for one turn.
    calls = Counter((c.task, c.seq, c.model_index, c.attempt) for c in doc.costs)
    for i, cost in enumerate(doc.costs):
        where = f"costs[{i}]"
        attempt = f"attempt {cost.attempt} on model {cost.model_index} of call {cost.seq} of {cost.task}"
        check(calls[cost.task, cost.seq, cost.model_index, cost.attempt] == 1, where, f"{attempt} is there twice")
        check(cost.task in identifiers, where, f"task '{cost.task}' is not there")
        check(cost.agent in chart, where, f"agent '{cost.agent}' is not an agent of it")
        check(cost.goal is None or cost.goal in goal_ids, where, f"goal '{cost.goal}' is not there")
        check(len(cost.provider) <= 32 and len(cost.model) <= 200, where, "the provider or model name is too long")
        check(_fits(cost.usage, cost.seq, cost.cost_usd or 0.0), where, "a count or cost is out of range")

    for i, entry in enumerate(doc.activity):
        fits = len(entry.kind) <= 64 and len(entry.actor) <= 200 and len(entry.agent or "") <= 63
        check(fits and len(entry.task or "") <= 200, f"activity[{i}]", "a kind, actor, agent or task is too long")
    for i, attachment in enumerate(doc.attachments):
        where = f"attachments[{i}]"
        check(attachment.task in identifiers, where, f"task '{attachment.task}' is not there")
        check(attachment_bytes(attachment) is not None, where, "its content is not the bytes its size and sha256 say")
    for i, product in enumerate(doc.work_products):
        where = f"work_products[{i}]"
        check(product.task in identifiers, where, f"task '{product.task}' is not there")
        check(len(product.recorded_by) <= 100, where, "`recorded_by` is too long")
    return found


def attachment_bytes(attachment: ExportedAttachment) -> bytes | None:
    """The bytes of an exported file, when its content decodes to what its size and sha256 say."""
    try:
        data = base64.b64decode(attachment.content, validate=True)
    except ValueError:
        return None
    ok = len(data) == attachment.size and hashlib.sha256(data).hexdigest() == attachment.sha256
    return data if ok else None


_GOAL_ID = re.compile(r"^G\d{1,9}$")
MAX_LABELS = 50
"""Labels a task may carry in a document."""


def _fits(usage: Usage, count: int, usd: float) -> bool:
    tokens = (usage.input_tokens, usage.output_tokens, usage.cached_input_tokens, usage.cache_write_tokens, count)
    return all(0 <= n <= MAX_COUNT for n in tokens) and math.isfinite(usd) and usd >= 0


@dataclass(frozen=True)
class ImportPlan:
    """What founding a company from a document takes: its workflow's first state, the history
    its store keeps, its routines (to create paused), and what was left out and why."""

    state: CompanyState
    records: list[TaskRecord]
    turns: Conversation
    costs: list[CostEvent]
    activity: list[ActivityEntry]
    routines: list[RoutineSpec]
    notes: list[str]
    documents: list[DocumentRevision] = field(default_factory=list)
    attachments: list[ExportedAttachment] = field(default_factory=list)
    """The carried tasks' files, their `task` renamed (the import gives each a new id)."""
    labels: list[Label] = field(default_factory=list)
    work_products: list[WorkProduct] = field(default_factory=list)
    """The carried tasks' products, their `task` renamed."""


def import_plan(doc: CompanyExport, spec: CompanySpec, *, actor: str, now: datetime) -> ImportPlan:
    """Found `spec` from `doc` (without `problems`).

    Finished tasks (with their subtasks) are carried, re-keyed to the new company (and prefix);
    open ones are not, since nothing would run them. A carried task keeps its project, labels
    and dependencies (`blocked_by`, `inputs`, renamed): as every carried task is finished, no
    edge waits for anything; an edge to a task left out is dropped with a note. Projects (with
    their lifetime caps) and labels are carried whole, and the carried tasks' documents, files
    and work products. Agents keep their specs and statuses (a running one is idle); an agent
    still waiting for the board's approval is left out.
    The activity log is carried with new entry ids, and a `company.imported` entry ends it.
    """
    old = doc.company.prefix

    def rename(identifier: str) -> str:
        return spec.prefix + identifier[len(old) :] if identifier.startswith(f"{old}-") else identifier

    notes: list[str] = []
    agents: dict[str, AgentState] = {}
    for agent in doc.agents:
        if agent.status is AgentStatus.PENDING_APPROVAL:
            notes.append(f"agent {agent.spec.name} was waiting for the board's approval: not imported")
            continue
        running = agent.status is AgentStatus.RUNNING  # nothing runs in the new company
        agents[agent.spec.name] = AgentState(spec=agent.spec, status=AgentStatus.IDLE if running else agent.status)

    carried: dict[str, ExportedTask] = {}
    for task in sorted(doc.tasks, key=lambda t: t.identifier.count(".")):
        if task.status.is_terminal and (task.parent is None or task.parent in carried):
            carried[task.identifier] = task
    left = [t.identifier for t in doc.tasks if t.identifier not in carried]
    if left:
        shown = ", ".join(left[:10]) + (", …" if len(left) > 10 else "")
        notes.append(f"{len(left)} unfinished tasks not imported (history is finished work): {shown}")
    dropped = sorted({b for t in carried.values() for b in t.blocked_by if b not in carried})
    if dropped:
        notes.append(f"dependencies on tasks not imported were dropped: {', '.join(dropped[:10])}")
    records = [
        TaskRecord.model_validate(
            task.model_dump(exclude={"conversation", "documents"})
            | {
                "company_id": spec.id,
                "identifier": rename(task.identifier),
                "parent": task.parent and rename(task.parent),
                "blocked_by": [rename(b) for b in task.blocked_by if b in carried],
                "inputs": [rename(b) for b in task.inputs if b in carried],
            }
        )
        for task in carried.values()
    ]
    turns: Conversation = [
        (
            SessionRef(company_id=spec.id, task=rename(task.identifier), agent=turn.agent, goal=task.goal),
            turn.seq,
            turn.at,
            [m.model_copy(update={"author": m.author and rename(m.author)}) for m in turn.messages],
        )
        for task in carried.values()
        for turn in task.conversation
    ]
    costs = [
        c.model_copy(update={"company_id": spec.id, "task": rename(c.task)}) for c in doc.costs if c.task in carried
    ]
    documents = [
        d.model_copy(update={"company_id": spec.id, "task": rename(task.identifier)})
        for task in carried.values()
        for d in task.documents
    ]

    routines = []
    for routine in doc.routines:
        if routine.pipeline is not None:
            notes.append(
                f"routine {routine.name} not imported: it runs pipeline {routine.pipeline}, which an export does "
                "not carry (add the pipeline, then the routine)"
            )
            continue
        agent_state = agents.get(routine.agent or "")
        if agent_state is None or agent_state.status is AgentStatus.TERMINATED:
            notes.append(f"routine {routine.name} not imported: its agent {routine.agent} is not working here")
        else:
            routines.append(routine)

    imported = ActivityEntry(
        id=_entry_id(spec.id, "company.imported"),
        company_id=spec.id,
        at=now,
        kind="company.imported",
        actor=actor,
        summary=f"{spec.name} imported from {doc.company.id} (exported {doc.exported_at:%Y-%m-%d %H:%M} UTC):"
        f" {len(agents)} agents, {len(doc.goals)} goals, {len(records)} finished tasks"
        + (f", {len(doc.projects)} projects" if doc.projects else "")
        + (f", {len(doc.labels)} labels" if doc.labels else ""),
    )
    activity = [
        e.model_copy(update={"id": _entry_id(spec.id, e.id), "company_id": spec.id, "task": e.task and rename(e.task)})
        for e in doc.activity
    ]
    state = CompanyState(
        spec=spec,
        agents=agents,
        goals={g.id: g for g in doc.goals},
        caps={c.scope: c.model_copy(update={"spend": c.spend.model_copy(update=_UNRESERVED)}) for c in doc.caps},
        goal_counter=max((int(g.id[1:]) for g in doc.goals), default=0),
        counter=max((int(t.identifier[len(old) + 1 :].split(".")[0]) for t in doc.tasks), default=0),
        recent=[imported],
        projects={p.key: _led(p, agents, notes) for p in doc.projects},
    )
    files = [a.model_copy(update={"task": rename(a.task)}) for a in doc.attachments if a.task in carried]
    products = [
        p.model_copy(update={"company_id": spec.id, "task": rename(p.task)})
        for p in doc.work_products
        if p.task in carried
    ]
    return ImportPlan(
        labels=doc.labels,
        work_products=products,
        attachments=files,
        state=state,
        records=records,
        turns=turns,
        costs=costs,
        activity=[*activity, imported],
        routines=routines,
        notes=notes,
        documents=documents,
    )


def _led(project: Project, agents: dict[str, AgentState], notes: list[str]) -> Project:
    """The project, without its lead when the lead is not imported (an agent awaiting approval)."""
    if project.lead is None or project.lead in agents:
        return project
    notes.append(f"project {project.key} is imported without its lead {project.lead}, who is not imported")
    return project.model_copy(update={"lead": None})


_UNRESERVED = {"reserved_usd": 0.0, "reserved_tokens": 0}
"""Nothing runs in a new company, so nothing is reserved."""


def _entry_id(company_id: str, key: str) -> str:
    """A new activity entry id per company and old id: unique, and the same if written again."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"paperclip:{company_id}:{key}"))
