import httpx

from api.app import create_app
from paperclip.settings import Settings
from paperclip.store import Store
from tests.api.conftest import board_headers, serve


async def test_health_is_ok_when_temporal_and_the_store_answer(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["temporal"]["ok"] is True and body["temporal"]["error"] is None
    assert body["temporal"]["address"]
    assert body["store"] == {"ok": True, "error": None}


async def test_health_is_degraded_and_503_when_temporal_is_unreachable(store: Store, tmp_path) -> None:
    settings = Settings(home=tmp_path, temporal_address="127.0.0.1:1")  # nothing listens on port 1
    async with (
        serve(create_app(settings, store=store)) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=board_headers(settings)) as http,
    ):
        response = await http.get("/api/health")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "degraded"
        assert body["temporal"]["ok"] is False and body["temporal"]["address"] == "127.0.0.1:1"
        assert body["temporal"]["error"]
        assert body["store"]["ok"] is True
        # Any call that needs Temporal answers 503 in the error shape.
        response = await http.get("/api/companies/acme")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "temporal_unavailable"


async def test_openapi_docs_are_served(api: httpx.AsyncClient) -> None:
    assert (await api.get("/docs")).status_code == 200
    schema = (await api.get("/api/openapi.json")).json()
    assert "/api/companies/{company}/tasks/{identifier}/trace" in schema["paths"]
