"""Tables with times in them, drawn the one way every page draws them: a time column reads how long
ago (`3 minutes ago`, kept a `datetime` so it sorts), followed at the row's end by the exact UTC
time, never a raw ISO string with its `+00:00`."""

from typing import Any

import streamlit as st

from ui.times import AGO_FORMAT, EXACT_FORMAT


def exact_name(field: str) -> str:
    return f"{field} (UTC)"


def timed_rows(rows: list[dict[str, Any]], *fields: str) -> list[dict[str, Any]]:
    """`rows` with, for each time field, its exact twin at the end (`at (UTC)`)."""
    return [row | {exact_name(field): row[field] for field in fields} for row in rows]


def time_columns(*fields: str) -> dict[str, Any]:
    """The column config of `timed_rows`' time fields: how long ago, and the exact time."""
    config: dict[str, Any] = {}
    for field in fields:
        config[field] = st.column_config.DatetimeColumn(field, format=AGO_FORMAT, help="How long ago")
        config[exact_name(field)] = st.column_config.DatetimeColumn(exact_name(field), format=EXACT_FORMAT)
    return config


def timed_table(
    rows: list[dict[str, Any]], *fields: str, column_config: dict[str, Any] | None = None, **options: Any
) -> None:
    """`st.dataframe` of `rows` (full width, no index), its time `fields` drawn humanely."""
    st.dataframe(
        timed_rows(rows, *fields),
        hide_index=True,
        width="stretch",
        column_config=time_columns(*fields) | (column_config or {}),
        **options,
    )
