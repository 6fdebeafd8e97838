"""The task board's columns, its cards' tags, captions and notes, and the body of a new task, from
the shared models (pure functions, no Streamlit)."""

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from paperclip.models import Priority, TaskRecord, TaskStatus
from paperclip.money import usd
from ui.rows import SIMULATED_LABEL
from ui.times import ago, exact


@dataclass(frozen=True)
class Column:
    """A column of the board: its title and the statuses it holds (rare ones grouped, so the
    columns stay wide enough for a title to read on a line or two)."""

    title: str
    statuses: frozenset[TaskStatus]
    width: float = 1.0
    """Its share of the board's width (a longer title gets a little more, so it reads on one line)."""

    @property
    def is_finished(self) -> bool:
        """Whether it holds finished tasks only: it only grows, so the board shows its latest few."""
        return all(status.is_terminal for status in self.statuses)

    @property
    def key(self) -> str:
        return self.title.lower().replace(" ", "_")


COLUMNS = [
    Column("Queued", frozenset({TaskStatus.QUEUED})),
    Column("In progress", frozenset({TaskStatus.RUNNING, TaskStatus.BLOCKED, TaskStatus.IN_REVIEW})),
    Column("Done", frozenset({TaskStatus.DONE})),
    Column("Failed or cancelled", frozenset({TaskStatus.FAILED, TaskStatus.CANCELLED}), width=1.3),
]
"""The board's columns in lifecycle order; each status is in exactly one."""

MAX_CARDS = 50
"""Cards drawn per open column; the rest are counted."""
FINISHED_CARDS = 5
"""Cards a finished column shows at first; "show more" adds `MORE_CARDS` at a time."""
MORE_CARDS = 10

PRIORITY_COLOURS: dict[Priority, str] = {
    Priority.CRITICAL: "#dc2626",
    Priority.HIGH: "#ea580c",
    Priority.MEDIUM: "#2563eb",
    Priority.LOW: "#6b7280",
}
STATUS_COLOURS: dict[TaskStatus, str] = {
    TaskStatus.RUNNING: "#16a34a",
    TaskStatus.BLOCKED: "#d97706",
    TaskStatus.IN_REVIEW: "#7c3aed",
    TaskStatus.FAILED: "#dc2626",
    TaskStatus.CANCELLED: "#6b7280",
}
"""The chip of a status that shares its column with others (the column's title says the rest)."""
GOAL_COLOUR = "#0d9488"


def board_columns(
    tasks: list[TaskRecord], *, priority: Priority | None = None, goal: str | None = None
) -> list[tuple[Column, list[TaskRecord]]]:
    """Every column with its tasks, in the order a reader wants them: open tasks in the order
    they are dispatched (priority, then oldest first), finished ones latest first.

    `priority` and `goal` filter here: the API's task list does not take them.
    """
    columns: list[tuple[Column, list[TaskRecord]]] = [(column, []) for column in COLUMNS]
    home = {status: cards for column, cards in columns for status in column.statuses}
    for task in tasks:
        if (priority is None or task.priority == priority) and (goal is None or task.goal == goal):
            home[task.status].append(task)
    for column, cards in columns:
        if column.is_finished:
            cards.sort(key=lambda t: t.updated_at, reverse=True)
        else:
            cards.sort(key=lambda t: (t.priority.rank, t.created_at))
    return columns


def chip(text: str, colour: str) -> str:
    """A small rounded tag in `colour` (a `#rrggbb` the API checked), its text HTML-escaped."""
    return (
        f'<span style="border:1px solid {colour};background:{colour}1f;color:inherit;border-radius:0.6rem;'
        f'padding:0 0.45rem;margin-right:0.25rem;font-size:0.75rem;white-space:nowrap">{escape(text)}</span>'
    )


def card_chips(task: TaskRecord, *, column: Column, label_colours: dict[str, str]) -> str:
    """The card's tags as HTML: its priority, its status when the column holds several, its goal
    and its labels, each in its colour (a label in the colour the company gave it)."""
    chips = [chip(task.priority.value, PRIORITY_COLOURS[task.priority])]
    if len(column.statuses) > 1:
        chips.append(chip(task.status.value.replace("_", " "), STATUS_COLOURS.get(task.status, "#6b7280")))
    if task.goal:
        chips.append(chip(task.goal, GOAL_COLOUR))
    chips += [chip(label, label_colours.get(label, "#888888")) for label in task.labels]
    return "".join(chips)


def card_caption(task: TaskRecord, *, simulated: bool = False, now: datetime | None = None) -> str:
    """`cto · $0.0042 · opened 3 min ago`: who works on it (the offline model labelled), what it
    has cost, and how long it has been open (a finished one: since it finished)."""
    who = f"{task.assignee} {SIMULATED_LABEL}" if simulated else task.assignee
    return f"{who} · {usd(task.cost_usd)} · {card_age(task, now=now)}"


def card_age(task: TaskRecord, *, now: datetime | None = None) -> str:
    """`opened 3 min ago`, or for a finished task `done 2 h ago`."""
    if task.status.is_terminal:
        return f"{task.status.value} {ago(task.updated_at, now)}"
    return f"opened {ago(task.created_at, now)}"


def card_time(task: TaskRecord) -> str:
    """The exact times behind `card_age`, for its tooltip."""
    opened = f"Opened {exact(task.created_at)}"
    return f"{opened}; {task.status.value} {exact(task.updated_at)}" if task.status.is_terminal else opened


def card_notes(task: TaskRecord) -> str:
    """What holds the task up, if anything: the tasks a queued one waits on, or why one that never
    started is blocked; why it holds, or that it is trying a failed turn again (the attempt and
    the last failure)."""
    parts = (
        [f"⧗ waiting on {', '.join(task.blocked_by)}"] if task.blocked_by and task.status is TaskStatus.QUEUED else []
    )
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
