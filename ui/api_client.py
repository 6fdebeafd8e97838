"""The dashboard's client of the API: JSON verbs and typed reads over the project's one HTTP wrapper.

The dashboard talks to the API only; an `ApiError` carries a readable one-line message (and the
HTTP status: 401 means the API wants a key).
"""

from collections.abc import Callable
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from paperclip.client import ApiClient, ApiError
from paperclip.models import CompanySnapshot, CompanySpec, TaskList, TaskRecord
from paperclip.models.pipeline_records import PipelineRunRecord, PipelineSummary
from paperclip.models.pipelines import PipelineRunState, PipelineSpec

__all__ = ["ApiError", "DashboardApi", "parse", "parse_list"]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
Order = Literal["asc", "desc"]


class DashboardApi:
    """What the dashboard reads and does, over HTTP; reads come back as the shared pydantic models."""

    def __init__(self, base_url: str, *, api_key: str | None = None, timeout: float = 10.0) -> None:
        self._client = ApiClient(base_url, timeout=timeout, api_key=api_key)
        self._api_key = api_key
        self._timeout = timeout

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

    def get_bytes(self, path: str) -> bytes:
        """A download's bytes (an attachment)."""
        return self._client.get_bytes(path)[0]

    def upload(self, path: str, *, filename: str, data: bytes, content_type: str) -> Any:
        """Upload one file as the form part `file` (an attachment)."""
        return self._client.upload(
            path, field="file", filename=filename, data=data, content_type=content_type or "application/octet-stream"
        )

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self._client.patch(path, body)

    # ------------------------------------------------------------------ typed reads

    def list_companies(self) -> list[CompanySpec]:
        return parse_list(CompanySpec, self.get("/api/companies", with_status="false"))

    def get_company(self, company_id: str) -> CompanySnapshot:
        return parse(CompanySnapshot, self.get(f"/api/companies/{company_id}"))

    def task_page(self, company_id: str, *, order: Order = "asc", **filters: Any) -> TaskList:
        """A page of the company's tasks, oldest first (`order="desc"`: newest first), with how many
        match (`total`)."""
        return parse(TaskList, self.get(f"/api/companies/{company_id}/tasks", **filters, order=order))

    def list_tasks(self, company_id: str, *, order: Order = "asc", **filters: Any) -> list[TaskRecord]:
        """The tasks of `task_page`, without the count."""
        return self.task_page(company_id, order=order, **filters).data

    # ------------------------------------------------------------------ pipelines

    def list_pipelines(self, company_id: str) -> list[PipelineSummary]:
        """The company's pipelines by name, each at its latest version."""
        return parse_list(PipelineSummary, self.get(f"/api/companies/{company_id}/pipelines"))

    def get_pipeline(self, company_id: str, name: str, *, version: int | None = None) -> PipelineSpec | None:
        """What a version of the pipeline (the latest by default) says; None when its document no
        longer validates."""
        body = self.get(f"/api/companies/{company_id}/pipelines/{_seg(name)}", version=version)
        spec = _parse(lambda: body["spec"])
        return None if spec is None else parse(PipelineSpec, spec)

    def list_pipeline_runs(self, company_id: str, name: str) -> list[PipelineRunState]:
        """The pipeline's runs as their workflows report them, newest first."""
        return parse_list(PipelineRunState, self.get(f"/api/companies/{company_id}/pipelines/{_seg(name)}/runs"))

    def pipeline_run_records(self, company_id: str, name: str) -> list[PipelineRunRecord]:
        """The pipeline's runs as the store keeps them (who started each, with what), newest first."""
        return parse_list(PipelineRunRecord, self.get(f"/api/companies/{company_id}/pipeline-runs", pipeline=name))

    def get_pipeline_run(self, company_id: str, run_id: str) -> PipelineRunState:
        return parse(PipelineRunState, self.get(f"/api/companies/{company_id}/pipeline-runs/{_seg(run_id)}"))

    def start_pipeline_run(
        self, company_id: str, name: str, inputs: dict[str, Any], *, idempotency_key: str
    ) -> PipelineRunState:
        """Start a run with `inputs`, sent with `idempotency_key`: the same key again answers the
        run the first request started (a double click starts one run)."""
        with ApiClient(
            self.base_url, timeout=self._timeout, api_key=self._api_key, idempotency_key=idempotency_key
        ) as once:
            body = once.post(f"/api/companies/{company_id}/pipelines/{_seg(name)}/runs", {"inputs": inputs})
        return parse(PipelineRunState, body)

    def cancel_pipeline_run(self, company_id: str, run_id: str, *, reason: str = "") -> PipelineRunState:
        path = f"/api/companies/{company_id}/pipeline-runs/{_seg(run_id)}/cancel"
        return parse(PipelineRunState, self.post(path, {"reason": reason}))


def _seg(text: str) -> str:
    """`text` as one path segment (a name or id from the page's URL cannot climb to another route)."""
    return quote(text, safe="")


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
