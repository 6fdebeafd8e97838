"""Endpoints registered by name over HTTP: the key is kept encrypted and never answered back, bound
to the endpoint's URL; an endpoint is its team's (or the deployment's), invisible to other teams;
its input is checked, and a probe says in one line whether it answers, never with a 500."""

import asyncio
import ipaddress
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from paperclip.endpoints import checked_address, refused_address
from paperclip.keyring import KEYLESS, Keyring
from paperclip.models import Endpoint, EndpointKind
from paperclip.secrets import SecretBox, SecretError, load_key
from paperclip.settings import Settings
from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.api.helpers import company_body
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


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def endpoint_body(url: str, name: str = "my-llm", **fields: Any) -> dict[str, Any]:
    return {"name": name, "type": "openai-compatible", "url": url, "api_key": KEY} | fields


async def test_a_registered_endpoint_keeps_its_key_encrypted_and_never_answers_it(api, store: Store, server) -> None:
    created = await api.post("/api/endpoints", json=endpoint_body(server.base_url_openai))
    assert created.status_code == 201, created.text
    assert created.json() == {
        "name": "my-llm",
        "team": None,
        "type": "openai-compatible",
        "url": server.base_url_openai,
        "model": None,
        "has_key": True,
    }
    for answer in (created, await api.get("/api/endpoints"), await api.get("/api/endpoints/my-llm")):
        assert KEY not in answer.text
    stored = store.get_credential(None, "my-llm")
    assert stored is not None and stored.sealed is not None and KEY.encode() not in stored.sealed
    assert stored.urls == (f"http://127.0.0.1:{server.port}/v1",) and stored.endpoint


async def test_the_probe_answers_ok_with_latency_and_model(api, server) -> None:
    await api.post("/api/endpoints", json=endpoint_body(server.base_url_openai, model="gpt-4.1-mini"))
    answer = (await api.post("/api/endpoints/my-llm/test")).json()
    assert answer["ok"] and answer["model"] == "gpt-4.1-mini" and answer["latency_ms"] > 0
    assert answer["line"] == f"OK (latency: {answer['latency_ms']:.0f}ms, model: gpt-4.1-mini)"
    assert server.keys_seen() == [("/v1/models", "authorization")]


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
    body = endpoint_body(server.base_url_openai) | change
    if change.get("url") == "dead":
        body["url"] = f"http://127.0.0.1:{port}/v1"
    await ok(await api.post("/api/endpoints", json=body), 201)
    answer = (await api.post("/api/endpoints/my-llm/test")).json()
    assert not answer["ok"]
    assert reason.format(port=port) in answer["line"] and answer["line"].startswith("FAILED: ")
    assert "\n" not in answer["line"]


async def test_the_probe_follows_no_redirect(api, server) -> None:
    with FakeModelServer() as elsewhere:
        server.redirect_to = elsewhere.base_url
        await ok(await api.post("/api/endpoints", json=endpoint_body(server.base_url_openai)), 201)
        answer = (await api.post("/api/endpoints/my-llm/test")).json()
        assert not answer["ok"] and f"redirects to {elsewhere.base_url}/v1/models" in answer["line"]
        assert elsewhere.seen == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "Not A Slug"}, "name: an endpoint name must be 1-63 lowercase letters, digits, '-' or '_'"),
        ({"url": "ftp://a"}, "url: 'ftp://a': only http and https URLs"),
        ({"url": "http://a\x01b/v1"}, "url: 'http://a\\x01b/v1' is not a URL: it holds spaces or control characters"),
        ({"url": "http://a b/v1"}, "is not a URL: it holds spaces or control characters"),
        ({"url": "http:///v1"}, "the URL has no host"),
        ({"url": "http://169.254.169.254/latest"}, "url: 169.254.169.254 is a cloud metadata address"),
        ({"url": "http://[fe80::1]:8080/v1"}, "url: fe80::1 is a link-local address"),
        ({"url": "http://metadata.google.internal/v1"}, "metadata.google.internal is a cloud metadata service"),
        ({"api_key": "sk-ключ"}, "api_key: the key must be 1-10,000 printable ASCII characters with no spaces"),
        ({"api_key": "sk-a b"}, "the key must be 1-10,000 printable ASCII characters"),
        ({"api_key": "sk-a\nX-Evil: 1"}, "the key must be 1-10,000 printable ASCII characters"),
        ({"type": "smoke"}, "type:"),
    ],
)
async def test_bad_registrations_are_refused_with_a_sentence(api, change, message) -> None:
    error = assert_error(await api.post("/api/endpoints", json=endpoint_body("https://llm.example/v1") | change), 422)
    assert message in error["message"], error
    assert "pydantic" not in error["message"] and "ключ" not in error["message"] and "X-Evil" not in error["message"]


