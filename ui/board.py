"""The task board's columns and the body of a new task, from the shared models (pure functions,
no Streamlit)."""

from typing import Any

from paperclip.models import Priority, TaskRecord, TaskStatus
from ui.rows import SIMULATED_LABEL

COLUMNS = list(TaskStatus)
"""One column per status, in lifecycle order (queued → running → blocked → in review → done, failed,
cancelled)."""

MAX_CARDS = 50
"""Cards drawn per column; the rest are counted (a finished column only grows)."""


def board_columns(
    tasks: list[TaskRecord], *, priority: Priority | None = None, goal: str | None = None
) -> dict[TaskStatus, list[TaskRecord]]:
    """Every status with its tasks, in the order a reader wants them: open tasks in the order
    they are dispatched (priority, then oldest first), finished ones latest first.

    `priority` and `goal` filter here: the API's task list does not take them.
    """
    columns: dict[TaskStatus, list[TaskRecord]] = {status: [] for status in COLUMNS}
    for task in tasks:
        if (priority is None or task.priority == priority) and (goal is None or task.goal == goal):
            columns[task.status].append(task)
    for status, cards in columns.items():
        if status.is_terminal:
            cards.sort(key=lambda t: t.updated_at, reverse=True)
        else:
            cards.sort(key=lambda t: (t.priority.rank, t.created_at))
    return columns


def card_caption(task: TaskRecord, *, simulated: bool = False) -> str:
    """`ceo · high · G2`: who works on it, how urgent, the goal it serves; the offline model labelled;
    the tasks a queued one waits on, or why one that never started is blocked; why it holds, or that
    it is trying a failed turn again (the attempt and the last failure)."""
    parts = [f"{task.assignee} {SIMULATED_LABEL}" if simulated else task.assignee, task.priority.value]
    if task.goal:
        parts.append(task.goal)
    if task.blocked_by and task.status is TaskStatus.QUEUED:
        parts.append(f"⧗ waiting on {', '.join(task.blocked_by)}")
    parts += [f"⛔ blocked: {task.blocked_reason}"] if task.blocked_reason else []
    parts += [f"⏸ held: {task.held}"] if task.held else []
    parts += [f"↻ retrying {task.retry.brief(48)}"] if task.retry else []
    return " · ".join(parts)


def create_task_body(
    *,
    title: str,
    brief: str,
    assignee: str,
    priority: Priority,
    goal: str | None = None,
    budget_usd: float | None = None,
    budget_tokens: int | None = None,
    project: str | None = None,
    labels: list[str] | None = None,
    reviewer: str | None = None,
) -> dict[str, Any]:
    """The JSON of `POST /api/companies/{c}/tasks` (`CreateTaskInput`), unvalidated: the API
    judges the input, so its message is the one the reader sees. A budget only when one is given."""
    body: dict[str, Any] = {"title": title, "brief": brief, "assignee": assignee, "priority": priority.value}
    if goal:
        body["goal"] = goal
    if budget_usd is not None or budget_tokens is not None:
        body["budget"] = {"usd": budget_usd, "tokens": budget_tokens}
    if project:
        body["project"] = project
    if labels:
        body["labels"] = labels
    if reviewer:
        body["review"] = {"reviewer": reviewer}
    return body
