"""Fixtures of the contract tests (`tests/cli_contract/real.py` says what they run)."""

from collections.abc import Iterator

import pytest

from tests.fakes import FakeModelServer


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def server(model_server: FakeModelServer) -> FakeModelServer:
    """The module's fake provider, reset for this test."""
    model_server.reset()
    model_server.cached_input_tokens = 0
    model_server.gemini.key, model_server.gemini.thoughts_tokens = "test-key", 0
    return model_server
