"""The dashboard's charts' rows (pure functions, no Streamlit) and the rule that no chart is drawn
without something to show: `nothing_to_chart` says why a chart would be empty, and a page then
writes that sentence instead of drawing empty axes.
"""

from typing import Any

from paperclip.models import AgentStatus, TaskStatus
from ui.board import STATUS_COLOURS
from ui.rows import AGENT_COLOURS

TASK_COLOURS: dict[str, str] = {
    TaskStatus.QUEUED: "#9ca3af",
    TaskStatus.DONE: "#22c55e",
    **{status.value: colour for status, colour in STATUS_COLOURS.items()},
}
"""The bar of each task status (the board's chips' colours)."""
AGENT_BAR_COLOURS: dict[str, str] = {
    **{status.value: colour for status, colour in AGENT_COLOURS.items()},
    AgentStatus.TERMINATED: "#d1d5db",
}
"""The bar of each agent status (the org chart's fills; a terminated agent's grey, not white)."""
BAR_HEIGHT = 40
AXIS_HEIGHT = 90


def status_bars(rows: list[dict[str, Any]], *, counted: str, colours: dict[str, str]) -> list[dict[str, Any]]:
    """`status_counts`'s rows (in lifecycle order) for a bar chart: each status readable (`in
    review`) and with its bar's colour under `colour`."""
    return [
        {
            "status": row["status"].replace("_", " "),
            counted: row[counted],
            "colour": colours.get(row["status"], "#9ca3af"),
        }
        for row in rows
    ]


def chart_height(rows: list[dict[str, Any]]) -> int:
    """A horizontal bar chart's height in pixels: a bar a row, and its axis."""
    return BAR_HEIGHT * max(len(rows), 1) + AXIS_HEIGHT


def nothing_to_chart(rows: list[dict[str, Any]], measure: str, *, simulated_only: bool = False) -> str | None:
    """Why a chart of `rows`' `measure` would be empty (no rows, or all of them nothing), as the
    sentence to show instead; None when there is something to draw."""
    if rows and any(row[measure] for row in rows):
        return None
    if rows and measure == "USD" and simulated_only:
        return "No spend yet — the simulated model costs nothing. Switch the measure to tokens to see its work."
    if rows and measure == "USD":
        return "No spend in this period: every call so far was free or unpriced."
    return "Nothing spent in this period yet."
