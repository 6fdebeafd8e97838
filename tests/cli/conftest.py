from collections.abc import Iterator

import pytest

from paperclip.settings import get_settings


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[None]:
    """Each test reads settings from its own environment, with its own home folder: the test's
    `tmp_path`, the home of the real API of `tests/api` too, so the CLI finds its board token as it
    does on a machine where `paperclip up` runs."""
    monkeypatch.setenv("PAPERCLIP_HOME", str(tmp_path))
    for name in ("PAPERCLIP_API_URL", "PAPERCLIP_COMPANY", "TEMPORAL_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
