"""The dashboard's client of the API: typed reads over the project's one HTTP wrapper.

The dashboard talks to the API only; an `ApiError` carries a readable one-line message.
"""

import os
from collections.abc import Callable
from typing import TypeVar

import streamlit as st
from pydantic import BaseModel, ValidationError

from paperclip.cli.client import ApiClient, ApiError
from paperclip.models import CompanySnapshot, CompanySpec, TaskRecord
from paperclip.settings import get_settings

__all__ = ["ApiError", "DashboardApi", "get_api"]

M = TypeVar("M", bound=BaseModel)


class DashboardApi:
    """What the dashboard reads, as the shared pydantic models."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self._client = ApiClient(base_url, timeout=timeout)

    @property
    def base_url(self) -> str:
        return self._client.base_url

    def list_companies(self) -> list[CompanySpec]:
        body = self._client.get("/api/companies")
        return _parse(lambda: [CompanySpec.model_validate(item) for item in body["data"]])

    def get_company(self, company_id: str) -> CompanySnapshot:
        body = self._client.get(f"/api/companies/{company_id}")
        return _parse(lambda: CompanySnapshot.model_validate(body))

    def list_tasks(self, company_id: str) -> list[TaskRecord]:
        body = self._client.get(f"/api/companies/{company_id}/tasks")
        return _parse(lambda: [TaskRecord.model_validate(item) for item in body["data"]])


T = TypeVar("T")


def _parse(build: Callable[[], T]) -> T:
    try:
        return build()
    except (ValidationError, KeyError, TypeError) as error:
        raise ApiError(f"the API answered in an unexpected shape: {str(error).splitlines()[0]}") from error


def api_url() -> str:
    """`PAPERCLIP_API_URL`, else the local API."""
    return os.environ.get("PAPERCLIP_API_URL") or get_settings().resolved_api_url


@st.cache_resource
def _api(base_url: str) -> DashboardApi:
    return DashboardApi(base_url)


def get_api() -> DashboardApi:
    """The shared client for the current `PAPERCLIP_API_URL` (one per URL, kept across reruns)."""
    return _api(api_url())