async def test_unknown_endpoints_are_404(api) -> None:
    assert_error(await api.post("/api/endpoints/nope/test"), 404, "not_found")
    assert_error(await api.delete("/api/endpoints/nope"), 404, "not_found")
    assert_error(await api.get("/api/endpoints/nope"), 404, "not_found")


@pytest.mark.parametrize(
    ("url", "key", "message"),
    [
        ("http://127.0.0.1:9/v\x01", None, "is not a URL: it holds spaces or control characters"),
        ("http://127.0.0.1:9/v1", "sk-ключ", "the key must be 1-10,000 printable ASCII characters"),
        ("http://169.254.169.254/v1", None, "169.254.169.254 is a cloud metadata address"),
        ("http://169.254.10.10/v1", None, "169.254.10.10 is a link-local address"),
        ("http://[::ffff:169.254.169.254]/v1", None, "::ffff:a9fe:a9fe is a cloud metadata address"),
        ("http://100.100.100.200/v1", None, "100.100.100.200 is a cloud metadata address"),
        ("http://[fd00:ec2::254]/v1", None, "fd00:ec2::254 is a cloud metadata address"),
        ("http://METADATA.google.internal./v1", None, "is a cloud metadata service"),
    ],
)
async def test_the_probe_of_a_stored_endpoint_it_may_not_call_is_a_4xx_never_a_500(
    api, store: Store, settings: Settings, url: str, key: str | None, message: str
) -> None:
    """Rows from before the checks (or written around the API) still never make the probe fail."""
    endpoint = Endpoint(name="old", kind=EndpointKind.OPENAI_COMPATIBLE, url=url, has_key=key is not None)
    sealed = SecretBox(load_key(settings.home_dir, settings.secret_key)).seal("old", key) if key else None
    store.put_endpoint(endpoint, sealed, "http://127.0.0.1:9/v1")
    error = assert_error(await api.post("/api/endpoints/old/test"), 422, "invalid_endpoint")
    assert message in error["message"] and "ключ" not in error["message"], error


async def test_every_address_a_host_resolves_to_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    async def resolves(host: str, port: int, **_: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in ("10.0.0.7", "169.254.169.254")]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", resolves)
    with pytest.raises(ValueError, match="llm.example resolves to 169.254.169.254 is a cloud metadata address"):
        await checked_address("https://llm.example/v1")
    assert refused_address(ipaddress.ip_address("127.0.0.1")) is None  # a local model server
    assert refused_address(ipaddress.ip_address("10.1.2.3")) is None
    assert refused_address(ipaddress.ip_address("64:ff9b::a9fe:a9fe")) is not None  # NAT64 of the metadata address


async def test_model_calls_resolve_the_stored_key_and_a_keyless_endpoint(api, store: Store, settings: Settings) -> None:
    await api.post("/api/endpoints", json=endpoint_body("http://127.0.0.1:1/v1"))
    await api.post(
        "/api/endpoints", json={"name": "ollama", "type": "openai-compatible", "url": "http://127.0.0.1:2/v1"}
    )
    keys = Keyring(store, settings, SecretBox(load_key(settings.home_dir, settings.secret_key)), environ={})
    mine, local = keys("any-company", "my-llm"), keys("any-company", "ollama")
    assert mine is not None and (mine.secret, mine.urls, mine.bucket) == (KEY, ("http://127.0.0.1:1/v1",), "my-llm")
    assert local is not None and (local.secret, local.urls) == (KEYLESS, ("http://127.0.0.1:2/v1",))
    assert keys("any-company", "NOT_SET_ANYWHERE") is None
    assert store.get_endpoint(None, "my-llm") == Endpoint(
        name="my-llm", kind="openai-compatible", url="http://127.0.0.1:1/v1", has_key=True
    )
    assert (await api.delete("/api/endpoints/my-llm")).status_code == 204
    assert store.get_credential(None, "my-llm") is None


