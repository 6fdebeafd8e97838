"""The API fixtures of `tests/api` (uvicorn on a free port, workers on the dev server), reused here."""

from tests.api.conftest import api, settings, store, task_queue, workers

__all__ = ["api", "settings", "store", "task_queue", "workers"]
