"""A migrated store on each backend: SQLite (a temporary file) and PostgreSQL (a fresh database).

The store runs on both in every run: with no PostgreSQL here the PostgreSQL cases fail and say
how to get one (`scripts/test` installs Debian's package when run as root).
"""

from collections.abc import Iterator

import pytest

from paperclip.store import Store


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every store test runs on SQLite and on PostgreSQL (`database`, in the root conftest)."""
    if "database" in metafunc.fixturenames:
        metafunc.parametrize("database", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def store(database: str) -> Iterator[Store]:
    """A migrated store on an empty database."""
    store = Store(database)
    store.migrate()
    yield store
    store.dispose()
