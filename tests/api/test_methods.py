"""A method a path does not take is a 405 in the one error shape, whose `Allow` header names
every method the path takes (several routes share a path, one per method)."""

import httpx
import pytest

from tests.api.conftest import assert_error


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/companies", ["GET", "POST"]),
        ("PUT", "/api/companies", ["GET", "POST"]),
        ("POST", "/api/companies/acme/routines/standup", ["GET", "DELETE"]),
        ("PATCH", "/api/endpoints/my-llm", ["GET", "DELETE"]),
        ("POST", "/api/health", ["GET"]),
        ("GET", "/api/companies/acme/budgets/tasks/ACME-1", ["PUT"]),
    ],
)
async def test_a_method_the_path_does_not_take_is_405_listing_every_one_it_does(
    api: httpx.AsyncClient, method: str, path: str, allowed: list[str]
) -> None:
    response = await api.request(method, path)

    error = assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == ", ".join(allowed)
    assert error["details"] == {"allowed": allowed}
    assert error["message"] == f"{method} is not allowed on {path}; it takes {', '.join(allowed)}"
    for other in allowed:  # each is taken (answered, if only with a 4xx about the body or a 404)
        assert (await api.request(other, path, json={})).status_code != 405
