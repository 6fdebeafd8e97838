"""Recorded histories replay on today's workflow code: non-determinism is caught here, not in
a running company."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.company import CompanyWorkflow
from workflows.task import TaskWorkflow

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))


def test_there_are_recorded_histories() -> None:
    names = {p.stem.split("-", 1)[1] for p in HISTORIES}
    assert {"company", "ACME-1", "ACME-1.1", "ACME-1.2"} <= names


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_recorded_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=[CompanyWorkflow, TaskWorkflow], data_converter=pydantic_data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
