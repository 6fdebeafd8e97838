"""What the replay corpus's scenarios share: the demo's chart, a task, how long to wait."""

from collections.abc import Callable
from pathlib import Path

from paperclip.models import (
    AgentSpec,
    CompanySnapshot,
    CreateTaskInput,
    HeartbeatPolicy,
    ModelConfig,
    Role,
    TaskStatus,
)
from tests.histories.stage import Company
from workflows.company import CompanyWorkflow

TIMEOUT = 60
"""Seconds a scenario waits for its company to reach a state (a loaded machine is slow)."""
FAKE_CLIS = Path(__file__).resolve().parents[1] / "fakes" / "bin"
"""The fake `claude`, `codex` and `opencode` (`tests/fakes/cli_agent.py`)."""


def org(model: ModelConfig | None = None, *, heartbeat: HeartbeatPolicy | None = None) -> list[AgentSpec]:
    """The demo's chart: a CEO (waking on `heartbeat`, if given) and two reports, on `model`."""
    model = model or ModelConfig()
    return [
        AgentSpec(
            name="ceo", role=Role.CEO, title="Chief Executive", model=model, heartbeat=heartbeat or HeartbeatPolicy()
        ),
        AgentSpec(name="cto", role=Role.CTO, reports_to="ceo", capabilities="software", model=model),
        AgentSpec(name="cmo", role=Role.CMO, reports_to="ceo", capabilities="marketing", model=model),
    ]


def all_done(count: int) -> Callable[[CompanySnapshot], bool]:
    return lambda s: len(s.tasks) == count and all(t.status is TaskStatus.DONE for t in s.tasks)


async def create_task(company: Company, title: str, assignee: str, goal: str | None = None) -> str:
    task = await company.execute_update(
        CompanyWorkflow.create_task, CreateTaskInput(title=title, assignee=assignee, goal=goal)
    )
    return task.identifier
