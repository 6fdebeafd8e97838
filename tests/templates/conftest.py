"""The API fixtures of `tests/api` (uvicorn on a free port, workers on the dev server), reused here;
and the workspace tools the built-in templates name, registered when no module registered them
(stand-ins: the templates read only their names). They are registered as this file is imported,
before the test modules load the built-ins at collection, and stay for the session."""

from paperclip.tools.registry import REGISTRY, register
from tests.api.conftest import api, settings, store, task_queue, workers
from tests.api.tool_stand_ins import workspace_stand_ins

for _tool in workspace_stand_ins():
    if _tool.name not in REGISTRY:
        register(_tool)

__all__ = ["api", "settings", "store", "task_queue", "workers"]
