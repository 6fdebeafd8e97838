"""What the dashboard's page tests share: the app, a fixed time, and a fake API it is pointed at."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperclip.settings import get_settings
from tests.cli.fake_api import FakeApi, serve

APP = str(Path(__file__).parents[2] / "ui" / "app.py")
T0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


@contextmanager
def dashboard_api(fake: FakeApi, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    """Serve `fake` over real HTTP and point the dashboard at it (settings read afresh)."""
    with serve(fake) as api:
        monkeypatch.setenv("PAPERCLIP_API_URL", api.url)
        get_settings.cache_clear()
        try:
            yield api
        finally:
            get_settings.cache_clear()
