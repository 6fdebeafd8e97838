"""Times as the dashboard writes them: how long ago (`3 min ago`), with the exact UTC time kept for
a tooltip or a second column (pure functions, no Streamlit).

No page shows a raw ISO timestamp: text uses `ago` and puts `exact` in its help; a table shows
`ago` with `stamp` in the next column (`ui.tables`).
"""

from datetime import UTC, datetime

_MINUTE, _HOUR, _DAY = 60, 3600, 86400


def ago(when: datetime, now: datetime | None = None) -> str:
    """`just now`, `40 s ago`, `3 min ago`, `2 h ago`, `yesterday`, `5 days ago`, then the date
    (`on 2026-01-01`); a time ahead of `now` reads `in 3 min`. A naive `when` is taken as UTC."""
    now = now or datetime.now(UTC)
    seconds = (_utc(now) - _utc(when)).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 10:
        return "just now"
    if seconds >= 30 * _DAY:
        return f"on {_utc(when):%Y-%m-%d}"
    if not future and _DAY <= seconds < 2 * _DAY:
        return "yesterday"
    if seconds < _MINUTE:
        span = f"{int(seconds)} s"
    elif seconds < _HOUR:
        span = f"{int(seconds // _MINUTE)} min"
    elif seconds < _DAY:
        span = f"{int(seconds // _HOUR)} h"
    else:
        days = int(seconds // _DAY)
        span = "1 day" if days == 1 else f"{days} days"
    return f"in {span}" if future else f"{span} ago"


def exact(when: datetime) -> str:
    """`2026-01-01 12:00:03 UTC`: the time to the second, in UTC."""
    return f"{_utc(when):%Y-%m-%d %H:%M:%S} UTC"


def stamp(when: datetime) -> str:
    """`2026-01-01 12:00:03`: the exact time in UTC, for a column whose header says UTC (it sorts
    as text)."""
    return f"{_utc(when):%Y-%m-%d %H:%M:%S}"


def ago_exact(when: datetime, now: datetime | None = None) -> str:
    """`3 min ago (2026-01-01 12:00 UTC)`: both, for a caption with no tooltip."""
    return f"{ago(when, now)} ({_utc(when):%Y-%m-%d %H:%M} UTC)"


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
