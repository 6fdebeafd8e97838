"""The names workflows call activities and send signals by are the names registered: a
misspelt constant would fail a running workflow only when it first calls it."""

import ast
from pathlib import Path

from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import Activity, CompanySignal, TaskSignal
from paperclip.store import Store
from workers.main import build_workers
from workflows.company import CompanyWorkflow
from workflows.task import TaskWorkflow

ROOT = Path(__file__).parent.parent


def names(vocabulary: type) -> set[str]:
    return {value for key, value in vars(vocabulary).items() if key.isupper()}


async def test_every_activity_name_is_one_the_workers_register(dev_env: WorkflowEnvironment, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'p.db'}")
    registered: set[str] = set()
    for worker in build_workers(dev_env.client, store, task_queue="names"):
        for fn in worker.config().get("activities") or []:
            definition = activity._Definition.from_callable(fn)
            assert definition is not None and definition.name is not None
            registered.add(definition.name)
    assert names(Activity) == registered


def test_every_signal_name_is_one_the_workflows_take() -> None:
    company = workflow._Definition.must_from_class(CompanyWorkflow).signals
    task = workflow._Definition.must_from_class(TaskWorkflow).signals
    assert names(CompanySignal) <= set(company)
    assert names(TaskSignal) == set(task)


def test_workflows_import_no_activity_code() -> None:
    for path in (ROOT / "workflows").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.append(node.module)
            assert not any(m == "activities" or m.startswith("activities.") for m in modules), path
