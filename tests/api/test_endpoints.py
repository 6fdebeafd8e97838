"""Endpoints registered by name over HTTP: the key is kept encrypted and never answered back,
a probe says in one line whether the endpoint answers, and model calls resolve the stored key."""

import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperclip.endpoints import StoredCredentials
from paperclip.models import Endpoint
from paperclip.secrets import SecretBox, SecretError, load_key
from paperclip.settings import Settings
from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.fakes import FakeModelServer

KEY = "sk-local-7f3a9c1e5b"


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as fake:
        fake.openai_key = KEY
        yield fake


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_registered_endpoint_keeps_its_key_encrypted_and_never_answers_it(api, store: Store, server) -> None:
    body = {"name": "my-llm", "type": "openai-compatible", "url": server.base_url_openai, "api_key": KEY}
    created = await api.post("/api/endpoints", json=body)
    assert created.status_code == 201, created.text
    assert created.json() == {
        "name": "my-llm",
        "type": "openai-compatible",
        "url": server.base_url_openai,
        "model": None,
        "has_key": True,
    }
    for answer in (created, await api.get("/api/endpoints"), await api.get("/api/endpoints/my-llm")):
        assert KEY not in answer.text
    sealed = store.get_credential("my-llm")
    assert sealed is not None and KEY.encode() not in sealed


async def test_the_probe_answers_ok_with_latency_and_model(api, server) -> None:
    body = {"name": "my-llm", "type": "openai-compatible", "url": server.base_url_openai, "api_key": KEY}
    await api.post("/api/endpoints", json=body | {"model": "gpt-4.1-mini"})
    answer = (await api.post("/api/endpoints/my-llm/test")).json()
    assert answer["ok"] and answer["model"] == "gpt-4.1-mini" and answer["latency_ms"] > 0
    assert answer["line"] == f"OK (latency: {answer['latency_ms']:.0f}ms, model: gpt-4.1-mini)"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"api_key": "sk-wrong"}, "refused the key (401)"),
        ({"model": "gpt-9"}, "gpt-9 is not served there (it serves: gpt-4o-mini, gpt-4.1-mini, gpt-5-mini)"),
        ({"url": "dead"}, "cannot connect to http://127.0.0.1:{port}/v1/models"),
    ],
)
async def test_the_probe_of_a_bad_endpoint_says_why_in_one_line(api, server, change, reason) -> None:
    port = free_port()
    body = {"name": "my-llm", "type": "openai-compatible", "url": server.base_url_openai, "api_key": KEY}
    body |= change
    if change.get("url") == "dead":
        body["url"] = f"http://127.0.0.1:{port}/v1"
    await api.post("/api/endpoints", json=body)
    answer = (await api.post("/api/endpoints/my-llm/test")).json()
    assert not answer["ok"]
    assert reason.format(port=port) in answer["line"] and answer["line"].startswith("FAILED: ")
    assert "\n" not in answer["line"]


async def test_bad_registrations_are_refused_and_unknown_endpoints_are_404(api) -> None:
    assert_error(await api.post("/api/endpoints", json={"name": "x", "type": "smoke", "url": "http://a"}), 422)
    assert_error(await api.post("/api/endpoints", json={"name": "x", "type": "anthropic", "url": "ftp://a"}), 422)
    bad_name = {"name": "Not A Slug", "type": "anthropic", "url": "https://a"}
    assert_error(await api.post("/api/endpoints", json=bad_name), 422)
    assert_error(await api.post("/api/endpoints/nope/test"), 404, "not_found")
    assert_error(await api.delete("/api/endpoints/nope"), 404, "not_found")


async def test_model_calls_resolve_the_stored_key_and_a_keyless_endpoint(api, store: Store, settings: Settings) -> None:
    body = {"name": "my-llm", "type": "openai-compatible", "url": "http://127.0.0.1:1/v1", "api_key": KEY}
    await api.post("/api/endpoints", json=body)
    await api.post(
        "/api/endpoints", json={"name": "ollama", "type": "openai-compatible", "url": "http://127.0.0.1:2/v1"}
    )
    resolve = StoredCredentials(store, SecretBox(load_key(settings.home_dir, settings.secret_key)))
    assert resolve("my-llm") == KEY
    assert resolve("ollama") == "no-key"
    assert resolve("NOT_SET_ANYWHERE") is None
    assert store.get_endpoint("my-llm") == Endpoint(
        name="my-llm", kind="openai-compatible", url=body["url"], has_key=True
    )
    assert (await api.delete("/api/endpoints/my-llm")).status_code == 204
    assert store.get_credential("my-llm") is None


def test_the_key_file_is_made_once_with_mode_0600_and_a_different_key_cannot_read(tmp_path: Path) -> None:
    key = load_key(tmp_path)
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    assert load_key(tmp_path) == key
    sealed = SecretBox(key).seal("my-llm", KEY)
    assert SecretBox(key).open("my-llm", sealed) == KEY
    with pytest.raises(SecretError, match="does not decrypt"):
        SecretBox(load_key(tmp_path / "other")).open("my-llm", sealed)
    with pytest.raises(SecretError, match="does not decrypt"):
        SecretBox(key).open("another-name", sealed)  # bound to its name
    with pytest.raises(SecretError, match="32 bytes"):
        load_key(tmp_path, "c2hvcnQ=")
