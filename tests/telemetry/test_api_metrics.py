"""The API's `/metrics`: requests counted by method, route template and status (never a path a
caller sent), answered without a token so Prometheus can scrape it."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.telemetry.stack import Stack, metered_stack, samples


@pytest.fixture
async def stack(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Stack]:
    async with metered_stack(dev_env, tmp_path, auth="required") as stack:
        yield stack


async def test_metrics_count_requests_by_route_template(stack: Stack) -> None:
    assert (await stack.api.get("/api/companies")).status_code == 200
    for _ in range(2):
        assert (await stack.api.get("/api/companies/co-secret-name")).status_code == 404
    assert (await stack.api.get("/no/such/path/co-other")).status_code == 404

    async with httpx.AsyncClient(base_url=stack.api.base_url) as anonymous:  # no token, as Prometheus
        assert (await anonymous.get("/api/companies")).status_code == 401  # the API itself still asks for one
        response = await anonymous.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    requests = samples(text, "paperclip_api_requests_total")

    by_route = {(dict(k)["method"], dict(k)["route"], dict(k)["status"]): v for k, v in requests.items()}
    assert by_route[("GET", "/api/companies", "200")] == 1
    assert by_route[("GET", "/api/companies/{company}", "404")] == 2
    assert by_route[("GET", "unmatched", "404")] == 1
    assert by_route[("GET", "/api/companies", "401")] == 1
    assert "co-secret-name" not in text and "co-other" not in text  # bounded: templates only
    timed = samples(text, "paperclip_api_request_duration_seconds_count", route="/api/companies/{company}")
    assert sum(timed.values()) == 2
