"""Tables with times in them, drawn the one way every page draws them: a time column reads how long
ago (`3 min ago`), and the exact UTC time follows it (`at (UTC)`), never a raw ISO string with its
`+00:00`. Both are text, so what the grid paints and what it reads out are the same."""

from datetime import datetime
from typing import Any

import streamlit as st

from ui.times import ago, stamp


def exact_name(field: str) -> str:
    return f"{field} (UTC)"


def timed_rows(rows: list[dict[str, Any]], *fields: str, now: datetime | None = None) -> list[dict[str, Any]]:
    """`rows` with each time field as how long ago, followed by its exact UTC time (empty for none)."""
    timed = []
    for row in rows:
        out: dict[str, Any] = {}
        for key, value in row.items():
            if key in fields:
                out[key] = "" if value is None else ago(value, now)
                out[exact_name(key)] = "" if value is None else stamp(value)
            else:
                out[key] = value
        timed.append(out)
    return timed


def timed_table(rows: list[dict[str, Any]], *fields: str, **options: Any) -> None:
    """`st.dataframe` of `rows` (full width, no index), its time `fields` drawn humanely."""
    st.dataframe(timed_rows(rows, *fields), hide_index=True, width="stretch", **options)
