"""An agent's own context window, over real HTTP: kept as hired, and refused with a readable
message when it is too small or leaves no room for the reply."""

import httpx

from tests.api.conftest import assert_error
from tests.api.helpers import create_company


async def test_an_agent_is_hired_with_its_own_context_window_and_a_bad_one_is_refused(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    model = {"provider": "openai", "model": "llama3.1:8b", "context_window": 8192, "max_tokens": 512}
    hired = await api.post(
        f"/api/companies/{company}/agents", json={"name": "local", "role": "engineer", "model": model}
    )
    assert hired.status_code == 201, hired.text
    shown = await api.get(f"/api/companies/{company}/agents/local")
    assert shown.status_code == 200 and shown.json()["spec"]["model"]["context_window"] == 8192

    for bad, says in [
        ({"context_window": 512}, "greater than or equal to 1024"),
        ({"context_window": 2048, "max_tokens": 4096}, "max_tokens (4096) must be less than context_window (2048)"),
        ({"context_window": "large"}, "context_window"),
    ]:
        body = {"name": "other", "role": "engineer", "model": {"provider": "openai", "model": "m", **bad}}
        error = assert_error(await api.post(f"/api/companies/{company}/agents", json=body), 422)
        assert says in error["message"] + str(error["details"]), error
