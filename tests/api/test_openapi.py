"""The OpenAPI schema states the checks the server makes: a body the schema refuses the server
refuses with a 4xx and a sentence, and one it allows gets past those checks."""

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from tests.api.conftest import assert_error
from tests.api.helpers import company_body, create_company


async def schema_of(api: httpx.AsyncClient, name: str) -> Draft202012Validator:
    """A validator of the named component of the API's own schema."""
    document = (await api.get("/api/openapi.json")).json()
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]})


TIMINGS: list[dict[str, Any]] = [
    {"cron": "0 9 * * 1-5"},
    {"cron": "*/15 * * * *"},
    {"cron": "0 9 * * mon-fri"},
    {"cron": "@daily"},
    {"every": 60},
    {"every": "1h30m"},
    {"cron": "* * * * * * *"},  # seconds and a year: every second
    {"cron": "*/10 * * * * *"},
    {"cron": "@every 1s"},
    {"cron": "0 9 * * 1#2"},
    {"every": 59},
    {"every": "soon"},
    {"cron": "0 9 * * *", "every": 3600},  # exactly one of them
    {},
    {"cron": None, "every": None},
]


async def test_the_schema_and_the_server_agree_on_a_routines_timing(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    routine = await schema_of(api, "RoutineSpec")
    for n, timing in enumerate(TIMINGS):
        body = {"name": f"r{n}", "agent": "cmo", "title": "Stand-up"} | timing
        response = await api.post(f"/api/companies/{company}/routines", json=body)
        if routine.is_valid(body):
            assert response.status_code == 201, (timing, response.text)
        else:
            assert_error(response, response.status_code, "invalid_input")
            assert response.status_code in (400, 422), (timing, response.text)


@pytest.mark.parametrize(
    ("fields", "allowed"),
    [
        ({"id": "acme-2"}, True),
        ({"id": "Acme"}, False),
        ({"id": "-acme"}, False),
        ({"prefix": "AC2"}, True),
        ({"prefix": "ac"}, False),
        ({"name": "   "}, False),
    ],
    ids=repr,
)
async def test_the_schema_and_the_server_agree_on_a_companys_names(
    api: httpx.AsyncClient, fields: dict[str, Any], allowed: bool
) -> None:
    body = company_body() | fields
    assert (await schema_of(api, "CompanyCreate")).is_valid(body) is allowed
    response = await api.post("/api/companies", json=body)
    if allowed:
        assert response.status_code == 201, response.text
    else:
        assert_error(response, 422, "invalid_input")


async def test_an_agents_an_endpoints_and_a_teams_name_are_slugs_in_the_schema(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    for component, path, body in [
        ("AgentSpec", f"/api/companies/{company}/agents", {"name": "Bad Name", "reports_to": "ceo"}),
        ("EndpointBody", "/api/endpoints", {"name": "Bad Name", "type": "anthropic", "url": "http://127.0.0.1:9"}),
        ("TeamBody", "/api/teams", {"name": "Bad Name"}),
    ]:
        assert not (await schema_of(api, component)).is_valid(body)
        assert (await schema_of(api, component)).is_valid(body | {"name": "good-name"})
        assert_error(await api.post(path, json=body), 422, "invalid_input")


async def test_base64_is_stated_and_anything_else_is_a_4xx_that_says_so(api: httpx.AsyncClient) -> None:
    document = (await api.get("/api/openapi.json")).json()
    payload = document["components"]["schemas"]["CodecPayload"]["properties"]
    for stated in (payload["data"], payload["metadata"]["additionalProperties"]):
        assert (stated["format"], stated["contentEncoding"]) == ("byte", "base64")
    for bad in ({"data": "%%%"}, {"data": "YQ"}, {"metadata": {"encoding": "json/plain"}}):
        error = assert_error(await api.post("/api/codec/decode", json={"payloads": [bad]}), 422, "invalid_input")
        assert error["message"].endswith(": not base64"), error


async def test_the_cost_window_states_that_since_is_before_until(api: httpx.AsyncClient) -> None:
    document = (await api.get("/api/openapi.json")).json()
    parameters = {p["name"]: p for p in document["paths"]["/api/companies/{company}/costs"]["get"]["parameters"]}
    assert "earlier than `until`" in parameters["since"]["description"]
    assert "later than `since`" in parameters["until"]["description"]
    company = (await create_company(api))["id"]
    for since, until in [("2025-03-02", "2025-03-01"), ("2025-03-01T00:00:00Z", "2025-03-01T01:00:00+01:00")]:
        response = await api.get(f"/api/companies/{company}/costs", params={"since": since, "until": until})
        assert assert_error(response, 422, "invalid_input")["message"] == "until: must be later than since"


async def test_a_last_event_id_that_is_not_a_sequence_number_is_a_400(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    for value in (b"soon", "²".encode("latin-1")):  # '²' is a digit to str.isdigit, not to int()
        response = await api.get(
            f"/api/companies/{company}/events", params={"follow": "false"}, headers={"Last-Event-ID": value}
        )
        assert assert_error(response, 400, "invalid_input")["message"] == "Last-Event-ID must be a sequence number"
