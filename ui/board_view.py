"""The task board's columns and cards, drawn (the page's live fragment calls `draw_columns`).

A card links to its task and shows its title, its tags (priority, status, goal, labels in their
colours), who works on it, its cost and its age (the exact time on hover), and what holds it up.
A finished column shows its latest few cards; "Show more" reveals more without reloading the page.
"""

from datetime import UTC, datetime

import streamlit as st

from paperclip.models import TaskRecord
from ui.board import (
    FINISHED_CARDS,
    MAX_CARDS,
    MORE_CARDS,
    Column,
    card_caption,
    card_chips,
    card_notes,
    card_time,
)
from ui.session import TASK_DETAIL
from ui.trace_view import no_math


def shown_key(column: Column) -> str:
    """Where the session keeps how many cards a finished column shows."""
    return f"board_shown_{column.key}"


def draw_columns(
    columns: list[tuple[Column, list[TaskRecord]]],
    *,
    company_id: str,
    simulated: set[str],
    label_colours: dict[str, str],
) -> None:
    now = datetime.now(UTC)
    for place, (column, cards) in zip(st.columns([column.width for column, _ in columns]), columns, strict=True):
        with place:
            st.markdown(f"#### {column.title} :gray-badge[{len(cards)}]")
            limit = st.session_state.get(shown_key(column), FINISHED_CARDS) if column.is_finished else MAX_CARDS
            for task in cards[:limit]:
                card(
                    task,
                    column=column,
                    company_id=company_id,
                    simulated=task.assignee in simulated,
                    label_colours=label_colours,
                    now=now,
                )
            if not cards:
                st.caption("Nothing here.")
            hidden = len(cards) - limit
            if column.is_finished and hidden > 0:
                st.button(
                    f"Show {min(hidden, MORE_CARDS)} more",
                    key=f"board_more_{column.key}",
                    icon=":material/expand_more:",
                    type="tertiary",
                    on_click=_show_more,
                    args=(column, limit),
                )
            elif hidden > 0:
                st.caption(f"… and {hidden} more")
            if column.is_finished and limit > FINISHED_CARDS and len(cards) > FINISHED_CARDS:
                st.button(
                    "Show fewer",
                    key=f"board_fewer_{column.key}",
                    icon=":material/expand_less:",
                    type="tertiary",
                    on_click=st.session_state.pop,
                    args=(shown_key(column), None),
                )


def card(
    task: TaskRecord,
    *,
    column: Column,
    company_id: str,
    simulated: bool,
    label_colours: dict[str, str],
    now: datetime,
) -> None:
    with st.container(border=True, key=f"board_card_{task.identifier}"):
        st.page_link(
            TASK_DETAIL,
            label=task.identifier,
            icon=":material/forum:",
            query_params={"company": company_id, "task": task.identifier},
        )
        st.markdown(no_math(task.title))
        st.markdown(card_chips(task, column=column, label_colours=label_colours), unsafe_allow_html=True)
        st.caption(card_caption(task, simulated=simulated, now=now), help=card_time(task))
        notes = card_notes(task)
        if notes:
            st.caption(no_math(notes))


def _show_more(column: Column, shown: int) -> None:
    st.session_state[shown_key(column)] = shown + MORE_CARDS
