"""The dashboard's charts (Altair specs, built by pure functions) and the rule that no chart is drawn
without something to show: `nothing_to_chart` says why a chart would be empty, and a page then
writes that sentence instead of drawing empty axes.
"""

from typing import Any

import altair as alt

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
BAR_HEIGHT = 28


def status_chart(rows: list[dict[str, Any]], *, counted: str, colours: dict[str, str]) -> alt.Chart:
    """One horizontal bar per status in `rows` (`status_counts`'s, in lifecycle order), coloured by
    status and labelled with its count."""
    order = [row["status"] for row in rows]
    data = alt.Data(values=[{**row, "label": row["status"].replace("_", " ")} for row in rows])
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", sort=[s.replace("_", " ") for s in order], title=None),
        x=alt.X(f"{counted}:Q", title=counted, axis=alt.Axis(tickMinStep=1)),
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        color=alt.Color(
            "status:N",
            scale=alt.Scale(domain=order, range=[colours.get(s, "#9ca3af") for s in order]),
            legend=None,
        ),
        tooltip=[alt.Tooltip("label:N", title="status"), alt.Tooltip(f"{counted}:Q")],
    )
    labels = base.mark_text(align="left", dx=4).encode(text=f"{counted}:Q")
    return (bars + labels).properties(height=BAR_HEIGHT * max(len(rows), 1) + 30)


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
