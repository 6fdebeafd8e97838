"""Replay recorded workflow histories against this code before it is deployed.

A history that the new code cannot replay (a command sequence changed without a
`workflow.patched` guard) would fail its workflow task on the new workers: the company stalls.
`paperclip replay-check` replays histories exported from the running deployment (or any files of
Temporal's JSON history format, as `temporal workflow show --output json` writes them) with
Temporal's `Replayer`, and says which ones do not replay.

The kernel does not know the workflows (it may not import them): the caller passes them
(`python -m workers.replay`, which the CLI starts, passes `workers.main.WORKFLOWS`).
"""

import re
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from paperclip.constants import SA_COMPANY
from paperclip.errors import InvalidInput

DEFAULT_QUERY = 'ExecutionStatus = "Running"'
"""What `--from-temporal` exports without `--query`: the workflows the new code will take over."""


class HistoryError(InvalidInput):
    """A file that is not a workflow history (one readable line)."""


class ReplayOutcome(BaseModel):
    """How one history replayed: `error` is None when it did, else the first line of why not."""

    name: str
    workflow_type: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def history_files(paths: Sequence[Path]) -> list[Path]:
    """The history files named: files as given, folders' `*.json` in name order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.glob("*.json"))
        elif path.is_file():
            files.append(path)
        else:
            raise HistoryError(f"{path}: no such file or folder")
    return files


def load_history(path: Path) -> WorkflowHistory:
    """One history file (Temporal's JSON format); its workflow id is the file's stem."""
    try:
        history = WorkflowHistory.from_json(path.stem, path.read_text())
    except Exception as error:  # noqa: BLE001 - JSON or protobuf parse errors alike
        raise HistoryError(f"{path}: not a Temporal workflow history ({type(error).__name__})") from None
    if not history.events:
        raise HistoryError(f"{path}: a history with no events")
    return history


def workflow_type(history: WorkflowHistory) -> str:
    first = history.events[0]
    return first.workflow_execution_started_event_attributes.workflow_type.name or "?"


def export_query(*, company: str | None = None, query: str | None = None) -> str:
    """The visibility query of `--from-temporal`: `query` (default: the running workflows),
    narrowed to one company's (its search attribute) when `company` is given."""
    where = query or DEFAULT_QUERY
    if company is None:
        return where
    if not re.fullmatch(r"[A-Za-z0-9_.:-]+", company):
        raise HistoryError(f"{company!r} is not a company id")
    return f'({where}) AND {SA_COMPANY.name} = "{company}"'


def _file_name(workflow_id: str, run_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.@#-]+", "_", workflow_id)
    return f"{safe}.{run_id}.json"


async def export_histories(client: Client, folder: Path, *, query: str, limit: int) -> list[Path]:
    """Write the histories of at most `limit` workflows matching `query` into `folder`, newest first."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    async for execution in client.list_workflows(query, limit=limit):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        history = await handle.fetch_history()
        path = folder / _file_name(execution.id, execution.run_id)
        path.write_text(history.to_json())
        written.append(path)
    return written


async def replay(
    files: Sequence[Path], *, workflows: Sequence[type], data_converter: DataConverter
) -> list[ReplayOutcome]:
    """Replay each history file with `workflows`; one outcome a file, in order."""
    replayer = Replayer(workflows=list(workflows), data_converter=data_converter)
    outcomes = []
    for path in files:
        try:
            history = load_history(path)
        except HistoryError as unreadable:
            outcomes.append(ReplayOutcome(name=path.name, workflow_type="?", error=str(unreadable)))
            continue
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        failure = result.replay_failure
        error = None if failure is None else f"{type(failure).__name__}: {_first_line(str(failure))}"
        outcomes.append(ReplayOutcome(name=path.name, workflow_type=workflow_type(history), error=error))
    return outcomes


def _first_line(text: str, limit: int = 400) -> str:
    """The failure's own message (the SDK wraps it in a debug dump of the activation), one line."""
    inner = re.search(r'message: "((?:[^"\\]|\\.)*)"', text)
    if inner:
        text = inner.group(1)
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"
