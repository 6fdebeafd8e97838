"""The `http` adapter's configuration and request body, without a server."""

import json

import pytest
from pydantic import ValidationError

from activities.http_agent import render
from paperclip.models import AgentSpec, HttpConfig

VALUES = {
    "prompt": 'Fix "the" bug\nnow',
    "task_id": "ACME-1",
    "title": "Fix",
    "company_id": "acme",
    "agent": "ext",
    "turn": "2",
    "api_url": "http://127.0.0.1:8000",
    "task_url": "http://127.0.0.1:8000/api/companies/acme/tasks/ACME-1",
    "token": "ptt1.a.b",
    "expires_at": "2026-11-21T12:00:00+00:00",
}


def test_a_template_gets_each_value_json_escaped() -> None:
    http = HttpConfig(url="http://agent/run", template='{"input": "$prompt", "ref": "${task_id}", "n": $turn}')
    assert json.loads(render(http, VALUES)) == {"input": 'Fix "the" bug\nnow', "ref": "ACME-1", "n": 2}


def test_the_default_body_carries_the_task_and_the_callback() -> None:
    body = json.loads(render(HttpConfig(url="http://agent/run"), VALUES))
    assert body["task"]["id"] == "ACME-1" and body["turn"] == 2 and body["prompt"] == VALUES["prompt"]
    assert body["callback"]["token"] == "ptt1.a.b"
    assert body["callback"]["complete"] == VALUES["task_url"] + "/complete"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"url": "ftp://agent"}, "url"),
        ({"url": "http://agent", "template": '{"x": "$secret"}'}, "uses secret"),
        ({"url": "http://agent", "template": "cost: $"}, "template"),
        ({"url": "http://agent", "headers": {"Authorization": "Bearer sk"}}, "credential"),
        ({"url": "http://agent", "headers": {"bad header": "x"}}, "header name"),
    ],
)
def test_a_bad_http_config_is_refused_with_a_reason(config: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        HttpConfig.model_validate(config)


def test_an_http_agent_needs_its_url() -> None:
    with pytest.raises(ValidationError, match="http.url"):
        AgentSpec(name="ext", adapter="http")
