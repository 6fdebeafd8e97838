"""The worker passes the workflow code through Temporal's sandbox (imported once, not per run):
sound only while no module of `workflows` holds state a run could change for another. Every
module-level container is one of these read-only lookup tables; a new one fails here, so whoever
adds it decides (a tuple or a frozen mapping, or a reason it is only read)."""

import importlib
import pkgutil

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

import workflows
from workers.sandbox import PASSED_THROUGH, workflow_runner

READ_ONLY_TABLES = {
    ("workflows.cli_asks", "ASKED_ARGUMENT"),
    ("workflows.cli_asks", "CLI_TOOLS"),
    ("workflows.company.approvals", "REGISTRY"),  # the tool registry, filled when the tools import
    ("workflows.company.workflow", "FIXED"),
    ("workflows.pipeline", "TASK_ENDS"),
    ("workflows.task", "TURN_NAMES"),
    ("workflows.task_tools", "HANDLERS"),
    ("workflows.task_tools", "REGISTRY_HANDLERS"),
}


def test_the_worker_imports_the_workflow_code_once() -> None:
    runner = workflow_runner()
    assert isinstance(runner, SandboxedWorkflowRunner)
    assert PASSED_THROUGH == ("workflows",)
    assert runner.restrictions.passthrough_modules >= {"workflows", "pydantic", "temporalio"}


def test_no_workflow_module_holds_a_container_but_the_read_only_tables() -> None:
    found = set()
    for info in pkgutil.walk_packages(workflows.__path__, "workflows."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if not name.startswith("__") and isinstance(value, list | dict | set | bytearray):
                found.add((info.name, name))
    assert found == READ_ONLY_TABLES
