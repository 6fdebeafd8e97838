"""The sandbox the worker runs workflows in.

Temporal's sandbox gives every new workflow run fresh copies of the modules its workflow's module
imports, except those passed through (imported once, shared by every run). Re-importing our
workflow code — the `workflows` package, some forty modules — cost about 6 ms of worker CPU for each
new task run and 10 ms for a company's (`python bench/workflow_sandbox.py`), paid again
whenever a run is evicted from the worker's cache; with it passed through, 0.2 ms. So the worker
passes it through, as it does `paperclip` (the vocabulary, models and pure functions):
imported once, its functions run in each run's own sandboxed event loop as before.

What passing through gives up is the sandbox's check of the workflow code itself (a call to
`datetime.now()`, `random` or I/O in a passed-through module is not stopped). That check still
runs where it catches mistakes before they reach a company: the recorded histories replay in the
full sandbox (`tests/workflows/test_replay.py`, `paperclip replay-check`), which re-imports the
workflows under its restrictions. No module of `workflows` keeps state at module level: a
passed-through module is shared by every run of the process.
"""

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

PASSED_THROUGH = ("workflows",)


def workflow_runner() -> SandboxedWorkflowRunner:
    """The worker's runner: the default restrictions, with our workflow code imported once."""
    return SandboxedWorkflowRunner(restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH))