@pytest.fixture
async def people(api: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    """Teams red and blue: olga owns red, alice operates red, vic views red, bob owns blue."""
    for team in ("red", "blue"):
        await ok(await api.post("/api/teams", json={"name": team}), 201)
    members = {
        "olga": ("red", "owner"),
        "alice": ("red", "operator"),
        "vic": ("red", "viewer"),
        "bob": ("blue", "owner"),
    }
    headers = {}
    for user, (team, role) in members.items():
        await ok(await api.put(f"/api/teams/{team}/members", json={"user": user, "role": role}))
        headers[user] = bearer(
            (await ok(await api.post("/api/tokens", json={"user": user, "label": "t"}), 201))["token"]
        )
    return headers


async def test_a_teams_endpoints_are_its_owners_to_change_its_operators_to_use_and_404_elsewhere(
    api, store: Store, settings: Settings, server: FakeModelServer, people: dict[str, dict[str, str]]
) -> None:
    olga, alice, vic, bob = (people[u] for u in ("olga", "alice", "vic", "bob"))
    red = endpoint_body(server.base_url_openai, name="llm", team="red")
    assert_error(await api.post("/api/endpoints", json=red, headers=alice), 403, "forbidden")  # an operator
    assert_error(await api.post("/api/endpoints", json=red | {"team": None}, headers=olga), 403, "forbidden")
    assert (await ok(await api.post("/api/endpoints", json=red, headers=olga), 201))["team"] == "red"

    # Another team's: 404 to read, use, delete and overwrite, as if it did not exist.
    for method, path in (
        ("GET", "/api/endpoints/llm?team=red"),
        ("POST", "/api/endpoints/llm/test?team=red"),
        ("DELETE", "/api/endpoints/llm?team=red"),
        ("GET", "/api/endpoints?team=red"),
    ):
        error = assert_error(await api.request(method, path, headers=bob), 404, "not_found")
        assert "red" in error["message"]
    assert_error(await api.post("/api/endpoints", json=red | {"api_key": "sk-bob"}, headers=bob), 404, "not_found")
    # The same name in blue is blue's own: another key, another bucket.
    blue = endpoint_body(server.base_url_openai, name="llm", team="blue", api_key="sk-bob")
    await ok(await api.post("/api/endpoints", json=blue, headers=bob), 201)

    assert (await ok(await api.post("/api/endpoints/llm/test?team=red", headers=alice)))["ok"]  # an operator uses it
    assert_error(await api.post("/api/endpoints/llm/test?team=red", headers=vic), 403, "forbidden")  # a viewer does not
    assert_error(await api.delete("/api/endpoints/llm?team=red", headers=alice), 403, "forbidden")
    assert_error(await api.delete("/api/endpoints/llm?team=red", headers=vic), 403, "forbidden")

    listed = {
        user: sorted((e["team"], e["name"]) for e in (await ok(await api.get("/api/endpoints", headers=h)))["data"])
        for user, h in people.items()
    }
    assert listed == {
        "olga": [("red", "llm")],
        "alice": [("red", "llm")],
        "vic": [("red", "llm")],
        "bob": [("blue", "llm")],
    }
    assert len((await ok(await api.get("/api/endpoints")))["data"]) == 2  # the board sees both

    rocket = (await ok(await api.post("/api/companies", json=company_body(team="red"), headers=alice), 201))["id"]
    bluebird = (await ok(await api.post("/api/companies", json=company_body(team="blue"), headers=bob), 201))["id"]
    box = SecretBox(load_key(settings.home_dir, settings.secret_key))
    keys = Keyring(store, settings, box, environ={}, cache_seconds=0)
    found = {company: keys(company, "llm") for company in (rocket, bluebird)}
    assert [(k.secret, k.bucket, k.team) for k in found.values() if k] == [
        (KEY, "red/llm", "red"),
        ("sk-bob", "blue/llm", "blue"),
    ]
    # What a company's agents get by a name, for `agent hire --endpoint`.
    assert (await ok(await api.get(f"/api/endpoints/llm?company={rocket}", headers=alice)))["team"] == "red"
    assert_error(await api.get(f"/api/endpoints/llm?company={rocket}", headers=bob), 404, "not_found")

    await ok(await api.delete("/api/endpoints/llm?team=red", headers=olga), 204)
    assert store.get_credential("red", "llm") is None and store.get_credential("blue", "llm") is not None


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
    with pytest.raises(SecretError, match="does not decrypt"):
        SecretBox(key).open("red/my-llm", sealed)  # and to its team
    with pytest.raises(SecretError, match="32 bytes"):
        load_key(tmp_path, "c2hvcnQ=")
