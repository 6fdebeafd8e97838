"""Logging in with an API key: the key is checked against the API, kept for the session and sent
on every request; a refused key or a 401 is a readable message with a way to log in."""

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from paperclip.settings import get_settings
from tests.cli.fake_api import FakeApi, company_json, serve
from tests.ui.helpers import APP, dashboard_api

KEY = "pck_k1_secret"


@pytest.fixture
def locked_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    monkeypatch.delenv("PAPERCLIP_API_KEY", raising=False)
    unauthorised = (401, {"error": {"code": "unauthorized", "message": "an API key is required", "details": None}})
    fake = FakeApi(routes={"GET /api/companies": unauthorised})
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def test_a_401_says_so_and_links_to_the_login_page(locked_api: FakeApi) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "an API key is required (401 unauthorized)" in at.error[0].value
    assert "log in" in at.info[0].value


def test_a_refused_key_is_not_kept(locked_api: FakeApi) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("app_pages/login.py").run()
    at.text_input(key="login_key").input("pck_wrong_key")
    at.button[0].click().run()
    assert not at.exception
    assert "The API refused this key: an API key is required" in at.error[0].value
    assert "api_key" not in at.session_state
    method, path, _ = locked_api.received[-1]
    assert (method, path.partition("?")[0]) == ("GET", "/api/companies")


def test_an_accepted_key_is_kept_and_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERCLIP_API_KEY", raising=False)
    fake = FakeApi(routes={"GET /api/companies": (200, {"data": [company_json()], "count": 1})})
    with serve(fake) as api:
        monkeypatch.setenv("PAPERCLIP_API_URL", api.url)
        get_settings.cache_clear()
        at = AppTest.from_file(APP, default_timeout=30)
        at.switch_page("app_pages/login.py").run()
        at.text_input(key="login_key").input(KEY)
        at.button[0].click().run()
        seen = [headers.get("authorization") for headers in api.headers]
    get_settings.cache_clear()
    assert not at.exception
    assert at.session_state["api_key"] == KEY
    assert f"Bearer {KEY}" in seen
