"""A migrated store on each backend: SQLite (a temporary file) and PostgreSQL (a fresh database).

The store runs on both in every run: with no PostgreSQL here the PostgreSQL cases fail and say
how to get one (`scripts/test` installs Debian's package when run as root).
"""

from collections.abc import Iterator

import pytest

from paperclip.store import Store
from tests.pg import ENV_URL, fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A URL of an empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('store') / 'paperclip.db'}"
        return
    server = request.getfixturevalue("postgresql_server")
    if server is None:
        pytest.fail(f"no PostgreSQL: set {ENV_URL} or install Debian's postgresql package")
    with fresh_database(server) as url:
        yield url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store on an empty database."""
    store = Store(database_url)
    store.migrate()
    yield store
    store.dispose()
