"""The dashboard's humane times: how long ago, and the exact UTC time behind it."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.ui.helpers import T0
from ui.tables import timed_rows
from ui.times import ago, ago_exact, exact, stamp


@pytest.mark.parametrize(
    ("before", "said"),
    [
        (timedelta(seconds=3), "just now"),
        (timedelta(seconds=40), "40 s ago"),
        (timedelta(minutes=3, seconds=59), "3 min ago"),
        (timedelta(hours=2, minutes=59), "2 h ago"),
        (timedelta(hours=30), "yesterday"),
        (timedelta(days=5, hours=3), "5 days ago"),
        (timedelta(days=45), "on 2025-11-17"),
    ],
)
def test_ago_says_how_long_ago_in_the_largest_whole_unit(before: timedelta, said: str) -> None:
    assert ago(T0 - before, T0) == said


def test_a_time_ahead_reads_in_so_long() -> None:
    assert ago(T0 + timedelta(minutes=5), T0) == "in 5 min"
    assert ago(T0 + timedelta(hours=25), T0) == "in 1 day"


def test_other_zones_and_naive_times_are_compared_as_utc() -> None:
    paris = timezone(timedelta(hours=1))
    assert ago(datetime(2026, 1, 1, 12, 57, tzinfo=paris), T0) == "3 min ago"
    assert ago(datetime(2026, 1, 1, 11, 57), T0) == "3 min ago"


def test_the_exact_time_is_utc_to_the_second_without_an_offset() -> None:
    paris = timezone(timedelta(hours=1))
    assert exact(datetime(2026, 1, 1, 13, 0, 3, 120, tzinfo=paris)) == "2026-01-01 12:00:03 UTC"
    assert ago_exact(T0 - timedelta(minutes=3), T0) == "3 min ago (2026-01-01 11:57 UTC)"
    assert stamp(datetime(2026, 1, 1, 13, 0, 3, tzinfo=paris)) == "2026-01-01 12:00:03"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", exact(T0))


def test_now_defaults_to_the_clock() -> None:
    assert ago(datetime.now(UTC) - timedelta(minutes=2)) == "2 min ago"


def test_a_table_shows_how_long_ago_then_the_exact_time_as_text() -> None:
    rows = [{"run": "r1", "started": T0 - timedelta(minutes=3), "finished": None}]
    assert timed_rows(rows, "started", "finished", now=T0) == [
        {
            "run": "r1",
            "started": "3 min ago",
            "started (UTC)": "2026-01-01 11:57:00",
            "finished": "",
            "finished (UTC)": "",
        }
    ]
