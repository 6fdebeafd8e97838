"""The dashboard's client of the API: JSON verbs and typed reads over the project's one HTTP wrapper.

The dashboard talks to the API only; an `ApiError` carries a readable one-line message (and the
HTTP status: 401 means the API wants a key).
"""

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from paperclip.client import ApiClient, ApiError
from paperclip.models import CompanySnapshot, CompanySpec, TaskList, TaskRecord

__all__ = ["ApiError", "DashboardApi", "parse", "parse_list"]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
Order = Literal["asc", "desc"]


class DashboardApi:
    """What the dashboard reads and does, over HTTP; reads come back as the shared pydantic models."""

    def __init__(self, base_url: str, *, api_key: str | None = None, timeout: float = 10.0) -> None:
        self._client = ApiClient(base_url, timeout=timeout, api_key=api_key)

    @property
    def base_url(self) -> str:
        return self._client.base_url

    # ------------------------------------------------------------------ verbs (decoded JSON)

    def get(self, path: str, **params: Any) -> Any:
        return self._client.get(path, **params)

    def get_text(self, path: str, **params: Any) -> str:
        return self._client.get_text(path, **params)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._client.post(path, body or {})

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self._client.put(path, body)

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self._client.patch(path, body)

    # ------------------------------------------------------------------ typed reads

    def list_companies(self) -> list[CompanySpec]:
        return parse_list(CompanySpec, self.get("/api/companies"))

    def get_company(self, company_id: str) -> CompanySnapshot:
        return parse(CompanySnapshot, self.get(f"/api/companies/{company_id}"))

    def task_page(self, company_id: str, *, order: Order = "asc", **filters: Any) -> TaskList:
        """A page of the company's tasks, oldest first (`order="desc"`: newest first), with how many
        match (`total`)."""
        return parse(TaskList, self.get(f"/api/companies/{company_id}/tasks", **filters, order=order))

    def list_tasks(self, company_id: str, *, order: Order = "asc", **filters: Any) -> list[TaskRecord]:
        """The tasks of `task_page`, without the count."""
        return self.task_page(company_id, order=order, **filters).data


def parse(model: type[M], body: Any) -> M:
    """`body` as `model`, or an `ApiError` saying the API answered in an unexpected shape."""
    return _parse(lambda: model.model_validate(body))


def parse_list(model: type[M], body: Any) -> list[M]:
    """A list answer's `data` as `model`s."""
    return _parse(lambda: [model.model_validate(item) for item in body["data"]])


def _parse(build: Callable[[], T]) -> T:
    try:
        return build()
    except (ValidationError, KeyError, TypeError) as error:
        raise ApiError(f"the API answered in an unexpected shape: {str(error).splitlines()[0]}") from error
