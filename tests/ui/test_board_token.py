"""The dashboard on the API's home sends its board token (as the CLI does), so on this machine it
needs no login; an API key wins; the token shows nowhere on a page."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from paperclip import board
from paperclip.settings import get_settings
from tests.cli.fake_api import FakeApi, company_json
from tests.ui.helpers import APP, dashboard_api

KEY = "pck_0123456789abcdef_secret"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A home whose board token `paperclip up` made; the dashboard runs on it, with no API key."""
    monkeypatch.setenv("PAPERCLIP_HOME", str(tmp_path))
    monkeypatch.delenv("PAPERCLIP_API_KEY", raising=False)
    return board.ensure_token(tmp_path)


@pytest.fixture
def fake_api(home: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    fake = FakeApi(routes={"GET /api/companies": (200, {"data": [], "count": 0})})
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def shown(at: AppTest) -> str:
    """Every text the page shows."""
    kinds = ("markdown", "caption", "error", "info", "success", "warning", "title", "text_input", "code")
    return "\n".join(str(getattr(element, "value", "")) for kind in kinds for element in at.get(kind))


def test_the_dashboard_sends_the_board_token_of_its_home(home: str, fake_api: FakeApi) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "No companies yet" in at.info[0].value  # the API answered: no login asked for
    assert {headers.get("authorization") for headers in fake_api.headers} == {f"Bearer {home}"}
    assert home not in shown(at) and home[4:20] not in shown(at)

    at.switch_page("app_pages/login.py").run()  # the login page does not show it either
    assert not at.exception and home not in shown(at) and home[4:20] not in shown(at)


def test_an_api_key_wins_over_the_board_token(home: str, fake_api: FakeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERCLIP_API_KEY", KEY)
    get_settings.cache_clear()
    at = AppTest.from_file(APP, default_timeout=30).run()
    get_settings.cache_clear()
    assert not at.exception
    assert {headers.get("authorization") for headers in fake_api.headers} == {f"Bearer {KEY}"}


def test_without_a_board_token_the_dashboard_sends_nothing_and_says_how_to_get_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERCLIP_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("PAPERCLIP_API_KEY", raising=False)
    refused = (401, {"error": {"code": "unauthorized", "message": "the board token is needed", "details": None}})
    fake = FakeApi(routes={"GET /api/companies": refused, "GET /api/companies/acme": (200, company_json())})
    with dashboard_api(fake, monkeypatch) as api:
        at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert {headers.get("authorization") for headers in api.headers} == {None}
    assert "the board token is needed (401 unauthorized)" in at.error[0].value
    assert "PAPERCLIP_HOME" in at.info[0].value and "log in" in at.info[0].value
