"""The routine vocabulary and the schedule built from it (no server needed)."""

import re
from datetime import timedelta

import pytest
from pydantic import ValidationError
from temporalio.client import ScheduleActionStartWorkflow, ScheduleOverlapPolicy

from paperclip.models import CRON_PATTERN, RoutineInput, RoutineSpec, parse_duration
from paperclip.routines import ROUTINE_WORKFLOW, InvalidRoutine, build_schedule, check_cron
from workflows.routine import RoutineWorkflow


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("1h", 3600), ("1h30m", 5400), ("2d", 172_800), ("3600", 3600)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "1x", "h1", "-5m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_a_routine_is_named_after_its_title_and_takes_duration_texts() -> None:
    spec = RoutineSpec.model_validate(
        {"title": "Daily stand-up!", "agent": "pm", "every": "1h", "catchup_seconds": "5m"}
    )
    assert (spec.name, spec.every, spec.catchup_seconds) == ("daily-stand-up", 3600, 300)


@pytest.mark.parametrize(
    "fields",
    [{}, {"cron": "0 9 * * *", "every": 3600}, {"every": 30}, {"cron": " "}, {"cron": "0 9 * * *", "title": "  "}],
)
def test_a_routine_needs_exactly_one_valid_timing_and_a_title(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RoutineSpec.model_validate({"name": "r", "agent": "pm", "title": "t"} | fields)


@pytest.mark.parametrize("cron", ["0 9 * * 1-5", "*/5 * * * *", "0 9 * * mon-fri", "0 0 1 jan *", "@hourly", "@daily"])
def test_a_cron_is_five_fields_or_a_macro(cron: str) -> None:
    check_cron(cron)
    assert re.match(CRON_PATTERN, cron), "the schema's pattern takes what the server takes"


@pytest.mark.parametrize(
    ("cron", "reason"),
    [
        ("* * * * * * *", "this one has 7 (no seconds or years: a routine fires at most once a minute)"),
        ("*/10 * * * * *", "this one has 6"),
        ("0 9 * * 1 2030", "this one has 6"),
        ("0 9 * *", "this one has 4"),
        ("@every 10s", "the macros are @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually"),
        ("@DAILY", "the macros are"),
        ("TZ=Europe/Paris 0 9 * * *", "this one has 6"),
        ("0 9 * * 1#2", "'1#2' is not a cron field"),
        ("0 9 * ? *", "'?' is not a cron field"),
    ],
)
def test_a_cron_with_seconds_years_or_anything_else_is_refused_in_words(cron: str, reason: str) -> None:
    with pytest.raises(InvalidRoutine, match=re.escape(f"invalid timing (cron '{cron}'): ")) as refused:
        check_cron(cron)
    assert reason in str(refused.value)
    assert not re.match(CRON_PATTERN, cron), "the schema's pattern refuses what the server refuses"


def test_the_schedule_starts_the_routine_workflow_with_the_task_and_the_policies() -> None:
    spec = RoutineSpec(name="standup", cron="0 9 * * 1-5", agent="pm", title="Stand-up", catchup_seconds=0)
    schedule = build_schedule("acme", spec, task_queue="q")
    action = schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert action.workflow == ROUTINE_WORKFLOW == RoutineWorkflow.__temporal_workflow_definition.name  # type: ignore[attr-defined]
    assert (action.id, action.task_queue) == ("routine-run:acme:standup", "q")
    (run,) = action.args
    assert run == RoutineInput(company_id="acme", routine="standup", task=spec.task(), skip_if_open=True)
    assert schedule.spec.cron_expressions == ["0 9 * * 1-5"] and not schedule.spec.intervals
    assert schedule.policy.overlap is ScheduleOverlapPolicy.SKIP
    assert schedule.policy.catchup_window == timedelta(seconds=10)  # the server's floor

    every = RoutineSpec(name="r", every=3600, agent="pm", title="t", skip_if_open=False, catchup_seconds=7200)
    schedule = build_schedule("acme", every, task_queue="q")
    assert [i.every for i in schedule.spec.intervals] == [timedelta(hours=1)]
    assert schedule.policy.overlap is ScheduleOverlapPolicy.ALLOW_ALL
    assert schedule.policy.catchup_window == timedelta(hours=2)
