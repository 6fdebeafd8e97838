"""Local mode trusts the board token, not the loopback address, over real HTTP: a request from this
machine without it is a 401 that says how to get in; with it, the board; a wrong one, a 401; the
API makes it (0600) at startup; the Web UI's codec calls from this machine need none."""

import socket
import stat
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from paperclip import board
from paperclip.settings import Settings
from paperclip.store import Store
from tests.api.conftest import assert_error, serve

WEB_UI = {"Origin": "http://localhost:8233"}
"""What the browser sends with the Temporal Web UI's codec calls (a default `PAPERCLIP_CODEC_ORIGINS`)."""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def own_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("10.254.254.254", 9))
        except OSError:
            return None
        address = str(sock.getsockname()[0])
    return None if address.startswith("127.") else address


async def test_a_request_from_this_machine_without_the_board_token_is_refused_and_told_how_to_get_in(
    anonymous: httpx.AsyncClient, settings: Settings
) -> None:
    token = board.read_token(settings.home_dir)
    assert token is not None
    for method, path in [("GET", "/api/companies"), ("POST", "/api/teams"), ("GET", "/api/tokens")]:
        response = await anonymous.request(method, path, json={"name": "red"} if method == "POST" else None)
        message = assert_error(response, 401, "unauthorized")["message"]
        assert "board token" in message and "PAPERCLIP_HOME" in message and "paperclip token create" in message
        assert token not in response.text and token[4:12] not in response.text
    assert (await anonymous.get("/api/health")).status_code == 200  # `paperclip up` waits on it


async def test_the_board_token_makes_a_request_the_boards(api: httpx.AsyncClient, settings: Settings) -> None:
    # The fixture's client sends it: the board's own levers answer.
    assert (await api.post("/api/teams", json={"name": "red"})).status_code == 201
    member = await api.put("/api/teams/red/members", json={"user": "alice", "role": "operator"})
    assert member.status_code == 200, member.text
    made = await api.post("/api/tokens", json={"user": "alice", "label": "laptop"})  # a key for someone else
    assert made.status_code == 201, made.text
    assert (await api.get("/api/tokens")).json()["count"] == 1
    # The key made by the board works as before, and is not the board.
    alice = bearer(made.json()["token"])
    assert_error(await api.post("/api/teams", json={"name": "blue"}, headers=alice), 403, "forbidden")


async def test_a_wrong_board_token_is_refused_without_echoing_either(
    api: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    token = board.read_token(settings.home_dir)
    assert token is not None
    other_home = board.ensure_token(tmp_path / "another-home")
    flipped = token[:-1] + ("0" if token[-1] != "0" else "1")
    for wrong in (flipped, other_home, token[:-4], token + "00", "pcb_", "pcb_" + "A" * 64):
        response = await api.get("/api/companies", headers=bearer(wrong))
        assert "board token" in assert_error(response, 401, "unauthorized")["message"], wrong
        assert token not in response.text and (len(wrong) < 8 or wrong[4:] not in response.text)
    assert (await api.get("/api/companies", headers={"Authorization": f"Bearer  {token}"})).status_code == 200


async def test_the_api_makes_the_token_at_startup_with_mode_0600_and_keeps_it(
    dev_env: WorkflowEnvironment, store: Store, tmp_path: Path
) -> None:
    settings = Settings(home=tmp_path / "fresh", temporal_address=dev_env.client.service_client.config.target_host)
    path = settings.home_dir / "board.token"
    assert not path.exists()
    async with serve(create_app(settings, client=dev_env.client, store=store)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600  # before any request: the CLI can read it now
        token = board.read_token(settings.home_dir)
    assert token is not None
    async with (
        serve(create_app(settings, client=dev_env.client, store=store)) as base_url,
        httpx.AsyncClient(base_url=base_url, headers=bearer(token)) as http,
    ):  # restarted: the same token still works
        assert (await http.get("/api/companies")).status_code == 200
    assert board.read_token(settings.home_dir) == token


async def test_a_damaged_token_file_is_a_readable_500_that_shows_nothing_of_it(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    token = board.read_token(settings.home_dir)
    assert token is not None
    (settings.home_dir / "board.token").write_text("pcb_damaged\n")
    response = await api.get("/api/companies", headers=bearer(token))
    error = assert_error(response, 500, "board_token")
    assert "damaged" not in response.text and str(settings.home_dir) not in error["message"]


async def test_from_another_machine_a_request_needs_a_key_or_the_board_token(
    dev_env: WorkflowEnvironment, store: Store, settings: Settings
) -> None:
    address = own_address()
    if address is None:
        pytest.fail("this machine has no address but loopback: the test needs one to call from")
    token = board.ensure_token(settings.home_dir)
    app = create_app(settings.model_copy(update={"host": "0.0.0.0"}), client=dev_env.client, store=store)
    async with serve(app, host=address) as base_url, httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        refused = await http.get("/api/companies")
        message = assert_error(refused, 401, "unauthorized")["message"]
        assert "API key" in message and "PAPERCLIP_HOME" not in message  # nothing about this machine's files
        assert_error(await http.post("/api/codec/decode", json={"payloads": []}, headers=WEB_UI), 401)
        assert (await http.get("/api/companies", headers=bearer(token))).status_code == 200


async def test_the_web_uis_codec_calls_from_this_machine_need_no_token_and_grant_nothing_else(
    anonymous: httpx.AsyncClient,
) -> None:
    # It passes the door: encryption is off in this API, which the route itself says.
    for path in ("/api/codec/decode", "/api/codec/encode"):
        passed = await anonymous.post(path, json={"payloads": []}, headers=WEB_UI)
        assert "PAPERCLIP_PAYLOAD_KEY" in assert_error(passed, 404, "not_found")["message"], path
    # Without the UI's origin, or from another page's, it does not.
    for headers in ({}, {"Origin": "http://evil.example"}, {"Origin": "http://localhost:8234"}):
        refused = await anonymous.post("/api/codec/decode", json={"payloads": []}, headers=headers)
        assert_error(refused, 401, "unauthorized")
    # And the UI's origin opens no other route.
    assert_error(await anonymous.post("/api/teams", json={"name": "red"}, headers=WEB_UI), 401, "unauthorized")
    assert_error(await anonymous.get("/api/companies", headers=WEB_UI), 401, "unauthorized")
